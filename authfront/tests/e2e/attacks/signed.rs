//! CloudFront signed-URL Resources (issue 10, finding 2): a custom policy for
//! `{public_url}/downloads/alice/*` must open only what the rules and the origin see under
//! `/downloads/alice/` — the policy is matched against the normalised URL, so dot segments,
//! encoded dots and encoded slashes cannot climb into `/downloads/bob/`. Signed with
//! `authfront sign-url` as a user would, verified by `[[cloudfront.signed_paths]]`, served by
//! the folder origin; requests are sent raw (an HTTP library would resolve the dots itself).

use std::fs;
use std::process::Command;

use super::raw;
use super::{assert_none, port};
use crate::support::{App, BIN, Setup, free_port, op_issuer, repo_root, toml_str};

const KEY_PAIR_ID: &str = "K2JCJMDEHXQW5F";
const ALICE: &str = "AF-MARK-ALICE-REPORT";
const BOB: &str = "AF-MARK-BOB-SECRET";

#[tokio::test]
#[ignore = "end-to-end: needs the provider; scripts/test.sh runs it"]
async fn signed_url_resource_is_matched_on_the_normalised_path() {
    let testdata = repo_root().join("core/src/cloudfront/testdata");
    let port_n = free_port();
    let extra = format!(
        "[cloudfront.key_groups.partners]\n{KEY_PAIR_ID} = {{ file = {} }}\n\n\
         [[cloudfront.signed_paths]]\npaths = [\"/downloads/*\"]\nkey_group = \"partners\"\n",
        toml_str(&testdata.join("rsa2048.pub.pem").to_string_lossy())
    );
    let app = App::start(Setup::new(op_issuer()).port(port_n).extra(&extra)).await;
    let site = app.dir.path().join("site/downloads");
    for (file, marker) in [("alice/report.txt", ALICE), ("bob/secret.txt", BOB)] {
        fs::create_dir_all(site.join(file).parent().unwrap()).unwrap();
        fs::write(site.join(file), format!("{marker}\n")).unwrap();
    }
    let base = format!("http://127.0.0.1:{port_n}");
    let out = Command::new(BIN)
        .args(["sign-url", &format!("{base}/downloads/alice/report.txt")])
        .args(["--resource", &format!("{base}/downloads/alice/*"), "--expires", "1h"])
        .args(["--key-pair-id", KEY_PAIR_ID, "--private-key"])
        .arg(testdata.join("rsa2048.pem"))
        .output()
        .unwrap();
    assert!(out.status.success(), "sign-url: {}", String::from_utf8_lossy(&out.stderr));
    let signed = String::from_utf8(out.stdout).unwrap();
    let query = signed.trim().split_once('?').unwrap().1.to_owned();
    assert!(query.contains("Policy=") && query.contains("Signature="), "a custom policy: {signed}");

    // the link works where it should, and nowhere else on the plain path
    let own = raw::get(port(&app), &format!("/downloads/alice/report.txt?{query}"), &[]).await.unwrap();
    assert!(own.status == 200 && own.has(ALICE), "the signed link itself: {} {}", own.status, own.text());
    let other = raw::get(port(&app), &format!("/downloads/bob/secret.txt?{query}"), &[]).await.unwrap();
    assert!(other.status == 403 && !other.has(BOB), "bob's file with alice's link: {}", other.status);

    let mut problems = Vec::new();
    for path in [
        "/downloads/alice/../bob/secret.txt",
        "/downloads/alice/%2e%2e/bob/secret.txt",
        "/downloads/alice/%2E%2E/bob/secret.txt",
        "/downloads/alice/.%2e/bob/secret.txt",
        "/downloads/alice/..%2fbob/secret.txt",
        "/downloads/alice/%2e%2e%2fbob%2fsecret.txt",
        "/downloads/alice//../bob/secret.txt",
        "/downloads/alice/./../bob/secret.txt",
        "/downloads/alice/x/../../bob/secret.txt",
        "/downloads/alice/%252e%252e/bob/secret.txt",
    ] {
        match raw::get(port(&app), &format!("{path}?{query}"), &[]).await {
            Ok(r) if r.has(BOB) => problems.push(format!("{path}: {} with BOB's file", r.status)),
            Ok(r) if r.status == 403 || r.status == 400 || (r.status == 404 && path.contains("%25")) => {}
            Ok(r) => problems.push(format!("{path}: {}, expected 403", r.status)),
            Err(e) => problems.push(format!("{path}: no answer ({e})")),
        }
    }
    assert_none("alice's signed link, pointed at bob's folder", &problems);
}

//! CloudFront login mode end to end against the real provider: after a sign-in the browser holds
//! CloudFront signed cookies that an independent check accepts for the configured resource and
//! refuses elsewhere. The check is `scripts/cloudfront/verify_cookies.py`: Python
//! `cryptography` with the public key, over the policy as sent, with CloudFront's wildcard rules,
//! the way botocore-based tooling verifies; it runs in the venv `scripts/test-cloudfront.sh`
//! installs (`$AUTHFRONT_TEST_PYTHON`, which `scripts/test.sh` sets). And the signing commands
//! as a user runs them (that one needs nothing else, so it is not `#[ignore]`d).

use std::path::PathBuf;
use std::process::Command;

use reqwest::StatusCode;

use crate::support::*;

const KEY_PAIR_ID: &str = "K2JCJMDEHXQW5F";
const PYTHON_ENV: &str = "AUTHFRONT_TEST_PYTHON";
const CF_COOKIES: [&str; 3] = ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"];

fn testdata(name: &str) -> PathBuf {
    repo_root().join("core/src/cloudfront/testdata").join(name)
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var(PYTHON_ENV)
        && !p.is_empty()
    {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".deps/cloudfront-venv/bin/python");
    assert!(
        venv.exists(),
        "{PYTHON_ENV} is not set and .deps/cloudfront-venv is missing: run scripts/test.sh, or \
         `scripts/test-cloudfront.sh --setup` and export {PYTHON_ENV}=.deps/cloudfront-venv/bin/python"
    );
    venv
}

/// Runs the independent check on `cookies` (name, value): `allow`/`deny` each URL.
fn verify(dir: &std::path::Path, cookies: &[(String, String)], checks: &[(&str, String)]) -> (bool, String) {
    let file = dir.join("cloudfront-cookies.json");
    let json: serde_json::Map<String, serde_json::Value> =
        cookies.iter().map(|(n, v)| (n.clone(), serde_json::Value::from(v.as_str()))).collect();
    std::fs::write(&file, serde_json::Value::Object(json).to_string()).expect("write cookies");
    let mut cmd = Command::new(python());
    cmd.arg(repo_root().join("scripts/cloudfront/verify_cookies.py")).arg(testdata("rsa2048.pub.pem")).arg(&file);
    for (verdict, url) in checks {
        cmd.arg(verdict).arg(url);
    }
    let out = cmd.output().expect("run verify_cookies.py");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// authfront in CloudFront login mode: cookies for `/docs/*` of this instance, 10 minutes.
async fn start_login_mode() -> (App, u16) {
    let port = free_port();
    let extra = format!(
        "[cloudfront.login_cookies]\nkey_pair_id = \"{KEY_PAIR_ID}\"\nprivate_key = {{ file = {} }}\n\
         resource = \"http://127.0.0.1:{port}/docs/*\"\nlifetime = \"10m\"\n",
        toml_str(&testdata("rsa2048.pem").to_string_lossy())
    );
    (App::start(Setup::new(op_issuer()).port(port).extra(&extra)).await, port)
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider and the cloudfront venv; scripts/test.sh runs it"]
async fn login_mode_sets_cloudfront_cookies_that_verify_for_the_resource_only() {
    let (app, port) = start_login_mode().await;
    let base = format!("http://127.0.0.1:{port}");
    let mut browser = Browser::default();
    let pending = app.start_login(&mut browser, "/docs/guide.html").await;
    let callback = app.at_provider(&mut browser, &pending, "alice").await;
    let answer = get(&app.http, &mut browser.app, &callback).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert_eq!(answer.location().path(), "/docs/guide.html");
    let set = answer.cookies();
    for name in CF_COOKIES {
        let c = cookie_set(&set, name).unwrap_or_else(|| panic!("no {name} after the login: {set:?}"));
        assert!(c.has_flag("HttpOnly") && c.has_flag("Secure"), "{c:?}");
        assert_eq!(c.attr("Path"), Some("/"), "{c:?}");
        assert_eq!(c.attr("Max-Age"), Some("600"), "{c:?}");
    }
    assert!(cookie_set(&set, "CloudFront-Expires").is_none(), "a custom policy, not a canned one");
    let cookies: Vec<(String, String)> = CF_COOKIES.iter().map(|n| (n.to_string(), browser.app.value(n))).collect();
    assert_eq!(cookies[2].1, KEY_PAIR_ID);

    // botocore-style: the public key, the policy, CloudFront's wildcards
    let (ok, report) = verify(
        app.dir.path(),
        &cookies,
        &[
            ("allow", format!("{base}/docs/guide.html")),
            ("allow", format!("{base}/docs/sub/page.html?x=1")),
            ("deny", format!("{base}/index.html")),
            ("deny", format!("{base}/docs")),
            ("deny", "http://other.test/docs/guide.html".to_owned()),
        ],
    );
    assert!(ok, "{report}");
    let mut forged = cookies.clone();
    forged[0].1 = forged[0].1.replacen('e', "f", 1);
    let (ok, report) = verify(app.dir.path(), &forged, &[("allow", format!("{base}/docs/guide.html"))]);
    assert!(!ok && report.contains("does NOT verify"), "a tampered policy must fail: {report}");

    // the page itself is served (authfront's own session)
    let page = app.get(&mut browser, "/docs/guide.html").await;
    assert_eq!(page.status, StatusCode::OK);

    // CloudFront sends a browser back to sign in although its cookies are valid: 403, no loop
    let again = app.get(&mut browser, "/_authfront/login?rd=%2Fdocs%2Fguide.html").await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.body);
    assert!(again.cookies().is_empty());
    // ... and once they are gone (expired, deleted): fresh ones, straight back, no provider trip
    for name in CF_COOKIES {
        browser.app.replace(name, "");
    }
    let fresh = app.get(&mut browser, "/_authfront/login?rd=%2Fdocs%2Fguide.html").await;
    assert_eq!(fresh.status, StatusCode::FOUND, "{}", fresh.body);
    assert_eq!(fresh.location().as_str(), format!("{base}/docs/guide.html"));
    assert!(!app.is_login_redirect(&fresh));
    let renewed: Vec<(String, String)> = CF_COOKIES.iter().map(|n| (n.to_string(), browser.app.value(n))).collect();
    let (ok, report) = verify(app.dir.path(), &renewed, &[("allow", format!("{base}/docs/a"))]);
    assert!(ok, "{report}");

    // the page CloudFront shows for its 403
    let start = app.get(&mut browser, "/_authfront/start").await;
    assert_eq!(start.status, StatusCode::OK);
    start.assert_contains("?rd=");

    // signing out deletes them
    let out = app.get(&mut browser, "/_authfront/signout").await;
    let removed = out.cookies();
    for name in CF_COOKIES {
        assert!(
            removed.iter().any(|c| c.name == name && c.is_removal()),
            "{name} not deleted at sign-out: {removed:?}"
        );
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn users_the_rules_refuse_get_no_cloudfront_cookies() {
    let (app, _) = start_login_mode().await;
    let mut browser = Browser::default();
    let pending = app.start_login(&mut browser, "/docs/guide.html").await;
    let callback = app.at_provider(&mut browser, &pending, "carol").await;
    let answer = get(&app.http, &mut browser.app, &callback).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    let set = answer.cookies();
    assert!(cookie_set(&set, SESSION_COOKIE).is_some(), "carol is signed in: {set:?}");
    assert!(set.iter().all(|c| !c.name.starts_with("CloudFront-")), "but not let in by CloudFront: {set:?}");
    let login = app.get(&mut browser, "/_authfront/login?rd=%2Fdocs%2F").await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
}

/// `authfront sign-url` / `sign-cookies` as a user runs them (no provider needed, so not
/// ignored): botocore's bytes for a golden case, exit 64 with the reason for mistakes.
#[test]
fn sign_commands_print_what_cloudfront_takes_and_name_mistakes() {
    let key = testdata("rsa2048.pem");
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().expect("run authfront");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(testdata("golden.json")).expect("golden.json")).expect("JSON");
    let common = ["--key-pair-id", KEY_PAIR_ID, "--private-key", key.to_str().expect("path")];
    let (code, out, err) =
        run(&[
            &[
                "sign-url",
                "https://d111111abcdef8.cloudfront.net/images/photo.jpg?size=large",
                "--expires",
                "1893456000",
            ][..],
            &common,
        ]
        .concat());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.trim_end(), golden["canned"].as_str().expect("canned"), "botocore's signed URL, byte for byte");

    let (code, out, err) = run(&[
        &[
            "sign-cookies",
            "--resource",
            "https://d111111abcdef8.cloudfront.net/*",
            "--expires",
            "1h",
            "--format",
            "json",
        ][..],
        &common,
    ]
    .concat());
    assert_eq!(code, Some(0), "{err}");
    let cookies: serde_json::Value = serde_json::from_str(&out).expect("JSON cookies");
    assert_eq!(cookies["CloudFront-Key-Pair-Id"], KEY_PAIR_ID);
    assert!(cookies["CloudFront-Policy"].is_string() && cookies["CloudFront-Signature"].is_string());

    for (args, why) in [
        (vec!["sign-url", "https://x.test/a", "--expires", "soon"], "--expires"),
        (vec!["sign-url", "https://x.test/a", "--expires", "2001-01-01"], "not in the future"),
        (vec!["sign-url", "https://x.test/a#top", "--expires", "1h"], "fragment"),
        (vec!["sign-url", "https://x.test/a", "--expires", "1h", "--ip", "10.0.0.0/33"], "--ip"),
        (vec!["sign-url", "https://x.test/a", "--expires", "1h", "--resource", "https://y.test/*"], "does not match"),
        (vec!["sign-url", "https://x.test/a", "--expires", "2h", "--starts", "3h"], "before --expires"),
    ] {
        let (code, _, err) = run(&[&args[..], &common].concat());
        assert_eq!(code, Some(64), "{args:?}: {err}");
        assert!(err.contains(why), "{args:?}: {err}");
    }
    let (code, _, err) = run(&[
        "sign-url",
        "https://x.test/a",
        "--expires",
        "1h",
        "--key-pair-id",
        "K1",
        "--private-key",
        "/nonexistent.pem",
    ]);
    assert_eq!(code, Some(64));
    assert!(err.contains("/nonexistent.pem"), "{err}");
    let (code, help, _) = run(&["sign-url", "--help"]);
    assert_eq!(code, Some(0));
    assert!(help.contains("Key-Pair-Id") && help.contains("Examples:") && help.contains("DateLessThan"), "{help}");
}

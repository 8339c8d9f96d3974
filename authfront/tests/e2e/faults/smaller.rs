//! Finding 14, the smaller ones: a malformed chunk size from the client is the client's error
//! (400, not 502) in front of a real nginx; `check-config` refuses `oidc.http_timeout = "0s"`
//! and an admin listener on the main listener's address, naming the key; `SIGHUP` is logged and
//! ignored by `authfront serve` (reload is not supported), which keeps serving.

use std::fs;
use std::time::Duration;

use reqwest::StatusCode;

use super::{Bare, raw_request, signal};
use crate::support::*;

fn nginx_var(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!("{name} is not set: run scripts/test.sh (it starts nginx), or see the top of origins/mod.rs")
    })
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and nginx; scripts/test.sh runs it"]
async fn a_bad_chunk_size_from_the_client_is_a_400() {
    let origin = format!(
        "http = \"{}\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = {{ env = \"E2E_ORIGIN_SECRET\" }} }}",
        nginx_var("AUTHFRONT_TEST_NGINX")
    );
    let setup =
        Setup::new(op_issuer()).origin(&origin).env("E2E_ORIGIN_SECRET", &nginx_var("AUTHFRONT_TEST_NGINX_SECRET"));
    let app = App::start(setup).await;
    let host = app.base.authority();
    for (what, body) in [
        ("a chunk size that is not hex", "zz\r\nhello\r\n0\r\n\r\n"),
        ("a chunk size beyond u64", "fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
    ] {
        let request = format!(
            "POST /public/upload HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{body}"
        );
        let answer = raw_request(host, request.as_bytes()).await;
        assert_eq!(
            answer.status, 400,
            "{what}: the client's malformed body is a 400, not an origin failure:\n{}",
            answer.head
        );
    }
    // a well-formed chunked body to the same place is not refused as malformed
    let request = format!(
        "POST /public/upload HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    );
    let answer = raw_request(host, request.as_bytes()).await;
    assert!(answer.status != 400 && answer.status != 502, "a good chunked body reaches nginx: {}", answer.head);
}

#[test]
#[ignore = "end-to-end: the real binary; scripts/test.sh runs it"]
fn check_config_refuses_a_zero_http_timeout_and_a_shared_admin_address() {
    let dir = tempfile::tempdir().unwrap();
    let good = crate::minimal_config(dir.path());
    let check = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        crate::run(&["check-config", "--config", path.to_str().unwrap()])
    };
    let (code, text) = check("good.toml", &good);
    assert_eq!(code, Some(0), "the base config is valid:\n{text}");

    let zero = good.replace("[oidc]\n", "[oidc]\nhttp_timeout = \"0s\"\n");
    let (code, text) = check("zero.toml", &zero);
    assert_eq!(code, Some(64), "oidc.http_timeout = \"0s\" (every provider call would fail) is refused:\n{text}");
    assert!(text.contains("oidc.http_timeout"), "the message names `oidc.http_timeout`:\n{text}");

    let shared = format!("{good}\n[admin]\nlisten = \"127.0.0.1:8080\"\ntoken = \"faults-admin-token-0123456789\"\n");
    let (code, text) = check("shared.toml", &shared);
    assert_eq!(code, Some(64), "admin.listen equal to server.listen (serve could never start) is refused:\n{text}");
    assert!(text.contains("admin.listen"), "the message names `admin.listen`:\n{text}");
}

#[tokio::test]
#[ignore = "end-to-end: the real binary; scripts/test.sh runs it"]
async fn sighup_is_logged_and_ignored() {
    let mut bare = Bare::start("", "", false, None).await;
    signal(bare.pid(), "HUP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(bare.alive(), "SIGHUP must not end authfront serve (reload is not supported, the signal is ignored)");
    let r = reqwest::get(bare.url(HEALTH_PATH)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = reqwest::get(bare.url("/public/")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "still serving the site");
    let log = bare.log().to_lowercase();
    assert!(
        (log.contains("sighup") || log.contains("hangup")) && log.contains("reload"),
        "the log says SIGHUP came and reload is not supported:\n{}",
        bare.log()
    );
}

//! CORS preflights (issue 10, finding 5): an `OPTIONS` with `Access-Control-Request-Method` on a
//! protected path is authenticated like any request — no session, `401` (JSON); a user outside
//! the required groups, `403` — and never reaches the origin. `access.preflight = "origin"`
//! (opt-in) forwards them unauthenticated, but without a body, the origin's secret header or
//! identity headers.

use super::raw::exchange;
use super::{assert_none, cookie_line, nonce, port, signed_in, wsgi_seen, wsgi_setup};
use crate::support::{App, DEFAULT_ACCESS};

/// A preflight for `path`, with a body (which no browser sends) and `extra` header lines.
fn preflight(path: &str, port: u16, extra: &str) -> String {
    format!(
        "OPTIONS {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: https://evil.example\r\n\
         Access-Control-Request-Method: DELETE\r\nAccess-Control-Request-Headers: x-token\r\n{extra}\
         Content-Length: 11\r\nConnection: close\r\n\r\nhello world"
    )
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn preflight_on_a_protected_path_is_authenticated() {
    let app = App::start(wsgi_setup()).await;
    let carol = signed_in(&app, "carol", "/").await;
    let n = nonce();
    let mut problems = Vec::new();
    let path = format!("/api/preflight-anon-{n}");
    let r = exchange(port(&app), preflight(&path, port(&app), "").as_bytes()).await.unwrap();
    let json = r.header("content-type").is_some_and(|t| t.starts_with("application/json"));
    if r.status != 401 || !json {
        problems.push(format!(
            "anonymous preflight: {} {:?}, expected a 401 JSON answer",
            r.status,
            r.header("content-type")
        ));
    }
    let path_carol = format!("/api/preflight-carol-{n}");
    let r = exchange(
        port(&app),
        preflight(&path_carol, port(&app), &format!("{}\r\n", cookie_line(&app, &carol))).as_bytes(),
    )
    .await
    .unwrap();
    if r.status != 403 {
        problems.push(format!("carol (in no required group), preflight: {}, expected 403", r.status));
    }
    for p in [&path, &path_carol] {
        if let Some(s) = wsgi_seen(p).first() {
            problems.push(format!(
                "the origin saw the preflight {p}: secret header {}, body {} bytes",
                s["headers"]["HTTP_X_ORIGIN_VERIFY"], s["body_len"]
            ));
        }
    }
    assert_none("CORS preflights on protected paths", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn preflight_origin_forwards_them_bare() {
    let access = format!("{DEFAULT_ACCESS}\npreflight = \"origin\"");
    let app = App::start(wsgi_setup().access(&access)).await;
    let alice = signed_in(&app, "alice", "/").await;
    let path = format!("/api/preflight-bare-{}", nonce());
    let r =
        exchange(port(&app), preflight(&path, port(&app), &format!("{}\r\n", cookie_line(&app, &alice))).as_bytes())
            .await
            .unwrap();
    assert_eq!(r.status, 200, "forwarded to the origin: {}", r.text());
    let seen = wsgi_seen(&path);
    assert_eq!(seen.len(), 1, "{seen:#?}");
    let s = &seen[0];
    let mut problems = Vec::new();
    if s["method"] != "OPTIONS" || s["headers"]["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] != "DELETE" {
        problems.push(format!("not the preflight as sent: {s}"));
    }
    for h in
        ["HTTP_X_ORIGIN_VERIFY", "HTTP_X_AUTH_REQUEST_USER", "HTTP_X_AUTH_REQUEST_EMAIL", "HTTP_X_AUTH_REQUEST_GROUPS"]
    {
        if !s["headers"][h].is_null() {
            problems.push(format!("the unauthenticated preflight carried {h} = {}", s["headers"][h]));
        }
    }
    // no body: no framing header, or at most the `Content-Length: 0` of an empty one
    if s["body_len"] != 0 || !(s["content_length"].is_null() || s["content_length"] == "0") {
        problems.push(format!(
            "the preflight carried a body: Content-Length {}, {} bytes",
            s["content_length"], s["body_len"]
        ));
    }
    assert_none("access.preflight = \"origin\"", &problems);
}

//! The boundary in-process (issue 10), where a real proxy's framing and connections matter:
//! request bodies framed by authfront and bounded, heads refused before any decision, protected
//! header names in every spelling, preflights, personal answers kept out of the cache, and the
//! listener's cap and timeouts. Raw TCP where a well-behaved client could not send the attack.
//! The same findings against real nginx, Tomcat and a WSGI server: `tests/e2e/attacks`.

use std::time::Duration;

use authfront_core::session::{Session, SessionId};
use http::StatusCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::origin::{Canned, TestOrigin};
use crate::support::{Edge, FakeIdp};

/// An edge in front of `origin` with `/public/*` public, everyone else needing `staff`.
/// `server` goes into `[server]`, `tail` after every table.
async fn edge(origin: &TestOrigin, server: &str, tail: &str) -> (Edge, FakeIdp) {
    let idp = FakeIdp::start().await;
    let http =
        format!("http = \"{}\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = \"s3cret\" }}", origin.url);
    let access = "public_paths = [\"/public/*\"]\nrequired_groups = [\"staff\"]";
    (Edge::start_server(&idp.issuer, &http, access, server, tail).await, idp)
}

/// A session cookie for `sub` in `groups`, sealed by this edge's keys.
fn session(edge: &Edge, sub: &str, groups: &[&str]) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let s = Session {
        id: SessionId([sub.len() as u8; 16]),
        sub: sub.into(),
        sid: None,
        email: None,
        name: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: now,
        exp: now + 3600,
        seen: now,
        refresh_at: None,
        generation: 0,
    };
    s.seal(&edge.app.site.config.session.keys, [9; 12])
}

fn addr(edge: &Edge) -> String {
    edge.url.trim_start_matches("http://").to_owned()
}

/// Sends `raw` on a fresh connection and reads until the server closes it or `wait` passes.
async fn raw(edge: &Edge, raw: &[u8], wait: Duration) -> String {
    let mut s = TcpStream::connect(addr(edge)).await.unwrap();
    s.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn status_line(resp: &str) -> &str {
    resp.lines().next().unwrap_or("")
}

#[tokio::test]
async fn a_get_body_is_forwarded_framed_by_authfront_never_by_the_client() {
    let origin = TestOrigin::start().await;
    origin.set("/public/echo", Canned::ok("ok", &[("cache-control", "no-store")]));
    let (edge, _idp) = edge(&origin, "", "").await;
    // a body on a GET reaches the origin with it, framed by its real length
    let r = edge.http.get(format!("{}/public/echo", edge.url)).body("0123456789").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(origin.last_body(), "0123456789");
    assert_eq!(origin.last_headers()["content-length"], "10");
    // a body without its declared length never lets bytes of the next request through: the
    // edge reads exactly what the client declared and the origin gets exactly that
    let hidden = "GET /secret HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n";
    let smuggle = format!("GET /public/echo HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n{hidden}", hidden.len());
    let resp = raw(&edge, smuggle.as_bytes(), Duration::from_secs(2)).await;
    assert!(status_line(&resp).contains("200"), "{resp}");
    assert_eq!(origin.hits("/secret"), 0, "the smuggled request never reached the origin");
    assert!(origin.last_body().starts_with(b"GET /secret"), "it was a body, and went as one");
}

#[tokio::test]
async fn bodies_beyond_the_limit_are_413_and_broken_ones_400() {
    let origin = TestOrigin::start().await;
    origin.set("/public/up", Canned::ok("stored", &[]));
    let (edge, _idp) = edge(&origin, "", "[proxy]\nmax_request_body = 16").await;
    let r = edge.http.post(format!("{}/public/up", edge.url)).body("x".repeat(17)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "declared");
    let chunked = b"POST /public/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n4\r\nmore\r\n0\r\n\r\n";
    assert!(status_line(&raw(&edge, chunked, Duration::from_secs(2)).await).contains("413"), "streamed");
    let bad = b"POST /public/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n";
    assert!(status_line(&raw(&edge, bad, Duration::from_secs(2)).await).contains("400"), "a bad chunk size");
    let ok = edge.http.post(format!("{}/public/up", edge.url)).body("x".repeat(16)).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(origin.last_body(), "x".repeat(16));
}

#[tokio::test]
async fn a_stalled_upload_is_408() {
    let origin = TestOrigin::start().await;
    origin.set("/public/up", Canned::ok("stored", &[]));
    let idp = FakeIdp::start().await;
    let http = format!("http = \"{}\"", origin.url);
    let edge =
        Edge::start_server(&idp.issuer, &http, "public_paths = [\"/public/*\"]", "request_body_timeout = \"1s\"", "")
            .await;
    let head = b"POST /public/up HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123";
    let resp = raw(&edge, head, Duration::from_secs(5)).await;
    assert!(status_line(&resp).contains("408"), "{resp}");
}

#[tokio::test]
async fn heads_the_edge_and_an_origin_could_read_differently_are_refused() {
    let origin = TestOrigin::start().await;
    origin.set("/public/x", Canned::ok("x", &[]));
    let (edge, _idp) = edge(&origin, "", "").await;
    let no_host = raw(&edge, b"GET /public/x HTTP/1.1\r\n\r\n", Duration::from_secs(2)).await;
    assert!(status_line(&no_host).contains("400"), "{no_host}");
    let two = raw(&edge, b"GET /public/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Duration::from_secs(2)).await;
    assert!(status_line(&two).contains("400"), "{two}");
    for path in ["/public/..;/secret", "/public/..%3b/secret", "/public/x;jsessionid=1"] {
        let r = edge.get(path, &[]).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    let spoof =
        edge.http.get(format!("{}/public/x", edge.url)).header("X_Auth_Request_User", "admin").send().await.unwrap();
    assert_eq!(spoof.status(), StatusCode::BAD_REQUEST);
    assert_eq!(origin.hits("/public/x"), 0, "none of these reached the origin");
}

#[tokio::test]
async fn protected_names_never_reach_the_origin_in_any_spelling() {
    let origin = TestOrigin::start().await;
    origin.set("/public/x", Canned::ok("x", &[]));
    let (edge, _idp) = edge(&origin, "underscore_headers = \"strip\"", "").await;
    let r = edge
        .http
        .get(format!("{}/public/x", edge.url))
        .header("X_Auth_Request_User", "admin")
        .header("X-Auth-Request-Groups", "admins")
        .header("X-Original-URL", "/admin")
        .header("X-Rewrite-URL", "/admin")
        .header("X-Forwarded-Prefix", "/evil")
        .header("Remote-User", "admin")
        .header("X-HTTP-Method-Override", "DELETE")
        .header("X_Origin_Verify", "guess")
        .header("X-App", "kept")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = origin.last_headers();
    for gone in [
        "x_auth_request_user",
        "x-auth-request-user",
        "x-auth-request-groups",
        "x-original-url",
        "x-rewrite-url",
        "x-forwarded-prefix",
        "remote-user",
        "x-http-method-override",
        "x_origin_verify",
    ] {
        assert!(!h.contains_key(gone), "{gone} reached the origin: {h:?}");
    }
    assert_eq!(h["x-origin-verify"], "s3cret");
    assert_eq!(h["x-app"], "kept");
}

fn preflight(edge: &Edge) -> reqwest::RequestBuilder {
    edge.http
        .request(reqwest::Method::OPTIONS, format!("{}/api/x", edge.url))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
}

#[tokio::test]
async fn anonymous_preflights_are_authenticated_unless_sent_to_the_origin_as_nobody() {
    let origin = TestOrigin::start().await;
    origin.set("/api/x", Canned::ok("", &[("access-control-allow-origin", "https://app.example")]));
    let (edge, _idp) = edge(&origin, "", "").await;
    let r = preflight(&edge).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(origin.hits("/api/x"), 0);
    let (open, _idp) = edge_with_access(&origin, "preflight = \"origin\"").await;
    let r = preflight(&open).body("should not pass").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = origin.last_headers();
    assert!(!h.contains_key("x-origin-verify"), "a preflight from nobody must not look like authfront's own");
    assert!(!h.contains_key("x-auth-request-user"));
    assert!(origin.last_body().is_empty(), "no body");
}

async fn edge_with_access(origin: &TestOrigin, more: &str) -> (Edge, FakeIdp) {
    let idp = FakeIdp::start().await;
    let http =
        format!("http = \"{}\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = \"s3cret\" }}", origin.url);
    let access = format!("required_groups = [\"staff\"]\n{more}");
    (Edge::start_with(&idp.issuer, "", Some(&http), &access, "").await, idp)
}

#[tokio::test]
async fn personal_answers_are_never_shared_between_users() {
    let origin = TestOrigin::start().await;
    // an origin that answers per user and says nothing about caching, slowly (requests overlap)
    origin.set("/me", Canned::ok("whoever", &[]).delayed(Duration::from_millis(300)));
    origin.set("/static/logo", Canned::ok("logo", &[("cache-control", "max-age=60")]));
    let (edge, _idp) = edge_with_access(&origin, "").await;
    let (alice, bob) = (session(&edge, "alice", &["staff"]), session(&edge, "bob-b", &["staff"]));
    let (ca, cb) = ([("authfront_session", alice.as_str())], [("authfront_session", bob.as_str())]);
    let (a, b) = tokio::join!(edge.get("/me", &ca), edge.get("/me", &cb));
    for r in [&a, &b] {
        assert_eq!(r.headers()["x-cache"], "bypass", "identity headers are sent: never from the cache");
        assert_eq!(r.headers()["cache-control"], "private, no-cache");
    }
    assert_eq!(origin.hits("/me"), 2, "each user's own fetch");
    // even a shareable answer is not shared when it was fetched with someone's identity
    edge.get("/static/logo", &[("authfront_session", &alice)]).await;
    let r = edge.get("/static/logo", &[("authfront_session", &bob)]).await;
    assert_eq!(r.headers()["x-cache"], "bypass");
    assert_eq!(origin.hits("/static/logo"), 2);
}

#[tokio::test]
async fn a_rule_may_say_answers_do_not_depend_on_who_asks() {
    let origin = TestOrigin::start().await;
    origin.set("/static/logo", Canned::ok("logo", &[("cache-control", "max-age=60")]));
    let idp = FakeIdp::start().await;
    let http = format!("http = \"{}\"", origin.url);
    let tail = "[cache]\nrules = [{ path = \"/static/*\", shared = true }]";
    let edge = Edge::start_with(&idp.issuer, "", Some(&http), "required_groups = [\"staff\"]", tail).await;
    let (alice, bob) = (session(&edge, "alice", &["staff"]), session(&edge, "bob-b", &["staff"]));
    assert_eq!(edge.get("/static/logo", &[("authfront_session", &alice)]).await.headers()["x-cache"], "miss");
    assert_eq!(edge.get("/static/logo", &[("authfront_session", &bob)]).await.headers()["x-cache"], "hit");
    assert_eq!(origin.hits("/static/logo"), 1);
}

#[tokio::test]
async fn answers_stale_on_arrival_are_neither_coalesced_nor_kept_as_stale() {
    let origin = TestOrigin::start().await;
    // no freshness, no validator, default cache settings (default_ttl 0s, stale_if_error 1h)
    origin.set("/public/news", Canned::ok("today", &[]).delayed(Duration::from_millis(300)));
    let (edge, _idp) = edge(&origin, "", "").await;
    let (a, b) = tokio::join!(edge.get("/public/news", &[]), edge.get("/public/news", &[]));
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    assert_eq!(origin.hits("/public/news"), 2, "each waiting request fetched for itself");
    origin.down(true);
    let r = edge.get("/public/news", &[]).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "nothing stale was kept to stand in");
}

#[tokio::test]
async fn past_the_connection_cap_idle_connections_make_room_for_health_checks() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start_server(&idp.issuer, "dir = \"/tmp\"", "", "max_connections = 4", "").await;
    let mut idle = Vec::new();
    for _ in 0..12 {
        // connected and silent (no header byte yet): the worst kind of idle
        idle.push(TcpStream::connect(addr(&edge)).await.unwrap());
    }
    let health = tokio::time::timeout(Duration::from_secs(5), edge.get("/_authfront/health", &[])).await;
    assert_eq!(health.expect("health answers past the cap").status(), StatusCode::OK);
}

#[tokio::test]
async fn slow_heads_and_idle_connections_are_closed() {
    let idp = FakeIdp::start().await;
    let server = "header_read_timeout = \"1s\"\nidle_timeout = \"1s\"";
    let edge = Edge::start_server(&idp.issuer, "dir = \"/tmp\"", "", server, "").await;
    // a head that never ends
    let mut slow = TcpStream::connect(addr(&edge)).await.unwrap();
    slow.write_all(b"GET /_authfront/health HTTP/1.1\r\nHost: a\r\n").await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(4), slow.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the slow head was cut off");
    // a kept-alive connection after its answer
    let mut kept = TcpStream::connect(addr(&edge)).await.unwrap();
    kept.write_all(b"GET /_authfront/health HTTP/1.1\r\nHost: a\r\n\r\n").await.unwrap();
    let mut first = [0u8; 64];
    let n = kept.read(&mut first).await.unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(4), kept.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the idle connection was closed");
}

//! The HTTP origin in-process: what a request to it carries (identity of the signed-in user,
//! never a client's spoofed one, never authfront's cookies; `X-Forwarded-*`; the secret
//! header), routing by path, SPA fallback, `Location` rewriting, the read timeout.

use std::time::Duration;

use http::StatusCode;

use crate::support::origin::{Canned, TestOrigin};
use crate::support::{Edge, FakeIdp, sign_in};

#[tokio::test]
async fn identity_forwarded_headers_secret_and_cookies() {
    let idp = FakeIdp::start().await;
    let origin = TestOrigin::start().await;
    origin.set("/echo", Canned::ok("echo", &[("cache-control", "no-store")]));
    let http = format!(
        "http = \"{}\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = \"origin-secret-1\" }}",
        origin.url
    );
    let edge = Edge::start_with(&idp.issuer, "", Some(&http), "required_groups = [\"staff\"]", "").await;
    let session = sign_in(&edge, &idp, "/").await;
    let r = edge
        .http
        .get(format!("{}/echo", edge.url))
        .header("cookie", format!("authfront_session={session}; theme=dark; authfront_login=x"))
        .header("x-auth-request-user", "mallory")
        .header("x-auth-request-groups", "admins")
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-origin-verify", "guessed")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = origin.last_headers();
    assert_eq!(h["x-auth-request-user"], "alice-sub");
    assert_eq!(h["x-auth-request-email"], "alice@example.test");
    assert_eq!(h["x-auth-request-groups"], "staff");
    assert_eq!(h.get_all("x-auth-request-user").iter().count(), 1);
    assert_eq!(h["x-origin-verify"], "origin-secret-1");
    assert_eq!(h["x-forwarded-for"], "127.0.0.1");
    assert_eq!(h["x-forwarded-proto"], "http");
    assert_eq!(h["x-forwarded-host"], edge.url.trim_start_matches("http://"));
    assert_eq!(h["cookie"], "theme=dark");
    assert_eq!(h["host"], origin.url.trim_start_matches("http://"));
    assert_eq!(h["accept-encoding"], "identity");
}

#[tokio::test]
async fn routes_spa_fallback_and_location() {
    let idp = FakeIdp::start().await;
    let api = TestOrigin::start().await;
    let app = TestOrigin::start().await;
    api.set("/api/v1/items", Canned::ok("[]", &[("content-type", "application/json")]));
    app.set("/index.html", Canned::ok("<div id=app></div>", &[("content-type", "text/html")]));
    app.set(
        "/old",
        Canned { status: 301, headers: vec![("location".into(), format!("{}/new", app.url))], ..Canned::default() },
    );
    let origin =
        format!("http = \"{}\"\nspa = true\n[[origin.routes]]\npath = \"/api/*\"\nhttp = \"{}\"\n", app.url, api.url);
    let edge = Edge::start_with(&idp.issuer, "", Some(&origin), "public_paths = [\"/*\"]", "").await;
    let r = edge.get("/api/v1/items", &[]).await;
    assert_eq!(r.text().await.unwrap(), "[]");
    assert_eq!(api.hits("/api/v1/items"), 1);
    // a client-side route: the origin's 404 becomes the SPA's index
    let r = edge.get("/settings/profile", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "<div id=app></div>");
    // an asset stays a 404 (the origin's own answer)
    assert_eq!(edge.get("/missing.js", &[]).await.status(), StatusCode::NOT_FOUND);
    // a redirect into the origin points at the site
    let r = edge.get("/old", &[]).await;
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()["location"], format!("{}/new", edge.url));
}

#[tokio::test]
async fn slow_origin_is_a_504() {
    let idp = FakeIdp::start().await;
    let origin = TestOrigin::start().await;
    origin.set("/slow", Canned::ok("late", &[]).delayed(Duration::from_secs(5)));
    let http = format!("http = \"{}\"\nread_timeout = \"300ms\"", origin.url);
    let edge = Edge::start_with(&idp.issuer, "", Some(&http), "public_paths = [\"/*\"]", "").await;
    let started = std::time::Instant::now();
    let r = edge.get("/slow", &[]).await;
    assert_eq!(r.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn origin_down_without_cache_is_a_clean_502() {
    let idp = FakeIdp::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let edge =
        Edge::start_with(&idp.issuer, "", Some(&format!("http = \"{url}\"")), "public_paths = [\"/*\"]", "").await;
    let r = edge.get("/x", &[]).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let body = r.text().await.unwrap();
    assert!(body.contains("Bad gateway") && !body.contains("127.0.0.1"), "{body}");
}

//! In-process integration tests: the real server, idp client, origins and cache, against a
//! fake identity provider that can be told to fail (and, in `cache` and `origins`, a scriptable
//! HTTP origin). Focus: failures never set a session cookie and always give the right page;
//! provider keys are refreshed, but never flooded; the cache stores only what it may.

// Test code: a panic is a failed test, which is what an unwrap here should be.
#![allow(clippy::unwrap_used)]

mod backchannel;
mod boundary;
mod cache;
mod oneshot;
mod origins;
mod refresh;
mod support;

use std::time::Duration;

use http::StatusCode;
use support::{CLIENT, Edge, FakeIdp, SECRET, TokenMode, location, set_cookie, start_login};

async fn assert_failure(r: reqwest::Response, status: StatusCode, retry_to: &str) {
    assert_eq!(r.status(), status);
    assert!(set_cookie(&r, "authfront_session").is_none(), "a failure must never set a session cookie");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body = r.text().await.unwrap();
    assert!(body.contains("id=\"retry\""), "{body}");
    assert!(body.contains(retry_to), "retry link should lead back to {retry_to}: {body}");
}

#[tokio::test]
async fn login_round_trip_against_the_fake() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    let s = start_login(&edge, &idp, "/docs/page.html?a=1").await;
    let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
    assert_eq!(r.status(), StatusCode::FOUND, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), format!("{}/docs/page.html?a=1", edge.url));
    let session = set_cookie(&r, "authfront_session").unwrap();
    // client_secret_basic, PKCE verifier and redirect_uri reached the token endpoint
    let (auth, body) = idp.with(|s| s.last_token_request.clone()).unwrap();
    let basic = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{CLIENT}:{SECRET}"));
    assert_eq!(auth.as_deref(), Some(format!("Basic {basic}").as_str()));
    assert!(
        body.contains("grant_type=authorization_code") && body.contains("code=c0de") && body.contains("code_verifier=")
    );
    let r = edge.get("/docs/page.html?a=1", &[("authfront_session", &session)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "page");
}

#[tokio::test]
async fn provider_unreachable_gives_502_page() {
    // a port nothing listens on
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let edge = Edge::start(&issuer, "").await;
    let r = edge.get("/docs/page.html", &[]).await;
    assert_failure(r, StatusCode::BAD_GATEWAY, "/docs/page.html").await;
}

#[tokio::test]
async fn token_endpoint_errors_give_pages_and_no_cookie() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    for mode in [TokenMode::Error(400, "invalid_grant"), TokenMode::Error(401, "invalid_client"), TokenMode::Html500] {
        idp.with(|s| s.token = mode.clone());
        let s = start_login(&edge, &idp, "/docs/page.html?x=2").await;
        let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
        assert_failure(r, StatusCode::BAD_GATEWAY, "/docs/page.html?x=2").await;
    }
}

#[tokio::test]
async fn token_endpoint_timeout_is_bounded() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "http_timeout = \"1s\"").await;
    idp.with(|s| s.token = TokenMode::Slow(Duration::from_secs(5)));
    let s = start_login(&edge, &idp, "/").await;
    let started = std::time::Instant::now();
    let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_failure(r, StatusCode::GATEWAY_TIMEOUT, "/").await;
}

#[tokio::test]
async fn bad_id_tokens_are_refused() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    // wrong nonce
    let s = start_login(&edge, &idp, "/").await;
    idp.with(|st| st.nonce = Some("not-the-nonce".into()));
    let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
    assert_failure(r, StatusCode::BAD_GATEWAY, "/").await;
    // signed by a key the provider does not publish, claiming a published kid
    idp.with(|st| st.sign_with = "rsa2");
    let s = start_login(&edge, &idp, "/").await;
    let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
    assert_failure(r, StatusCode::BAD_GATEWAY, "/").await;
}

#[tokio::test]
async fn unknown_kid_flood_fetches_keys_at_most_once_per_interval() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "jwks_min_refresh_interval = \"60s\"").await;
    // warm up: one good login (keys fetched once)
    let s = start_login(&edge, &idp, "/").await;
    assert_eq!(edge.get(&s.callback, &[("authfront_login", &s.binding)]).await.status(), StatusCode::FOUND);
    let before = idp.with(|s| s.jwks_hits);
    for i in 0..20 {
        idp.with(|s| s.sign_kid = format!("random-kid-{i}"));
        let s = start_login(&edge, &idp, "/").await;
        let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
        assert_failure(r, StatusCode::BAD_GATEWAY, "/").await;
    }
    let fetched = idp.with(|s| s.jwks_hits) - before;
    assert!(fetched <= 1, "20 unknown kids fetched the JWKS {fetched} times");
}

#[tokio::test]
async fn rotated_provider_keys_are_accepted_without_restart() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "jwks_min_refresh_interval = \"0s\"").await;
    let s = start_login(&edge, &idp, "/").await;
    assert_eq!(edge.get(&s.callback, &[("authfront_login", &s.binding)]).await.status(), StatusCode::FOUND);
    // the provider rotates to a new key
    idp.with(|s| {
        s.published = vec!["rsa2"];
        s.sign_kid = "rsa2".into();
        s.sign_with = "rsa2";
    });
    let s = start_login(&edge, &idp, "/").await;
    let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert!(set_cookie(&r, "authfront_session").is_some());
}

#[tokio::test]
async fn user_outside_groups_gets_403_not_a_loop() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    idp.with(|s| s.groups = vec!["other"]);
    let s = start_login(&edge, &idp, "/").await;
    let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
    let session = set_cookie(&r, "authfront_session").unwrap();
    let r = edge.get("/", &[("authfront_session", &session)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("alice@example.test"));
}

#[tokio::test]
async fn provider_error_on_callback_is_an_escaped_page() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    let s = start_login(&edge, &idp, "/docs/page.html").await;
    let cb =
        s.callback.replace("code=c0de", "error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    let r = edge.get(&cb, &[("authfront_login", &s.binding)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&r, "authfront_session").is_none());
    let body = r.text().await.unwrap();
    assert!(!body.contains("<script>") && body.contains("&lt;script&gt;"));
    assert_eq!(idp.with(|s| s.token_hits), 0);
}

#[tokio::test]
async fn wrong_iss_on_callback_is_refused() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    let s = start_login(&edge, &idp, "/").await;
    let cb = s.callback.split("&iss=").next().unwrap().to_owned();
    // the fake announces authorization_response_iss_parameter_supported: a missing iss fails
    let r = edge.get(&cb, &[("authfront_login", &s.binding)]).await;
    assert_failure(r, StatusCode::BAD_REQUEST, "/").await;
    let r = edge.get(&format!("{cb}&iss=http%3A%2F%2Fevil.example"), &[("authfront_login", &s.binding)]).await;
    assert_failure(r, StatusCode::BAD_REQUEST, "/").await;
    assert_eq!(idp.with(|s| s.token_hits), 0);
}

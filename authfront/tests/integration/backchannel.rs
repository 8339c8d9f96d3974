//! The back-channel logout receiver in process: logout tokens signed for real with the core's
//! test keys (as the fake provider signs its ID tokens), posted to a running edge.

use std::time::{SystemTime, UNIX_EPOCH};

use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::{CLIENT, Edge, FakeIdp, callback_from, der, location, set_cookie, sign_in};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Claims of a valid logout token for the fake provider's session `fake-op-session`.
fn claims(iss: &str) -> Value {
    json!({
        "iss": iss, "aud": CLIENT, "iat": now(), "exp": now() + 120, "jti": format!("jti-{}", rand_suffix()),
        "sub": "alice-sub", "sid": "fake-op-session", "events": { EVENT: {} },
    })
}

fn rand_suffix() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
}

fn sign(claims: &Value, kid: &str, key: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    header.typ = Some("logout+jwt".to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(&der(key))).unwrap()
}

async fn post(edge: &Edge, content_type: &str, body: String) -> reqwest::Response {
    edge.http
        .post(format!("{}/_authfront/backchannel-logout", edge.url))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn post_token(edge: &Edge, token: &str) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new()).append_pair("logout_token", token).finish();
    post(edge, "application/x-www-form-urlencoded", body).await
}

/// A signed-in session cookie (the fake's ID token carries `sid: fake-op-session`).
async fn signed_in(edge: &Edge, idp: &FakeIdp) -> String {
    let session = sign_in(edge, idp, "/docs/page.html").await;
    assert_eq!(edge.get("/docs/page.html", &[("authfront_session", &session)]).await.status(), StatusCode::OK);
    session
}

async fn signed_out(edge: &Edge, idp: &FakeIdp, session: &str) -> bool {
    let r = edge.get("/docs/page.html", &[("authfront_session", session)]).await;
    r.status() == StatusCode::FOUND && location(&r).starts_with(&idp.issuer)
}

async fn assert_refused(r: reqwest::Response, why: &str) {
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{why}");
    assert_eq!(r.headers()["cache-control"], "no-store", "{why}");
    assert_eq!(r.headers()["content-type"], "application/json", "{why}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{why}: {body}");
    assert!(body["error_description"].as_str().is_some_and(|d| !d.is_empty()), "{why}: {body}");
}

#[tokio::test]
async fn a_valid_logout_token_ends_the_session_of_its_sid() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    let session = signed_in(&edge, &idp).await;
    let r = post_token(&edge, &sign(&claims(&idp.issuer), "rsa1", "rsa1")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(signed_out(&edge, &idp, &session).await, "the revoked session is refused at once");
    // a new sign-in works (a new provider session would have a new sid; the fake reuses it, so
    // this one is refused too: exactly what a sid revocation means)
    let again = sign_in_allowing_refusal(&edge, &idp).await;
    assert!(signed_out(&edge, &idp, &again).await);
}

async fn sign_in_allowing_refusal(edge: &Edge, idp: &FakeIdp) -> String {
    set_cookie(&callback_from(edge, idp, "/docs/page.html").await, "authfront_session").unwrap()
}

#[tokio::test]
async fn a_sub_only_token_ends_every_session_of_the_user() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    let (one, two) = (signed_in(&edge, &idp).await, signed_in(&edge, &idp).await);
    let mut c = claims(&idp.issuer);
    c.as_object_mut().unwrap().remove("sid");
    let r = post_token(&edge, &sign(&c, "rsa1", "rsa1")).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert!(signed_out(&edge, &idp, &one).await && signed_out(&edge, &idp, &two).await);
}

#[tokio::test]
async fn bad_posts_are_refused_with_400_json_and_change_nothing() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    let session = signed_in(&edge, &idp).await;
    let good = sign(&claims(&idp.issuer), "rsa1", "rsa1");
    let form = |t: &str| url::form_urlencoded::Serializer::new(String::new()).append_pair("logout_token", t).finish();

    assert_refused(post(&edge, "application/json", json!({"logout_token": good}).to_string()).await, "JSON body").await;
    assert_refused(post(&edge, "application/x-www-form-urlencoded", String::new()).await, "no token").await;
    assert_refused(
        post(&edge, "application/x-www-form-urlencoded", format!("{}&{}", form(&good), form(&good))).await,
        "two tokens",
    )
    .await;
    let huge = format!("{}&pad={}", form(&good), "a".repeat(70 * 1024));
    assert_refused(post(&edge, "application/x-www-form-urlencoded", huge).await, "over 64 KiB").await;
    // signed by another key under rsa1's kid
    assert_refused(post_token(&edge, &sign(&claims(&idp.issuer), "rsa1", "rsa2")).await, "forged").await;
    let mut c = claims(&idp.issuer);
    c["aud"] = json!("another-client");
    assert_refused(post_token(&edge, &sign(&c, "rsa1", "rsa1")).await, "other audience").await;
    let mut c = claims(&idp.issuer);
    c["nonce"] = json!("n");
    assert_refused(post_token(&edge, &sign(&c, "rsa1", "rsa1")).await, "nonce").await;
    let mut c = claims(&idp.issuer);
    c["iat"] = json!(now() - 3600);
    c["exp"] = json!(now() + 60);
    assert_refused(post_token(&edge, &sign(&c, "rsa1", "rsa1")).await, "an hour old").await;
    let mut c = claims(&idp.issuer);
    c.as_object_mut().unwrap().remove("events");
    assert_refused(post_token(&edge, &sign(&c, "rsa1", "rsa1")).await, "no events").await;
    assert_refused(post_token(&edge, "not.a.token").await, "garbage").await;

    // only POST
    let r = edge.get("/_authfront/backchannel-logout", &[]).await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["allow"], "POST");

    assert!(!signed_out(&edge, &idp, &session).await, "no refused post revoked anything");
}

#[tokio::test]
async fn a_token_from_a_new_provider_key_is_verified_after_a_key_refresh() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "jwks_min_refresh_interval = \"0s\"").await;
    let session = signed_in(&edge, &idp).await;
    let hits = idp.with(|s| s.jwks_hits);
    // the provider rotates to rsa2 after the sign-in
    idp.with(|s| s.published = vec!["rsa1", "rsa2"]);
    let r = post_token(&edge, &sign(&claims(&idp.issuer), "rsa2", "rsa2")).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(idp.with(|s| s.jwks_hits), hits + 1, "one JWKS fetch");
    assert!(signed_out(&edge, &idp, &session).await);
}

#[tokio::test]
async fn a_replayed_token_is_acknowledged_without_acting_again() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    let mut c = claims(&idp.issuer);
    c.as_object_mut().unwrap().remove("sid");
    let token = sign(&c, "rsa1", "rsa1");
    assert_eq!(post_token(&edge, &token).await.status(), StatusCode::OK);
    // the user signs in again after the logout...
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let session = signed_in(&edge, &idp).await;
    // ...and a replay of the old token must not end the new session
    assert_eq!(post_token(&edge, &token).await.status(), StatusCode::OK);
    assert!(!signed_out(&edge, &idp, &session).await, "a replay revoked a session begun after the logout");
}

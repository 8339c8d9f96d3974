#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use http::HeaderMap;
use http::request::Parts;
use serde_json::json;

use super::*;
use crate::flow::tests::{RANDOM, discovery, headers, id_token, request_with, signed_in, site, token_response};
use crate::oidc::testutil::{ISSUER, NOW, keys};
use crate::path::normalize;
use crate::session::SessionId;

fn refused(r: Result<impl std::fmt::Debug, Failed>) -> bool {
    r.unwrap_err().refused
}

/// A refresh of a session signed in with refresh token `rt-1`, run to the token response.
fn to_keys(site: &Site, resp: TokenResponse) -> (Session, HeaderMap, AwaitKeys) {
    let (s, req) = signed_in(site, Some("rt-1"));
    let (_, a) = Refresh::start(site, &req, &s).unwrap().discovered(site, Ok(&discovery(json!({})))).unwrap();
    (s.clone(), req, a.tokens(Ok(resp)).unwrap())
}

#[test]
fn the_refresh_request_carries_the_sessions_refresh_token() {
    let site = site();
    let (s, req) = signed_in(&site, Some("rt-1"));
    let (token_req, _) = Refresh::start(&site, &req, &s).unwrap().discovered(&site, Ok(&discovery(json!({})))).unwrap();
    assert_eq!(token_req.url, format!("{ISSUER}/token"));
    let form: std::collections::HashMap<_, _> =
        url::form_urlencoded::parse(token_req.body.as_bytes()).into_owned().collect();
    assert_eq!((form["grant_type"].as_str(), form["refresh_token"].as_str()), ("refresh_token", "rt-1"));
}

#[test]
fn only_the_current_generations_tokens_refresh() {
    let site = site();
    let (s, req) = signed_in(&site, Some("rt-1"));
    assert!(refused(Refresh::start(&site, &HeaderMap::new(), &s)), "no tokens cookie: sign in again");
    let (no_rt, req_no_rt) = signed_in(&site, None);
    assert!(refused(Refresh::start(&site, &req_no_rt, &no_rt)), "no refresh token: sign in again");
    // after a refresh the session is one generation on; the old tokens cookie is not its own
    let mut later = s.clone();
    later.generation += 1;
    assert!(refused(Refresh::start(&site, &req, &later)));
    // nor is another session's tokens cookie
    let mut other = s.clone();
    other.id = SessionId([9; 16]);
    assert!(refused(Refresh::start(&site, &req, &other)));
}

fn headers_of(cookies: &[String]) -> Vec<&str> {
    cookies.iter().map(String::as_str).collect()
}

#[test]
fn a_refresh_without_id_token_moves_the_session_on() {
    let site = site();
    let (s, req, a) = to_keys(&site, token_response(None, Some("rt-2")));
    assert!(!a.has_id_token());
    let fresh = a.finish(&site, &req, None, RANDOM.seal, NOW + 250).unwrap();
    assert_eq!(fresh.session.generation, s.generation + 1);
    assert_eq!((fresh.session.id, fresh.session.sub.as_str()), (s.id, "alice-sub"));
    assert!(fresh.session.refresh_at.unwrap() > NOW + 250);
    let next = request_with(&headers_of(&fresh.cookies));
    // the new cookies refresh again, with the rotated token
    let (token_req, _) =
        Refresh::start(&site, &next, &fresh.session).unwrap().discovered(&site, Ok(&discovery(json!({})))).unwrap();
    assert!(token_req.body.contains("refresh_token=rt-2"));
    // and the old ones no longer do: their generation is past
    assert!(refused(Refresh::start(&site, &req, &fresh.session)));
}

#[test]
fn a_new_id_token_is_checked_and_must_be_for_the_same_user() {
    let site = site();
    let ok = id_token(json!({"nonce": null, "iat": NOW + 200, "exp": NOW + 500}));
    let (s, req, a) = to_keys(&site, token_response(Some(ok), None));
    assert!(a.has_id_token());
    let claims = a.check(&site, &keys(), NOW + 250).map_err(Error::from);
    let fresh = a.finish(&site, &req, Some(claims), RANDOM.seal, NOW + 250).unwrap();
    assert_eq!(fresh.session.generation, s.generation + 1);
    // a forged or foreign ID token: refused, sign in again
    let (_, req, a) = to_keys(&site, token_response(Some(id_token(json!({"aud": "other"}))), None));
    let claims = a.check(&site, &keys(), NOW + 250).map_err(Error::from);
    assert!(refused(a.finish(&site, &req, Some(claims), RANDOM.seal, NOW + 250)));
    // another subject: not this session's refresh
    let (_, req, a) = to_keys(&site, token_response(Some(id_token(json!({"nonce": null, "sub": "mallory"}))), None));
    let claims = a.check(&site, &keys(), NOW + 250).map_err(Error::from);
    assert!(a.finish(&site, &req, Some(claims), RANDOM.seal, NOW + 250).is_err());
    // a driver that skips the check gets no session
    let (_, req, a) = to_keys(&site, token_response(Some(id_token(json!({}))), None));
    assert!(a.finish(&site, &req, None, RANDOM.seal, NOW + 250).is_err());
}

#[test]
fn refused_or_passing_failures() {
    let site = site();
    let run = |e: Error| {
        let (s, req) = signed_in(&site, Some("rt-1"));
        let (_, a) = Refresh::start(&site, &req, &s).unwrap().discovered(&site, Ok(&discovery(json!({})))).unwrap();
        a.tokens(Err(e)).unwrap_err().refused
    };
    let grant =
        |status: u16, error: &str| Error::TokenEndpoint { status, error: error.into(), description: String::new() };
    assert!(run(grant(400, "invalid_grant")), "a used or revoked refresh token: sign in again");
    assert!(run(grant(401, "invalid_client")));
    assert!(!run(grant(503, "temporarily_unavailable")), "the provider's trouble: keep the session");
    assert!(!run(Error::ProviderUnreachable("down".into())));
    assert!(!run(Error::ProviderTimeout("slow".into())));
    let (s, req) = signed_in(&site, Some("rt-1"));
    let failed = Refresh::start(&site, &req, &s).unwrap().discovered(&site, Err(Error::Discovery("bad".into())));
    assert!(!refused(failed));
}

fn parts(accept: &str) -> Parts {
    let (p, ()) = http::Request::get("/docs/a.html?x=1").header("accept", accept).body(()).unwrap().into_parts();
    p
}

#[test]
fn after_a_refused_refresh_the_request_is_as_without_a_session() {
    let site = site();
    let (_, req) = signed_in(&site, Some("rt-1"));
    let mut page = parts("text/html");
    page.headers.extend(req.clone());
    let next = Next::Forward { path: normalize("/docs/a.html").unwrap(), query: Some("x=1".into()) };
    let after = on_refused(&site, &page, &next);
    assert!(matches!(&after.then, Unauth::Login { return_to } if return_to == "/docs/a.html?x=1"), "{after:?}");
    assert!(after.clear.iter().any(|c| c.starts_with("authfront_session=;")), "{:?}", after.clear);
    assert!(after.clear.iter().any(|c| c.starts_with("authfront_tokens")), "the tokens cookie goes too");
    let mut script = parts("application/json");
    script.headers.extend(req);
    let Unauth::Respond(r) = on_refused(&site, &script, &next).then else { panic!("a script gets the 401") };
    assert_eq!(r.status, http::StatusCode::UNAUTHORIZED);
    let Unauth::Respond(r) = on_refused(&site, &script, &Next::UserInfo).then else { panic!() };
    assert_eq!(r.status, http::StatusCode::UNAUTHORIZED);
    assert!(headers(&r, "set-cookie").is_empty(), "the cookies to clear travel apart");
}

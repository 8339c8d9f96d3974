#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use jsonwebtoken::Algorithm::RS256;
use serde_json::{Value, json};

use super::*;
use crate::flow::tests::site;
use crate::oidc::KeySet;
use crate::oidc::testutil::{CLIENT, ISSUER, NOW, jwks_with, keys, merged, rsa1, sign_raw};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

fn token(changes: Value) -> String {
    let claims = json!({
        "iss": ISSUER, "aud": CLIENT, "iat": NOW, "exp": NOW + 120, "jti": "jti-1",
        "sub": "alice-sub", "sid": "op-sid", "events": { EVENT: {} },
    });
    sign_raw(&json!({"alg": "RS256", "kid": "rsa1", "typ": "logout+jwt"}), &merged(claims, changes), &rsa1(), RS256)
}

fn received(body: &str) -> Result<Token, Refusal> {
    Receive::new(Some(b"application/x-www-form-urlencoded")).unwrap().body(Ok(body.as_bytes()))
}

fn form(t: &str) -> String {
    format!("logout_token={t}")
}

#[test]
fn only_a_form_post_is_read() {
    for ok in ["application/x-www-form-urlencoded", "Application/X-WWW-Form-Urlencoded; charset=UTF-8"] {
        assert!(Receive::new(Some(ok.as_bytes())).is_ok(), "{ok}");
    }
    for bad in [Some("application/json"), Some("text/plain"), Some("multipart/form-data"), None] {
        assert!(matches!(Receive::new(bad.map(str::as_bytes)), Err(Refusal::ContentType)), "{bad:?}");
    }
}

#[test]
fn exactly_one_logout_token() {
    assert!(matches!(received("other=1"), Err(Refusal::NoToken)));
    assert!(matches!(received("logout_token=a&logout_token=b"), Err(Refusal::TwoTokens)));
    let r = Receive::new(Some(b"application/x-www-form-urlencoded")).unwrap().body(Err("too large".into()));
    assert!(matches!(r, Err(Refusal::Body(_))));
    assert!(format!("{:?}", received("logout_token=secret-value").unwrap()).contains("redacted"), "never shown");
}

fn judge(t: &str) -> Verdict {
    received(&form(t)).unwrap().judge(&site(), Ok(&keys()), NOW + 1)
}

#[test]
fn a_valid_token_stops_the_provider_session_or_the_user() {
    let Verdict::Revoke(r) = judge(&token(json!({}))) else { panic!() };
    assert_eq!(r.entry, Entry { target: Target::Sid("op-sid".into()), at: NOW + 1 });
    assert_eq!(r.jti, "jti-1");
    assert_eq!(r.forget_at, NOW + 2 * 60 + MAX_AGE_SECS + 1, "as long as the token could pass again");
    let Verdict::Revoke(r) = judge(&token(json!({"sid": null}))) else { panic!() };
    assert_eq!(r.entry.target, Target::Sub("alice-sub".into()), "no sid: every session of the user");
}

#[test]
fn a_bad_token_is_refused() {
    for changes in [
        json!({"aud": "someone-else"}),
        json!({"iss": "https://evil.example"}),
        json!({"iat": NOW - 3600, "exp": NOW - 3000}),
        json!({"events": {}}),
        json!({"nonce": "n"}),
        json!({"jti": null}),
    ] {
        assert!(matches!(judge(&token(changes.clone())), Verdict::Refused(Refusal::Token(_))), "{changes}");
    }
    assert!(matches!(judge("not.a.token"), Verdict::Refused(Refusal::Token(_))));
    let keys_down = received(&form(&token(json!({})))).unwrap().judge(&site(), Err(Error::Jwks("down".into())), NOW);
    assert!(matches!(&keys_down, Verdict::Refused(r) if r.is_ours()));
}

#[test]
fn an_unknown_key_is_judged_once_more_with_fresh_keys() {
    let site = site();
    let t = received(&form(&token(json!({})))).unwrap();
    let without_rsa1 = KeySet::parse(jwks_with(&["rsa2"]).as_bytes()).unwrap();
    let Verdict::UnknownKey(kid) = t.judge(&site, Ok(&without_rsa1), NOW) else { panic!() };
    assert_eq!(kid, "rsa1");
    assert!(t.judge_again(&site, Ok(Some(&keys())), kid.clone(), NOW).is_ok());
    // no newer keys, or still not there: refused, never a loop
    for fresh in [None, Some(&without_rsa1)] {
        let r = t.judge_again(&site, Ok(fresh), kid.clone(), NOW);
        assert!(matches!(r, Err(Refusal::Token(IdTokenError::UnknownKey(_)))), "{r:?}");
    }
    assert!(matches!(t.judge_again(&site, Err(Error::Jwks("down".into())), kid, NOW), Err(Refusal::Keys(_))));
}

#[test]
fn answers() {
    let ok = done();
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.headers, [(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]);
    let r = Refusal::TwoTokens.reply();
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body, json!({"error": "invalid_request", "error_description": "more than one logout_token"}));
    let Verdict::Revoke(rv) = judge(&token(json!({}))) else { panic!() };
    assert_eq!(rv.stored(Ok(())).unwrap().status, StatusCode::OK);
    let refused = rv.stored(Err("disk full".into())).unwrap_err();
    assert!(refused.is_ours());
    assert_eq!(refused.reply().status, StatusCode::BAD_REQUEST, "the provider posts again");
    assert!(!refused.reply().body.contains("disk full"), "what failed here stays in the log");
}

#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use jsonwebtoken::Algorithm::*;
use serde_json::{Value, json};

use super::*;
use crate::oidc::testutil::{
    ALGS, CLIENT, ISSUER, NOW, b64, ec256, keys, merged, rsa1, rsa2, sign, sign_raw, unsigned,
};

/// Claims of a valid logout token at [`NOW`], as oidc-provider sends them.
fn logout() -> Value {
    json!({
        "iss": ISSUER,
        "aud": CLIENT,
        "iat": NOW,
        "exp": NOW + 120,
        "jti": "kX3b-logout-1",
        "sub": "248289761001",
        "sid": "s-1",
        "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
    })
}

/// `logout()` with `changes` merged in; a `null` change removes the claim.
fn with(changes: Value) -> Value {
    merged(logout(), changes)
}

fn check() -> LogoutCheck<'static> {
    LogoutCheck {
        issuer: ISSUER,
        client_id: CLIENT,
        trusted_audiences: &[],
        algs: ALGS,
        skew_secs: 60,
        max_age_secs: 120,
        now: NOW,
    }
}

/// Signed for real by `rsa1`, header `typ: logout+jwt` as the specification recommends.
fn token(claims: &Value) -> String {
    sign_raw(&json!({"alg": "RS256", "kid": "rsa1", "typ": "logout+jwt"}), claims, &rsa1(), RS256)
}

fn verify(token: &str) -> Result<LogoutClaims, IdTokenError> {
    verify_logout_token(token, &keys(), &check())
}

fn err(changes: Value) -> IdTokenError {
    verify(&token(&with(changes))).unwrap_err()
}

#[test]
fn valid_token_with_sub_and_sid() {
    let c = verify(&token(&logout())).unwrap();
    assert_eq!(
        c,
        LogoutClaims {
            sub: Some("248289761001".into()),
            sid: Some("s-1".into()),
            jti: "kX3b-logout-1".into(),
            iat: NOW
        }
    );
}

#[test]
fn sub_only_sid_only_and_neither() {
    let c = verify(&token(&with(json!({"sid": null})))).unwrap();
    assert_eq!((c.sub.as_deref(), c.sid), (Some("248289761001"), None));
    let c = verify(&token(&with(json!({"sub": null})))).unwrap();
    assert_eq!((c.sub, c.sid.as_deref()), (None, Some("s-1")));
    assert_eq!(err(json!({"sub": null, "sid": null})), IdTokenError::MissingClaim("sub` or `sid"));
    // empty strings name nobody
    assert_eq!(err(json!({"sub": "", "sid": ""})), IdTokenError::MissingClaim("sub` or `sid"));
    assert!(matches!(err(json!({"sid": 5})), IdTokenError::Malformed(_)));
}

#[test]
fn typ_is_optional_but_must_not_name_another_kind() {
    for typ in [json!("logout+jwt"), json!("application/logout+jwt"), json!("JWT"), json!("Logout+JWT")] {
        let t = sign_raw(&json!({"alg": "RS256", "kid": "rsa1", "typ": typ}), &logout(), &rsa1(), RS256);
        verify(&t).unwrap_or_else(|e| panic!("typ {typ}: {e}"));
    }
    verify(&sign(RS256, Some("rsa1"), &rsa1(), &logout())).unwrap(); // jsonwebtoken's "JWT"
    let t = sign_raw(&json!({"alg": "RS256", "kid": "rsa1"}), &logout(), &rsa1(), RS256);
    verify(&t).unwrap();
    for typ in [json!("at+jwt"), json!("secevent+jwt"), json!("application/at+jwt"), json!(1)] {
        let t = sign_raw(&json!({"alg": "RS256", "kid": "rsa1", "typ": typ}), &logout(), &rsa1(), RS256);
        assert!(matches!(verify(&t).unwrap_err(), IdTokenError::NotALogoutToken(_)), "typ {typ}");
    }
}

#[test]
fn events_must_carry_the_backchannel_logout_member_as_an_object() {
    for events in [
        json!(null),
        json!({}),
        json!({"http://schemas.openid.net/event/other": {}}),
        json!({ BACKCHANNEL_LOGOUT_EVENT: true }),
        json!({ BACKCHANNEL_LOGOUT_EVENT: "yes" }),
        json!([BACKCHANNEL_LOGOUT_EVENT]),
        json!(BACKCHANNEL_LOGOUT_EVENT),
    ] {
        assert!(matches!(err(json!({ "events": events })), IdTokenError::NotALogoutToken(_)), "{events}");
    }
    // other members alongside are fine
    let events = json!({ BACKCHANNEL_LOGOUT_EVENT: {"x": 1}, "urn:other": {} });
    verify(&token(&with(json!({ "events": events })))).unwrap();
}

#[test]
fn a_nonce_makes_it_an_id_token_not_a_logout_token() {
    assert_eq!(err(json!({"nonce": "n-1"})), IdTokenError::NotALogoutToken("it has a `nonce`"));
    // an ID token (nonce, no events) is refused whatever else it says
    let id = crate::oidc::testutil::rs256(json!({}));
    assert!(matches!(verify(&id).unwrap_err(), IdTokenError::NotALogoutToken(_)));
}

#[test]
fn jti_is_required() {
    assert_eq!(err(json!({"jti": null})), IdTokenError::MissingClaim("jti"));
    assert_eq!(err(json!({"jti": ""})), IdTokenError::MissingClaim("jti"));
    assert!(matches!(err(json!({"jti": 7})), IdTokenError::Malformed(_)));
}

#[test]
fn issuer_audience_and_azp() {
    assert_eq!(
        err(json!({"iss": "https://evil.example"})),
        IdTokenError::WrongIssuer { got: "https://evil.example".into() }
    );
    assert_eq!(err(json!({"iss": null})), IdTokenError::MissingClaim("iss"));
    assert_eq!(err(json!({"aud": "another-client"})), IdTokenError::WrongAudience);
    assert_eq!(err(json!({"aud": null})), IdTokenError::MissingClaim("aud"));
    // every other audience must be trusted, as for ID tokens
    assert_eq!(err(json!({"aud": ["another-client", CLIENT]})), IdTokenError::UntrustedAudience);
    let trusted = ["another-client".to_owned()];
    let check = LogoutCheck { trusted_audiences: &trusted, ..check() };
    verify_logout_token(&token(&with(json!({"aud": ["another-client", CLIENT]}))), &keys(), &check).unwrap();
    assert_eq!(err(json!({"azp": "another-client"})), IdTokenError::WrongAzp);
    verify(&token(&with(json!({"azp": CLIENT})))).unwrap();
}

#[test]
fn iat_within_skew_and_max_age() {
    // 60 s skew into the future, 60 s skew + 120 s delivery into the past
    verify(&token(&with(json!({"iat": NOW + 60})))).unwrap();
    assert_eq!(err(json!({"iat": NOW + 61})), IdTokenError::IssuedInFuture);
    verify(&token(&with(json!({"iat": NOW - 180, "exp": null})))).unwrap();
    assert_eq!(err(json!({"iat": NOW - 181, "exp": null})), IdTokenError::IssuedTooLongAgo);
    assert_eq!(err(json!({"iat": null})), IdTokenError::MissingClaim("iat"));
    assert!(matches!(err(json!({"iat": "yesterday"})), IdTokenError::Malformed(_)));
}

#[test]
fn exp_is_checked_when_present() {
    verify(&token(&with(json!({"exp": null})))).unwrap();
    verify(&token(&with(json!({"exp": NOW - 59})))).unwrap(); // within the skew
    assert_eq!(err(json!({"exp": NOW - 60})), IdTokenError::Expired);
}

#[test]
fn signature_checks_are_the_id_token_ones() {
    // a second key claiming the first one's kid
    let forged = sign_raw(&json!({"alg": "RS256", "kid": "rsa1", "typ": "logout+jwt"}), &logout(), &rsa2(), RS256);
    assert_eq!(verify(&forged).unwrap_err(), IdTokenError::BadSignature);
    // unknown kid: the adapter refreshes the JWKS
    let rotated = sign(RS256, Some("rotated-away"), &rsa1(), &logout());
    assert_eq!(verify(&rotated).unwrap_err(), IdTokenError::UnknownKey("rotated-away".into()));
    // none and HMAC are refused
    let none = unsigned(&json!({"alg": "none", "typ": "logout+jwt"}), &logout(), b"");
    assert_eq!(verify(&none).unwrap_err(), IdTokenError::AlgNotAllowed("none".into()));
    let hs = sign(HS256, Some("rsa1"), &jsonwebtoken::EncodingKey::from_secret(b"s3cret"), &logout());
    assert_eq!(verify(&hs).unwrap_err(), IdTokenError::AlgNotAllowed("HS256".into()));
    // an algorithm outside the configured list
    let es = sign(ES256, Some("ec256"), &ec256(), &logout());
    verify(&es).unwrap();
    let only_rs = LogoutCheck { algs: &[RS256], ..check() };
    assert_eq!(verify_logout_token(&es, &keys(), &only_rs).unwrap_err(), IdTokenError::AlgNotAllowed("ES256".into()));
    // tampered payload
    let good = token(&logout());
    let parts: Vec<&str> = good.split('.').collect();
    let other = b64(&with(json!({"sub": "admin"})).to_string());
    assert_eq!(verify(&format!("{}.{other}.{}", parts[0], parts[2])).unwrap_err(), IdTokenError::BadSignature);
    assert!(matches!(verify("not-a-token").unwrap_err(), IdTokenError::Malformed(_)));
}

#[test]
fn signature_comes_before_any_claim() {
    let everything_wrong = json!({"iss": "x", "aud": "y", "iat": 1, "nonce": "z"});
    let forged = sign_raw(&json!({"alg": "RS256", "kid": "rsa1"}), &with(everything_wrong), &rsa2(), RS256);
    assert_eq!(verify(&forged).unwrap_err(), IdTokenError::BadSignature);
}

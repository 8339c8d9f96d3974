#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use serde_json::{Value, json};

use crate::oidc::testutil::*;
use crate::oidc::{IdClaims, IdTokenCheck, IdTokenError, verify_id_token};

// ---- claims

#[test]
fn optional_claims_of_the_wrong_type_are_absent() {
    let c = verify(&rs256(json!({"email": 5, "name": ["x"], "sid": null, "preferred_username": {}}))).unwrap();
    assert_eq!((c.email, c.name, c.sid, c.preferred_username), (None, None, None, None));
}

#[test]
fn issuer_must_match_exactly() {
    let e = err(&rs256(json!({"iss": "https://evil.example.com"})));
    assert_eq!(e, IdTokenError::WrongIssuer { got: "https://evil.example.com".to_owned() });
    let slash = format!("{ISSUER}/");
    assert_eq!(err(&rs256(json!({"iss": slash}))), IdTokenError::WrongIssuer { got: slash });
    assert_eq!(err(&rs256(json!({"iss": null}))), IdTokenError::MissingClaim("iss"));
    assert!(matches!(err(&rs256(json!({"iss": 1}))), IdTokenError::Malformed(_)));
    // What the token says is quoted only printable and short.
    let e = err(&rs256(json!({"iss": format!("evil\n\u{202e}{}", "x".repeat(500))})));
    let IdTokenError::WrongIssuer { got } = e else { panic!("{e:?}") };
    assert!(got.starts_with("evil x") && got.chars().count() <= 200, "{got}");
}

#[test]
fn audience() {
    assert_eq!(err(&rs256(json!({"aud": "someone-else"}))), IdTokenError::WrongAudience);
    let others = json!({"aud": ["a", "b"], "azp": CLIENT});
    assert_eq!(err(&rs256(others)), IdTokenError::WrongAudience);
    assert_eq!(err(&rs256(json!({"aud": []}))), IdTokenError::WrongAudience);
    assert_eq!(err(&rs256(json!({"aud": null}))), IdTokenError::MissingClaim("aud"));
    assert!(matches!(err(&rs256(json!({"aud": 5}))), IdTokenError::Malformed(_)));
    assert!(matches!(err(&rs256(json!({"aud": [CLIENT, 5]}))), IdTokenError::Malformed(_)));
    verify(&rs256(json!({"aud": [CLIENT]}))).unwrap();
}

/// Core §3.1.3.7 step 3: an audience the client does not trust is a refusal, `azp` or not.
#[test]
fn every_other_audience_must_be_trusted() {
    for aud in [json!(["other", CLIENT]), json!([CLIENT, "other"]), json!([CLIENT, "api", "other"])] {
        let t = rs256(json!({"aud": aud, "azp": CLIENT}));
        assert_eq!(err(&t), IdTokenError::UntrustedAudience, "{aud}");
    }
    let trusted = ["api".to_owned(), "other".to_owned()];
    let check = IdTokenCheck { trusted_audiences: &trusted, ..check() };
    let ok = |aud: Value| verify_id_token(&rs256(json!({"aud": aud, "azp": CLIENT})), &keys(), &check);
    ok(json!([CLIENT, "other"])).unwrap();
    ok(json!(["api", CLIENT, "other"])).unwrap();
    assert_eq!(ok(json!([CLIENT, "third"])).unwrap_err(), IdTokenError::UntrustedAudience);
    // a trusted audience alone is still not this client
    assert_eq!(ok(json!(["api"])).unwrap_err(), IdTokenError::WrongAudience);
}

#[test]
fn azp() {
    let trusted = ["other".to_owned()];
    let check = IdTokenCheck { trusted_audiences: &trusted, ..check() };
    let with = |claims: Value| verify_id_token(&rs256(claims), &keys(), &check);
    assert_eq!(with(json!({"aud": [CLIENT, "other"]})).unwrap_err(), IdTokenError::MissingClaim("azp"));
    assert_eq!(err(&rs256(json!({"azp": "other"}))), IdTokenError::WrongAzp);
    let multi_wrong = json!({"aud": [CLIENT, "other"], "azp": "other"});
    assert_eq!(with(multi_wrong).unwrap_err(), IdTokenError::WrongAzp);
    with(json!({"aud": [CLIENT, "other"], "azp": CLIENT})).unwrap();
    verify(&rs256(json!({"azp": CLIENT}))).unwrap();
}

#[test]
fn exp_boundary_with_skew() {
    // Valid while now < exp + skew (60).
    assert_eq!(err(&rs256(json!({"exp": NOW - 60}))), IdTokenError::Expired);
    verify(&rs256(json!({"exp": NOW - 59}))).unwrap();
    let no_skew = IdTokenCheck { skew_secs: 0, ..check() };
    let at = |exp: Value| verify_id_token(&rs256(json!({"exp": exp})), &keys(), &no_skew);
    assert_eq!(at(json!(NOW)).unwrap_err(), IdTokenError::Expired);
    at(json!(NOW + 1)).unwrap();
    // Fractions round toward refusal.
    assert_eq!(at(json!(NOW as f64 + 0.9)).unwrap_err(), IdTokenError::Expired);
    at(json!(u64::MAX)).unwrap();
    // `now` is the argument, not the clock.
    let later = IdTokenCheck { now: NOW + 360, ..check() };
    assert_eq!(verify_id_token(&rs256(json!({})), &keys(), &later).unwrap_err(), IdTokenError::Expired);
}

#[test]
fn iat_boundary_with_skew() {
    verify(&rs256(json!({"iat": NOW + 60}))).unwrap();
    assert_eq!(err(&rs256(json!({"iat": NOW + 61}))), IdTokenError::IssuedInFuture);
    assert_eq!(err(&rs256(json!({"iat": NOW as f64 + 60.5}))), IdTokenError::IssuedInFuture);
    verify(&rs256(json!({"iat": 0}))).unwrap();
}

#[test]
fn nbf_boundary_with_skew() {
    verify(&rs256(json!({"nbf": NOW + 60}))).unwrap();
    assert_eq!(err(&rs256(json!({"nbf": NOW + 61}))), IdTokenError::NotYetValid);
    verify(&rs256(json!({"nbf": NOW - 1000}))).unwrap();
}

#[test]
fn times_are_required_numbers() {
    assert_eq!(err(&rs256(json!({"exp": null}))), IdTokenError::MissingClaim("exp"));
    assert_eq!(err(&rs256(json!({"iat": null}))), IdTokenError::MissingClaim("iat"));
    for bad in [json!("1700000300"), json!(-1), json!(true)] {
        assert!(matches!(err(&rs256(json!({"exp": bad}))), IdTokenError::Malformed(_)));
        assert!(matches!(err(&rs256(json!({"nbf": bad}))), IdTokenError::Malformed(_)));
    }
}

#[test]
fn nonce() {
    assert_eq!(err(&rs256(json!({"nonce": null}))), IdTokenError::NonceMismatch);
    assert_eq!(err(&rs256(json!({"nonce": "other"}))), IdTokenError::NonceMismatch);
    assert_eq!(err(&rs256(json!({"nonce": 1}))), IdTokenError::NonceMismatch);
    // A refresh has no nonce to compare.
    let refresh = IdTokenCheck { nonce: None, ..check() };
    verify_id_token(&rs256(json!({"nonce": null})), &keys(), &refresh).unwrap();
    verify_id_token(&rs256(json!({})), &keys(), &refresh).unwrap();
}

#[test]
fn sub_is_required_and_non_empty() {
    assert_eq!(err(&rs256(json!({"sub": null}))), IdTokenError::MissingClaim("sub"));
    assert_eq!(err(&rs256(json!({"sub": ""}))), IdTokenError::MissingClaim("sub"));
    assert!(matches!(err(&rs256(json!({"sub": 42}))), IdTokenError::Malformed(_)));
}

// ---- groups

fn claims_with(extra: Value) -> IdClaims {
    verify(&rs256(extra)).unwrap()
}

#[test]
fn groups_from_array_string_nested_and_colon_names() {
    let c = claims_with(json!({
        "groups": ["staff", "admins"],
        "cognito:groups": ["eu-team"],
        "role": "editor",
        "realm_access": {"roles": ["offline_access", "reader"]},
        "resource_access": {"app": {"roles": "one"}},
        "https://example.com/groups": ["ns-group"],
        "mixed": ["a", 1, null, "b"],
        "number": 3,
        "object": {"a": "b"},
    }));
    assert_eq!(c.groups("groups"), ["staff", "admins"]);
    assert_eq!(c.groups("cognito:groups"), ["eu-team"]);
    assert_eq!(c.groups("role"), ["editor"]);
    assert_eq!(c.groups("realm_access.roles"), ["offline_access", "reader"]);
    assert_eq!(c.groups("resource_access.app.roles"), ["one"]);
    assert_eq!(c.groups("https://example.com/groups"), ["ns-group"]);
    assert_eq!(c.groups("mixed"), ["a", "b"]);
    for nothing in ["number", "object", "missing", "realm_access", "realm_access.nope", "sub.x", ""] {
        assert!(c.groups(nothing).is_empty(), "{nothing}");
    }
}

#[test]
fn groups_exact_key_wins_over_path() {
    let c = claims_with(json!({"a.b": ["exact"], "a": {"b": ["nested"]}}));
    assert_eq!(c.groups("a.b"), ["exact"]);
}

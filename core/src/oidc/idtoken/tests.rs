#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use jsonwebtoken::Algorithm::*;
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

use super::*;
use crate::oidc::testutil::*;

// ---- valid tokens, every key type

#[test]
fn valid_rs256() {
    // NOW is in 2023: passing proves no check read the real clock.
    let c = verify(&rs256(json!({}))).unwrap();
    assert_eq!(c.sub, "248289761001");
    assert_eq!(c.iss, ISSUER);
    assert_eq!((c.exp, c.iat), (NOW + 300, NOW));
    assert_eq!(c.email.as_deref(), Some("jane@example.com"));
    assert_eq!(c.name.as_deref(), Some("Jane Doe"));
    assert_eq!(c.preferred_username.as_deref(), Some("jane"));
    assert_eq!(c.sid.as_deref(), Some("s-1"));
    assert_eq!(c.raw["nonce"], NONCE);
}

#[test]
fn valid_es256() {
    let c = verify(&sign(ES256, Some("ec256"), &ec256(), &claims())).unwrap();
    assert_eq!(c.sub, "248289761001");
}

#[test]
fn valid_es384_eddsa_ps256() {
    verify(&sign(ES384, Some("ec384"), &ec384(), &claims())).unwrap();
    verify(&sign(EdDSA, Some("ed25519"), &ed25519(), &claims())).unwrap();
    // rsa2's JWK names no alg, so any RSA algorithm that is allowed fits it.
    verify(&sign(PS256, Some("rsa2"), &rsa2(), &claims())).unwrap();
}

// ---- algorithms

#[test]
fn alg_none_is_refused() {
    for alg in ["none", "None", "NONE", ""] {
        let token = unsigned(&json!({"alg": alg, "typ": "JWT"}), &claims(), b"");
        assert_eq!(err(&token), IdTokenError::AlgNotAllowed(alg.to_owned()), "{alg}");
    }
}

#[test]
fn hmac_keyed_with_the_public_key_is_refused_even_if_listed() {
    let pem = EncodingKey::from_secret(RSA1_PUB.as_bytes());
    let der_bytes = EncodingKey::from_secret(&der(RSA1_PUB));
    let algs = [HS256, HS384, HS512, RS256];
    let check = IdTokenCheck { algs: &algs, ..check() };
    for (alg, name) in [(HS256, "HS256"), (HS384, "HS384"), (HS512, "HS512")] {
        for key in [&pem, &der_bytes] {
            let token = sign(alg, Some("rsa1"), key, &claims());
            assert_eq!(
                verify_id_token(&token, &keys(), &check).unwrap_err(),
                IdTokenError::AlgNotAllowed(name.to_owned())
            );
        }
    }
}

#[test]
fn alg_not_in_the_list_is_refused() {
    let check = IdTokenCheck { algs: &[RS256], ..check() };
    let token = sign(ES256, Some("ec256"), &ec256(), &claims());
    let e = verify_id_token(&token, &keys(), &check).unwrap_err();
    assert_eq!(e, IdTokenError::AlgNotAllowed("ES256".to_owned()));
    let token = sign_raw(&json!({"alg": "rs256", "kid": "rsa1"}), &claims(), &rsa1(), RS256);
    assert_eq!(err(&token), IdTokenError::AlgNotAllowed("rs256".to_owned()));
}

// ---- key selection and fit

#[test]
fn unknown_kid() {
    let token = sign(RS256, Some("rotated-away"), &rsa1(), &claims());
    assert_eq!(err(&token), IdTokenError::UnknownKey("rotated-away".to_owned()));
    let empty = KeySet::parse(br#"{"keys": []}"#).unwrap();
    let e = verify_id_token(&rs256(json!({})), &empty, &check()).unwrap_err();
    assert_eq!(e, IdTokenError::UnknownKey("rsa1".to_owned()));
}

#[test]
fn rs256_header_with_an_ec_key_kid_is_key_mismatch() {
    let token = sign(RS256, Some("ec256"), &rsa1(), &claims());
    assert_eq!(err(&token), IdTokenError::KeyMismatch);
}

#[test]
fn key_type_curve_and_jwk_alg_must_fit() {
    let cases = [
        // ES256 needs P-256, not P-384 (signed by the P-256 key to isolate the fit check).
        sign(ES256, Some("ec384"), &ec256(), &claims()),
        sign(ES384, Some("ec256"), &ec384(), &claims()),
        sign(ES256, Some("rsa2"), &ec256(), &claims()),
        sign(EdDSA, Some("rsa1"), &ed25519(), &claims()),
        sign(RS256, Some("ed25519"), &rsa1(), &claims()),
        // rsa1's JWK says alg RS256: PS256 with it is refused although both are RSA.
        sign(PS256, Some("rsa1"), &rsa1(), &claims()),
    ];
    for token in cases {
        assert_eq!(err(&token), IdTokenError::KeyMismatch);
    }
}

#[test]
fn second_key_claiming_first_keys_kid_is_bad_signature() {
    let token = sign(RS256, Some("rsa1"), &rsa2(), &claims());
    assert_eq!(err(&token), IdTokenError::BadSignature);
}

#[test]
fn no_kid_uses_the_keys_that_fit() {
    let only = |kids: &[&str]| KeySet::parse(jwks_with(kids).as_bytes()).unwrap();
    let token = sign(RS256, None, &rsa2(), &claims());
    // Several RSA keys: each is tried.
    verify_id_token(&token, &only(&["rsa1", "ec256", "rsa2"]), &check()).unwrap();
    // Exactly one fits, and it did not sign.
    let e = verify_id_token(&token, &only(&["rsa1", "ec256"]), &check()).unwrap_err();
    assert_eq!(e, IdTokenError::BadSignature);
    // None fits: maybe the provider rotated, so the adapter may refresh.
    let e = verify_id_token(&token, &only(&["ec256", "ed25519"]), &check()).unwrap_err();
    assert_eq!(e, IdTokenError::UnknownKey("(none)".to_owned()));
    let es = sign(ES256, None, &ec256(), &claims());
    verify_id_token(&es, &only(&["rsa1", "ec384", "ec256"]), &check()).unwrap();
}

#[test]
fn repeated_kid_tries_each_key() {
    let mut set: Value = serde_json::from_str(&jwks_with(&["rsa1", "rsa2"])).unwrap();
    for key in set["keys"].as_array_mut().unwrap() {
        key["kid"] = json!("dup");
    }
    let keys = KeySet::parse(set.to_string().as_bytes()).unwrap();
    let token = sign(RS256, Some("dup"), &rsa2(), &claims());
    verify_id_token(&token, &keys, &check()).unwrap();
}

#[test]
fn header_embedded_keys_are_ignored() {
    let all: Value = serde_json::from_str(JWKS).unwrap();
    let attacker_jwk = all["keys"][1].clone(); // rsa2's public key
    for header in [
        json!({"alg": "RS256", "kid": "rsa1", "jwk": attacker_jwk}),
        json!({"alg": "RS256", "kid": "rsa1", "jku": "https://evil.example/jwks"}),
    ] {
        let token = sign_raw(&header, &claims(), &rsa2(), RS256);
        assert_eq!(err(&token), IdTokenError::BadSignature);
    }
}

// ---- shape

#[test]
fn malformed_tokens() {
    let good = rs256(json!({}));
    let parts: Vec<&str> = good.split('.').collect();
    let resigned = |header: Value| sign_raw(&header, &claims(), &rsa1(), RS256);
    let cases = [
        String::new(),
        "a.b".to_owned(),
        format!("{good}.x"),
        format!("{good}.x.y"), // five parts: a JWE
        format!("!!.{}.{}", parts[1], parts[2]),
        format!("{}.{}.{}", b64("not json"), parts[1], parts[2]),
        format!("{}.{}.{}", parts[0], parts[1], "*sig*"),
        resigned(json!({"kid": "rsa1"})),
        resigned(json!({"alg": "RS256", "kid": 7})),
        resigned(json!({"alg": "RS256", "kid": "rsa1", "crit": ["exp"], "exp": 1})),
        resigned(json!(["RS256"])),
    ];
    for token in &cases {
        assert!(matches!(err(token), IdTokenError::Malformed(_)), "{token}: {:?}", err(token));
    }
    assert!(err(&cases[3]).to_string().contains("JWE"));
}

#[test]
fn payload_must_be_a_json_object_even_when_signed() {
    for payload in [json!(["not", "an", "object"]), json!("text")] {
        let token = sign_raw(&json!({"alg": "RS256", "kid": "rsa1"}), &payload, &rsa1(), RS256);
        assert!(matches!(err(&token), IdTokenError::Malformed(_)));
    }
}

#[test]
fn tampering_breaks_the_signature() {
    let good = rs256(json!({}));
    let parts: Vec<&str> = good.split('.').collect();
    let payload = b64(&with(json!({"sub": "admin"})).to_string());
    let tampered_payload = format!("{}.{payload}.{}", parts[0], parts[2]);
    assert_eq!(err(&tampered_payload), IdTokenError::BadSignature);
    let header = b64(&json!({"alg": "RS256", "kid": "rsa1", "typ": "at+jwt"}).to_string());
    let tampered_header = format!("{header}.{}.{}", parts[1], parts[2]);
    assert_eq!(err(&tampered_header), IdTokenError::BadSignature);
    let mut sig = parts[2].to_owned().into_bytes();
    sig[100] = if sig[100] == b'A' { b'B' } else { b'A' };
    let tampered_sig = format!("{}.{}.{}", parts[0], parts[1], String::from_utf8(sig).unwrap());
    assert_eq!(err(&tampered_sig), IdTokenError::BadSignature);
    let es = sign(ES256, Some("ec256"), &ec256(), &with(json!({"sub": "x"})));
    let es_parts: Vec<&str> = es.split('.').collect();
    assert_eq!(err(&format!("{}.{payload}.{}", es_parts[0], es_parts[2])), IdTokenError::BadSignature);
}

#[test]
fn checks_run_in_order() {
    let everything_wrong = json!({"iss": "x", "aud": "y", "exp": 1, "nonce": "z", "sub": ""});
    // The signature comes before any claim.
    let forged = sign(RS256, Some("rsa1"), &rsa2(), &with(everything_wrong.clone()));
    assert_eq!(err(&forged), IdTokenError::BadSignature);
    assert!(matches!(err(&rs256(everything_wrong)), IdTokenError::WrongIssuer { .. }));
    let e = err(&rs256(json!({"aud": "y", "exp": 1, "nonce": "z", "sub": ""})));
    assert_eq!(e, IdTokenError::WrongAudience);
    let e = err(&rs256(json!({"exp": 1, "iat": NOW + 1000, "nonce": "z", "sub": ""})));
    assert_eq!(e, IdTokenError::Expired);
    let e = err(&rs256(json!({"iat": NOW + 1000, "nbf": NOW + 1000, "nonce": "z"})));
    assert_eq!(e, IdTokenError::IssuedInFuture);
    assert_eq!(err(&rs256(json!({"nbf": NOW + 1000, "nonce": "z"}))), IdTokenError::NotYetValid);
    assert_eq!(err(&rs256(json!({"nonce": "z", "sub": ""}))), IdTokenError::NonceMismatch);
}

#[test]
fn errors_never_quote_the_token() {
    let token = rs256(json!({"exp": 1}));
    let e = crate::error::Error::from(err(&token));
    assert!(!e.to_string().contains(&token[..20]));
}

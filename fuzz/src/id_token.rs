//! Target `id_token`: `oidc::verify_id_token` with the provider's test keys (modes in
//! [`crate::jws`]).
//!
//! Invariants, beyond the modes' own (a genuine signature is refused only for its claims; a
//! tampered or forged token never passes; errors never quote the signature): whatever passes
//! was signed by a test key that fits its algorithm (checked with aws-lc directly), has our
//! issuer, our client in its audience (and as `azp` when there are several), is within its
//! times, carries this sign-in's nonce and a subject, and is returned claim for claim; it also
//! passes without the nonce check, never without keys, and never as a logout token.

use authfront_core::oidc::{IdTokenCheck, IdTokenError, KeySet, verify_id_token, verify_logout_token};
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::fixtures::{ALGS, CLIENT, ISSUER, NONCE, NOW, SKEW, key_set, signing_key};
use crate::jws;
use crate::logout_token;

pub fn run(data: &[u8]) {
    jws::run(data, &verify);
}

/// The one audience the fuzzed client trusts besides itself (`oidc.trusted_audiences`).
pub static TRUSTED: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| vec!["other".to_owned()]);

pub fn check<'a>(algs: &'a [Algorithm], nonce: Option<&'static str>) -> IdTokenCheck<'a> {
    IdTokenCheck {
        issuer: ISSUER,
        client_id: CLIENT,
        trusted_audiences: &TRUSTED,
        algs,
        skew_secs: SKEW,
        nonce,
        now: NOW,
    }
}

fn verify(token: &str, algs: &[Algorithm]) -> Result<(), IdTokenError> {
    let c = verify_id_token(token, key_set(), &check(algs, Some(NONCE)))?;
    assert!(jws::signed_by_test_key(token), "accepted a token no test key signed: {token}");
    let (header, claims) = jws::parts(token);
    let alg = header["alg"].as_str().unwrap_or_default();
    assert!(ALGS.iter().any(|a| format!("{a:?}") == alg), "accepted alg {alg}");
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(c.iss, ISSUER);
    match &claims["aud"] {
        Value::String(a) => assert_eq!(a, CLIENT),
        Value::Array(all) => {
            assert!(all.iter().all(Value::is_string) && all.iter().any(|a| a == CLIENT), "aud {all:?}");
            // every entry is the client or a trusted audience (OIDC Core 3.1.3.7 step 3)
            assert!(all.iter().all(|a| a == CLIENT || TRUSTED.iter().any(|t| a == t)), "untrusted aud {all:?}");
            if all.len() > 1 {
                assert_eq!(claims["azp"], CLIENT, "several audiences and no `azp`");
            }
        }
        other => panic!("accepted aud {other}"),
    }
    if !claims["azp"].is_null() {
        assert_eq!(claims["azp"], CLIENT);
    }
    assert!(NOW < c.exp.saturating_add(SKEW) && c.iat <= NOW + SKEW, "accepted out of its times");
    assert!(claims["exp"].as_f64().is_some_and(|e| e + SKEW as f64 > NOW as f64));
    if let Some(nbf) = claims["nbf"].as_f64() {
        assert!(nbf <= (NOW + SKEW) as f64, "accepted before nbf");
    }
    assert_eq!(claims["nonce"], NONCE);
    assert!(!c.sub.is_empty() && claims["sub"] == c.sub.as_str());
    assert_eq!(Value::Object(c.raw.clone()), claims, "returned claims differ from the token's");
    assert_eq!(verify_id_token(token, key_set(), &check(algs, None)), Ok(c.clone()), "refused without nonce check");
    assert!(verify_id_token(token, &KeySet::default(), &check(algs, Some(NONCE))).is_err());
    assert!(verify_logout_token(token, key_set(), &logout_token::check(algs)).is_err(), "an ID token passed as logout");
    Ok(())
}

/// Claims that pass every check at [`NOW`] with [`NONCE`].
pub fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": CLIENT, "sub": "248289761001", "exp": NOW + 300, "iat": NOW,
        "nonce": NONCE, "email": "jane@example.com", "name": "Jane Doe", "sid": "s-1",
        "groups": ["staff", "admins"],
    })
}

/// `claims()` with `changes` merged in (`null` removes a claim).
pub fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().into_iter().flatten() {
        if v.is_null() {
            claims.as_object_mut().map(|m| m.remove(k));
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

/// A real token by the test key `kid` with header `{"alg", "kid"}`.
pub fn token(alg: Algorithm, kid: Option<&str>, key: &str, claims: &Value) -> String {
    let header = match kid {
        Some(k) => json!({"alg": alg, "kid": k}),
        None => json!({"alg": alg}),
    };
    jws::sign(&header.to_string(), claims.to_string().as_bytes(), &signing_key(key), alg)
}

pub fn seeds() -> crate::Seeds {
    use Algorithm::*;
    let c = claims();
    let mut out = vec![
        jws::raw_seed("rs256", &token(RS256, Some("rsa1"), "rsa1", &c)),
        jws::raw_seed("rs256-no-kid", &token(RS256, None, "rsa1", &c)),
        jws::raw_seed("ps256", &token(PS256, Some("rsa2"), "rsa2", &c)),
        jws::raw_seed("es256", &token(ES256, Some("ec256"), "ec256", &c)),
        jws::raw_seed("es384", &token(ES384, Some("ec384"), "ec384", &c)),
        jws::raw_seed("eddsa", &token(EdDSA, Some("ed25519"), "ed25519", &c)),
        jws::raw_seed("expired", &token(RS256, Some("rsa1"), "rsa1", &with(c.clone(), json!({"exp": NOW - 61})))),
        jws::raw_seed(
            "fractional",
            &token(
                EdDSA,
                Some("ed25519"),
                "ed25519",
                &with(c.clone(), json!({"exp": 1.7e9 + 0.5, "iat": 1.6999e9, "nbf": 1.7e9})),
            ),
        ),
        jws::raw_seed(
            "aud-list-azp",
            &token(EdDSA, None, "ed25519", &with(c.clone(), json!({"aud": [CLIENT, "other"], "azp": CLIENT}))),
        ),
        jws::raw_seed(
            "aud-list-no-azp",
            &token(EdDSA, None, "ed25519", &with(c.clone(), json!({"aud": [CLIENT, "other"]}))),
        ),
        jws::raw_seed("wrong-aud", &token(RS256, Some("rsa1"), "rsa1", &with(c.clone(), json!({"aud": "other"})))),
        jws::raw_seed("no-nonce", &token(EdDSA, Some("ed25519"), "ed25519", &with(c.clone(), json!({"nonce": null})))),
        jws::raw_seed("alg-none", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0."),
        jws::raw_seed("jwe", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"),
        jws::raw_seed("empty-parts", ".."),
    ];
    let hs =
        jsonwebtoken::encode(&jsonwebtoken::Header::new(HS256), &c, &jsonwebtoken::EncodingKey::from_secret(b"s3cret"))
            .unwrap_or_default();
    out.push(jws::raw_seed("hs256", &hs));
    out.extend(jws::mode_seeds("valid", &c));
    out.extend(jws::mode_seeds("aud-list", &with(c, json!({"aud": [CLIENT, "x"], "azp": CLIENT}))));
    out
}

//! Target `jwks`: `KeySet::parse` of any document, then the test keys' tokens verified against
//! the set it gave.
//!
//! Invariants: every member of `keys` is either usable or skipped with a reason; the usable
//! keys' ids are ids the document has; a symmetric key is never usable; and a token verifies
//! against the parsed set only if the document publishes the very public key that signed it,
//! under the `kid` the token names (an RSA modulus for RS/PS, the curve point for ES, `x` for
//! EdDSA): no other key, type or curve stands in for it.

use std::sync::LazyLock;

use authfront_core::oidc::{KeySet, verify_id_token};
use base64::Engine as _;
use jsonwebtoken::Algorithm;
use serde_json::Value;

use crate::fixtures::{ALGS, JWKS, NONCE};
use crate::id_token::{self, claims, token};
use crate::jws::B64;

/// One valid token per test key: (token, signing key's kid).
static TOKENS: LazyLock<Vec<(String, &'static str)>> = LazyLock::new(|| {
    use Algorithm::*;
    [(RS256, "rsa1"), (PS256, "rsa2"), (RS256, "rsa2"), (ES256, "ec256"), (ES384, "ec384"), (EdDSA, "ed25519")]
        .into_iter()
        .flat_map(|(alg, kid)| [(token(alg, Some(kid), kid, &claims()), kid), (token(alg, None, kid, &claims()), kid)])
        .collect()
});

pub fn run(data: &[u8]) {
    let Ok(set) = KeySet::parse(data) else { return };
    let doc: Value = serde_json::from_slice(data).unwrap_or(Value::Null);
    // the document may be `{"keys": [...]}` or, as serde reads structs, `[[...]]`
    let members = doc.get("keys").or_else(|| doc.get(0)).and_then(Value::as_array).cloned().unwrap_or_default();
    assert_eq!(set.len() + set.skipped().len(), members.len(), "keys neither usable nor skipped");
    let doc_kids: Vec<&str> = members.iter().filter_map(|k| k.get("kid")?.as_str()).collect();
    for kid in set.kids() {
        assert!(doc_kids.contains(&kid.as_str()), "kid {kid:?} is not in the document");
    }
    if members.iter().all(|k| k.get("kty").and_then(Value::as_str) == Some("oct")) {
        assert!(set.is_empty(), "a symmetric key is usable");
    }
    for (token, signer) in TOKENS.iter() {
        let check = id_token::check(ALGS, Some(NONCE));
        if verify_id_token(token, &set, &check).is_ok() {
            let (header, _) = crate::jws::parts(token);
            assert!(publishes(&members, signer, header.get("kid")), "{signer}'s token verified against {}", doc);
        }
    }
}

/// Whether `members` has a JWK with the public key of test key `signer` (and `kid`, if given).
fn publishes(members: &[Value], signer: &str, kid: Option<&Value>) -> bool {
    let test: Value = serde_json::from_str(JWKS).unwrap_or(Value::Null);
    let Some(want) = test["keys"].as_array().and_then(|ks| ks.iter().find(|k| k["kid"] == signer)) else {
        return false;
    };
    let bytes = |k: &Value, m: &str| {
        let b = B64.decode(k.get(m).and_then(Value::as_str).unwrap_or_default()).unwrap_or_default();
        let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
        b[start..].to_vec()
    };
    let crv = |k: &Value| k.get("crv").and_then(Value::as_str).unwrap_or_default().as_bytes().to_vec();
    let material = |k: &Value| match k.get("kty").and_then(Value::as_str) {
        Some("RSA") => vec![bytes(k, "n"), bytes(k, "e")],
        Some("EC") => vec![crv(k), bytes(k, "x"), bytes(k, "y")],
        _ => vec![crv(k), bytes(k, "x")],
    };
    members.iter().any(|k| {
        kid.is_none_or(|id| k.get("kid") == Some(id))
            && k.get("kty") == want.get("kty")
            && material(k) == material(want)
            && !material(k).iter().all(Vec::is_empty)
    })
}

pub fn seeds() -> crate::Seeds {
    let test: Value = serde_json::from_str(JWKS).unwrap_or(Value::Null);
    let keys = test["keys"].as_array().cloned().unwrap_or_default();
    let one = |i: usize| serde_json::json!({ "keys": [keys[i].clone()] }).to_string().into_bytes();
    let mut confused = keys[0].clone();
    confused["kty"] = "EC".into();
    confused["crv"] = "P-256".into();
    let mut renamed = keys[4].clone();
    renamed["kid"] = "rsa1".into();
    let mut padded = keys[0].clone();
    padded["n"] = format!("{}==", keys[0]["n"].as_str().unwrap_or_default()).into();
    let extra = serde_json::json!({ "keys": [
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        {"kty": "RSA", "kid": "enc", "use": "enc", "n": keys[0]["n"], "e": "AQAB"},
        {"kty": "EC", "kid": "p521", "crv": "P-521", "x": "AA", "y": "AA"},
        {"kty": "RSA", "kid": "small", "n": "AQAB", "e": "AQAB"},
        keys[2].clone(),
    ]});
    vec![
        ("all".to_owned(), JWKS.as_bytes().to_vec()),
        ("rsa1".to_owned(), one(0)),
        ("ec256".to_owned(), one(2)),
        ("ed25519".to_owned(), one(4)),
        ("confused-type".to_owned(), serde_json::json!({ "keys": [confused] }).to_string().into_bytes()),
        ("renamed-kid".to_owned(), serde_json::json!({ "keys": [renamed] }).to_string().into_bytes()),
        ("padded".to_owned(), serde_json::json!({ "keys": [padded] }).to_string().into_bytes()),
        ("skipped-kinds".to_owned(), extra.to_string().into_bytes()),
        ("as-array".to_owned(), format!("[{}]", test["keys"]).into_bytes()),
        ("empty".to_owned(), br#"{"keys":[]}"#.to_vec()),
    ]
}

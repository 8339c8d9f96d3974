#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm::{ES256, RS256};
use serde_json::{Value, json};

use super::*;
use crate::oidc::testutil::*;
use crate::oidc::{IdTokenCheck, verify_id_token};

fn jwk(kid: &str) -> Value {
    let all: Value = serde_json::from_str(JWKS).unwrap();
    all["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid).unwrap().clone()
}

fn parse(keys: Vec<Value>) -> KeySet {
    KeySet::parse(json!({ "keys": keys }).to_string().as_bytes()).unwrap()
}

/// Whether `set` verifies a fresh token of `alg` signed by the test key `kid`.
fn verifies(set: &KeySet, alg: jsonwebtoken::Algorithm, kid: &str) -> bool {
    let key = match kid {
        "rsa1" => rsa1(),
        "ec256" => ec256(),
        _ => unreachable!(),
    };
    let check = IdTokenCheck {
        issuer: ISSUER,
        client_id: CLIENT,
        trusted_audiences: &[],
        algs: &[RS256, ES256],
        skew_secs: 0,
        nonce: None,
        now: NOW,
    };
    verify_id_token(&sign(alg, Some(kid), &key, &claims()), set, &check).is_ok()
}

#[test]
fn parses_every_supported_key_type() {
    let set = keys();
    assert_eq!(set.len(), 5);
    assert!(!set.is_empty());
    assert_eq!(set.kids(), ["rsa1", "rsa2", "ec256", "ec384", "ed25519"]);
    assert!(set.skipped().is_empty());
}

#[test]
fn skips_keys_that_cannot_verify_id_tokens() {
    let with = |kid: &str, changes: Value| {
        let mut k = jwk(kid);
        for (name, value) in changes.as_object().unwrap() {
            k[name] = value.clone();
        }
        k
    };
    let set = parse(vec![
        with("rsa1", json!({"kid": "enc", "use": "enc"})),
        with("rsa1", json!({"kid": "ops", "key_ops": ["encrypt", "wrapKey"]})),
        json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
        json!({"kty": "RSA-PSS", "kid": "odd-kty", "n": "AQAB", "e": "AQAB"}),
        json!({"kty": "EC", "kid": "p521", "crv": "P-521", "x": "AA", "y": "AA"}),
        json!({"kty": "OKP", "kid": "x25519", "crv": "X25519", "x": "AA"}),
        json!({"kid": "no-kty"}),
        json!("not an object"),
        with("ec256", json!({"kid": "keep", "key_ops": ["verify"]})),
    ]);
    assert_eq!(set.kids(), ["keep"]);
    let skipped = set.skipped().join("\n");
    for why in ["`use` is `enc`", "key_ops", "symmetric", "RSA-PSS", "P-521", "X25519", "not a JWK"] {
        assert!(skipped.contains(why), "{why} in {skipped}");
    }
    assert_eq!(set.skipped().len(), 8);
}

#[test]
fn skips_malformed_keys() {
    let rsa = jwk("rsa1");
    let n = URL_SAFE_NO_PAD.decode(rsa["n"].as_str().unwrap()).unwrap();
    let mut short = rsa.clone();
    short["n"] = json!(URL_SAFE_NO_PAD.encode(&n[..128])); // 1024 bits
    let mut no_n = rsa.clone();
    no_n.as_object_mut().unwrap().remove("n");
    let mut bad_b64 = rsa.clone();
    bad_b64["e"] = json!("*");
    let mut short_x = jwk("ec256");
    short_x["x"] = json!(URL_SAFE_NO_PAD.encode([1u8; 31]));
    let mut off_curve = jwk("ec256");
    off_curve["y"] = json!(URL_SAFE_NO_PAD.encode([1u8; 32]));
    let mut wrong_curve = jwk("ec384");
    wrong_curve["crv"] = json!("P-256");
    let mut short_ed = jwk("ed25519");
    short_ed["x"] = json!("AAAA");
    let set = parse(vec![short, no_n, bad_b64, short_x, off_curve, wrong_curve, short_ed]);
    assert!(set.is_empty());
    assert_eq!(set.len(), 0);
    let skipped = set.skipped().join("\n");
    for why in ["1024 bits", "`n` is missing", "`e` is not base64url", "not 32 bytes", "invalid EC key"] {
        assert!(skipped.contains(why), "{why} in {skipped}");
    }
    assert_eq!(set.skipped().len(), 7);
}

#[test]
fn tolerates_padding_and_a_leading_zero() {
    let mut rsa = jwk("rsa1");
    let n = URL_SAFE_NO_PAD.decode(rsa["n"].as_str().unwrap()).unwrap();
    rsa["n"] = json!(URL_SAFE_NO_PAD.encode([&[0u8][..], &n].concat()));
    let mut ec = jwk("ec256");
    ec["x"] = json!(format!("{}=", ec["x"].as_str().unwrap()));
    let set = parse(vec![rsa, ec]);
    assert_eq!(set.len(), 2, "{:?}", set.skipped());
    assert!(verifies(&set, RS256, "rsa1"));
    assert!(verifies(&set, ES256, "ec256"));
}

#[test]
fn keys_without_kid_are_kept_but_not_listed() {
    let mut rsa = jwk("rsa1");
    rsa.as_object_mut().unwrap().remove("kid");
    let set = parse(vec![rsa, jwk("ec256")]);
    assert_eq!(set.len(), 2);
    assert_eq!(set.kids(), ["ec256"]);
}

#[test]
fn not_a_jwk_set_is_an_error() {
    for body in [&b"<html>oops</html>"[..], b"", b"{}", br#"{"keys": {}}"#, b"[]"] {
        let e = KeySet::parse(body).unwrap_err();
        assert!(matches!(e, Error::Jwks(_)), "{e:?}");
    }
    let empty = KeySet::parse(br#"{"keys": []}"#).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn fits_follows_type_curve_and_alg() {
    use jsonwebtoken::Algorithm::*;
    let set = keys();
    let key = |kid: &str| set.keys().iter().find(|k| k.kid() == Some(kid)).unwrap();
    let fits = |kid: &str, alg: jsonwebtoken::Algorithm| key(kid).fits(alg, &format!("{alg:?}"));
    assert!(fits("rsa1", RS256) && !fits("rsa1", RS384) && !fits("rsa1", PS256));
    assert!([RS256, RS384, RS512, PS256, PS384, PS512].iter().all(|a| fits("rsa2", *a)));
    assert!(fits("ec256", ES256) && !fits("ec256", ES384));
    assert!(fits("ec384", ES384) && !fits("ec384", ES256));
    assert!(fits("ed25519", EdDSA) && !fits("ed25519", ES256));
    for kid in ["rsa1", "rsa2", "ec256", "ec384", "ed25519"] {
        assert!(![HS256, HS384, HS512].iter().any(|a| fits(kid, *a)), "{kid}");
    }
    let mut ed = jwk("ed25519");
    ed["alg"] = json!("Ed25519");
    assert!(parse(vec![ed]).keys()[0].fits(EdDSA, "EdDSA"));
}

//! Fixtures shared by the oidc tests: the fixed keys in `testdata/` (see `generate.py`), real
//! token signing, and a client config. Test-only; never compiled into authfront.

#![allow(clippy::unwrap_used)] // A panic in a fixture is a test failure, which is the point.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{IdClaims, IdTokenCheck, IdTokenError, KeySet, verify_id_token};
use crate::config::{ClientAuth, Oidc, Secret};

pub const RSA1: &str = include_str!("testdata/rsa1.pem");
pub const RSA1_PUB: &str = include_str!("testdata/rsa1.pub.pem");
pub const RSA2: &str = include_str!("testdata/rsa2.pem");
pub const EC256: &str = include_str!("testdata/ec256.pem");
pub const EC384: &str = include_str!("testdata/ec384.pem");
pub const ED25519: &str = include_str!("testdata/ed25519.pem");
/// Public halves of all five keys; kids `rsa1` (alg RS256), `rsa2` (no alg), `ec256` (alg
/// ES256), `ec384` (no alg), `ed25519` (alg EdDSA).
pub const JWKS: &str = include_str!("testdata/jwks.json");

pub const ISSUER: &str = "https://idp.example.com/realms/main";
pub const CLIENT: &str = "authfront-client";
pub const NONCE: &str = "n-0S6_WzA2Mj";
pub const NOW: u64 = 1_700_000_000;

/// The DER inside a PEM file.
pub fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

pub fn rsa1() -> EncodingKey {
    EncodingKey::from_rsa_der(&der(RSA1))
}
pub fn rsa2() -> EncodingKey {
    EncodingKey::from_rsa_der(&der(RSA2))
}
pub fn ec256() -> EncodingKey {
    EncodingKey::from_ec_der(&der(EC256))
}
pub fn ec384() -> EncodingKey {
    EncodingKey::from_ec_der(&der(EC384))
}
pub fn ed25519() -> EncodingKey {
    EncodingKey::from_ed_der(&der(ED25519))
}

/// The JWKS with only the keys named, in that order.
pub fn jwks_with(kids: &[&str]) -> String {
    let all: Value = serde_json::from_str(JWKS).unwrap();
    let keys: Vec<Value> = kids
        .iter()
        .map(|kid| all["keys"].as_array().unwrap().iter().find(|k| k["kid"] == *kid).unwrap().clone())
        .collect();
    json!({ "keys": keys }).to_string()
}

/// Every test key.
pub fn keys() -> KeySet {
    KeySet::parse(JWKS.as_bytes()).unwrap()
}

/// Claims that pass every check at [`NOW`] with [`NONCE`].
pub fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "248289761001",
        "exp": NOW + 300,
        "iat": NOW,
        "nonce": NONCE,
        "email": "jane@example.com",
        "name": "Jane Doe",
        "preferred_username": "jane",
        "sid": "s-1",
    })
}

/// `claims()` with `changes` merged in; a `null` change removes the claim.
pub fn with(changes: Value) -> Value {
    merged(claims(), changes)
}

/// `claims` with `changes` merged in; a `null` change removes the claim.
pub fn merged(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

/// The algorithms of every test key.
pub const ALGS: &[Algorithm] =
    &[Algorithm::RS256, Algorithm::PS256, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA];

/// A check that [`claims()`] pass, skew 60 s.
pub fn check() -> IdTokenCheck<'static> {
    IdTokenCheck {
        issuer: ISSUER,
        client_id: CLIENT,
        trusted_audiences: &[],
        algs: ALGS,
        skew_secs: 60,
        nonce: Some(NONCE),
        now: NOW,
    }
}

/// `token` verified with every test key and [`check()`].
pub fn verify(token: &str) -> Result<IdClaims, IdTokenError> {
    verify_id_token(token, &keys(), &check())
}

pub fn err(token: &str) -> IdTokenError {
    verify(token).unwrap_err()
}

/// An RS256 token by `rsa1` with `changes` to the valid claims.
pub fn rs256(changes: Value) -> String {
    sign(Algorithm::RS256, Some("rsa1"), &rsa1(), &with(changes))
}

/// A token signed for real with `key`, its header saying `alg` and `kid`.
pub fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// A token with any header JSON, signed for real with `key` and `alg` (whatever the header
/// says).
pub fn sign_raw(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!("{}.{}", b64(&header.to_string()), b64(&claims.to_string()));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{signature}")
}

/// A token assembled by hand, signature included.
pub fn unsigned(header: &Value, claims: &Value, signature: &[u8]) -> String {
    let signature = URL_SAFE_NO_PAD.encode(signature);
    format!("{}.{}.{signature}", b64(&header.to_string()), b64(&claims.to_string()))
}

pub fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// A client config as `config::parse` would build it.
pub fn oidc(client_auth: ClientAuth) -> Oidc {
    Oidc {
        issuer: ISSUER.to_owned(),
        client_id: CLIENT.to_owned(),
        client_secret: match client_auth {
            ClientAuth::None => None,
            _ => Some(Secret::new("s3cret".to_owned())),
        },
        client_auth,
        scopes: vec!["openid".to_owned(), "email".to_owned(), "profile".to_owned()],
        id_token_algs: vec![Algorithm::RS256, Algorithm::ES256],
        clock_skew_secs: 60,
        http_timeout_secs: 10,
        trusted_audiences: Vec::new(),
        jwks_min_refresh_interval_secs: 60,
        login_timeout_secs: 600,
        auth_params: Vec::new(),
        switch_account_prompt: crate::prompt::Prompt::Login,
    }
}

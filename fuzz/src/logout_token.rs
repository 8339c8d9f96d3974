//! Target `logout_token`: `oidc::verify_logout_token` with the provider's test keys (modes in
//! [`crate::jws`]).
//!
//! Invariants, beyond the modes' own: whatever passes was signed by a fitting test key (aws-lc
//! directly), says it is a logout token or nothing (`typ`), has our issuer and client, an `iat`
//! neither in the future nor older than a delivery takes, an `exp` not passed, the back-channel
//! logout event, no nonce, a `jti`, and a subject or a provider session, returned as sent; it
//! never passes without keys, and never as an ID token.

use authfront_core::oidc::{
    BACKCHANNEL_LOGOUT_EVENT, IdTokenError, KeySet, LogoutCheck, verify_id_token, verify_logout_token,
};
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::fixtures::{CLIENT, ISSUER, NONCE, NOW, SKEW, key_set};
use crate::id_token::{self, token, with};
use crate::jws;

/// How old a logout token may be (beyond the skew).
const MAX_AGE: u64 = 120;

pub fn run(data: &[u8]) {
    jws::run(data, &verify);
}

pub fn check(algs: &[Algorithm]) -> LogoutCheck<'_> {
    LogoutCheck {
        issuer: ISSUER,
        client_id: CLIENT,
        trusted_audiences: &crate::id_token::TRUSTED,
        algs,
        skew_secs: SKEW,
        max_age_secs: MAX_AGE,
        now: NOW,
    }
}

fn verify(token: &str, algs: &[Algorithm]) -> Result<(), IdTokenError> {
    let l = verify_logout_token(token, key_set(), &check(algs))?;
    assert!(jws::signed_by_test_key(token), "accepted a token no test key signed: {token}");
    let (header, claims) = jws::parts(token);
    if let Some(typ) = header.get("typ") {
        let typ = typ.as_str().map(str::to_ascii_lowercase).unwrap_or_default();
        let typ = typ.strip_prefix("application/").unwrap_or(&typ);
        assert!(typ == "jwt" || typ == "logout+jwt", "accepted typ {typ}");
    }
    assert_eq!(claims["iss"], ISSUER);
    let aud = &claims["aud"];
    assert!(aud == CLIENT || aud.as_array().is_some_and(|a| a.iter().any(|x| x == CLIENT)), "aud {aud}");
    let trusted = |x: &Value| x == CLIENT || crate::id_token::TRUSTED.iter().any(|t| x == t);
    assert!(aud == CLIENT || aud.as_array().is_some_and(|a| a.iter().all(trusted)), "untrusted aud {aud}");
    assert!(claims["azp"].is_null() || claims["azp"] == CLIENT);
    assert!(l.iat <= NOW + SKEW && l.iat + SKEW + MAX_AGE >= NOW, "accepted iat {}", l.iat);
    if let Some(exp) = claims["exp"].as_f64() {
        assert!(exp + SKEW as f64 > NOW as f64, "accepted after exp");
    }
    assert!(claims["events"][BACKCHANNEL_LOGOUT_EVENT].is_object(), "no logout event");
    assert!(claims.get("nonce").is_none(), "a nonce in a logout token");
    assert!(!l.jti.is_empty() && claims["jti"] == l.jti.as_str());
    assert!(l.sub.is_some() || l.sid.is_some());
    for (got, name) in [(&l.sub, "sub"), (&l.sid, "sid")] {
        if let Some(v) = got {
            assert!(!v.is_empty() && claims[name] == v.as_str());
        }
    }
    assert!(verify_logout_token(token, &KeySet::default(), &check(algs)).is_err());
    assert!(
        verify_id_token(token, key_set(), &id_token::check(algs, Some(NONCE))).is_err(),
        "a logout token passed as ID token"
    );
    Ok(())
}

/// A logout token's claims that pass at [`NOW`].
pub fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": CLIENT, "iat": NOW, "exp": NOW + 120, "jti": "bWJq",
        "sid": "08a5019c-17e1-4977-8f42-65a12843ea02", "sub": "248289761001",
        "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
    })
}

pub fn seeds() -> crate::Seeds {
    use Algorithm::*;
    let c = claims();
    let logout_typ = jws::sign(
        r#"{"alg":"ES256","kid":"ec256","typ":"logout+jwt"}"#,
        c.to_string().as_bytes(),
        &crate::fixtures::signing_key("ec256"),
        ES256,
    );
    let mut out = vec![
        jws::raw_seed("rs256", &token(RS256, Some("rsa1"), "rsa1", &c)),
        jws::raw_seed("es256-typ", &logout_typ),
        jws::raw_seed(
            "eddsa-sid-only",
            &token(EdDSA, Some("ed25519"), "ed25519", &with(c.clone(), json!({"sub": null}))),
        ),
        jws::raw_seed("sub-only", &token(EdDSA, None, "ed25519", &with(c.clone(), json!({"sid": null})))),
        jws::raw_seed("with-nonce", &token(RS256, Some("rsa1"), "rsa1", &with(c.clone(), json!({"nonce": NONCE})))),
        jws::raw_seed("old", &token(EdDSA, Some("ed25519"), "ed25519", &with(c.clone(), json!({"iat": NOW - 1000})))),
        jws::raw_seed(
            "no-events",
            &token(EdDSA, Some("ed25519"), "ed25519", &with(c.clone(), json!({"events": null}))),
        ),
        jws::raw_seed("id-token", &token(RS256, Some("rsa1"), "rsa1", &id_token::claims())),
    ];
    out.extend(jws::mode_seeds("valid", &c));
    out.extend(jws::mode_seeds("draft-no-exp", &with(c, json!({"exp": null, "azp": CLIENT}))));
    out
}

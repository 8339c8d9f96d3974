//! ID-token verification (OIDC Core §3.1.3.7): the signature against the provider's keys, then
//! every claim against the configured client and the `now` it is given.
//!
//! Owns the order of the checks and the refusal of `none` and HMAC. It never reads the clock
//! (jsonwebtoken's own time checks would, so only its signature primitive is used) and never
//! fetches keys: a token naming a key the set lacks is [`IdTokenError::UnknownKey`], on which
//! the adapter refreshes the JWKS (rate-limited) and tries again.

pub(super) mod claims;

use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::{Map, Value};

pub use claims::IdClaims;

use super::jwks::KeySet;
use super::printable;

/// Why an ID token was refused. Messages quote only what the token says about itself
/// (algorithm, key id, issuer), shortened and printable; never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("malformed: {0}")]
    Malformed(String),
    /// No key in the set has the header's `kid` (or, for a header without `kid`, no key fits
    /// its algorithm: then this holds `(none)`). The provider may have rotated its keys: the
    /// adapter refreshes the JWKS and retries on this error, and on no other.
    #[error("no key for kid `{0}` in the provider's JWKS")]
    UnknownKey(String),
    /// `none`, any HMAC algorithm, or one not in the configured list.
    #[error("algorithm `{0}` is not allowed")]
    AlgNotAllowed(String),
    /// The key the header names cannot verify the header's algorithm (type, curve or the
    /// key's own `alg` differ): an algorithm-confusion attempt or a provider misconfiguration.
    #[error("the key named by the token does not fit its algorithm")]
    KeyMismatch,
    #[error("bad signature")]
    BadSignature,
    #[error("issuer `{got}` is not the configured issuer")]
    WrongIssuer { got: String },
    #[error("this client is not in the token's audience")]
    WrongAudience,
    #[error("the token's audience lists another party this client does not trust (`oidc.trusted_audiences`)")]
    UntrustedAudience,
    #[error("`azp` is not this client")]
    WrongAzp,
    #[error("expired")]
    Expired,
    #[error("issued in the future (`iat`)")]
    IssuedInFuture,
    #[error("not valid yet (`nbf`)")]
    NotYetValid,
    #[error("`nonce` does not match this sign-in")]
    NonceMismatch,
    #[error("missing claim `{0}`")]
    MissingClaim(&'static str),
    /// A logout token that is not one (Back-Channel Logout §2.6): its `typ`, `events` or a
    /// `nonce` say it is another kind of token.
    #[error("not a logout token: {0}")]
    NotALogoutToken(&'static str),
    /// A logout token older than a delivery takes: a replay.
    #[error("issued too long ago (`iat`)")]
    IssuedTooLongAgo,
}

/// What a token is checked against.
#[derive(Debug, Clone, Copy)]
pub struct IdTokenCheck<'a> {
    /// The configured issuer; `iss` must equal it exactly.
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// Audiences besides the client that `aud` may list (`oidc.trusted_audiences`).
    pub trusted_audiences: &'a [String],
    /// Allowed header algorithms. HMAC is refused even if listed here.
    pub algs: &'a [Algorithm],
    /// Tolerated clock difference with the provider, applied to `exp`, `iat` and `nbf`.
    pub skew_secs: u64,
    /// The nonce sent with this sign-in's authorization request. `None` skips the check
    /// (refreshed ID tokens need not carry one).
    pub nonce: Option<&'a str>,
    /// Unix seconds.
    pub now: u64,
}

/// Verifies `token` completely and returns its claims. The checks run in this order, and the
/// first failure is returned: shape and header; algorithm allowed; key found; key fits the
/// algorithm; signature; `iss`; `aud`; `azp`; `exp`; `iat`; `nbf`; `nonce`; `sub`.
pub fn verify_id_token(token: &str, keys: &KeySet, check: &IdTokenCheck<'_>) -> Result<IdClaims, IdTokenError> {
    let signed = verify_jws(token, keys, check.algs)?;
    claims::check(signed.claims, check)
}

/// A compact JWS whose signature verified against the provider's keys: what its header says
/// about its type, and its payload. Shared by ID tokens and logout tokens ([`super::logout`]).
pub(super) struct Signed {
    /// The header's `typ`, as sent (tokens of other kinds are told apart by it).
    pub(super) typ: Option<Value>,
    pub(super) claims: Map<String, Value>,
}

/// Shape and header; algorithm allowed; key found; key fits the algorithm; signature; then the
/// payload as a JSON object. No claim is looked at.
pub(super) fn verify_jws(token: &str, keys: &KeySet, algs: &[Algorithm]) -> Result<Signed, IdTokenError> {
    let jws = Jws::split(token)?;
    let header = Header::parse(jws.header)?;
    let alg = allowed(&header.alg, algs)?;
    verify_signature(&jws, header.kid.as_deref(), alg, &header.alg, keys)?;
    let payload = URL_SAFE_NO_PAD.decode(jws.payload).map_err(|_| malformed("the payload is not base64url"))?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&payload).map_err(|_| malformed("the payload is not a JSON object"))?;
    Ok(Signed { typ: header.typ, claims })
}

pub(super) fn malformed(why: impl Into<String>) -> IdTokenError {
    IdTokenError::Malformed(why.into())
}

/// The three parts of a compact JWS (RFC 7515 §7.1), still encoded.
struct Jws<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// `header.payload`: what the signature covers.
    signing_input: &'a str,
}

impl<'a> Jws<'a> {
    fn split(token: &'a str) -> Result<Self, IdTokenError> {
        let mut parts = token.split('.');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(header), Some(payload), Some(signature), None) => {
                Ok(Jws { header, payload, signature, signing_input: &token[..header.len() + 1 + payload.len()] })
            }
            _ => Err(match token.split('.').count() {
                5 => malformed("an encrypted (JWE) token; only signed ID tokens are supported"),
                n => malformed(format!("{n} dot-separated parts; a signed JWT has 3")),
            }),
        }
    }
}

/// The JOSE header members that matter. `alg` is read as a string, not as jsonwebtoken's
/// `Algorithm`, so that `none` and unknown names are refused as such instead of as garbage.
/// Keys the header offers (`jwk`, `jku`, `x5u`, `x5c`) are ignored: keys come only from the
/// provider's JWKS.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    typ: Option<Value>,
    crit: Option<Value>,
}

impl Header {
    fn parse(encoded: &str) -> Result<Header, IdTokenError> {
        let json = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| malformed("the header is not base64url"))?;
        let header: Header = serde_json::from_slice(&json)
            .map_err(|_| malformed("the header is not a JSON object with a string `alg`"))?;
        // RFC 7515 §4.1.11: extensions listed in `crit` must be understood; none are.
        if header.crit.is_some() {
            return Err(malformed("the header has critical extensions (`crit`)"));
        }
        Ok(header)
    }
}

/// The header's algorithm, if allowed. HMAC is never allowed, whatever the list says: its key
/// would be the client secret, shared with every copy of the config, or, in the classic
/// confusion attack, a public key anyone can fetch.
fn allowed(name: &str, algs: &[Algorithm]) -> Result<Algorithm, IdTokenError> {
    use Algorithm::*;
    let refuse = || IdTokenError::AlgNotAllowed(printable(name, 40));
    let alg = Algorithm::from_str(name).map_err(|_| refuse())?;
    if matches!(alg, HS256 | HS384 | HS512) || !algs.contains(&alg) {
        return Err(refuse());
    }
    Ok(alg)
}

/// Finds the key(s) that may have signed the token and verifies with them.
///
/// With a `kid`, only keys with that `kid` are considered (several only if the provider
/// repeats one, e.g. mid-rotation). Without one, every key that fits the algorithm is; any
/// that verifies is accepted. Signature checking never reads the clock.
fn verify_signature(
    jws: &Jws<'_>,
    kid: Option<&str>,
    alg: Algorithm,
    alg_name: &str,
    keys: &KeySet,
) -> Result<(), IdTokenError> {
    // Checked once here, so that a failed verification below can only mean a wrong signature.
    if URL_SAFE_NO_PAD.decode(jws.signature).is_err() {
        return Err(malformed("the signature is not base64url"));
    }
    let mut named = false;
    let mut fitting = false;
    for key in keys.keys().iter().filter(|k| kid.is_none() || k.kid() == kid) {
        named = true;
        if !key.fits(alg, alg_name) {
            continue;
        }
        fitting = true;
        let message = jws.signing_input.as_bytes();
        if let Ok(true) = jsonwebtoken::crypto::verify(jws.signature, message, key.decoding(), alg) {
            return Ok(());
        }
    }
    Err(match kid {
        Some(kid) if !named => IdTokenError::UnknownKey(printable(kid, 100)),
        Some(_) if !fitting => IdTokenError::KeyMismatch,
        None if !fitting => IdTokenError::UnknownKey("(none)".to_owned()),
        _ => IdTokenError::BadSignature,
    })
}

#[cfg(test)]
mod tests;

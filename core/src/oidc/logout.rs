//! Logout-token verification (OpenID Connect Back-Channel Logout 1.0 §2.6): the provider posts
//! a signed JWT saying "this user's session (or every session of this user) has ended".
//!
//! Owns the checks that make a logout token one: signature with an allowed algorithm and the
//! provider's keys (the ID-token verifier's own code, [`super::idtoken::verify_jws`]), then
//! `typ`, `iss`, `aud`, `azp`, `iat`, `exp`, `events`, no `nonce`, `jti`, `sub`/`sid`. It never
//! reads the clock and never fetches keys: an unknown `kid` is [`IdTokenError::UnknownKey`],
//! on which the adapter refreshes the JWKS once and tries again. Replays of a `jti` are the
//! adapter's to remember.

use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use super::idtoken::claims::{audience, audience_allowed, string, time};
use super::idtoken::{IdTokenError, verify_jws};
use super::jwks::KeySet;
use super::printable;

/// The member of `events` that marks a logout token (§2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// What a logout token is checked against.
#[derive(Debug, Clone, Copy)]
pub struct LogoutCheck<'a> {
    /// The configured issuer; `iss` must equal it exactly.
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// Audiences besides the client that `aud` may list (`oidc.trusted_audiences`).
    pub trusted_audiences: &'a [String],
    /// Allowed header algorithms (the ID-token list). HMAC is refused even if listed.
    pub algs: &'a [Algorithm],
    /// Tolerated clock difference with the provider, applied to `iat` and `exp`.
    pub skew_secs: u64,
    /// How old (beyond the skew) an `iat` may be. A provider posts a logout token as soon as
    /// the session ends, so an older one can only be a replay.
    pub max_age_secs: u64,
    /// Unix seconds.
    pub now: u64,
}

/// What a verified logout token says. At least one of `sub` and `sid` is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutClaims {
    /// The user whose sessions ended (all of them when `sid` is absent).
    pub sub: Option<String>,
    /// The provider session that ended.
    pub sid: Option<String>,
    /// The token's id, for replay detection.
    pub jti: String,
    pub iat: u64,
}

/// Verifies `token` completely and returns what it says. The checks run in this order, and the
/// first failure is returned: shape and header; algorithm allowed; key found; key fits the
/// algorithm; signature; `typ`; `iss`; `aud`; `azp`; `iat`; `exp`; `events`; no `nonce`;
/// `jti`; `sub` or `sid`.
pub fn verify_logout_token(token: &str, keys: &KeySet, check: &LogoutCheck<'_>) -> Result<LogoutClaims, IdTokenError> {
    let signed = verify_jws(token, keys, check.algs)?;
    check_typ(signed.typ.as_ref())?;
    claims(&signed.claims, check)
}

/// `typ` is optional (§2.4 only recommends `logout+jwt`), but a token that says it is of
/// another kind (an access token `at+jwt`, a SET `secevent+jwt`) is refused (RFC 8725 §3.11).
fn check_typ(typ: Option<&Value>) -> Result<(), IdTokenError> {
    let Some(typ) = typ else { return Ok(()) };
    let typ = typ.as_str().ok_or(IdTokenError::NotALogoutToken("`typ` is not a string"))?;
    let typ = typ.to_ascii_lowercase();
    match typ.strip_prefix("application/").unwrap_or(&typ) {
        "jwt" | "logout+jwt" => Ok(()),
        _ => Err(IdTokenError::NotALogoutToken("`typ` names another kind of token")),
    }
}

fn claims(raw: &Map<String, Value>, check: &LogoutCheck<'_>) -> Result<LogoutClaims, IdTokenError> {
    let iss = string(raw, "iss")?.ok_or(IdTokenError::MissingClaim("iss"))?;
    if iss != check.issuer {
        return Err(IdTokenError::WrongIssuer { got: printable(iss, 200) });
    }
    audience_allowed(&audience(raw)?, check.client_id, check.trusted_audiences)?;
    // Not required for a logout token, but when present it must be us, as for ID tokens.
    if string(raw, "azp")?.is_some_and(|azp| azp != check.client_id) {
        return Err(IdTokenError::WrongAzp);
    }

    let skew = check.skew_secs;
    let iat = time(raw, "iat", true)?.ok_or(IdTokenError::MissingClaim("iat"))?;
    if iat > check.now.saturating_add(skew) {
        return Err(IdTokenError::IssuedInFuture);
    }
    if iat.saturating_add(skew).saturating_add(check.max_age_secs) < check.now {
        return Err(IdTokenError::IssuedTooLongAgo);
    }
    // Required by the final specification, absent from drafts some providers implement.
    if let Some(exp) = time(raw, "exp", false)?
        && check.now >= exp.saturating_add(skew)
    {
        return Err(IdTokenError::Expired);
    }

    let event = raw.get("events").and_then(Value::as_object).and_then(|e| e.get(BACKCHANNEL_LOGOUT_EVENT));
    if !event.is_some_and(Value::is_object) {
        return Err(IdTokenError::NotALogoutToken("no back-channel logout event in `events`"));
    }
    // §2.4: a nonce is prohibited, so that an ID token can never pass as a logout token.
    if raw.contains_key("nonce") {
        return Err(IdTokenError::NotALogoutToken("it has a `nonce`"));
    }
    let jti = string(raw, "jti")?.filter(|j| !j.is_empty()).ok_or(IdTokenError::MissingClaim("jti"))?;
    let present = |name| -> Result<Option<String>, IdTokenError> {
        Ok(string(raw, name)?.filter(|s| !s.is_empty()).map(str::to_owned))
    };
    let (sub, sid) = (present("sub")?, present("sid")?);
    if sub.is_none() && sid.is_none() {
        return Err(IdTokenError::MissingClaim("sub` or `sid"));
    }
    Ok(LogoutClaims { sub, sid, jti: jti.to_owned(), iat })
}

#[cfg(test)]
mod tests;

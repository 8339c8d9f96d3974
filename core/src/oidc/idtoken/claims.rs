//! The claims of an ID token whose signature is verified: the checks of OIDC Core §3.1.3.7
//! against the client and `now`, and what authfront reads from them (identity, groups).
//!
//! Never reads the clock: every time comparison uses the `now` of the check.

use serde_json::{Map, Value};

use super::{IdTokenCheck, IdTokenError, malformed};
use crate::oidc::printable;

/// The claims of a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub sub: String,
    pub iss: String,
    pub exp: u64,
    pub iat: u64,
    pub email: Option<String>,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
    /// The provider's session id (front/back-channel logout).
    pub sid: Option<String>,
    /// Every claim, as sent (including the ones above).
    pub raw: Map<String, Value>,
}

impl IdClaims {
    /// The groups (or roles) in `claim`. The exact key is looked up first, so names with dots
    /// or colons work as they are (`cognito:groups`, `https://example.com/groups`); if there
    /// is none, a dotted name is a path into nested objects (`realm_access.roles`). The value
    /// may be an array (its strings are kept, other items ignored) or a single string; anything
    /// else, or nothing, gives no groups.
    pub fn groups(&self, claim: &str) -> Vec<String> {
        let value = self.raw.get(claim).or_else(|| {
            let mut path = claim.split('.');
            let first = self.raw.get(path.next()?)?;
            path.try_fold(first, |value, part| value.as_object()?.get(part))
        });
        match value {
            Some(Value::String(group)) => vec![group.clone()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    }
}

/// The claim checks, in order: `iss`, `aud`, `azp`, `exp`, `iat`, `nbf`, `nonce`, `sub`.
pub(super) fn check(raw: Map<String, Value>, check: &IdTokenCheck<'_>) -> Result<IdClaims, IdTokenError> {
    let iss = string(&raw, "iss")?.ok_or(IdTokenError::MissingClaim("iss"))?;
    if iss != check.issuer {
        return Err(IdTokenError::WrongIssuer { got: printable(iss, 200) });
    }

    let aud = audience(&raw)?;
    audience_allowed(&aud, check.client_id, check.trusted_audiences)?;
    // Core §3.1.3.7 steps 4-5: with several audiences, `azp` says which one the token was
    // issued to; when present it must be us, or the token was meant for another client.
    match string(&raw, "azp")? {
        Some(azp) if azp != check.client_id => return Err(IdTokenError::WrongAzp),
        None if aud.len() > 1 => return Err(IdTokenError::MissingClaim("azp")),
        _ => {}
    }

    let skew = check.skew_secs;
    // Fractional times are rounded toward refusal: `exp` down, `iat` and `nbf` up.
    let exp = time(&raw, "exp", false)?.ok_or(IdTokenError::MissingClaim("exp"))?;
    if check.now >= exp.saturating_add(skew) {
        return Err(IdTokenError::Expired);
    }
    let iat = time(&raw, "iat", true)?.ok_or(IdTokenError::MissingClaim("iat"))?;
    if iat > check.now.saturating_add(skew) {
        return Err(IdTokenError::IssuedInFuture);
    }
    if let Some(nbf) = time(&raw, "nbf", true)?
        && check.now.saturating_add(skew) < nbf
    {
        return Err(IdTokenError::NotYetValid);
    }

    // Binds the token to this browser's sign-in (Core §3.1.3.7 step 11): a missing or
    // non-string nonce is as wrong as a different one.
    if let Some(expected) = check.nonce
        && raw.get("nonce").and_then(Value::as_str) != Some(expected)
    {
        return Err(IdTokenError::NonceMismatch);
    }

    let sub = string(&raw, "sub")?.filter(|s| !s.is_empty()).ok_or(IdTokenError::MissingClaim("sub"))?.to_owned();
    let iss = iss.to_owned();
    // Informational claims of the wrong type are treated as absent, not fatal.
    let optional = |name: &str| raw.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(IdClaims {
        sub,
        iss,
        exp,
        iat,
        email: optional("email"),
        name: optional("name"),
        preferred_username: optional("preferred_username"),
        sid: optional("sid"),
        raw,
    })
}

/// A string claim; absent and `null` are `None`, any other type is malformed.
pub(in crate::oidc) fn string<'a>(raw: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, IdTokenError> {
    match raw.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(malformed(format!("`{name}` is not a string"))),
    }
}

/// Core §3.1.3.7 step 3 (and Back-Channel Logout §2.6, which checks `aud` the same way): the
/// client must be an audience, and every other audience must be one the client trusts
/// (`oidc.trusted_audiences`). A token also meant for an API the client does not know was
/// not issued for this sign-in alone; `azp` naming us does not change that.
pub(in crate::oidc) fn audience_allowed(aud: &[&str], client_id: &str, trusted: &[String]) -> Result<(), IdTokenError> {
    if !aud.contains(&client_id) {
        return Err(IdTokenError::WrongAudience);
    }
    if aud.iter().any(|a| *a != client_id && !trusted.iter().any(|t| t == a)) {
        return Err(IdTokenError::UntrustedAudience);
    }
    Ok(())
}

/// `aud`: one string or an array of strings (Core §2).
pub(in crate::oidc) fn audience(raw: &Map<String, Value>) -> Result<Vec<&str>, IdTokenError> {
    let bad = || malformed("`aud` is not a string or an array of strings");
    match raw.get("aud") {
        None | Some(Value::Null) => Err(IdTokenError::MissingClaim("aud")),
        Some(Value::String(aud)) => Ok(vec![aud.as_str()]),
        Some(Value::Array(items)) => items.iter().map(|v| v.as_str().ok_or_else(bad)).collect(),
        Some(_) => Err(bad()),
    }
}

/// A NumericDate claim (RFC 7519 §2): non-negative seconds, possibly fractional, rounded up
/// or down as the caller says.
pub(in crate::oidc) fn time(raw: &Map<String, Value>, name: &str, round_up: bool) -> Result<Option<u64>, IdTokenError> {
    let bad = || malformed(format!("`{name}` is not a NumericDate"));
    let number = match raw.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n,
        Some(_) => return Err(bad()),
    };
    if let Some(secs) = number.as_u64() {
        return Ok(Some(secs));
    }
    let secs = number.as_f64().filter(|f| f.is_finite() && *f >= 0.0).ok_or_else(bad)?;
    // `as` saturates at u64::MAX, which is "never" for `exp` and "refused" for `iat`/`nbf`.
    Ok(Some(if round_up { secs.ceil() } else { secs.floor() } as u64))
}

#[cfg(test)]
mod tests;

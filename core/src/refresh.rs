//! Refreshing a session with the provider's refresh token, decided here: when it is due, what
//! the refreshed session and tokens are, and which answers mean "sign in again".
//!
//! The adapter sends the request once per session at a time (single flight) and keeps the
//! result for a short grace window, so requests still carrying the previous cookies pass.

use crate::error::Error;
use crate::oidc::{IdClaims, TokenResponse};
use crate::session::Session;
use crate::session::tokens::Tokens;
use crate::session_cookies::{RawTokens, raw_tokens, rule_groups};
use crate::site::Site;

/// Assumed token lifetime when the provider names none (seconds).
const DEFAULT_TTL: u64 = 300;

/// When tokens that live `expires_in` seconds from `now` (or until `id_exp`) should be
/// refreshed: `refresh_margin` before they expire, but never in the first half of their life
/// (so short-lived tokens do not refresh on every request).
pub fn refresh_at(site: &Site, now: u64, expires_in: Option<u64>, id_exp: Option<u64>) -> Option<u64> {
    if !site.config.session.refresh {
        return None;
    }
    let ttl = expires_in.or_else(|| id_exp.map(|e| e.saturating_sub(now))).unwrap_or(DEFAULT_TTL).max(2);
    let delay = ttl.saturating_sub(site.config.session.refresh_margin_secs).max(ttl / 2);
    Some(now.saturating_add(delay))
}

/// Whether `s` should be refreshed at `now`.
pub fn due(s: &Session, now: u64) -> bool {
    s.refresh_at.is_some_and(|t| now >= t)
}

/// The session after a successful refresh. A new ID token (already verified, without nonce)
/// must be for the same subject (OIDC Core §12.2); the groups follow it. A provider that does
/// not rotate refresh tokens keeps the old one.
pub fn after(
    site: &Site,
    old: &Session,
    old_tokens: &Tokens,
    resp: &TokenResponse,
    claims: Option<&IdClaims>,
    now: u64,
) -> Result<(Session, Tokens, RawTokens), Error> {
    let mut s = old.clone();
    if let Some(c) = claims {
        if c.sub != old.sub {
            return Err(Error::TokenEndpoint {
                status: 200,
                error: "invalid_response".to_owned(),
                description: "the refreshed ID token is for another subject".to_owned(),
            });
        }
        s.groups = rule_groups(site, c);
        s.email = c.email.clone().or(s.email);
        s.name = c.name.clone().or(s.name);
        s.sid = c.sid.clone().or(s.sid);
    }
    s.generation = old.generation.wrapping_add(1);
    s.seen = now;
    let refresh_token = resp.refresh_token.clone().or_else(|| old_tokens.refresh_token.clone());
    s.refresh_at = match refresh_token {
        Some(_) => refresh_at(site, now, resp.expires_in, claims.map(|c| c.exp)),
        None => None,
    };
    let tokens = Tokens {
        session: s.id,
        generation: s.generation,
        refresh_token,
        id_token: resp.id_token.clone().or_else(|| old_tokens.id_token.clone()),
        access_token: crate::session_cookies::kept_access_token(site, &resp.access_token),
    };
    let raw = match claims {
        Some(c) => raw_tokens(c, resp),
        None => RawTokens {
            id_token: tokens.id_token.clone(),
            access_token: Some(resp.access_token.clone()),
            scope: resp.scope.clone(),
            username: old.name.clone().unwrap_or_else(|| old.sub.clone()),
        },
    };
    Ok((s, tokens, raw))
}

/// Whether a failed refresh means the refresh token is no good (sign in again), rather than
/// a passing failure of the provider (keep the session and try again later).
pub fn refused(e: &Error) -> bool {
    match e {
        Error::TokenEndpoint { error, status, .. } => {
            matches!(error.as_str(), "invalid_grant" | "invalid_client" | "unauthorized_client" | "invalid_request")
                || (400..500).contains(status)
        }
        Error::IdToken(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests;

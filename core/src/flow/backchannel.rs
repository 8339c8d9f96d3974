//! The OpenID Connect Back-Channel Logout receiver (`POST {prefix}/backchannel-logout`), where
//! the provider posts a logout token when a user's session there ends (§2.5), in order:
//!
//! 1. [`Receive::new`]: the body must be a form (`application/x-www-form-urlencoded`);
//! 2. [`Receive::body`]: at most [`MAX_BODY`] bytes, with exactly one `logout_token`;
//! 3. [`Token::judge`] with the provider's keys: the token verified ([`verify_logout_token`]),
//!    and what it stops — by `sid` when it names the provider session, else every session of
//!    the `sub` — as a [`Revoke`]; an unknown `kid` is [`Verdict::UnknownKey`] (the driver
//!    judges once more with fresh keys);
//! 4. the driver records the token's `jti` ([`Revoke::jti`]: a token seen before is
//!    acknowledged without acting again) and stores the revocation; [`Revoke::stored`] answers.
//!
//! `200` (`Cache-Control: no-store`) when done, `400` with a JSON error on any failure (§2.8).
//! Never logs or echoes the token.

use std::fmt;

use http::{HeaderValue, StatusCode};

use crate::error::Error;
use crate::oidc::{IdTokenError, KeySet, LogoutCheck, verify_logout_token};
use crate::reply::Reply;
use crate::revocation::{Entry, Target};
use crate::site::Site;

/// Largest body read: a logout token is a few kilobytes.
pub const MAX_BODY: usize = 64 * 1024;
/// How old a logout token may be beyond the clock skew: providers post it when the session
/// ends (oidc-provider gives it 120 s to live), so an older one is a replay.
pub const MAX_AGE_SECS: u64 = 120;

/// Why a logout post was refused; the text goes into `error_description`.
#[derive(Debug)]
pub enum Refusal {
    ContentType,
    Body(String),
    NoToken,
    TwoTokens,
    Token(IdTokenError),
    /// The provider's keys could not be had (the provider's fault, or the network's).
    Keys(Error),
    /// The revocation could not be stored anywhere durable (ours).
    Store(String),
}

impl Refusal {
    /// Whether the failure is on this side or the provider's, not in the post (logged louder).
    pub fn is_ours(&self) -> bool {
        matches!(self, Refusal::Keys(_) | Refusal::Store(_))
    }

    /// The `400` with an OAuth-style JSON error (§2.8).
    pub fn reply(&self) -> Reply {
        let body = serde_json::json!({ "error": "invalid_request", "error_description": self.to_string() });
        Reply {
            status: StatusCode::BAD_REQUEST,
            headers: vec![
                (http::header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                (http::header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            body: format!("{body}\n"),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::ContentType => f.write_str("the body must be application/x-www-form-urlencoded"),
            Refusal::Body(why) => write!(f, "cannot read the body: {why}"),
            Refusal::NoToken => f.write_str("no logout_token"),
            Refusal::TwoTokens => f.write_str("more than one logout_token"),
            Refusal::Token(e) => write!(f, "logout token refused: {e}"),
            Refusal::Keys(_) => f.write_str("the provider's keys are not available"),
            Refusal::Store(_) => f.write_str("the revocation could not be stored"),
        }
    }
}

/// A logout post whose content type is right: its body is to be read next.
#[derive(Debug)]
pub struct Receive(());

/// The one logout token of a post, to be judged against the provider's keys.
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// What a token comes to.
#[derive(Debug)]
pub enum Verdict {
    Revoke(Revoke),
    /// Signed with a key not in the set: judge again with the provider's keys fetched afresh.
    UnknownKey(String),
    Refused(Refusal),
}

/// The sessions a valid logout token stops, and what makes it acted on once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoke {
    pub entry: Entry,
    /// The token's id: a post of the same token again (a lost `200`) is acknowledged only.
    pub jti: String,
    /// Until when the `jti` must be remembered (Unix seconds): the token is refused after that.
    pub forget_at: u64,
}

impl Receive {
    /// A post with this `Content-Type`.
    pub fn new(content_type: Option<&[u8]>) -> Result<Receive, Refusal> {
        let essence = content_type
            .and_then(|ct| std::str::from_utf8(ct).ok())
            .map(|ct| ct.split(';').next().unwrap_or("").trim());
        match essence {
            Some(e) if e.eq_ignore_ascii_case("application/x-www-form-urlencoded") => Ok(Receive(())),
            _ => Err(Refusal::ContentType),
        }
    }

    /// The body (at most [`MAX_BODY`] bytes, or why it could not be read) → its one token.
    pub fn body(self, body: Result<&[u8], String>) -> Result<Token, Refusal> {
        let body = body.map_err(Refusal::Body)?;
        let mut tokens = url::form_urlencoded::parse(body).filter(|(k, _)| k == "logout_token").map(|(_, v)| v);
        let token = tokens.next().ok_or(Refusal::NoToken)?;
        if tokens.next().is_some() {
            return Err(Refusal::TwoTokens);
        }
        Ok(Token(token.into_owned()))
    }
}

impl Token {
    /// The token against `keys` (or why there are none) at `now`.
    pub fn judge(&self, site: &Site, keys: Result<&KeySet, Error>, now: u64) -> Verdict {
        let keys = match keys {
            Ok(k) => k,
            Err(e) => return Verdict::Refused(Refusal::Keys(e)),
        };
        let cfg = &site.config.oidc;
        let check = LogoutCheck {
            trusted_audiences: &cfg.trusted_audiences,
            issuer: &cfg.issuer,
            client_id: &cfg.client_id,
            algs: &cfg.id_token_algs,
            skew_secs: cfg.clock_skew_secs,
            max_age_secs: MAX_AGE_SECS,
            now,
        };
        let claims = match verify_logout_token(&self.0, keys, &check) {
            Ok(c) => c,
            Err(IdTokenError::UnknownKey(kid)) => return Verdict::UnknownKey(kid),
            Err(e) => return Verdict::Refused(Refusal::Token(e)),
        };
        let target = match (claims.sid, claims.sub) {
            // The provider session that ended: exactly the sessions that came from it.
            (Some(sid), _) => Target::Sid(sid),
            // No session named: every session of the user that began until now.
            (None, Some(sub)) => Target::Sub(sub),
            (None, None) => return Verdict::Refused(Refusal::Token(IdTokenError::MissingClaim("sub` or `sid"))),
        };
        // remembered as long as the token could be accepted again
        let forget_at = claims.iat.saturating_add(2 * cfg.clock_skew_secs + MAX_AGE_SECS + 1);
        Verdict::Revoke(Revoke { entry: Entry { target, at: now }, jti: claims.jti, forget_at })
    }

    /// The verdict after fresh keys were asked for (`None`: there were none newer): an unknown
    /// `kid` that stays unknown is refused, never judged a third time.
    pub fn judge_again(
        &self,
        site: &Site,
        fresh: Result<Option<&KeySet>, Error>,
        kid: String,
        now: u64,
    ) -> Result<Revoke, Refusal> {
        match fresh {
            Ok(Some(keys)) => match self.judge(site, Ok(keys), now) {
                Verdict::Revoke(r) => Ok(r),
                Verdict::UnknownKey(kid) => Err(Refusal::Token(IdTokenError::UnknownKey(kid))),
                Verdict::Refused(r) => Err(r),
            },
            Ok(None) => Err(Refusal::Token(IdTokenError::UnknownKey(kid))),
            Err(e) => Err(Refusal::Keys(e)),
        }
    }
}

impl Revoke {
    /// The answer once the revocation was stored (`Ok`), or why it could not be (`Err`: refused,
    /// so that the provider posts again; the driver forgets the `jti` for that post).
    pub fn stored(&self, result: Result<(), String>) -> Result<Reply, Refusal> {
        result.map(|()| done()).map_err(Refusal::Store)
    }
}

/// `200`, `Cache-Control: no-store`: the logout was done (or had been).
pub fn done() -> Reply {
    Reply {
        status: StatusCode::OK,
        headers: vec![(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        body: String::new(),
    }
}

#[cfg(test)]
mod tests;

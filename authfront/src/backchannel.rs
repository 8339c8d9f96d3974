//! The OpenID Connect Back-Channel Logout receiver: `POST {prefix}/backchannel-logout`, where
//! the provider posts a logout token when a user's session there ends (§2.5).
//!
//! Reads the form body (at most [`MAX_BODY`]), verifies the token with the core
//! ([`verify_logout_token`], refreshing the provider's keys once on an unknown `kid`), and
//! revokes: by `sid` when the token names the provider session, else every session of the
//! `sub`. Answers `200` (`Cache-Control: no-store`) when done, `400` with a JSON error on any
//! failure (§2.8). A token seen before (same `jti`) is acknowledged without acting again.
//! Never logs or echoes the token.

use std::fmt;

use authfront_core::error::Error;
use authfront_core::oidc::{IdTokenError, LogoutCheck, LogoutClaims, verify_logout_token};
use authfront_core::reply::Reply;
use authfront_core::revocation::{Entry, Target};
use bytes::Buf as _;
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt as _, Limited};

use crate::app::App;
use crate::store::StoreError;

/// Largest body read: a logout token is a few kilobytes.
pub const MAX_BODY: usize = 64 * 1024;
/// How old a logout token may be beyond the clock skew: providers post it when the session
/// ends (oidc-provider gives it 120 s to live), so an older one is a replay.
pub const MAX_AGE_SECS: u64 = 120;

/// Why a logout post was refused; the text goes into `error_description`.
#[derive(Debug)]
enum Refusal {
    ContentType,
    Body(String),
    NoToken,
    TwoTokens,
    Token(IdTokenError),
    Keys(Error),
    Store(StoreError),
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

/// Answers one logout post.
pub async fn handle<B>(app: &App, parts: &Parts, body: B) -> Reply
where
    B: hyper::body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match logout(app, parts, body).await {
        Ok(()) => done(),
        Err(r) => {
            match &r {
                Refusal::Keys(e) => tracing::error!(error = %e, "back-channel logout: provider keys unavailable"),
                Refusal::Store(e) => tracing::error!(error = %e, "back-channel logout: revocation not stored"),
                other => tracing::warn!(reason = %other, "back-channel logout refused"),
            }
            refused(&r)
        }
    }
}

async fn logout<B>(app: &App, parts: &Parts, body: B) -> Result<(), Refusal>
where
    B: hyper::body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if !is_form(parts) {
        return Err(Refusal::ContentType);
    }
    let bytes = Limited::new(body, MAX_BODY).collect().await.map_err(|e| Refusal::Body(e.to_string()))?.aggregate();
    let mut tokens = url::form_urlencoded::parse(bytes.chunk()).filter(|(k, _)| k == "logout_token").map(|(_, v)| v);
    let token = tokens.next().ok_or(Refusal::NoToken)?;
    if tokens.next().is_some() {
        return Err(Refusal::TwoTokens);
    }
    let now = app.now();
    let claims = verify(app, &token, now).await?;
    let cfg = &app.site.config.oidc;
    // Acted on once: a retry of the same token (a lost 200) is acknowledged, not repeated.
    let forget_at = claims.iat.saturating_add(2 * cfg.clock_skew_secs + MAX_AGE_SECS + 1);
    if !app.revoker.first_sight(&claims.jti, forget_at) {
        tracing::info!(jti = %claims.jti, "back-channel logout: token already acted on");
        return Ok(());
    }
    let target = match (claims.sid.clone(), claims.sub.clone()) {
        // The provider session that ended: exactly the sessions that came from it.
        (Some(sid), _) => Target::Sid(sid),
        // No session named: every session of the user that began until now.
        (None, Some(sub)) => Target::Sub(sub),
        (None, None) => return Err(Refusal::Token(IdTokenError::MissingClaim("sub` or `sid"))),
    };
    tracing::info!(kind = target.kind(), value = %target.value(), "back-channel logout: revoking");
    // Acknowledged once durable: in the store, or in the local queue that retries it. Not
    // durable anywhere: refused, so that the provider posts again (here it applies already).
    match app.revoker.revoke(Entry { target, at: now }).await {
        Ok(_) => Ok(()),
        Err(e) => {
            app.revoker.forget_jti(&claims.jti);
            Err(Refusal::Store(e))
        }
    }
}

/// Verifies against the cached keys, and once more with fresh ones after an unknown `kid`.
async fn verify(app: &App, token: &str, now: u64) -> Result<LogoutClaims, Refusal> {
    let cfg = &app.site.config.oidc;
    let check = LogoutCheck {
        trusted_audiences: &cfg.trusted_audiences,
        issuer: &cfg.issuer,
        client_id: &cfg.client_id,
        algs: &cfg.id_token_algs,
        skew_secs: cfg.clock_skew_secs,
        max_age_secs: MAX_AGE_SECS,
        now,
    };
    let keys = app.idp.keys().await.map_err(Refusal::Keys)?;
    match verify_logout_token(token, &keys, &check) {
        Err(IdTokenError::UnknownKey(kid)) => {
            tracing::info!(%kid, "logout token signed with an unknown key; refreshing provider keys");
            match app.idp.refresh_keys().await.map_err(Refusal::Keys)? {
                Some(fresh) => verify_logout_token(token, &fresh, &check).map_err(Refusal::Token),
                None => Err(Refusal::Token(IdTokenError::UnknownKey(kid))),
            }
        }
        other => other.map_err(Refusal::Token),
    }
}

fn is_form(parts: &Parts) -> bool {
    let Some(ct) = parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

fn done() -> Reply {
    Reply {
        status: StatusCode::OK,
        headers: vec![(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        body: String::new(),
    }
}

/// `400` with an OAuth-style JSON error (§2.8).
fn refused(r: &Refusal) -> Reply {
    let body = serde_json::json!({ "error": "invalid_request", "error_description": r.to_string() });
    Reply {
        status: StatusCode::BAD_REQUEST,
        headers: vec![
            (http::header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (http::header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body: format!("{body}\n"),
    }
}

//! Refreshing a session with the provider's refresh token, in order: the request's sealed
//! tokens cookie (only the one of the session's current generation: an older one belongs to a
//! session refreshed since) → the refresh request → the token response → its ID token, if it
//! sent one, verified without nonce → the refreshed session ([`crate::refresh::after`]) and
//! every cookie it comes with. Whether a failure means "sign in again" ([`Failed::refused`]) or
//! "keep the session for now" is decided here too; the driver only sends the request once per
//! session at a time and remembers the outcome for the grace window.
//!
//! [`on_refused`] is what the request gets when the refresh was refused.

use http::HeaderMap;
use http::request::Parts;

use super::cookies_for;
use crate::cookies;
use crate::error::Error;
use crate::oidc::{self, Discovery, IdClaims, IdTokenError, KeySet, TokenRequest, TokenResponse};
use crate::path::NormPath;
use crate::session::Session;
use crate::session::tokens::Tokens;
use crate::session_cookies::{self, SealNonces};
use crate::site::Site;
use crate::unauth::{self, Unauth};

/// What a refreshed request goes on to.
#[derive(Debug)]
pub enum Next {
    /// Serve `path` with `query` (as in [`crate::decide::Forward`]).
    Forward {
        path: NormPath,
        query: Option<String>,
    },
    UserInfo,
}

/// A refresh about to be sent: the session and the tokens that go with it.
#[derive(Debug)]
pub struct Refresh {
    session: Session,
    tokens: Tokens,
    refresh_token: String,
}

/// Waiting for the token endpoint's answer.
#[derive(Debug)]
pub struct AwaitTokens(Refresh);

/// A token response to finish with (its ID token, if any, to be verified first).
#[derive(Debug)]
pub struct AwaitKeys {
    r: Refresh,
    resp: TokenResponse,
}

/// A refreshed session and the cookies that carry it.
#[derive(Debug)]
pub struct Fresh {
    pub session: Session,
    pub cookies: Vec<String>,
    /// The new access token, with `proxy.pass_access_token`.
    pub access_token: Option<String>,
}

/// Why a refresh did not produce a session.
#[derive(Debug)]
pub struct Failed {
    pub error: Error,
    /// The refresh token is no good: sign in again. Otherwise a passing failure of the
    /// provider: keep the session as it is and try again later.
    pub refused: bool,
}

impl Failed {
    fn of(error: Error) -> Failed {
        Failed { refused: crate::refresh::refused(&error), error }
    }
}

impl Refresh {
    /// Starts refreshing `s` with the tokens cookie of `req`; refused (sign in again) when the
    /// request carries no refresh token of this session's current generation.
    pub fn start(site: &Site, req: &HeaderMap, s: &Session) -> Result<Refresh, Failed> {
        let cfg = &site.config.session;
        let tokens = cookies::find_chunked(req, &cfg.cookie.tokens_name)
            .and_then(|t| Tokens::open(&cfg.keys, &t, &s.id))
            .filter(|t| t.generation == s.generation);
        match tokens.and_then(|t| t.refresh_token.clone().map(|r| (t, r))) {
            Some((tokens, refresh_token)) => Ok(Refresh { session: s.clone(), tokens, refresh_token }),
            None => Err(Failed {
                error: Error::TokenEndpoint {
                    status: 400,
                    error: "invalid_grant".to_owned(),
                    description: "no usable refresh token in the request".to_owned(),
                },
                refused: true,
            }),
        }
    }

    /// The provider's metadata (or why it could not be had) → the refresh request.
    pub fn discovered(
        self,
        site: &Site,
        disc: Result<&Discovery, Error>,
    ) -> Result<(TokenRequest, AwaitTokens), Failed> {
        let d = disc.map_err(Failed::of)?;
        let req = oidc::refresh_request(&site.config.oidc, &d.token_endpoint, &self.refresh_token);
        Ok((req, AwaitTokens(self)))
    }
}

impl AwaitTokens {
    /// The token endpoint's answer (or why there is none).
    pub fn tokens(self, resp: Result<TokenResponse, Error>) -> Result<AwaitKeys, Failed> {
        Ok(AwaitKeys { r: self.0, resp: resp.map_err(Failed::of)? })
    }
}

impl AwaitKeys {
    /// Whether the answer has an ID token to verify against the provider's keys ([`Self::check`])
    /// before [`Self::finish`].
    pub fn has_id_token(&self) -> bool {
        self.resp.id_token.is_some()
    }

    /// The check of the refreshed ID token (no nonce: it is not a login), if there is one.
    pub fn check(&self, site: &Site, keys: &KeySet, now: u64) -> Result<IdClaims, IdTokenError> {
        let Some(id_token) = &self.resp.id_token else { return Err(IdTokenError::Malformed("no ID token".into())) };
        crate::login::verify_id_token(site, id_token, keys, None, now)
    }

    /// The verified claims (`None` when the answer had no ID token) → the refreshed session
    /// and its cookies. `req` is the request being answered (token cookie parts to replace).
    pub fn finish(
        self,
        site: &Site,
        req: &HeaderMap,
        claims: Option<Result<IdClaims, Error>>,
        seal: SealNonces,
        now: u64,
    ) -> Result<Fresh, Failed> {
        let claims = match (claims, self.has_id_token()) {
            (Some(c), true) => Some(c.map_err(Failed::of)?),
            (None, false) => None,
            // the driver skipped the check, or checked what is not there
            _ => return Err(Failed::of(Error::Internal("refresh finished without its ID-token check".into()))),
        };
        let minted = crate::refresh::after(site, &self.r.session, &self.r.tokens, &self.resp, claims.as_ref(), now)
            .map_err(Failed::of)?;
        let cookies = cookies_for(site, req, &minted, seal, false, now).map_err(Failed::of)?;
        let access_token = minted.1.access_token.clone();
        Ok(Fresh { session: minted.0, cookies, access_token })
    }
}

/// What comes after a refused refresh: every session cookie cleared, and then a login (`then`
/// is `Login`) or an answer of its own (`Respond`: the JSON `401` for scripts).
#[derive(Debug)]
pub struct AfterRefused {
    pub clear: Vec<String>,
    pub then: Unauth,
}

/// The answer to the request whose session's refresh was refused: as if it had no session.
pub fn on_refused(site: &Site, req: &Parts, next: &Next) -> AfterRefused {
    let then = match next {
        Next::Forward { path, .. } => unauth::answer(site, req, path),
        Next::UserInfo => Unauth::Respond(unauth::status(site, "/")),
    };
    AfterRefused { clear: session_cookies::clear(site, &req.headers), then }
}

#[cfg(test)]
mod tests;

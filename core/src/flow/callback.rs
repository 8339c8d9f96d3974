//! The callback (`{prefix}/callback?code=…&state=…`): the authorization response → a session.
//!
//! [`decide`](crate::decide) opened and checked `state` (sealed, bound to this browser, in
//! time) into an [`Exchange`]. From there:
//!
//! 1. [`Callback::once`] names the response; the driver records its first use
//!    ([`Callback::used`]): a second use redeems nothing (RFC 9700 §4.5).
//! 2. [`AwaitDiscovery::discovered`]: the provider's metadata → the RFC 9207 `iss` check and the
//!    token request (the code with its PKCE verifier).
//! 3. [`AwaitTokens::tokens`]: the token response must carry an ID token.
//! 4. [`AwaitKeys::check`] verifies it against the provider's keys (the driver tries once more
//!    with fresh keys after an unknown `kid`); [`AwaitKeys::finish`] mints the session and
//!    every cookie it comes with, and sends the browser back to its page.
//!
//! Any failure: its page and no session cookie; a browser already signed in (the back button,
//! a second tab) goes on to its page instead.

use http::HeaderMap;

use super::{Done, SessionRandom, Step, cookies_for};
use crate::error::Error;
use crate::login::{self, Once, Pending};
use crate::oidc::{Discovery, IdClaims, IdTokenError, KeySet, TokenRequest, TokenResponse, code_request};
use crate::reply::Reply;
use crate::session::Session;
use crate::site::Site;

/// A callback whose `state` [`crate::decide`] opened and checked: what the exchange needs.
#[derive(Debug)]
pub struct Exchange {
    pub code: String,
    /// The callback's RFC 9207 `iss`, checked against the discovery document by the adapter.
    pub iss: Option<String>,
    pub pending: Pending,
    /// The browser already has a valid session: if the exchange fails (a replayed callback from
    /// the back button, a code already used), go on to the page instead of showing an error.
    pub signed_in: bool,
}

/// A callback whose `state` checked out.
#[derive(Debug)]
pub struct Callback {
    x: Exchange,
}

/// Waiting for the provider's discovery document.
#[derive(Debug)]
pub struct AwaitDiscovery(Callback);

/// Waiting for the token endpoint's answer to the code.
#[derive(Debug)]
pub struct AwaitTokens(Callback);

/// Holding an ID token, to be verified against the provider's keys.
#[derive(Debug)]
pub struct AwaitKeys {
    cb: Callback,
    tokens: TokenResponse,
    id_token: String,
}

/// A finished sign-in: the new session (for the log) and the answer carrying its cookies.
#[derive(Debug)]
pub struct SignedIn {
    pub session: Session,
    pub reply: Reply,
}

impl Callback {
    pub fn new(x: Exchange) -> Callback {
        Callback { x }
    }

    /// What this authorization response is remembered by once used, and until when.
    pub fn once(&self) -> &Once {
        &self.x.pending.once
    }

    /// The record of its use: the first use goes on; any other is a replay and redeems nothing.
    pub fn used(self, site: &Site, first: bool) -> Step<AwaitDiscovery> {
        if first {
            return Step::Next(AwaitDiscovery(self));
        }
        Step::Done(Done::failed(Error::CallbackReplayed, login::replayed(site, &self.x.pending, self.x.signed_in)))
    }

    /// The end for `e`: the error page with "Try again" at the page asked for, or, for a browser
    /// already signed in, straight on to that page.
    fn fail(&self, site: &Site, e: Error) -> Done {
        let page = site.url_for(&self.x.pending.return_to);
        if self.x.signed_in { Done::failed(e, Reply::redirect(&page, &[])) } else { Done::page(e, Some(&page)) }
    }
}

impl AwaitDiscovery {
    /// The provider's metadata (or why it could not be had) → the code's token request.
    pub fn discovered(self, site: &Site, disc: Result<&Discovery, Error>) -> Step<(TokenRequest, AwaitTokens)> {
        let cb = self.0;
        let req = disc.and_then(|d| {
            login::check_iss(site, cb.x.iss.as_deref(), d.iss_parameter_supported)?;
            let x = &cb.x;
            Ok(code_request(&site.config.oidc, &d.token_endpoint, &x.code, &site.redirect_uri, &x.pending.verifier))
        });
        match req {
            Ok(req) => Step::Next((req, AwaitTokens(cb))),
            Err(e) => Step::Done(cb.fail(site, e)),
        }
    }
}

impl AwaitTokens {
    /// The token endpoint's answer (or why there is none) → an ID token to verify.
    pub fn tokens(self, site: &Site, resp: Result<TokenResponse, Error>) -> Step<AwaitKeys> {
        let cb = self.0;
        match resp {
            Ok(tokens) => match tokens.id_token.clone() {
                Some(id_token) => Step::Next(AwaitKeys { cb, tokens, id_token }),
                None => Step::Done(cb.fail(site, no_id_token())),
            },
            Err(e) => Step::Done(cb.fail(site, e)),
        }
    }
}

impl AwaitKeys {
    /// The complete check of the ID token against `keys` (issuer, audience, times, nonce).
    pub fn check(&self, site: &Site, keys: &KeySet, now: u64) -> Result<IdClaims, IdTokenError> {
        login::verify(site, &self.cb.x.pending, &self.id_token, keys, now)
    }

    /// The verified claims (or why there are none) → the session, its cookies, and `302` back to
    /// the page. `req` is the callback's headers (token cookie parts left from before).
    pub fn finish(
        self,
        site: &Site,
        req: &HeaderMap,
        claims: Result<IdClaims, Error>,
        rnd: &SessionRandom,
        now: u64,
    ) -> Step<SignedIn> {
        let minted = claims.map(|c| login::session_from(site, &c, &self.tokens, rnd.id, now));
        match minted.and_then(|m| cookies_for(site, req, &m, rnd.seal, true, now).map(|c| (m.0, c))) {
            Ok((session, cookies)) => {
                Step::Next(SignedIn { reply: login::finish(site, &self.cb.x.pending, &cookies), session })
            }
            Err(e) => Step::Done(self.cb.fail(site, e)),
        }
    }
}

fn no_id_token() -> Error {
    Error::TokenEndpoint {
        status: 200,
        error: "invalid_response".to_owned(),
        description: "the token response has no id_token".to_owned(),
    }
}

#[cfg(test)]
mod tests;

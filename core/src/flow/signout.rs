//! Sign-out, in order: the session is stopped everywhere first ([`SigningOut::revoke`]: the
//! driver stores it durably, or queues it), then, with the provider's metadata if it can be had
//! ([`SigningOut::discovered`]), the refresh token is revoked at the provider (sent without
//! waiting: the answer only matters for logs), every cookie is cleared and the browser goes on
//! to RP-initiated logout at the provider, or to the signed-out page. A client that gives up
//! early, or a provider that hangs, leaves the session stopped.

use http::HeaderMap;

use crate::cookies;
use crate::keyring::NONCE_LEN;
use crate::oidc::{Discovery, TokenRequest, revocation_request};
use crate::reply::Reply;
use crate::revocation::Entry;
use crate::session::Session;
use crate::session::tokens::Tokens;
use crate::session_cookies;
use crate::signout;
use crate::site::Site;

/// A sign-out as [`crate::decide`] found it: the session (if any) and where to land.
#[derive(Debug)]
pub struct SignOut {
    pub session: Option<Session>,
    /// A same-site path to land on afterwards (`?rd=`), if one was asked for.
    pub return_to: Option<String>,
}

/// A sign-out under way.
#[derive(Debug)]
pub struct SigningOut {
    so: SignOut,
    tokens: Option<Tokens>,
    clear: Vec<String>,
}

/// The end of a sign-out: the revocation request to send (without waiting), and the answer.
#[derive(Debug)]
pub struct SignedOut {
    pub revoke_token: Option<TokenRequest>,
    pub reply: Reply,
}

impl SigningOut {
    /// Starts signing out the request with headers `req` and what [`crate::decide`] found.
    pub fn new(site: &Site, req: &HeaderMap, so: SignOut) -> SigningOut {
        let cfg = &site.config.session;
        let tokens = so.session.as_ref().and_then(|s| {
            cookies::find_chunked(req, &cfg.cookie.tokens_name).and_then(|t| Tokens::open(&cfg.keys, &t, &s.id))
        });
        SigningOut { so, tokens, clear: session_cookies::clear(site, req) }
    }

    /// The session being signed out, if the request had one.
    pub fn session(&self) -> Option<&Session> {
        self.so.session.as_ref()
    }

    /// What stops the session everywhere, to store before anything else (none without one).
    pub fn revoke(&self, now: u64) -> Option<Entry> {
        self.session().map(|s| Entry::session(&s.id, now))
    }

    /// The provider's metadata (`None`: not to be had now) → the refresh token's revocation and
    /// the answer: every cookie cleared, on to the provider's end-session endpoint (or this
    /// site's signed-out page). `nonce` seals the return path.
    pub fn discovered(self, site: &Site, disc: Option<&Discovery>, nonce: [u8; NONCE_LEN]) -> SignedOut {
        let refresh_token = self.tokens.as_ref().and_then(|t| t.refresh_token.as_deref());
        let revoke_token = match (disc.and_then(|d| d.revocation_endpoint.as_deref()), refresh_token) {
            (Some(endpoint), Some(rt)) => Some(revocation_request(&site.config.oidc, endpoint, rt)),
            _ => None,
        };
        let end_session = disc.and_then(|d| d.end_session_endpoint.as_deref());
        let id_token = self.tokens.as_ref().and_then(|t| t.id_token.as_deref());
        let reply = signout::begin(site, end_session, id_token, self.so.return_to.as_deref(), &self.clear, nonce);
        SignedOut { revoke_token, reply }
    }
}

#[cfg(test)]
mod tests;

//! Every flow authfront runs with the provider, as a sans-I/O state machine: the core decides
//! each step *and their order*; a driver (the edge today, forward-auth and Lambda@Edge next)
//! only performs the I/O a state asks for (the provider's discovery document, its token
//! endpoint, its keys, the revocation store) and hands the result to the next state. The
//! driver holds no `if` about security or HTTP semantics: only I/O, retries and single flight.
//!
//! - [`callback`]: the authorization response → a session (single use, `iss`, code redemption,
//!   the ID token, the session's cookies, back to the page).
//! - [`refresh`]: a session's refresh token → a refreshed session, or "sign in again".
//! - [`signout`]: stop the session, revoke its refresh token, clear every cookie, RP-initiated
//!   logout at the provider.
//! - [`backchannel`]: a provider's logout token → the sessions to stop, or a refusal.
//!
//! Each flow ends in a [`Done`]: the answer, and the failure behind it (if any), which the
//! driver logs in one place.

use crate::cloudfront::SignError;
use crate::cloudfront::login as cf_login;
use crate::error::Error;
use crate::reply::Reply;
use crate::session::{Session, SessionId};
use crate::session_cookies::{self, SealNonces};
use crate::site::Site;

pub mod backchannel;
pub mod callback;
pub mod refresh;
pub mod signout;

/// The early end of a flow: the answer, and the failure it answers (for the driver's log).
/// A flow that goes all the way ends in its own result instead (`SignedIn`, `Fresh`, …).
#[derive(Debug)]
pub struct Done {
    pub reply: Reply,
    pub error: Error,
}

impl Done {
    /// A failure answered with `reply` (a redirect, a page).
    pub fn failed(error: Error, reply: Reply) -> Done {
        Done { reply, error }
    }

    /// A failure answered with its page; "Try again" goes to `retry`.
    pub fn page(error: Error, retry: Option<&str>) -> Done {
        let reply = Reply::error(&error, retry);
        Done::failed(error, reply)
    }
}

/// What a step leads to: the next state (or the flow's result), or the flow's end.
#[derive(Debug)]
pub enum Step<T> {
    Next(T),
    Done(Done),
}

/// Random bytes a new session needs: its id and the nonces of its cookies' seals.
#[derive(Debug, Clone, Copy)]
pub struct SessionRandom {
    pub id: SessionId,
    pub seal: SealNonces,
}

/// A CloudFront login-mode cookie could not be signed (cannot happen with a key the config
/// accepted; an error page beats a session CloudFront will refuse).
pub fn cf_error(e: SignError) -> Error {
    Error::Internal(format!("CloudFront login cookies: {e}"))
}

/// The cookies a request let through gets besides the origin's answer: the session cookie with
/// its last-activity time moved to `now` when `touch` (idle timeout), and fresh CloudFront
/// login-mode cookies when `renew_cloudfront`. A login cookie that cannot be signed is left
/// out and reported (the request is still served). `nonce` is asked for only when the cookie is
/// sealed again (random bytes cost more than the rest of a cache hit).
pub fn forward_cookies(
    site: &Site,
    user: Option<&Session>,
    touch: bool,
    renew_cloudfront: bool,
    now: u64,
    nonce: impl FnOnce() -> [u8; crate::keyring::NONCE_LEN],
) -> (Vec<String>, Option<Error>) {
    let Some(u) = user else { return (Vec::new(), None) };
    let mut cookies: Vec<String> = touch.then(|| session_cookies::touch(site, u, now, nonce())).into_iter().collect();
    let mut error = None;
    if renew_cloudfront {
        match cf_login::for_session(site, u, now) {
            Ok(fresh) => cookies.extend(fresh),
            Err(e) => error = Some(cf_error(e)),
        }
    }
    (cookies, error)
}

/// A session just begun or renewed, the provider tokens it keeps, and the raw tokens the
/// cookie modes hand to the page.
pub(crate) type Minted = (Session, crate::session::tokens::Tokens, session_cookies::RawTokens);

/// Every cookie of a session just begun or renewed: the sealed session and tokens, the cookie
/// modes, the additional cookies (`with_additional`: after sign-in) and CloudFront login mode.
pub(crate) fn cookies_for(
    site: &Site,
    req: &http::HeaderMap,
    (session, tokens, raw): &Minted,
    seal: SealNonces,
    with_additional: bool,
    now: u64,
) -> Result<Vec<String>, Error> {
    let mut cookies = session_cookies::write(site, req, session, tokens, raw, seal, now);
    if with_additional {
        cookies.extend(session_cookies::additional(site));
    }
    cookies.extend(cf_login::for_session(site, session, now).map_err(cf_error)?);
    Ok(cookies)
}

#[cfg(test)]
pub(crate) mod tests;

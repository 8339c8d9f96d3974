//! The viewer-request step: a request head and its context (`now`, revocations, the client's
//! address) in, an [`Action`] out.
//!
//! This is where every access decision is made, in one place, on the one normalised path the
//! origin will serve. It never performs the action: starting a login needs random bytes and the
//! provider's endpoints, redeeming a code or refreshing needs the network; the adapter does
//! those and comes back to [`crate::login`], [`crate::refresh`] and [`crate::signout`]. On the
//! paths of `[[cloudfront.signed_paths]]` a valid CloudFront signed URL or signed cookies stand
//! in for a session (`signed`).

mod endpoints;
mod signed;

pub use endpoints::userinfo;

// what the flows start from, named where each flow is (the flows import nothing of `decide`)
pub use crate::flow::callback::Exchange;
pub use crate::flow::refresh::Next;
pub use crate::flow::signout::SignOut;

use std::net::IpAddr;

use http::Method;
use http::request::Parts;

use crate::cloudfront::Params;
use crate::cloudfront::login as cf_login;
use crate::config::Preflight;
use crate::config::rules::Verdict;
use crate::cookies;
use crate::error::Error;
use crate::login;
use crate::page;
use crate::path::{NormPath, normalize_with};
use crate::refresh;
use crate::reply::Reply;
use crate::revocation::Revocations;
use crate::screen::screen;
use crate::session::Session;
use crate::site::Site;
use crate::unauth;

/// What a decision needs besides the request: the clock, the revocations in force, and who
/// is asking.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Unix seconds.
    pub now: u64,
    pub revocations: &'a Revocations,
    /// The TCP peer's address (what signed-URL `IpAddress` conditions are checked against).
    pub client: IpAddr,
}

/// What to do with a request.
#[derive(Debug)]
pub enum Action {
    /// Serve `path` from the origin. `user` is the signed-in user, if any (public paths too).
    Forward(Forward),
    /// Not signed in on a protected page: start a login that comes back to `return_to`.
    Login { return_to: String },
    /// A visitor asked to sign in again with a `prompt` (`{prefix}/login?prompt=…`, e.g. "sign
    /// in as someone else"): start a login with it, whatever session the browser has.
    LoginPrompt { return_to: String, prompt: login::Prompt },
    /// The provider sent the browser back with a code: redeem it, verify, then finish.
    Exchange(Exchange),
    /// The session's tokens are due for a refresh: refresh, then go on with `next`.
    Refresh(Refresh),
    /// Sign the user out (cookies, provider tokens, provider session).
    SignOut(SignOut),
    /// The provider posts a logout token (OpenID Connect Back-Channel Logout): the adapter
    /// reads the body and verifies it.
    BackchannelLogout,
    /// Another proxy asks whether the request it holds may pass (`{prefix}/auth`, with
    /// `[forward_auth]`): the adapter hands it to [`crate::forward_auth::check`].
    ForwardAuth,
    /// Answer directly.
    Respond(Reply),
    /// Refuse with the error's page; the adapter logs why (for signature refusals, which check
    /// failed is for operators, not visitors).
    Refuse(Error),
}

#[derive(Debug)]
pub struct Forward {
    pub path: NormPath,
    /// The raw query string to send to the origin and to key a cache by: the request's own,
    /// without CloudFront's signing parameters on signed paths (they say who may fetch, not
    /// what is fetched).
    pub query: Option<String>,
    pub user: Option<Session>,
    /// The session's last-activity time is old enough to be written again. Only with an idle
    /// timeout: without one nothing reads that time, and re-sealing the cookie (random nonce,
    /// encryption, a `Set-Cookie` on the answer) would be work for nothing on every request.
    pub touch: bool,
    /// CloudFront login mode: the browser's CloudFront cookies are missing or half used, and
    /// fresh ones go with the answer ([`crate::cloudfront::login::renewal_due`]).
    pub renew_cloudfront: bool,
    /// Served because the path is public: anyone may see the answer. Otherwise the answer is
    /// for this user (or this signed URL's holder) only, and must not be kept by caches in
    /// between unless the origin says so ([`crate::proxy::protected_cache_control`]).
    pub public: bool,
    /// A CORS preflight let through unauthenticated (`access.preflight = "origin"`): sent
    /// without a body, without identity and without the origin's secret header, so that the
    /// origin can tell it came from nobody in particular.
    pub preflight: bool,
    /// The session's access token, with `proxy.pass_access_token` (from the tokens cookie).
    pub access_token: Option<String>,
}

#[derive(Debug)]
pub struct Refresh {
    pub session: Session,
    pub next: Next,
}

/// How often, at most, a session's last-activity time is re-sealed (seconds).
const TOUCH_EVERY: u64 = 60;

/// Decides what to do with one request at the edge. Its host, for the rules, is always
/// `server.public_url`'s: the edge serves one site, and a `Host` a client sends chooses nothing.
pub fn decide(site: &Site, req: &Parts, ctx: &Ctx<'_>) -> Action {
    decide_on(site, req, ctx, &site.config.server.public_host, false)
}

/// [`decide`] for a request to `host` (lower-case, no port). `forwarded`: a request another
/// proxy holds and asks about ([`crate::forward_auth`]), whose proxy routed it by that host:
/// authfront's own endpoints are then refused, never answered (the proxy must route them to
/// authfront, not ask whether they may pass).
pub(crate) fn decide_on(site: &Site, req: &Parts, ctx: &Ctx<'_>, host: &str, forwarded: bool) -> Action {
    if let Err(e) = screen(&site.config, &site.protected, req) {
        return Action::Refuse(e);
    }
    let path = match normalize_with(req.uri.path(), site.config.server.guard.path_parameters) {
        Ok(p) => p,
        // Refused, not answered: the adapter logs the precise reason.
        Err(e) => return Action::Refuse(Error::BadPath(e)),
    };
    let eps = &site.config.server.endpoints;
    if forwarded {
        let p = path.as_str();
        let own = p.strip_prefix(eps.prefix.as_str()).is_some_and(|r| r.is_empty() || r.starts_with('/'));
        if own || p == eps.callback || p == eps.signout {
            return Action::Refuse(Error::BadRequest("authfront's own endpoint checked through forward-auth"));
        }
    }
    if path.as_str() == eps.callback {
        return endpoints::callback(site, req, ctx);
    }
    if path.as_str() == eps.signout {
        return Action::SignOut(SignOut { session: session(site, req, ctx), return_to: endpoints::rd(site, req) });
    }
    if let Some(rest) = path.as_str().strip_prefix(eps.prefix.as_str())
        && (rest.is_empty() || rest.starts_with('/'))
    {
        return endpoints::endpoint(site, req, ctx, &path);
    }
    let cfg = &site.config;
    let user = session(site, req, ctx);
    let rule = cfg.cloudfront.signed_paths.iter().find(|r| r.paths.iter().any(|p| p.matches(&path)));
    // On signed paths the signing parameters never reach the origin, signed or not.
    let query = match rule {
        Some(_) => Params::from_query(req.uri.query()).1,
        None => req.uri.query().map(str::to_owned),
    };
    let verdict = cfg.access.rules.verdict(host, &path, &req.method);
    match verdict {
        Verdict::Public => return forward(site, req, (path, query, true), user, ctx),
        // nobody, and no sign-in that could change it
        Verdict::Deny => {
            let here = login::return_to(&path, req.uri.query());
            return Action::Respond(match &user {
                Some(_) => Reply::error_with(&Error::Denied, &page::Nav::denied(site, &here)),
                None => Reply::error(&Error::Denied, None),
            });
        }
        Verdict::Allow { .. } => {}
    }
    if is_preflight(req) && cfg.access.preflight == Preflight::Origin {
        // A CORS preflight never carries cookies; here the origin answers it, as nobody's.
        return Action::Forward(Forward {
            path,
            query,
            user: None,
            touch: false,
            renew_cloudfront: false,
            public: false,
            preflight: true,
            access_token: None,
        });
    }
    match user {
        Some(u) if verdict.admits(&u) && refresh::due(&u, ctx.now) => {
            return Action::Refresh(Refresh { session: u, next: Next::Forward { path, query } });
        }
        Some(u) if verdict.admits(&u) => return forward(site, req, (path, query, false), Some(u), ctx),
        _ => {}
    }
    // No session that lets this user in: a signed URL or signed cookies may.
    if let Some(rule) = rule {
        match signed::check(site, rule, req, &path, ctx.client, ctx.now) {
            signed::Check::Absent => {}
            signed::Check::Granted => return forward(site, req, (path, query, false), user, ctx),
            signed::Check::Refused(r) => return Action::Refuse(Error::SignatureRefused(r)),
        }
    }
    match user {
        Some(u) => {
            let here = login::return_to(&path, req.uri.query());
            let denied = Error::Forbidden { user: u.display_name().to_owned() };
            Action::Respond(Reply::error_with(&denied, &page::Nav::denied(site, &here)))
        }
        None => unauth::answer(site, req, &path).into(),
    }
}

/// `what`: the path, the query and whether the path is public.
fn forward(
    site: &Site,
    req: &Parts,
    what: (NormPath, Option<String>, bool),
    user: Option<Session>,
    ctx: &Ctx<'_>,
) -> Action {
    let (path, query, public) = what;
    let idle = site.config.session.idle_timeout_secs.is_some();
    let touch = idle && user.as_ref().is_some_and(|u| ctx.now.saturating_sub(u.seen) >= TOUCH_EVERY);
    let renew_cloudfront = user.as_ref().is_some_and(|u| cf_login::renewal_due(site, &req.headers, u, ctx.now));
    let access_token = user.as_ref().and_then(|u| crate::session_cookies::access_token(site, &req.headers, u));
    Action::Forward(Forward { path, query, user, touch, renew_cloudfront, public, preflight: false, access_token })
}

/// Whether the rules let this request (signed in as `user`, or not) see `path` — for a path
/// reached another way than by its own URL (a folder's symlink to it): public, or protected and
/// the user allowed. A signed URL or cookie never counts here: it granted its own URL only.
pub fn may_see(site: &Site, path: &NormPath, user: Option<&Session>) -> bool {
    match site.config.access.rules.verdict(&site.config.server.public_host, path, &Method::GET) {
        Verdict::Public => true,
        v => user.is_some_and(|u| v.admits(u)),
    }
}

/// The request's session if it opens, has not been idle too long and is not revoked.
pub fn session(site: &Site, req: &Parts, ctx: &Ctx<'_>) -> Option<Session> {
    let cfg = &site.config.session;
    let s = Session::open(&cfg.keys, cookies::find(&req.headers, &cfg.cookie.name)?, ctx.now)?;
    if cfg.idle_timeout_secs.is_some_and(|idle| ctx.now.saturating_sub(s.seen) > idle) {
        return None;
    }
    if ctx.revocations.revokes(&s) {
        return None;
    }
    Some(s)
}

impl From<unauth::Unauth> for Action {
    fn from(u: unauth::Unauth) -> Action {
        match u {
            unauth::Unauth::Login { return_to } => Action::Login { return_to },
            unauth::Unauth::Respond(r) => Action::Respond(r),
        }
    }
}

fn is_preflight(req: &Parts) -> bool {
    req.method == Method::OPTIONS && req.headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
}

#[cfg(test)]
mod tests;

//! The viewer-request step: a request head and `now` in, an [`Action`] out.
//!
//! This is where every access decision is made, in one place, on the one normalised path the
//! origin will serve. It never performs the action: starting a login needs random bytes and the
//! provider's endpoints, redeeming a code needs the network; the adapter does those and comes
//! back to [`crate::login`] for the rest.

use http::request::Parts;
use http::{HeaderValue, Method, StatusCode};

use crate::cookies;
use crate::error::Error;
use crate::login::{self, Opened, Pending};
use crate::path::{NormPath, normalize};
use crate::reply::Reply;
use crate::session::Session;
use crate::site::Site;

/// What to do with a request.
#[derive(Debug)]
pub enum Action {
    /// Serve `path` from the origin. `user` is the signed-in user, if any (public paths too).
    Forward(Forward),
    /// Not signed in on a protected page: start a login that comes back to `return_to`.
    Login { return_to: String },
    /// The provider sent the browser back with a code: redeem it, verify, then finish.
    Exchange(Exchange),
    /// Answer directly.
    Respond(Reply),
}

#[derive(Debug)]
pub struct Forward {
    pub path: NormPath,
    pub user: Option<Session>,
}

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

/// Decides what to do with one request.
pub fn decide(site: &Site, req: &Parts, now: u64) -> Action {
    let raw_path = req.uri.path();
    let query = req.uri.query();
    let path = match normalize(raw_path) {
        Ok(p) => p,
        Err(e) => return Action::Respond(Reply::error(&Error::BadPath(e), None)),
    };
    let eps = &site.config.server.endpoints;
    if path.as_str() == eps.callback {
        return callback(site, req, query, now);
    }
    if let Some(rest) = path.as_str().strip_prefix(eps.prefix.as_str())
        && (rest.is_empty() || rest.starts_with('/'))
    {
        return own_endpoint(rest);
    }
    let cfg = &site.config;
    let user =
        cookies::find(&req.headers, &cfg.session.cookie.name).and_then(|c| Session::open(&cfg.session.keys, c, now));
    if cfg.access.public_paths.iter().any(|p| p.matches(&path)) {
        return Action::Forward(Forward { path, user });
    }
    match user {
        Some(u) if cfg.access.required_groups.is_empty() || u.in_any_group(&cfg.access.required_groups) => {
            Action::Forward(Forward { path, user: Some(u) })
        }
        Some(u) => Action::Respond(Reply::error(&Error::Forbidden { user: u.display_name().to_owned() }, None)),
        None if req.method == Method::GET || req.method == Method::HEAD => {
            Action::Login { return_to: login::return_path(&path.encoded(), query) }
        }
        // A form post or API call cannot follow a login redirect and come back with its body.
        None => Action::Respond(
            Reply::text(StatusCode::UNAUTHORIZED, "sign-in required\n")
                .with_header(http::header::WWW_AUTHENTICATE, HeaderValue::from_static("Cookie realm=\"authfront\"")),
        ),
    }
}

fn own_endpoint(rest: &str) -> Action {
    match rest {
        "/health" => Action::Respond(Reply::text(StatusCode::OK, "ok\n")),
        _ => Action::Respond(Reply::error(&Error::NotFound, None)),
    }
}

fn callback(site: &Site, req: &Parts, query: Option<&str>, now: u64) -> Action {
    if req.method != Method::GET {
        return Action::Respond(
            Reply::error(&Error::MethodNotAllowed, None)
                .with_header(http::header::ALLOW, HeaderValue::from_static("GET")),
        );
    }
    let mut code = None;
    let mut state = None;
    let mut iss = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let slot = match k.as_ref() {
            "code" => &mut code,
            "state" => &mut state,
            "iss" => &mut iss,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(v.into_owned());
        }
    }
    let binding = cookies::find(&req.headers, &site.config.session.cookie.login_name);
    let opened = state.as_deref().map(|s| login::open_state(site, s, binding, now));
    // Where "Try again" leads: the page the user wanted, when the state says so.
    let retry = match &opened {
        Some(Ok(Opened::Ready(p))) => site.url_for(&p.return_to),
        Some(Ok(Opened::Expired { return_to })) => site.url_for(return_to),
        _ => site.url_for("/"),
    };
    if let Some(error) = error {
        let err = Error::ProviderRefused { error, description: description.unwrap_or_default() };
        return Action::Respond(Reply::error(&err, Some(&retry)));
    }
    let pending = match opened {
        None => return Action::Respond(Reply::error(&Error::BadCallback("no state"), Some(&retry))),
        Some(Err(e)) => return Action::Respond(Reply::error(&e, Some(&retry))),
        // A login that took too long starts again quietly for the same page.
        Some(Ok(Opened::Expired { return_to })) => return Action::Login { return_to },
        Some(Ok(Opened::Ready(p))) => p,
    };
    let cfg = &site.config.session;
    let signed_in =
        cookies::find(&req.headers, &cfg.cookie.name).and_then(|c| Session::open(&cfg.keys, c, now)).is_some();
    match code {
        Some(code) if !code.is_empty() => Action::Exchange(Exchange { code, iss, pending, signed_in }),
        _ => Action::Respond(Reply::error(&Error::BadCallback("no code"), Some(&retry))),
    }
}

#[cfg(test)]
mod tests;

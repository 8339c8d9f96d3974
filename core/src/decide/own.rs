//! authfront's own endpoints under the prefix: the callback, `login`, `userinfo`, `signed-out`,
//! `backchannel-logout`, `health`. (`signout` is matched in `decide` since it may be renamed
//! outside the prefix.)

use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, VARY};
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode};

use super::{Action, Ctx, Exchange, Next, Refresh, allowed, session};
use crate::cookies;
use crate::error::Error;
use crate::login::{self, Opened};
use crate::path::NormPath;
use crate::refresh;
use crate::reply::Reply;
use crate::session::Session;
use crate::signout;
use crate::site::Site;
use crate::unauth;

pub(super) fn endpoint(site: &Site, req: &Parts, ctx: &Ctx<'_>, path: &NormPath) -> Action {
    let eps = &site.config.server.endpoints;
    let p = path.as_str();
    if p == eps.health {
        return Action::Respond(Reply::text(StatusCode::OK, "ok\n"));
    }
    if p == eps.backchannel_logout {
        if req.method != Method::POST {
            return Action::Respond(
                Reply::error(&Error::MethodNotAllowed, None).with_header(ALLOW, HeaderValue::from_static("POST")),
            );
        }
        return Action::BackchannelLogout;
    }
    if req.method != Method::GET && req.method != Method::HEAD {
        return Action::Respond(
            Reply::error(&Error::MethodNotAllowed, None).with_header(ALLOW, HeaderValue::from_static("GET, HEAD")),
        );
    }
    if p == eps.login {
        return Action::Login { return_to: rd(req).unwrap_or_else(|| "/".to_owned()) };
    }
    if p == eps.userinfo {
        return match session(site, req, ctx) {
            Some(u) if refresh::due(&u, ctx.now) => Action::Refresh(Refresh { session: u, next: Next::UserInfo }),
            Some(u) => Action::Respond(userinfo(site, &u)),
            None => Action::Respond(unauth::status(site, "/")),
        };
    }
    if p == eps.signed_out {
        return Action::Respond(signout::signed_out(site, req.uri.query()));
    }
    Action::Respond(Reply::error(&Error::NotFound, None))
}

/// The signed-in user's claims as JSON, for the page's script (cookies stay HttpOnly). Same-site
/// only: no CORS headers are ever sent, so other sites' scripts cannot read it.
pub fn userinfo(site: &Site, u: &Session) -> Reply {
    let body = serde_json::json!({
        "sub": u.sub,
        "email": u.email,
        "name": u.name,
        "groups": u.groups,
        "allowed": allowed(site, u),
        "signed_in_at": u.iat,
        "expires_at": u.exp,
    });
    Reply {
        status: StatusCode::OK,
        headers: vec![
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (VARY, HeaderValue::from_static("Cookie")),
            (http::HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff")),
        ],
        body: format!("{body}\n"),
    }
}

/// The `rd` query parameter, as a same-site return path (anything else is dropped).
pub(crate) fn rd(req: &Parts) -> Option<String> {
    let q = req.uri.query()?;
    let (_, v) = url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "rd")?;
    let (path, query) = match v.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (v.into_owned(), None),
    };
    let checked = login::return_path(&path, query.as_deref());
    // return_path falls back to "/" for anything off-site; only keep what was asked for.
    (checked != "/" || path == "/").then_some(checked)
}

pub(super) fn callback(site: &Site, req: &Parts, ctx: &Ctx<'_>) -> Action {
    if req.method != Method::GET {
        return Action::Respond(
            Reply::error(&Error::MethodNotAllowed, None).with_header(ALLOW, HeaderValue::from_static("GET")),
        );
    }
    let mut code = None;
    let mut state = None;
    let mut iss = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(req.uri.query().unwrap_or("").as_bytes()) {
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
    let opened = state.as_deref().map(|s| login::open_state(site, s, binding, ctx.now));
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
    let signed_in = session(site, req, ctx).is_some();
    match code {
        Some(code) if !code.is_empty() => Action::Exchange(Exchange { code, iss, pending, signed_in }),
        _ => Action::Respond(Reply::error(&Error::BadCallback("no code"), Some(&retry))),
    }
}

//! authfront's own endpoints under the prefix: the callback, `login`, `userinfo`, `signed-out`,
//! `backchannel-logout`, `health`, and `start`. (`signout` is matched in `decide` since it may
//! be renamed outside the prefix.)
//!
//! CloudFront login mode adds two behaviours:
//! - `start` is the page a CloudFront distribution shows for its `403` (custom error response):
//!   the browser still shows the URL it asked for, so a script sends it to `login?rd=<that URL>`.
//! - `login` with a session that lets the user in signs fresh CloudFront cookies and goes back,
//!   without a trip to the provider. A browser that already holds valid CloudFront cookies for
//!   the page and still lands there was refused by CloudFront for another reason (a key group
//!   that does not trust the key, a resource pattern that does not cover the page): it gets a
//!   403 page, never a redirect loop.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, VARY};
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode};
use sha2::{Digest, Sha256};

use super::{Action, Ctx, Exchange, Next, Refresh, session};
use crate::cloudfront::login as cf_login;
use crate::cookies;
use crate::error::Error;
use crate::login::{self, Opened};
use crate::page::{self, escape};
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
    let envoy_http = p.strip_prefix(eps.auth.as_str()).is_some_and(|r| r.starts_with('/'));
    if (p == eps.auth || envoy_http) && site.config.forward_auth.is_some() {
        // any method: a proxy asks about the request it holds, whatever its method (Envoy's
        // HTTP service: `{auth}/<the request's path>`)
        return Action::ForwardAuth;
    }
    if req.method != Method::GET && req.method != Method::HEAD {
        return Action::Respond(
            Reply::error(&Error::MethodNotAllowed, None).with_header(ALLOW, HeaderValue::from_static("GET, HEAD")),
        );
    }
    if p == eps.login {
        return login(site, req, ctx);
    }
    if p == format!("{}/start", eps.prefix) {
        // `start?rd=URL`: where a forward-auth proxy sends a browser to sign in
        if let Some(return_to) = rd(site, req) {
            return Action::Login { return_to };
        }
        return Action::Respond(start_page(&eps.prefix, &eps.login));
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

/// `login`: start a sign-in that comes back to `rd`, or in CloudFront login mode, for a user
/// already let in, sign fresh CloudFront cookies and go back.
fn login(site: &Site, req: &Parts, ctx: &Ctx<'_>) -> Action {
    let return_to = rd(site, req).unwrap_or_else(|| "/".to_owned());
    if let Some(prompt) = prompt(req) {
        // Another account is wanted: never the CloudFront shortcut for the present one.
        return Action::LoginPrompt { return_to, prompt };
    }
    let Some(lc) = &site.config.cloudfront.login_cookies else { return Action::Login { return_to } };
    let Some(user) = session(site, req, ctx) else { return Action::Login { return_to } };
    if !site.allows(&user) {
        let denied = Error::Forbidden { user: user.display_name().to_owned() };
        return Action::Respond(Reply::error_with(&denied, &page::Nav::denied(site, &return_to)));
    }
    // Coming back to one of authfront's own pages would only loop.
    let prefix = &site.config.server.endpoints.prefix;
    let own = return_to.strip_prefix(prefix.as_str()).is_some_and(|r| r.is_empty() || r.starts_with(['/', '?']));
    let return_to = if own { "/".to_owned() } else { return_to };
    let url = site.url_for(&return_to);
    if !cf_login::covers(lc, &url) || cf_login::cookies_grant(lc, &req.headers, &url, ctx.client, ctx.now) {
        return Action::Refuse(Error::CloudFrontRefused { url });
    }
    match cf_login::set_cookies(site, lc, &user, ctx.now) {
        Ok(cookies) => Action::Respond(Reply::redirect(&url, &cookies)),
        Err(e) => Action::Refuse(Error::Internal(format!("CloudFront login cookies: {e}"))),
    }
}

/// The page behind CloudFront's custom error response for `403`. The browser still shows the
/// URL it asked for, so the script reads it there and sends the browser to sign in for it. On
/// one of authfront's own paths the 403 was authfront's (CloudFront put this page in its place):
/// the script then says so instead of redirecting, which would loop. The script is allowed by
/// its hash alone.
fn start_page(prefix: &str, login: &str) -> Reply {
    let js_str = |s: &str| serde_json::to_string(s).unwrap_or_default().replace('<', "\\u003c");
    let script = format!(
        "(function(){{var p=location.pathname+location.search;\
         if(p.indexOf({own})===0){{document.getElementById(\"message\").textContent={denied};return;}}\
         location.replace({login}+\"?rd=\"+encodeURIComponent(p));}})();",
        own = js_str(&format!("{prefix}/")),
        denied = js_str(DENIED),
        login = js_str(login),
    );
    let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
    let body = format!(
        concat!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width\"><title>Signing in</title></head>",
            "<body><p id=\"message\">Signing in&hellip; <a href=\"{href}\">continue</a></p>",
            "<script>{script}</script></body></html>\n"
        ),
        script = script,
        href = escape(login),
    );
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{hash}'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    let mut reply = Reply::html(StatusCode::OK, body);
    reply.headers.retain(|(n, _)| n != CONTENT_SECURITY_POLICY);
    if let Ok(v) = HeaderValue::try_from(csp) {
        reply.headers.push((CONTENT_SECURITY_POLICY, v));
    }
    reply
}

/// What the start page says in place of one of authfront's own 403 pages.
const DENIED: &str = "Access denied: you are signed in, but may not see this page.";

/// The signed-in user's claims as JSON, for the page's script (cookies stay HttpOnly). Same-site
/// only: no CORS headers are ever sent, so other sites' scripts cannot read it.
pub fn userinfo(site: &Site, u: &Session) -> Reply {
    let body = serde_json::json!({
        "sub": u.sub,
        "email": u.email,
        "name": u.name,
        "groups": u.groups,
        "allowed": site.allows(u),
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

/// The `prompt` query parameter, when it is one of the allow-list ([`login::Prompt`]); any other
/// value is ignored (a plain login), never passed on.
fn prompt(req: &Parts) -> Option<login::Prompt> {
    let q = req.uri.query()?;
    let (_, v) = url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "prompt")?;
    login::Prompt::parse(&v)
}

/// The `rd` query parameter, as a return target ([`login::return_checked`]; anything else is
/// dropped).
pub(crate) fn rd(site: &Site, req: &Parts) -> Option<String> {
    let q = req.uri.query()?;
    let (_, v) = url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "rd")?;
    login::return_checked(site, &v)
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

#[cfg(test)]
mod tests;

//! authfront's own endpoints under `server.endpoint_prefix` (the callback aside):
//! - `/health`: `200 ok`, for load balancers.
//! - `/login?return_to=/page`: start a sign-in that comes back to `/page`; when already signed
//!   in, go straight back, and in CloudFront login mode sign fresh CloudFront cookies first.
//! - `/start`: the page a CloudFront distribution shows for its `403` (custom error response):
//!   a script sends the browser to `/login` for the page it asked for.
//!
//! A browser that holds valid CloudFront cookies and still lands on `/login` was refused by
//! CloudFront for another reason (a key group that does not trust the key, a resource pattern
//! that does not cover the page): it gets a 403 page, never a redirect loop.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{ALLOW, CONTENT_SECURITY_POLICY};
use http::request::Parts;
use http::{HeaderValue, Method, StatusCode};
use sha2::{Digest, Sha256};

use super::Action;
use crate::cloudfront::login as cf_login;
use crate::error::Error;
use crate::login;
use crate::page::escape;
use crate::reply::Reply;
use crate::session::Session;
use crate::site::Site;

pub fn endpoint(site: &Site, req: &Parts, rest: &str, user: Option<Session>, client: IpAddr, now: u64) -> Action {
    match rest {
        "/health" => Action::Respond(Reply::text(StatusCode::OK, "ok\n")),
        "/login" | "/start" if req.method != Method::GET && req.method != Method::HEAD => Action::Respond(
            Reply::error(&Error::MethodNotAllowed, None).with_header(ALLOW, HeaderValue::from_static("GET, HEAD")),
        ),
        "/login" => sign_in(site, req, user, client, now),
        "/start" => Action::Respond(start_page(&site.config.server.endpoints.prefix)),
        _ => Action::Respond(Reply::error(&Error::NotFound, None)),
    }
}

fn sign_in(site: &Site, req: &Parts, user: Option<Session>, client: IpAddr, now: u64) -> Action {
    let return_to = return_to(site, req.uri.query());
    let Some(user) = user else { return Action::Login { return_to } };
    if !site.allows(&user) {
        return Action::Respond(Reply::error(&Error::Forbidden { user: user.display_name().to_owned() }, None));
    }
    let url = site.url_for(&return_to);
    let cfg = &site.config;
    let Some(lc) = &cfg.cloudfront.login_cookies else {
        return Action::Respond(Reply::redirect(&url, &[]));
    };
    if !cf_login::covers(lc, &url) || cf_login::cookies_grant(lc, &req.headers, &url, client, now) {
        return Action::Refuse(Error::CloudFrontRefused { url });
    }
    match cf_login::set_cookies(lc, &cfg.session.cookie, &user, now) {
        Ok(cookies) => Action::Respond(Reply::redirect(&url, &cookies)),
        Err(e) => Action::Refuse(Error::Internal(format!("CloudFront login cookies: {e}"))),
    }
}

/// The `return_to` parameter as a same-site path; `/` when absent, unsafe, or one of
/// authfront's own pages (coming back to `/start` or `/login` would loop).
fn return_to(site: &Site, query: Option<&str>) -> String {
    let wanted = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let (path, q) = match wanted.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (wanted.as_str(), None),
    };
    let safe = login::return_path(path, q);
    let prefix = &site.config.server.endpoints.prefix;
    let own = safe.strip_prefix(prefix.as_str()).is_some_and(|r| r.is_empty() || r.starts_with(['/', '?']));
    if own { "/".to_owned() } else { safe }
}

/// The page behind CloudFront's custom error response for `403`. The browser still shows the
/// URL it asked for, so the script reads it there; the script is allowed by its hash alone.
fn start_page(prefix: &str) -> Reply {
    let js_str = |s: &str| serde_json::to_string(s).unwrap_or_default().replace('<', "\\u003c");
    let login = format!("{prefix}/login");
    let script = format!(
        "(function(){{var p=location.pathname+location.search;if(p.indexOf({own})===0)p=\"/\";\
         location.replace({login}+\"?return_to=\"+encodeURIComponent(p));}})();",
        own = js_str(&format!("{prefix}/")),
        login = js_str(&login),
    );
    let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
    let body = format!(
        concat!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width\"><title>Signing in</title>",
            "<script>{script}</script></head><body><p id=\"message\">Signing in&hellip; ",
            "<a href=\"{href}\">continue</a></p></body></html>\n"
        ),
        script = script,
        href = escape(&login),
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

#[cfg(test)]
mod tests;

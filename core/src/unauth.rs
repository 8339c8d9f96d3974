//! What a request without a session gets: a page navigation is sent to sign in; a request that
//! cannot follow a login redirect (fetch/XHR, JSON, non-GET, `Sec-Fetch-Mode` other than
//! `navigate`) gets `401` with a small JSON body and a `WWW-Authenticate` header, so scripts see
//! a clear answer instead of a CORS error on the provider's page. Per-path overrides in
//! `access.on_unauthenticated`.

use http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::request::Parts;
use http::{HeaderName, HeaderValue, Method, StatusCode};

use crate::config::Unauthenticated;
use crate::login::return_to;
use crate::path::NormPath;
use crate::reply::Reply;
use crate::site::Site;

/// What a request without a session gets.
#[derive(Debug)]
pub enum Unauth {
    /// A page navigation: sign in, then back to `return_to`.
    Login { return_to: String },
    /// Anything else: this answer (the JSON `401`).
    Respond(Reply),
}

/// Answer for a protected `path` without a (valid) session.
pub fn answer(site: &Site, req: &Parts, path: &NormPath) -> Unauth {
    let rule = site
        .config
        .access
        .on_unauthenticated
        .iter()
        .find(|(patterns, _)| patterns.iter().any(|p| p.matches(path)))
        .map_or(Unauthenticated::Auto, |(_, a)| *a);
    let return_to = return_to(path, req.uri.query());
    let redirect = match rule {
        Unauthenticated::Redirect => req.method == Method::GET || req.method == Method::HEAD,
        Unauthenticated::Status => false,
        Unauthenticated::Auto => is_navigation(req),
    };
    if redirect { Unauth::Login { return_to } } else { Unauth::Respond(status(site, &return_to)) }
}

/// Whether the request is a page navigation that can follow a redirect to the provider.
pub fn is_navigation(req: &Parts) -> bool {
    if req.method != Method::GET && req.method != Method::HEAD {
        return false;
    }
    let header = |n: &str| req.headers.get(n).and_then(|v| v.to_str().ok());
    if let Some(mode) = header("sec-fetch-mode") {
        return mode.eq_ignore_ascii_case("navigate");
    }
    if header("x-requested-with").is_some_and(|v| v.eq_ignore_ascii_case("XMLHttpRequest")) {
        return false;
    }
    match req.headers.get(ACCEPT).and_then(|v| v.to_str().ok()) {
        Some(a) if a.contains("text/html") => true,
        Some(a) if a.contains("application/json") || a.contains("+json") => false,
        _ => true,
    }
}

/// The `401` for scripts: JSON naming where a page can send the user to sign in.
pub fn status(site: &Site, return_to: &str) -> Reply {
    let login_url = login_url(site, return_to);
    let body = serde_json::json!({
        "error": "unauthenticated",
        "message": "Sign-in required.",
        "login_url": login_url,
    });
    let challenge = format!("Cookie realm=\"authfront\", login_url=\"{login_url}\"");
    Reply {
        status: StatusCode::UNAUTHORIZED,
        headers: vec![
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (WWW_AUTHENTICATE, HeaderValue::try_from(challenge).unwrap_or(HeaderValue::from_static("Cookie"))),
            (HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff")),
        ],
        body: format!("{body}\n"),
    }
}

/// `{public_url}{login endpoint}?rd=…`: a URL a page can navigate to, coming back to `return_to`.
pub fn login_url(site: &Site, return_to: &str) -> String {
    let rd: String = url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
    site.url_for(&format!("{}?rd={rd}", site.config.server.endpoints.login))
}

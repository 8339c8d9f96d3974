//! Forward-auth: another proxy (nginx `auth_request`, Traefik `forwardAuth`, Caddy
//! `forward_auth`) asks `{prefix}/auth` whether the request it holds may pass.
//!
//! The request it describes is rebuilt here from the forwarding headers — believed only from a
//! peer in `forward_auth.trusted_proxies` — and decided by the very same [`decide`] as a request
//! at the edge: one normalisation, one set of rules, so a path the edge refuses is refused here.
//! What the decision was becomes the answer a proxy understands: `200` with identity headers,
//! `401` (JSON) or the sign-in redirect, `403`.

use http::header::{CACHE_CONTROL, HOST};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri, Version};

use crate::config::forward_auth::Mode;
use crate::decide::{Action, Ctx, Forward, Refresh, decide};
use crate::error::Error;
use crate::path::normalize_with;
use crate::reply::Reply;
use crate::session::Session;
use crate::site::Site;
use crate::unauth;

/// What the check comes to.
#[derive(Debug)]
pub enum Check {
    /// `200`: let it pass ([`allow`]), with the cookies the session step makes (as at the edge).
    Allow(Forward),
    /// The session's tokens are due for a refresh: refresh, then [`allow`] the fresh session.
    Refresh(Refresh),
    /// Redirect mode, a browser navigation without a session: sign in, back to this URL.
    Login { return_to: String },
    /// This answer (`401`, `403`).
    Respond(Reply),
    /// Refused; the adapter logs the reason and answers with `reply`.
    Refuse { error: Error, reply: Reply },
}

/// The headers that describe the original request. Never passed on into it.
const FORWARDING: [&str; 6] = [
    "x-original-uri",
    "x-original-method",
    "x-forwarded-uri",
    "x-forwarded-method",
    "x-forwarded-host",
    "x-forwarded-proto",
];

/// On a `401`: the URL that signs the browser in and brings it back to the request checked.
pub const SIGN_IN: HeaderName = HeaderName::from_static("x-authfront-sign-in");

/// Decides a forward-auth check from `ctx.client` (the proxy).
pub fn check(site: &Site, req: &Parts, ctx: &Ctx<'_>) -> Check {
    let Some(fa) = &site.config.forward_auth else { return refuse(Error::NotFound, Mode::Redirect) };
    let mode = mode(req).unwrap_or(fa.mode);
    if !fa.trusted_proxies.iter().any(|c| c.contains(ctx.client)) {
        // Never a 403 that a proxy could mistake for "this user is denied": whoever asks from
        // here is not a proxy of ours, and what it says about the request is not believed.
        return Check::Refuse {
            error: Error::BadRequest("forward-auth check from a peer not in `forward_auth.trusted_proxies`"),
            reply: Reply::error(&Error::BadRequest("forwarding headers from this address are not accepted"), None),
        };
    }
    let original = match original(site, req) {
        Ok(o) => o,
        Err(e) => return refuse(e, mode),
    };
    let eps = &site.config.server.endpoints;
    if let Ok(p) = normalize_with(original.parts.uri.path(), site.config.server.guard.path_parameters) {
        let p = p.as_str();
        let own = p.strip_prefix(eps.prefix.as_str()).is_some_and(|r| r.is_empty() || r.starts_with('/'));
        if own || p == eps.callback || p == eps.signout {
            // authfront answers these itself: the proxy must route them to it, not ask about them.
            return refuse(Error::BadRequest("authfront's own endpoint checked through forward-auth"), mode);
        }
    }
    match decide(site, &original.parts, ctx) {
        Action::Forward(f) => Check::Allow(f),
        Action::Refresh(r) => Check::Refresh(r),
        Action::Login { return_to } => {
            let return_to = format!("{}{return_to}", original.origin);
            match mode {
                Mode::Redirect => Check::Login { return_to },
                // nginx cannot URL-encode: the way to sign in comes ready in a header
                // (`auth_request_set … $upstream_http_x_authfront_sign_in`)
                Mode::Status => Check::Respond(unauth::status(site, &return_to).with_header(
                    SIGN_IN,
                    HeaderValue::try_from(unauth::login_url(site, &return_to)).unwrap_or(HeaderValue::from_static("/")),
                )),
            }
        }
        Action::Respond(r) => Check::Respond(for_mode(r, mode)),
        Action::Refuse(error) => refuse(error, mode),
        // Only authfront's own endpoints decide to these, and those were refused above.
        _ => refuse(Error::BadRequest("authfront's own endpoint checked through forward-auth"), mode),
    }
}

/// The `200` that lets a request pass: identity headers for `user` (`proxy.identity_headers`).
/// Every one of them is sent, empty when there is no such value (or no user): a proxy that
/// copies them onto the request then replaces whatever the client sent under those names —
/// Caddy 2.6 would otherwise write its placeholder's text there.
pub fn allow(site: &Site, user: Option<&Session>) -> Reply {
    let mut headers = HeaderMap::new();
    if let Some(u) = user {
        crate::proxy::identity(&mut headers, &site.config.proxy, u);
    }
    for name in site.config.proxy.identity_names() {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), HeaderValue::from_static(""));
        }
    }
    let mut reply = Reply::text(StatusCode::OK, "");
    reply.headers.retain(|(n, _)| n != CACHE_CONTROL);
    reply.headers.push((CACHE_CONTROL, HeaderValue::from_static("no-store")));
    reply.headers.extend(headers.iter().map(|(n, v)| (n.clone(), v.clone())));
    reply
}

/// The original request: its head as the edge would have received it, and `scheme://host`.
struct Original {
    parts: Parts,
    origin: String,
}

fn original(site: &Site, req: &Parts) -> Result<Original, Error> {
    let uri = agreed(req, "x-original-uri", "x-forwarded-uri")?
        .ok_or(Error::BadRequest("no X-Original-URI or X-Forwarded-Uri: which request is this check for?"))?;
    if !uri.starts_with('/') {
        return Err(Error::BadRequest("the original URI is not a path"));
    }
    let uri: Uri = uri.parse().map_err(|_| Error::BadRequest("the original URI is not a valid request target"))?;
    let method = match agreed(req, "x-original-method", "x-forwarded-method")? {
        Some(m) => {
            Method::from_bytes(m.as_bytes()).map_err(|_| Error::BadRequest("the original method is not a method"))?
        }
        None => req.method.clone(),
    };
    let host = match one(req, "x-forwarded-host")? {
        Some(h) => h,
        None => one(req, HOST.as_str())?.ok_or(Error::BadRequest("no original host"))?,
    };
    let authority: http::uri::Authority =
        host.parse().map_err(|_| Error::BadRequest("the original host is not a host name"))?;
    if !site.is_own_host(authority.host()) {
        return Err(Error::BadRequest("the original host is not `server.public_url`'s or one of `forward_auth.hosts`"));
    }
    let proto = match one(req, "x-forwarded-proto")? {
        Some(p) if p == "https" || p == "http" => p,
        Some(_) => return Err(Error::BadRequest("X-Forwarded-Proto is neither http nor https")),
        None => site.config.server.public_url.split_once("://").map_or("https", |(s, _)| s),
    };
    let mut headers = HeaderMap::with_capacity(req.headers.len());
    for (name, value) in &req.headers {
        let described = FORWARDING.contains(&name.as_str());
        if !described && name != HOST && name != http::header::CONTENT_LENGTH && name != http::header::TRANSFER_ENCODING
        {
            headers.append(name.clone(), value.clone());
        }
    }
    let host_value = HeaderValue::from_str(authority.as_str()).map_err(|_| Error::BadRequest("bad original host"))?;
    headers.insert(HOST, host_value);
    let mut rebuilt = Request::new(());
    *rebuilt.method_mut() = method;
    *rebuilt.uri_mut() = uri;
    *rebuilt.version_mut() = Version::HTTP_11;
    *rebuilt.headers_mut() = headers;
    let (parts, ()) = rebuilt.into_parts();
    Ok(Original { parts, origin: format!("{proto}://{}", authority.as_str().to_ascii_lowercase()) })
}

/// The one value of header `name`, if sent; sent twice is a request to refuse (which one would
/// the proxy have meant?).
fn one<'a>(req: &'a Parts, name: &str) -> Result<Option<&'a str>, Error> {
    let mut values = req.headers.get_all(name).iter();
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(Error::BadRequest("a forwarding header sent more than once"));
    }
    first.to_str().map(Some).map_err(|_| Error::BadRequest("a forwarding header that is not text"))
}

/// The value of nginx's header `a` or Traefik's and Caddy's `b`; both, when they differ, is
/// refused rather than one picked.
fn agreed<'a>(req: &'a Parts, a: &str, b: &str) -> Result<Option<&'a str>, Error> {
    match (one(req, a)?, one(req, b)?) {
        (Some(x), Some(y)) if x != y => Err(Error::BadRequest("X-Original-* and X-Forwarded-* disagree")),
        (x, y) => Ok(x.or(y)),
    }
}

/// `?mode=status|redirect` on the check's own URL.
fn mode(req: &Parts) -> Option<Mode> {
    let q = req.uri.query()?;
    let (_, v) = url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "mode")?;
    Mode::parse(&v)
}

fn refuse(error: Error, mode: Mode) -> Check {
    let reply = for_mode(Reply::error(&error, None), mode);
    Check::Refuse { error, reply }
}

/// nginx's `auth_request` turns any status but 2xx, 401 and 403 into a `500`: in status mode a
/// refusal is a `403` (its page says why).
fn for_mode(mut reply: Reply, mode: Mode) -> Reply {
    let kept =
        reply.status.is_success() || reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::FORBIDDEN;
    if mode == Mode::Status && !kept {
        reply.status = StatusCode::FORBIDDEN;
    }
    reply
}

#[cfg(test)]
mod tests;

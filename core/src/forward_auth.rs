//! Forward-auth: another proxy (nginx `auth_request`, ingress-nginx, Traefik `forwardAuth`, Caddy
//! `forward_auth`) asks `{prefix}/auth` whether the request it holds may pass.
//!
//! The request it describes is rebuilt here from the forwarding headers — believed only from a
//! peer in `forward_auth.trusted_proxies` — and decided by the very same [`decide`](crate::decide::decide) as a request
//! at the edge: one normalisation, one set of rules, so a path the edge refuses is refused here.
//! What the decision was becomes the answer a proxy understands: `200` with identity headers,
//! `401` (JSON) or the sign-in redirect, `403`.

use http::header::HOST;
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri, Version};

use crate::config::forward_auth::Mode;
use crate::decide::{Action, Ctx, Forward, Refresh, decide_on};
use crate::error::Error;
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
/// (Names, not text: a lookup by `&str` parses the name again every time.)
const ORIGINAL_URL: HeaderName = HeaderName::from_static("x-original-url");
const ORIGINAL_URI: HeaderName = HeaderName::from_static("x-original-uri");
const ORIGINAL_METHOD: HeaderName = HeaderName::from_static("x-original-method");
const FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");
const FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
const FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const FORWARDING: [HeaderName; 7] =
    [ORIGINAL_URL, ORIGINAL_URI, ORIGINAL_METHOD, FORWARDED_URI, FORWARDED_METHOD, FORWARDED_HOST, FORWARDED_PROTO];

/// On a `401`: the URL that signs the browser in and brings it back to the request checked.
pub const SIGN_IN: HeaderName = HeaderName::from_static("x-authfront-sign-in");

/// Decides a forward-auth check from `ctx.client` (the proxy), the request described by the
/// check's forwarding headers.
pub fn check(site: &Site, req: &Parts, ctx: &Ctx<'_>) -> Check {
    let Some(fa) = &site.config.forward_auth else { return refuse(Error::NotFound, Mode::Redirect) };
    // Envoy's HTTP ext_authz service (`path_prefix: {prefix}/auth`) sends the request itself:
    // its target after the prefix, raw as received
    let in_path =
        req.uri.path().strip_prefix(site.config.server.endpoints.auth.as_str()).filter(|r| r.starts_with('/'));
    // `?mode=` on the check's own URL; in Envoy's path form the query is the request's, not ours
    let mode = if in_path.is_some() { fa.mode } else { mode(req).unwrap_or(fa.mode) };
    if let Some(refused) = untrusted(site, ctx) {
        return refused;
    }
    match described(req, in_path) {
        Ok(d) => check_described(site, d, mode, ctx),
        Err(e) => refuse(e, mode),
    }
}

/// The original request as a proxy describes it: from the forwarding headers ([`check`]), or
/// from the fields of Envoy's gRPC `CheckRequest` (`attributes.request.http`).
#[derive(Debug)]
pub struct Described {
    pub method: Method,
    /// The request target: path and query, as received.
    pub target: String,
    /// `Host` (a port allowed).
    pub host: String,
    /// `http` or `https`; `None`: `public_url`'s.
    pub proto: Option<String>,
    /// The request's own headers (cookies, `Accept`, …); forwarding headers among them are
    /// dropped, never read.
    pub headers: HeaderMap,
}

impl Described {
    /// A request head with the described method, target and headers (what the adapter's
    /// session steps read cookies from); not screened or normalised — [`check_described`] is.
    pub fn parts(&self) -> Parts {
        let mut r = Request::new(());
        *r.method_mut() = self.method.clone();
        *r.uri_mut() = self.target.parse().unwrap_or_else(|_| Uri::from_static("/"));
        *r.headers_mut() = self.headers.clone();
        r.into_parts().0
    }
}

/// `None` when `ctx.client` is one of `forward_auth.trusted_proxies`; otherwise the refusal.
pub fn untrusted(site: &Site, ctx: &Ctx<'_>) -> Option<Check> {
    let trusted =
        site.config.forward_auth.as_ref().is_some_and(|fa| fa.trusted_proxies.iter().any(|c| c.contains(ctx.client)));
    // Never a 403 that a proxy could mistake for "this user is denied": whoever asks from
    // here is not a proxy of ours, and what it says about the request is not believed.
    (!trusted).then(|| Check::Refuse {
        error: Error::BadRequest("forward-auth check from a peer not in `forward_auth.trusted_proxies`"),
        reply: Reply::error(&Error::BadRequest("forwarding headers from this address are not accepted"), None),
    })
}

/// Decides the described request (the peer checked by [`untrusted`] already).
pub fn check_described(site: &Site, d: Described, mode: Mode, ctx: &Ctx<'_>) -> Check {
    let original = match rebuild(site, d) {
        Ok(o) => o,
        Err(e) => return refuse(e, mode),
    };
    let Original { parts, origin, host } = original;
    // authfront's own endpoints are refused there: the proxy must route them to it
    match decide_on(site, &parts, ctx, &host, true) {
        Action::Forward(f) => Check::Allow(f),
        Action::Refresh(r) => Check::Refresh(r),
        Action::Login { return_to } => {
            let return_to = format!("{origin}{return_to}");
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
        // Only authfront's own endpoints decide to these, and those are refused for a check.
        _ => refuse(Error::BadRequest("authfront's own endpoint checked through forward-auth"), mode),
    }
}

/// The `200` that lets a request pass: identity headers for `user` (`proxy.identity_headers`).
/// Every one of them is sent, empty when there is no such value (or no user): a proxy that
/// copies them onto the request then replaces whatever the client sent under those names —
/// Caddy 2.6 would otherwise write its placeholder's text there.
pub fn allow(site: &Site, user: Option<&Session>, access_token: Option<&str>) -> Reply {
    let proxy = &site.config.proxy;
    let mut headers = HeaderMap::with_capacity(8);
    if let Some(u) = user {
        crate::proxy::identity(&mut headers, proxy, u, access_token);
    }
    // `no-store` already: an answer about one user's request is never kept
    let mut reply = Reply::text(StatusCode::OK, "");
    for name in proxy.identity_names() {
        let value = headers.remove(name).unwrap_or(HeaderValue::from_static(""));
        reply.headers.push((name.clone(), value));
    }
    reply
}

/// The original request: its head as the edge would have received it, and `scheme://host`.
struct Original {
    parts: Parts,
    origin: String,
    /// The host the rules are asked about: lower-case, no port.
    host: String,
}

/// The description the forwarding headers of a check give; `in_path`: Envoy's path form (the
/// check's path after `{prefix}/auth`), where the check's own method and query are the request's.
///
/// A request may be described more than once: ingress-nginx sends `X-Original-URL` (absolute)
/// and passes the client's own headers on beside it, nginx passes a client's `X-Forwarded-Uri`
/// beside its `X-Original-URI`, and so on. Every description given must agree, or the check
/// is refused: one is never picked over another.
fn described(req: &Parts, in_path: Option<&str>) -> Result<Described, Error> {
    let in_path = in_path.map(|rest| match req.uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    });
    let url = one(req, &ORIGINAL_URL)?.map(split_url).transpose()?;
    let target = agreed(
        "the descriptions of the original URI disagree",
        [in_path.as_deref(), url.as_ref().map(|u| u.target), one(req, &ORIGINAL_URI)?, one(req, &FORWARDED_URI)?],
        str::eq,
    )?
    .ok_or(Error::BadRequest(
        "no X-Original-URI, X-Forwarded-Uri or X-Original-URL: which request is this check for?",
    ))?;
    let said_method = agreed(
        "X-Original-Method and X-Forwarded-Method disagree",
        [one(req, &ORIGINAL_METHOD)?, one(req, &FORWARDED_METHOD)?],
        str::eq,
    )?;
    let method = match (&in_path, said_method) {
        // Envoy's path form: the check is the request, its method the request's
        (Some(_), Some(m)) if m != req.method.as_str() => {
            return Err(Error::BadRequest("the forwarding headers disagree with the request checked"));
        }
        (Some(_), _) | (None, None) => req.method.clone(),
        (None, Some(m)) => {
            Method::from_bytes(m.as_bytes()).map_err(|_| Error::BadRequest("the original method is not a method"))?
        }
    };
    let said_host = agreed(
        "X-Original-URL and X-Forwarded-Host disagree",
        [url.as_ref().map(|u| u.host), one(req, &FORWARDED_HOST)?],
        str::eq_ignore_ascii_case,
    )?;
    // `Host` last: ingress-nginx sends the auth service's own there
    let host = match said_host {
        Some(h) => h,
        None => one(req, &HOST)?.ok_or(Error::BadRequest("no original host"))?,
    };
    let proto = agreed(
        "X-Original-URL and X-Forwarded-Proto disagree",
        [url.as_ref().map(|u| u.scheme), one(req, &FORWARDED_PROTO)?],
        str::eq_ignore_ascii_case,
    )?;
    Ok(Described {
        method,
        target: target.to_owned(),
        host: host.to_owned(),
        proto: proto.map(str::to_ascii_lowercase),
        headers: req.headers.clone(),
    })
}

/// The parts of an absolute `X-Original-URL` (ingress-nginx: `$scheme://$http_host$request_uri`).
struct SplitUrl<'a> {
    scheme: &'a str,
    host: &'a str,
    target: &'a str,
}

fn split_url(url: &str) -> Result<SplitUrl<'_>, Error> {
    let bad = Error::BadRequest("X-Original-URL is not an absolute http(s) URL");
    let (scheme, rest) = url.split_once("://").ok_or(bad.clone())?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(bad);
    }
    // the request target as sent, never re-encoded: the same bytes nginx would forward
    let (host, target) = match rest.find(['/', '?', '#']) {
        Some(i) if rest.as_bytes()[i] == b'/' => rest.split_at(i),
        _ => return Err(bad),
    };
    if host.is_empty() || host.contains('@') {
        return Err(bad);
    }
    Ok(SplitUrl { scheme, host, target })
}

fn rebuild(site: &Site, d: Described) -> Result<Original, Error> {
    if !d.target.starts_with('/') {
        return Err(Error::BadRequest("the original URI is not a path"));
    }
    // A request target never has a fragment. `Uri` would drop one and decide on the path before
    // it, while the proxy passes the target on as it came: `/public/x#/../../admin` is public
    // here and may be `/admin` to the app. Refused, never cut.
    if d.target.contains('#') {
        return Err(Error::BadRequest("the original URI has a `#`"));
    }
    let uri: Uri = d.target.parse().map_err(|_| Error::BadRequest("the original URI is not a valid request target"))?;
    let authority: http::uri::Authority =
        d.host.parse().map_err(|_| Error::BadRequest("the original host is not a host name"))?;
    // lower-cased once: the host check and the rules take it so
    let host = authority.host().to_ascii_lowercase();
    if !site.is_own_host(&host) {
        return Err(Error::BadRequest("the original host is not `server.public_url`'s or one of `forward_auth.hosts`"));
    }
    let proto = match d.proto.as_deref() {
        Some(p @ ("https" | "http")) => p,
        Some(_) => return Err(Error::BadRequest("X-Forwarded-Proto is neither http nor https")),
        None => site.config.server.public_url.split_once("://").map_or("https", |(s, _)| s),
    };
    // the description's own copy, cleaned in place (never copied a second time)
    let mut headers = d.headers;
    for name in &FORWARDING {
        headers.remove(name);
    }
    headers.remove(http::header::CONTENT_LENGTH);
    headers.remove(http::header::TRANSFER_ENCODING);
    let host_value = HeaderValue::from_str(authority.as_str()).map_err(|_| Error::BadRequest("bad original host"))?;
    headers.insert(HOST, host_value);
    let mut rebuilt = Request::new(());
    *rebuilt.method_mut() = d.method;
    *rebuilt.uri_mut() = uri;
    *rebuilt.version_mut() = Version::HTTP_11;
    *rebuilt.headers_mut() = headers;
    let (parts, ()) = rebuilt.into_parts();
    Ok(Original { parts, origin: format!("{proto}://{}", authority.as_str().to_ascii_lowercase()), host })
}

/// The one value of header `name`, if sent; sent twice is a request to refuse (which one would
/// the proxy have meant?).
fn one<'a>(req: &'a Parts, name: &HeaderName) -> Result<Option<&'a str>, Error> {
    let mut values = req.headers.get_all(name).iter();
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(Error::BadRequest("a forwarding header sent more than once"));
    }
    first.to_str().map(Some).map_err(|_| Error::BadRequest("a forwarding header that is not text"))
}

/// The one value all the given descriptions (`None`: not given) agree on; two that differ are
/// refused (`what`) rather than one picked.
fn agreed<'a, const N: usize>(
    what: &'static str,
    said: [Option<&'a str>; N],
    same: fn(&str, &str) -> bool,
) -> Result<Option<&'a str>, Error> {
    let mut given = said.into_iter().flatten();
    let first = given.next();
    match first {
        Some(f) if given.any(|other| !same(f, other)) => Err(Error::BadRequest(what)),
        _ => Ok(first),
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

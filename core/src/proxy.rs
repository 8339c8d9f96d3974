//! What a request carries to an HTTP origin, and what of the origin's answer comes back: the
//! header rules of a reverse proxy, as plain functions over header maps.
//!
//! The rules it owns: hop-by-hop headers never cross; the body's framing is never the
//! client's (`Content-Length` and `Transfer-Encoding` are dropped: the client for origins
//! frames the body it really sends, or sends none); the client can never supply a protected
//! header in any spelling ([`crate::screen::Protected`]: identity, `X-Forwarded-*`, the secret
//! header, routing overrides — incoming ones are removed, ours are set); authfront's own
//! cookies never leave; the origin is asked for the identity encoding (authfront compresses).
//! It never sees a body and does no I/O.

use std::net::IpAddr;

use http::header::{
    ACCEPT_ENCODING, CONNECTION, CONTENT_LENGTH, COOKIE, EXPECT, HOST, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION, TE,
    TRAILER, TRANSFER_ENCODING, UPGRADE,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::conditional;
use crate::config::{Config, CookieMode, Proxy};
use crate::screen::Protected;
use crate::session::Session;

/// What one request to an origin is built from, besides the client's headers.
#[derive(Debug)]
pub struct Context<'a> {
    pub proxy: &'a Proxy,
    /// Client headers never forwarded, in any spelling.
    pub protected: &'a Protected,
    /// Never forwarded.
    pub own_cookies: &'a OwnCookies,
    pub user: Option<&'a Session>,
    /// `user`'s access token, with `proxy.pass_access_token`.
    pub access_token: Option<&'a str>,
    /// The peer that sent the request to authfront.
    pub client_ip: Option<IpAddr>,
    /// `scheme://authority` of the site, from config (never from `Host`).
    pub public_url: &'a str,
    /// The origin's secret header, value in clear.
    pub secret: Option<(&'a HeaderName, &'a str)>,
}

/// The cookies that stay between the browser and authfront and never reach an origin: the
/// session, login and token cookies (with the token cookie's chunks `name.1`, `name.2`, …), the
/// `cookie_mode` cookies (Amplify's, keyed by client id; Elasticsearch's), and
/// `proxy.strip_cookies`. `session.additional_cookies` are the site's and do pass. A new
/// authfront cookie must be added here.
#[derive(Debug, Clone, Default)]
pub struct OwnCookies {
    exact: Vec<String>,
    /// `name` itself and its chunks `{name}.{digits}`.
    chunked: Vec<String>,
    prefixes: Vec<String>,
}

impl OwnCookies {
    pub fn new(config: &Config) -> OwnCookies {
        let c = &config.session.cookie;
        let mut own = OwnCookies {
            exact: vec![c.name.clone(), c.login_name.clone()],
            chunked: vec![c.tokens_name.clone()],
            prefixes: Vec::new(),
        };
        match config.session.mode {
            CookieMode::Sealed => {}
            CookieMode::Amplify => {
                own.prefixes.push(format!("CognitoIdentityServiceProvider.{}.", config.oidc.client_id));
                own.exact.push("amplify-signin-with-hostedUI".to_owned());
            }
            CookieMode::Elasticsearch => {
                own.exact.extend(["ID-TOKEN", "ACCESS-TOKEN", "COGNITO-ENABLED"].map(str::to_owned));
            }
        }
        own.exact.extend(config.proxy.strip_cookies.iter().cloned());
        own
    }

    pub fn contains(&self, name: &str) -> bool {
        self.exact.iter().any(|n| n == name)
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
            || self.chunked.iter().any(|n| match name.strip_prefix(n.as_str()) {
                Some("") => true,
                Some(rest) => {
                    rest.strip_prefix('.').is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
                }
                None => false,
            })
    }
}

/// Hop-by-hop headers (RFC 9110 §7.6.1), plus the pre-standard ones still seen.
const HOP_BY_HOP: [&str; 4] = ["keep-alive", "proxy-connection", "x-forwarded-port", "x-real-ip"];

/// Whether `name` describes one connection rather than the message.
fn hop_by_hop(name: &HeaderName, listed: &[String]) -> bool {
    [CONNECTION, TE, TRAILER, TRANSFER_ENCODING, UPGRADE, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION].contains(name)
        || HOP_BY_HOP.contains(&name.as_str())
        || listed.iter().any(|l| l == name.as_str())
}

/// Names listed in `Connection` (they are hop-by-hop too).
fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// What a protected answer (one not on a public path) carries when its origin said nothing about
/// caching: browsers would otherwise keep it by heuristic and show it again after sign-out,
/// and a cache in front of authfront (a CDN) could keep it and serve it to anyone. The origin's
/// own `Cache-Control`, when it sends one, is left as it is.
pub const PROTECTED_CACHE_CONTROL: &str = "private, no-cache";

/// The `Cache-Control` to add to an answer, if any: [`PROTECTED_CACHE_CONTROL`] for a protected
/// one that has none.
pub fn protected_cache_control(response: &HeaderMap, public: bool) -> Option<HeaderValue> {
    (!public && !response.contains_key(http::header::CACHE_CONTROL))
        .then(|| HeaderValue::from_static(PROTECTED_CACHE_CONTROL))
}

/// Whether a request to an HTTP origin tells it who asks (a signed-in user, and at least one
/// identity header configured): its answer may then be that user's own, so it is not shared.
pub fn identifies(proxy: &Proxy, user: Option<&Session>) -> bool {
    user.is_some() && proxy.identity_names().next().is_some()
}

/// The headers of a request to an HTTP origin. `keep_conditions`: pass the client's
/// conditional and `Range` headers (a pass-through) or drop them (the cache judges them).
pub fn request_headers(client: &HeaderMap, ctx: &Context<'_>, keep_conditions: bool) -> HeaderMap {
    let listed = connection_listed(client);
    // set by authfront (Host, Accept-Encoding, Cookie) or by the client for origins from the
    // body it really sends (the lengths: never the client's, or a body could be smuggled)
    let replaced = [HOST, ACCEPT_ENCODING, COOKIE, EXPECT, CONTENT_LENGTH, TRANSFER_ENCODING];
    let mut out = HeaderMap::with_capacity(client.len() + 8);
    for (name, value) in client {
        let dropped = hop_by_hop(name, &listed)
            || replaced.contains(name)
            || ctx.protected.covers(name)
            || ctx.secret.is_some_and(|(n, _)| crate::screen::same_name(n, name))
            || (!keep_conditions && conditional::HEADERS.contains(name));
        if !dropped {
            out.append(name.clone(), value.clone());
        }
    }
    if let Some(cookie) = strip_cookies(client, ctx.own_cookies) {
        out.insert(COOKIE, cookie);
    }
    out.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
    if ctx.proxy.forwarded_headers {
        forwarded(&mut out, ctx);
    }
    if let Some(user) = ctx.user {
        identity(&mut out, ctx.proxy, user, ctx.access_token);
    }
    if let Some((name, value)) = ctx.secret
        && let Ok(v) = HeaderValue::try_from(value)
    {
        out.insert(name.clone(), v);
    }
    out
}

fn forwarded(out: &mut HeaderMap, ctx: &Context<'_>) {
    if let Some(ip) = ctx.client_ip
        && let Ok(v) = HeaderValue::try_from(ip.to_string())
    {
        out.insert(HeaderName::from_static("x-forwarded-for"), v);
    }
    if let Some((scheme, authority)) = ctx.public_url.split_once("://") {
        if let Ok(v) = HeaderValue::try_from(scheme) {
            out.insert(HeaderName::from_static("x-forwarded-proto"), v);
        }
        if let Ok(v) = HeaderValue::try_from(authority) {
            out.insert(HeaderName::from_static("x-forwarded-host"), v);
        }
    }
}

/// The identity headers (`proxy.identity_headers`) for `user`, each value encoded for a header;
/// `access_token` (with `proxy.pass_access_token`) as it is, when it is a valid header value.
pub fn identity(out: &mut HeaderMap, proxy: &Proxy, user: &Session, access_token: Option<&str>) {
    let groups: Vec<String> = user.groups.iter().map(|g| encode(g, GROUP)).collect();
    let values = [
        (&proxy.user_header, Some(encode(&user.sub, VALUE))),
        (&proxy.email_header, user.email.as_deref().map(|e| encode(e, VALUE))),
        (&proxy.name_header, user.name.as_deref().map(|n| encode(n, VALUE))),
        (&proxy.groups_header, Some(groups.join(","))),
        (&proxy.access_token_header, access_token.map(str::to_owned)),
    ];
    for (name, value) in values {
        if let (Some(name), Some(value)) = (name, value)
            && let Ok(v) = HeaderValue::try_from(value)
        {
            out.insert(name.clone(), v);
        }
    }
}

/// What an identity value may not carry as is: controls, `%` (the escape itself) and every
/// non-ASCII byte, so a value is always plain visible ASCII; UTF-8 is percent-encoded.
const VALUE: &AsciiSet = &CONTROLS.add(b'%');
/// A group name additionally escapes `,`, the list separator.
const GROUP: &AsciiSet = &VALUE.add(b',');

fn encode(s: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(s, set).to_string()
}

/// The client's `Cookie` headers without `own`'s cookies, as one header; `None` when nothing
/// is left. Pair by pair: the site's own non-ASCII cookies pass as the bytes they were.
fn strip_cookies(client: &HeaderMap, own: &OwnCookies) -> Option<HeaderValue> {
    let mut kept: Vec<u8> = Vec::new();
    for pair in crate::cookies::raw_pairs(client) {
        let (name, _) = crate::cookies::split_pair(pair);
        // a name that is not UTF-8 cannot be one of ours
        if std::str::from_utf8(name).is_ok_and(|n| own.contains(n)) {
            continue;
        }
        if !kept.is_empty() {
            kept.extend_from_slice(b"; ");
        }
        kept.extend_from_slice(pair);
    }
    if kept.is_empty() { None } else { HeaderValue::from_bytes(&kept).ok() }
}

/// The origin's response headers as passed on: hop-by-hop ones removed.
pub fn response_headers(origin: &HeaderMap) -> HeaderMap {
    let listed = connection_listed(origin);
    let mut out = HeaderMap::with_capacity(origin.len());
    for (name, value) in origin {
        if !hop_by_hop(name, &listed) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// A `Location` that points into the origin (`{base}/x`, or `{base path}/x` relative) made to
/// point at the site (`{public_url}/x`), as nginx's `proxy_redirect default` does; `None`
/// leaves it alone.
pub fn rewrite_location(location: &str, origin_base: &str, public_url: &str) -> Option<String> {
    let (_, base_path) = split_base(origin_base);
    let rest = match location.strip_prefix(origin_base) {
        Some(rest) => rest,
        None if !base_path.is_empty() && location.starts_with('/') => location.strip_prefix(base_path)?,
        None => return None,
    };
    if !(rest.is_empty() || rest.starts_with(['/', '?', '#'])) {
        return None;
    }
    Some(format!("{public_url}{}", if rest.is_empty() { "/" } else { rest }))
}

/// `scheme://authority` and the path after it.
fn split_base(base: &str) -> (&str, &str) {
    let after = base.find("://").map_or(0, |i| i + 3);
    match base[after..].find('/') {
        Some(i) => base.split_at(after + i),
        None => (base, ""),
    }
}

#[cfg(test)]
mod tests;

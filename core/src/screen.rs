//! The first look at every request head, before any access decision: is it one that the edge
//! and every origin behind it will read the same way? And the header names a client may never
//! pass to an origin, in any spelling.
//!
//! Two families of attacks live in the gap between how a proxy and an application read a
//! request: framing (a body the proxy does not forward but the next hop expects, a missing
//! `Host`) and header names (WSGI, PHP and CGI map `X_Auth_Request_User` and
//! `X-Auth-Request-User` to the same variable; frameworks honour `X-Original-URL` or
//! `X-HTTP-Method-Override` from anyone). Both are closed here, as classes: bodies are always
//! framed by the edge itself (`proxy` never copies `Content-Length` or `Transfer-Encoding`), and
//! a protected name is recognised after lower-casing and mapping `_` to `-`. Pure: no I/O.

use http::header::{CONTENT_LENGTH, HOST};
use http::request::Parts;
use http::{HeaderName, Version};

use crate::config::{Config, Underscores};
use crate::error::Error;

/// Header-name prefixes no client may send to an origin: identity (`X-Auth-Request-*`, the
/// oauth2-proxy family, whatever names are configured) and forwarding (`X-Forwarded-*`, which
/// authfront sets itself or not at all).
const PROTECTED_PREFIXES: [&str; 2] = ["x-auth-request-", "x-forwarded-"];

/// Names no client may send to an origin: forwarding and client-address headers that
/// applications trust for logs and IP rules, and routing overrides that make an application
/// serve another path or method than the one the rules were decided on.
const PROTECTED_NAMES: [&str; 16] = [
    "forwarded",
    "x-real-ip",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "x-cluster-client-ip",
    "x-original-url",
    "x-original-uri",
    "x-original-host",
    "x-rewrite-url",
    "x-host",
    "remote-user",
    "x-remote-user",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];

/// The header names of one site that no client may pass on: the fixed families above plus the
/// configured identity header names and every origin's secret header name, in their
/// canonical spelling (lower case, `-`).
#[derive(Debug, Clone, Default)]
pub struct Protected {
    configured: Vec<String>,
    underscores: Underscores,
}

impl Protected {
    pub fn new(config: &Config) -> Protected {
        let mut configured: Vec<String> = config.proxy.identity_names().map(|n| n.as_str().to_owned()).collect();
        let secrets = std::iter::once(&config.origin).chain(config.routes.iter().map(|r| &r.origin));
        configured.extend(secrets.filter_map(|o| o.secret_header.as_ref()).map(|s| s.name.as_str().to_owned()));
        for n in &mut configured {
            *n = n.replace('_', "-");
        }
        configured.sort();
        configured.dedup();
        Protected { configured, underscores: config.server.guard.underscore_headers }
    }

    /// Whether a client's header `name` is one it may not pass on, however it spells it.
    pub fn covers(&self, name: &HeaderName) -> bool {
        let n = name.as_str();
        if n.contains('_') {
            return self.covers_canonical(&n.replace('_', "-"));
        }
        self.covers_canonical(n)
    }

    fn covers_canonical(&self, n: &str) -> bool {
        PROTECTED_PREFIXES.iter().any(|p| n.starts_with(p))
            || PROTECTED_NAMES.contains(&n)
            || self.configured.iter().any(|c| c == n)
    }
}

/// Whether two header names are the same to an application that maps `_` to `-` (WSGI, PHP,
/// CGI): `x_origin_verify` is `X-Origin-Verify` there.
pub fn same_name(a: &HeaderName, b: &HeaderName) -> bool {
    let (a, b) = (a.as_str().as_bytes(), b.as_str().as_bytes());
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || matches!((x, y), (b'_', b'-') | (b'-', b'_')))
}

/// Checks a request head before anything else looks at it: `Err` is the answer (400 or 413).
pub fn screen(config: &Config, protected: &Protected, req: &Parts) -> Result<(), Error> {
    let hosts = req.headers.get_all(HOST).iter().count();
    // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host is a 400 (HTTP/2 and 3 carry
    // the authority in the request line instead).
    if hosts > 1 || (hosts == 0 && req.version == Version::HTTP_11) {
        return Err(Error::BadRequest("an HTTP/1.1 request needs exactly one Host header"));
    }
    if protected.underscores == Underscores::Reject
        && req.headers.keys().any(|n| n.as_str().contains('_') && protected.covers(n))
    {
        return Err(Error::BadRequest("a protected header name spelled with `_`"));
    }
    let limit = config.proxy.max_request_body;
    // hyper has refused unreadable or conflicting lengths already; this is the declared size
    let declared = req.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|s| s.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(Error::PayloadTooLarge { limit });
    }
    Ok(())
}

#[cfg(test)]
mod tests;

//! Which origin serves a path, and which object of it: route selection (first match wins, then
//! the default origin), the static-site index rewrite and directory redirect, and the SPA
//! fallback test.
//!
//! Pure: matched on the one normalised path every access rule saw. It never asks an origin
//! whether something exists; the adapter does, and comes back for the fallback.

use http::header::{ACCEPT, CACHE_CONTROL, LOCATION};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::config::{Config, Origin};
use crate::path::NormPath;

/// What a static site serves for a path ending in `/`, and a SPA for its navigations.
pub const INDEX: &str = "index.html";

/// `/dir` → `/dir/` (the query kept), so that the index's relative links resolve: the status and
/// headers of the redirect a static site (folder or S3) answers for a directory asked without
/// its slash. `None` only for a query that is not a header value (hyper accepts none such).
pub fn directory_redirect(path: &NormPath, query: Option<&str>) -> Option<(StatusCode, HeaderMap)> {
    // a NormPath starts with one `/` and has no empty segment, so this never becomes a
    // `//host` (protocol-relative) URL pointing off the site
    let mut location = path.encoded();
    location.push('/');
    if let Some(q) = query {
        location.push('?');
        location.push_str(q);
    }
    let mut h = HeaderMap::with_capacity(2);
    h.insert(LOCATION, HeaderValue::try_from(location).ok()?);
    // cacheable, but not forever as a bare 301 would be: if a deploy later turns the directory
    // into a file, browsers stop redirecting within the hour; a missed cache costs one round
    // trip, and only for URLs typed without the slash
    h.insert(CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    Some((StatusCode::MOVED_PERMANENTLY, h))
}

/// The origin serving `path`, with its position: `0` is the default origin, `i + 1` the route
/// `origin.routes[i]` (a stable id for the adapter's per-origin state).
pub fn select<'c>(config: &'c Config, path: &NormPath) -> (usize, &'c Origin) {
    for (i, r) in config.routes.iter().enumerate() {
        if r.path.matches(path) {
            return (i + 1, &r.origin);
        }
    }
    (0, &config.origin)
}

/// The object path to ask the origin for: on a static site `/docs/` is `/docs/index.html`.
/// Always starts with `/`.
pub fn object_path(path: &NormPath, static_site: bool) -> String {
    if static_site && path.ends_with_slash() { format!("{}{INDEX}", path.as_str()) } else { path.as_str().to_owned() }
}

/// Whether a miss is a page the browser navigated to (SPA fallback) rather than an asset: a
/// path without a file extension, or a request that accepts HTML.
pub fn is_navigation(path: &NormPath, headers: &HeaderMap) -> bool {
    // an extension is what follows the last dot, unless that dot starts the name (`.well-known`)
    let bare = path.ends_with_slash() || path.segments().last().is_none_or(|s| s.rfind('.').is_none_or(|i| i == 0));
    bare || headers.get_all(ACCEPT).iter().any(|v| v.to_str().is_ok_and(|s| s.contains("text/html")))
}

/// Whether `path` names something hidden in a folder: any segment starting with `.` (`.git/`,
/// `.env`, `.htpasswd`), except what lies below `/.well-known/` (RFC 8615: meant to be served).
pub fn hidden(path: &NormPath) -> bool {
    let mut segments = path.segments();
    match segments.next() {
        Some(".well-known") => segments.any(|s| s.starts_with('.')),
        Some(first) => first.starts_with('.') || segments.any(|s| s.starts_with('.')),
        None => false,
    }
}

/// What a SPA serves instead of a missing page.
pub fn spa_path() -> String {
    format!("/{INDEX}")
}

#[cfg(test)]
mod tests;

//! Edge-cache rules (RFC 9111 for a shared cache), as plain functions: the cache key, whether a
//! request may use the cache, whether a response may be stored and for how long, when a stored
//! response may still be served, and what a revalidation sends and merges.
//!
//! The key is the normalised path and the query, nothing else: never the user, never cookies,
//! so one user's request cannot be answered with another's private page — responses that
//! depend on who asks must say `private` (or set a cookie), and are then never stored. Pure:
//! `now` is an argument; the adapter's store holds the bytes.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use http::header::{
    AGE, AUTHORIZATION, CACHE_CONTROL, CONTENT_RANGE, DATE, ETAG, EXPIRES, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, RANGE, SET_COOKIE, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::conditional::Validators;
use crate::config::{CacheRule, CacheSettings};
use crate::path::NormPath;

/// How long a stale entry that has validators is kept for a cheap revalidation (`304`), even
/// when stale-if-error would not keep it: re-sending a body costs more than one small request.
pub const REVALIDATE_WINDOW: u64 = 600;

/// The cache key: the normalised path and the raw query. Never the user or their cookies.
///
/// One allocation, shared by its clones (the store clones a key for every lookup): the path,
/// then `?` and the query when there is one, and where the path ends. A path may hold a
/// decoded `?` (`%3F`), so the length is part of the key's identity, not just the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    text: Arc<str>,
    path_len: usize,
}

impl Key {
    pub fn new(path: &NormPath, query: Option<&str>) -> Key {
        let path = path.as_str();
        let text: Arc<str> = match query.filter(|q| !q.is_empty()) {
            Some(q) => {
                let mut t = String::with_capacity(path.len() + 1 + q.len());
                t.push_str(path);
                t.push('?');
                t.push_str(q);
                t.into()
            }
            None => path.into(),
        };
        Key { text, path_len: path.len() }
    }
    pub fn path(&self) -> &str {
        &self.text[..self.path_len]
    }
    pub fn query(&self) -> Option<&str> {
        self.text.get(self.path_len + 1..)
    }
    /// Bytes the key takes, for the store's size bound.
    pub fn weight(&self) -> usize {
        self.text.len()
    }
}

/// How a request may use the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// `GET` without `Range`: answered from the cache; a miss fetches the whole object without
    /// the client's conditions, maybe stores it, and judges the conditions here.
    Fill,
    /// `HEAD`, or `GET` with `Range`: answered from a usable entry, otherwise passed to the
    /// origin as it is; nothing is stored.
    HitOnly,
    /// Any other method, a request with a body, or one whose answer may be personal: to the
    /// origin; an unsafe method that succeeds drops the path's entries.
    Bypass,
}

/// How a request for `path` may use the cache. `body`: the request carries a body (never
/// answered from, or stored in, the cache: the body may be what the answer depends on).
/// `personal`: the origin is told who asks (identity headers), so its answer may be this user's
/// own; such requests bypass the cache unless the path's `[[cache.rules]]` entry says
/// `shared = true`.
pub fn usage(
    settings: &CacheSettings,
    path: &str,
    method: &Method,
    headers: &HeaderMap,
    body: bool,
    personal: bool,
) -> Use {
    if body || (personal && !rule(settings, path).is_some_and(|r| r.shared)) {
        return Use::Bypass;
    }
    match *method {
        Method::GET if headers.contains_key(RANGE) => Use::HitOnly,
        Method::GET => Use::Fill,
        Method::HEAD => Use::HitOnly,
        _ => Use::Bypass,
    }
}

/// RFC 9111 §4.4: a successful unsafe request makes what is stored for its path outdated.
pub fn invalidates(method: &Method, status: StatusCode) -> bool {
    !method.is_safe() && (status.is_success() || status.is_redirection())
}

/// What the `X-Cache` header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Served from the cache; the origin was not asked.
    Hit,
    /// Fetched from the origin (and stored, if it may be).
    Miss,
    /// Stored but stale; the origin confirmed it (`304`).
    Revalidated,
    /// Stale, served because the origin failed (stale-if-error).
    Stale,
    /// Not for the cache: other methods, ranges on a miss, uncacheable origins.
    Bypass,
}

impl CacheStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Revalidated => "revalidated",
            CacheStatus::Stale => "stale",
            CacheStatus::Bypass => "bypass",
        }
    }
}

/// The `Cache-Control` directives a shared cache acts on. A directive with a field list
/// (`no-cache="x"`, `private="x"`) counts as the whole directive: stricter, never wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    pub no_store: bool,
    pub no_cache: bool,
    pub private: bool,
    pub public: bool,
    pub must_revalidate: bool,
    pub no_transform: bool,
    pub max_age: Option<u64>,
    pub s_maxage: Option<u64>,
    pub stale_if_error: Option<u64>,
}

impl Directives {
    pub fn parse(headers: &HeaderMap) -> Directives {
        let mut d = Directives::default();
        for value in headers.get_all(CACHE_CONTROL) {
            let Ok(text) = value.to_str() else {
                // unreadable: act as if it forbade storing
                d.no_store = true;
                continue;
            };
            for item in split_list(text) {
                let (name, arg) = match item.split_once('=') {
                    Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                    None => (item.trim(), None),
                };
                let secs = || arg.and_then(|a| a.parse::<u64>().ok());
                match name.to_ascii_lowercase().as_str() {
                    "no-store" => d.no_store = true,
                    "no-cache" => d.no_cache = true,
                    "private" => d.private = true,
                    "public" => d.public = true,
                    "must-revalidate" | "proxy-revalidate" => d.must_revalidate = true,
                    "no-transform" => d.no_transform = true,
                    // an invalid max-age means "stale" (RFC 9111 §4.2.1: treat as 0)
                    "max-age" => d.max_age = Some(secs().unwrap_or(0)),
                    "s-maxage" => d.s_maxage = Some(secs().unwrap_or(0)),
                    "stale-if-error" => d.stale_if_error = secs(),
                    _ => {}
                }
            }
        }
        d
    }
}

/// Splits a comma-separated list, keeping commas inside quoted strings.
fn split_list(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out.into_iter().map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Why a response is not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoStore {
    Status,
    SetCookie,
    NoStoreDirective,
    Private,
    /// `Vary` on something other than `Accept-Encoding`: the key cannot tell the variants apart.
    Vary,
    /// The request carried `Authorization` and the response did not say it may be shared.
    Authorization,
    Partial,
    /// Stale at once and nothing to revalidate with.
    NotReusable,
}

/// A stored response's timing. Ages are seconds; `stored_at` is Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// When it was received, or last confirmed by the origin.
    pub stored_at: u64,
    /// The age it already had then (the origin's or an upstream cache's `Age`).
    pub initial_age: u64,
    /// Fresh while its age is below this.
    pub lifetime: u64,
    /// After its lifetime, how long it may still be served while the origin fails.
    pub stale_if_error: u64,
}

impl Freshness {
    /// The `Age` to send.
    pub fn age(&self, now: u64) -> u64 {
        self.initial_age.saturating_add(now.saturating_sub(self.stored_at))
    }
    pub fn is_fresh(&self, now: u64) -> bool {
        self.age(now) < self.lifetime
    }
    /// Whether it may be served because the origin failed.
    pub fn usable_on_error(&self, now: u64) -> bool {
        self.age(now) < self.lifetime.saturating_add(self.stale_if_error)
    }
    /// How long, from `stored_at`, the store should keep it: fresh, then useful when the
    /// origin fails or for a cheap revalidation. `0` (not worth storing) for a response that is
    /// stale on arrival and has no validator: nothing could ever reuse it for another request
    /// without asking the origin again (RFC 9111 §4), so it is never shared, not even as a stale
    /// stand-in.
    pub fn keep_for(&self, has_validators: bool) -> u64 {
        let fresh = self.lifetime.saturating_sub(self.initial_age);
        if fresh == 0 && !has_validators {
            return 0;
        }
        let window = if has_validators { self.stale_if_error.max(REVALIDATE_WINDOW) } else { self.stale_if_error };
        fresh.saturating_add(window)
    }
}

/// Statuses stored with a default TTL; the others in [`EXPLICIT_ONLY`] only when the origin
/// gave them a lifetime.
const DEFAULT_CACHEABLE: [StatusCode; 2] = [StatusCode::OK, StatusCode::NON_AUTHORITATIVE_INFORMATION];
const EXPLICIT_ONLY: [StatusCode; 4] =
    [StatusCode::MOVED_PERMANENTLY, StatusCode::PERMANENT_REDIRECT, StatusCode::NOT_FOUND, StatusCode::GONE];

/// The first `[[cache.rules]]` entry matching `path`.
fn rule<'s>(settings: &'s CacheSettings, path: &str) -> Option<&'s CacheRule> {
    settings.rules.iter().find(|r| r.path.matches_str(path))
}

/// The default TTL for `path`: the first matching rule's, else the global one.
pub fn default_ttl(settings: &CacheSettings, path: &str) -> u64 {
    rule(settings, path).and_then(|r| r.default_ttl).unwrap_or(settings.default_ttl)
}

/// Whether a response to a `GET` for `path` may be stored, and its timing if so.
pub fn storable(
    settings: &CacheSettings,
    path: &str,
    request: &HeaderMap,
    status: StatusCode,
    response: &HeaderMap,
    now: u64,
) -> Result<Freshness, NoStore> {
    let default_ok = DEFAULT_CACHEABLE.contains(&status);
    if !default_ok && !EXPLICIT_ONLY.contains(&status) {
        return Err(NoStore::Status);
    }
    if response.contains_key(SET_COOKIE) {
        return Err(NoStore::SetCookie);
    }
    if response.contains_key(CONTENT_RANGE) {
        return Err(NoStore::Partial);
    }
    let d = Directives::parse(response);
    if d.no_store {
        return Err(NoStore::NoStoreDirective);
    }
    if d.private {
        return Err(NoStore::Private);
    }
    for v in response.get_all(VARY) {
        let Ok(text) = v.to_str() else { return Err(NoStore::Vary) };
        if split_list(text).iter().any(|f| !f.eq_ignore_ascii_case("accept-encoding")) {
            return Err(NoStore::Vary);
        }
    }
    if request.contains_key(AUTHORIZATION) && !(d.public || d.s_maxage.is_some() || d.must_revalidate) {
        return Err(NoStore::Authorization);
    }
    let explicit = if d.no_cache {
        Some(0)
    } else if let Some(s) = d.s_maxage {
        Some(s)
    } else if let Some(m) = d.max_age {
        Some(m)
    } else {
        header_date(response, &EXPIRES)
            .map(|expires| {
                // Expires relative to the origin's own Date, so clock skew does not matter
                let date = header_date(response, &DATE).unwrap_or(now);
                expires.saturating_sub(date)
            })
            .or_else(|| response.contains_key(EXPIRES).then_some(0))
    };
    let lifetime = match explicit {
        Some(l) => l,
        None if default_ok => default_ttl(settings, path),
        None => return Err(NoStore::Status),
    };
    let has_validators = response.contains_key(ETAG) || response.contains_key(LAST_MODIFIED);
    let stale_if_error = if d.must_revalidate { 0 } else { d.stale_if_error.unwrap_or(settings.stale_if_error) };
    let initial_age = response.get(AGE).and_then(|v| v.to_str().ok()).and_then(|s| s.parse().ok()).unwrap_or(0);
    let f = Freshness { stored_at: now, initial_age, lifetime, stale_if_error };
    if f.keep_for(has_validators) == 0 {
        return Err(NoStore::NotReusable);
    }
    Ok(f)
}

/// The validators of a stored response, as [`crate::conditional`] reads them.
pub fn validators(response: &HeaderMap) -> Validators {
    Validators {
        etag: response.get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned),
        last_modified: header_date(response, &LAST_MODIFIED),
    }
}

/// The conditions of a revalidation request for a stored response.
pub fn revalidation(v: &Validators) -> Vec<(HeaderName, HeaderValue)> {
    let mut out = Vec::new();
    if let Some(etag) = v.etag.as_deref().and_then(|e| HeaderValue::try_from(e).ok()) {
        out.push((IF_NONE_MATCH, etag));
    }
    if let Some(secs) = v.last_modified {
        let date = httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(secs));
        if let Ok(d) = HeaderValue::try_from(date) {
            out.push((IF_MODIFIED_SINCE, d));
        }
    }
    out
}

/// Headers that describe one message, not the stored representation: never stored, never
/// taken from a `304`.
const PER_MESSAGE: [HeaderName; 5] = [AGE, DATE, SET_COOKIE, http::header::CONNECTION, http::header::TRANSFER_ENCODING];

/// The headers of a response as stored: without what belongs to one message only.
pub fn stored_headers(response: &HeaderMap) -> HeaderMap {
    let mut h = response.clone();
    for name in &PER_MESSAGE {
        h.remove(name);
    }
    h.remove("x-cache");
    h
}

/// RFC 9111 §4.3.4: a `304` updates the stored headers it repeats, except those describing
/// the body's bytes.
pub fn merge_not_modified(stored: &HeaderMap, not_modified: &HeaderMap) -> HeaderMap {
    let mut h = stored.clone();
    for name in not_modified.keys() {
        let keep = PER_MESSAGE.contains(name)
            || matches!(name.as_str(), "content-length" | "content-encoding" | "content-range" | "content-type");
        if keep {
            continue;
        }
        h.remove(name);
        for v in not_modified.get_all(name) {
            h.append(name.clone(), v.clone());
        }
    }
    h
}

fn header_date(h: &HeaderMap, name: &HeaderName) -> Option<u64> {
    crate::conditional::parse_date(h.get(name)?.to_str().ok()?)
}

#[cfg(test)]
mod tests;

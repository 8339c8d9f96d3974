//! Reading the request's `Cookie` headers and writing `Set-Cookie` values, including values
//! split across numbered cookies (`name`, `name.1`, `name.2`, …) when they are too large for
//! one.
//!
//! Cookie values authfront writes are base64url text or raw JWTs, so no quoting or escaping is
//! needed; a value read from a request is only ever handed to a sealed-value opener or a JWT
//! verifier that refuses anything it did not expect.

use http::HeaderMap;
use http::header::COOKIE;

use crate::config::{CookieAttrs, CookieSettings};

/// Largest value put in one cookie; browsers keep about 4096 bytes per cookie including the
/// name and attributes.
pub const CHUNK: usize = 3800;
/// Most chunks read or cleared for one value.
pub const MAX_CHUNKS: usize = 8;

/// Every `name=value` pair of the request's `Cookie` headers, as raw bytes, one by one: a pair
/// that is not ASCII (`pref=José` from some other site's script) is only that pair, and never
/// hides the pairs around it. Names and values are trimmed of spaces and tabs.
pub fn pairs(headers: &HeaderMap) -> impl Iterator<Item = (&[u8], &[u8])> {
    raw_pairs(headers).map(split_pair)
}

/// The pairs of the `Cookie` headers as sent (trimmed, never empty), for passing them on as
/// they were.
pub fn raw_pairs(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(COOKIE)
        .into_iter()
        .flat_map(|h| Pairs(h.as_bytes()))
        .map(<[u8]>::trim_ascii)
        .filter(|p| !p.is_empty())
}

/// The `;`-separated parts of one header value. Written by hand around `memchr` (the slice
/// `split` with a closure looks at one byte at a time): a session cookie is read on every
/// request, and its value is hundreds of bytes long.
struct Pairs<'a>(&'a [u8]);

impl<'a> Iterator for Pairs<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.0.is_empty() {
            return None;
        }
        match memchr::memchr(b';', self.0) {
            Some(i) => {
                let (part, rest) = (&self.0[..i], &self.0[i + 1..]);
                // a value ending in `;` has one more, empty, part: the filter drops it anyway
                self.0 = rest;
                Some(part)
            }
            None => Some(std::mem::take(&mut self.0)),
        }
    }
}

/// A pair's name and value (a pair without `=` is all name).
pub fn split_pair(pair: &[u8]) -> (&[u8], &[u8]) {
    match pair.iter().position(|b| *b == b'=') {
        Some(i) => (pair[..i].trim_ascii(), pair[i + 1..].trim_ascii()),
        None => (pair, &pair[pair.len()..]),
    }
}

/// The value of the first cookie called `name` in the request's `Cookie` headers (a value that
/// is not UTF-8 is skipped: no cookie authfront reads can be one).
pub fn find<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    pairs(headers).filter(|(n, _)| *n == name.as_bytes()).find_map(|(_, v)| std::str::from_utf8(v).ok())
}

/// A value written by [`set_chunked`], joined again; `None` when the first part is missing.
pub fn find_chunked(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut out = find(headers, name)?.to_owned();
    for i in 1..MAX_CHUNKS {
        match find(headers, &chunk_name(name, i)) {
            Some(part) => out.push_str(part),
            None => break,
        }
    }
    Some(out)
}

/// How many parts of `name` the request carries (0 when none).
pub fn chunks_present(headers: &HeaderMap, name: &str) -> usize {
    (0..MAX_CHUNKS).take_while(|i| find(headers, &chunk_name(name, *i)).is_some()).count()
}

fn chunk_name(name: &str, i: usize) -> String {
    if i == 0 { name.to_owned() } else { format!("{name}.{i}") }
}

/// How long a cookie lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// `Max-Age` in seconds (unless the cookie's attributes set one).
    Seconds(u64),
    /// Deletes the cookie.
    Expired,
}

/// A `Set-Cookie` value: the configured attributes, then this cookie kind's overrides.
/// `http_only` is the kind's default (`attrs.http_only` may change it).
pub fn set(
    settings: &CookieSettings,
    attrs: &CookieAttrs,
    name: &str,
    value: &str,
    life: Lifetime,
    http_only: bool,
) -> String {
    let mut s = String::with_capacity(name.len() + value.len() + 96);
    s.push_str(name);
    s.push('=');
    s.push_str(value);
    s.push_str("; Path=");
    s.push_str(attrs.path.as_deref().unwrap_or("/"));
    match life {
        Lifetime::Seconds(n) => {
            s.push_str("; Max-Age=");
            s.push_str(&attrs.max_age_secs.unwrap_or(n).to_string());
        }
        Lifetime::Expired => s.push_str("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
    }
    if let Some(d) = attrs.domain.as_ref().or(settings.domain.as_ref()) {
        s.push_str("; Domain=");
        s.push_str(d);
    }
    if attrs.http_only.unwrap_or(http_only) {
        s.push_str("; HttpOnly");
    }
    if settings.secure {
        s.push_str("; Secure");
    }
    s.push_str("; SameSite=");
    s.push_str(attrs.same_site.unwrap_or(settings.same_site).as_str());
    s
}

/// `Set-Cookie` values for `value` split into parts of at most [`CHUNK`] bytes, plus removals
/// of parts left over from a larger earlier value (`present`: parts the request carried).
pub fn set_chunked(
    settings: &CookieSettings,
    attrs: &CookieAttrs,
    name: &str,
    value: &str,
    life: Lifetime,
    present: usize,
) -> Vec<String> {
    // base64url and JWT text is ASCII, so splitting on byte offsets keeps characters whole.
    let parts: Vec<&str> = if value.is_empty() {
        vec![""]
    } else {
        value.as_bytes().chunks(CHUNK).map(|c| std::str::from_utf8(c).unwrap_or("")).collect()
    };
    let mut out: Vec<String> =
        parts.iter().enumerate().map(|(i, p)| set(settings, attrs, &chunk_name(name, i), p, life, true)).collect();
    for i in parts.len()..present.max(parts.len()) {
        out.push(set(settings, attrs, &chunk_name(name, i), "", Lifetime::Expired, true));
    }
    out
}

/// Removals for every part of `name` the request carries (at least the first).
pub fn clear_chunked(settings: &CookieSettings, attrs: &CookieAttrs, name: &str, present: usize) -> Vec<String> {
    (0..present.max(1)).map(|i| set(settings, attrs, &chunk_name(name, i), "", Lifetime::Expired, true)).collect()
}

#[cfg(test)]
mod tests;

//! The one normalised, decoded request path, and path patterns.
//!
//! Every access rule is matched against [`NormPath`], and the origin serves exactly that path:
//! one decoding, then `.`/`..`/empty segments resolved. Anything that could make the origin
//! see another path than the rules saw (a NUL or control byte, a backslash, invalid UTF-8, a
//! `..` above the root) is refused, never guessed at. It never touches the file system.

use std::fmt;

use percent_encoding::percent_decode_str;

/// Why a request path was refused (400 Bad Request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("the path does not start with `/`")]
    NotAbsolute,
    #[error("the path is not valid UTF-8 after decoding")]
    NotUtf8,
    #[error("the path contains a control character")]
    Control,
    #[error("the path contains a backslash")]
    Backslash,
    #[error("the path climbs above the site root")]
    AboveRoot,
    #[error("the path is too long")]
    TooLong,
    /// `;` in a segment: Tomcat, Jetty and Spring strip `;parameters` from each segment before
    /// resolving dots (`/public/..;/secret` is `/secret` to them, `/public/..;` a name to
    /// everyone else), and no edge can tell which an unknown origin does.
    #[error("the path contains `;` (a path parameter)")]
    Semicolon,
}

/// What a path may hold beyond the plain rules, from `server.path_parameters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semicolons {
    /// `;` (raw or `%3B`) anywhere in the path: refused (400).
    #[default]
    Reject,
    /// `;` is data, like any other character: kept in the normalised path, and sent to origins
    /// encoded (`%3B`), so that none of them reads it as a parameter.
    Encode,
}

/// Longest raw path accepted; longer ones are refused rather than processed.
const MAX_PATH: usize = 4096;

/// A decoded, normalised absolute path: starts with `/`, no empty, `.` or `..` segments, keeps a
/// trailing `/` (static-site mode gives it meaning), no control characters or backslashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NormPath(String);

impl NormPath {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The path's segments, without the leading `/`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }
    pub fn ends_with_slash(&self) -> bool {
        self.0.ends_with('/')
    }
    /// The same path, percent-encoded again for a URL (for redirects and HTTP origins).
    pub fn encoded(&self) -> String {
        encode(&self.0)
    }
}

impl fmt::Display for NormPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What must be escaped to put a decoded path back into a URL: controls, space, and the
/// characters with a meaning in URLs other than `/`.
const PATH_ENCODE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    // `;` is only ever data here (see [`Semicolons`]): encoded, no origin reads a parameter
    .add(b';');

/// Percent-encodes a decoded path (a [`NormPath`] or one derived from it, like its index file)
/// for a URL.
pub fn encode(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, PATH_ENCODE).to_string()
}

/// Decodes `raw` (the path part of a request target, without the query) once and normalises
/// it, refusing `;` ([`Semicolons::Reject`]). `%2f` decodes to `/` and is then a separator like
/// any other, so the rules and the origin agree on it.
pub fn normalize(raw: &str) -> Result<NormPath, PathError> {
    normalize_with(raw, Semicolons::Reject)
}

/// [`normalize`], with `;` treated as `semicolons` says.
pub fn normalize_with(raw: &str, semicolons: Semicolons) -> Result<NormPath, PathError> {
    if raw.len() > MAX_PATH {
        return Err(PathError::TooLong);
    }
    if !raw.starts_with('/') {
        return Err(PathError::NotAbsolute);
    }
    if already_normal(raw) {
        return Ok(NormPath(raw.to_owned()));
    }
    normalize_general(raw, semicolons)
}

/// [`normalize_with`] without its shortcut.
fn normalize_general(raw: &str, semicolons: Semicolons) -> Result<NormPath, PathError> {
    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| PathError::NotUtf8)?;
    if decoded.contains('\\') {
        return Err(PathError::Backslash);
    }
    if decoded.chars().any(char::is_control) {
        return Err(PathError::Control);
    }
    if semicolons == Semicolons::Reject && decoded.contains(';') {
        return Err(PathError::Semicolon);
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    return Err(PathError::AboveRoot);
                }
            }
            s => out.push(s),
        }
    }
    let last = decoded.rsplit('/').next().unwrap_or("");
    let trailing = decoded.ends_with('/') || matches!(last, "." | "..");
    let mut s = String::with_capacity(decoded.len());
    for seg in &out {
        s.push('/');
        s.push_str(seg);
    }
    if s.is_empty() || trailing {
        s.push('/');
    }
    Ok(NormPath(s))
}

/// Whether `raw` (starting with `/`) is its own normal form, so that the general steps may be
/// skipped (most requests, on the per-request path): printable ASCII without `%` (nothing to
/// decode), `\\` or `;`, and no empty, `.` or `..` segment (no `//`, no `/.` at all).
/// Conservative: anything else takes the general way, which gives the same answer for these.
fn already_normal(raw: &str) -> bool {
    let mut prev = 0u8;
    for &b in raw.as_bytes() {
        let plain = (b' '..=b'~').contains(&b) && b != b'%' && b != b'\\' && b != b';';
        if !plain || (prev == b'/' && (b == b'/' || b == b'.')) {
            return false;
        }
        prev = b;
    }
    true
}

/// A path pattern as CloudFront cache behaviors write them: `*` matches any run of characters
/// (slashes included), `?` exactly one; everything else literally. Matched against a
/// [`NormPath`]. `/public/*` therefore covers `/public/` and everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    /// How it matches: most patterns are a literal path or a literal prefix and one final
    /// `*`, compared directly rather than through [`glob`] (patterns are checked on every
    /// request: public paths, routes, cache rules).
    shape: Shape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// No wildcard: the whole path.
    Exact,
    /// One `*`, at the end: everything that starts with the text before it.
    Prefix,
    /// Anything else.
    Glob,
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.starts_with('/') && !text.starts_with('*') {
            return Err(format!("`{text}` must start with `/` (or `*`)"));
        }
        if text.contains('\\') || text.chars().any(char::is_control) {
            return Err(format!("`{text}` contains a backslash or control character"));
        }
        let wildcards = text.bytes().filter(|b| matches!(b, b'*' | b'?')).count();
        let shape = match wildcards {
            0 => Shape::Exact,
            1 if text.ends_with('*') => Shape::Prefix,
            _ => Shape::Glob,
        };
        Ok(Self { text: text.to_owned(), shape })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, path: &NormPath) -> bool {
        self.matches_str(path.as_str())
    }

    /// Matches a path already normalised elsewhere (a cache key's).
    pub fn matches_str(&self, path: &str) -> bool {
        match self.shape {
            Shape::Exact => self.text == path,
            Shape::Prefix => path.as_bytes().starts_with(&self.text.as_bytes()[..self.text.len() - 1]),
            Shape::Glob => glob(self.text.as_bytes(), path.as_bytes()),
        }
    }
}

/// Iterative glob with single-star backtracking: linear in practice, no recursion blow-up.
/// Shared with CloudFront policy resources, which use the same `*` and `?`.
///
/// Works on UTF-8 bytes but steps over whole characters wherever a wildcard consumes input
/// (`?` and a star's backtracking), so a wildcard never matches half of a character. A `*` or
/// `?` in `s` is an ordinary character: in the pattern they are always wildcards.
pub(crate) fn glob(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() && pat[p] == b'*' {
            star = Some((p, i));
            p += 1;
        } else if p < pat.len() && pat[p] == b'?' {
            // `?` stands for one character; step over a whole UTF-8 sequence for it
            i += utf8_len(s[i]);
            p += 1;
        } else if p < pat.len() && pat[p] == s[i] {
            i += 1;
            p += 1;
        } else if let Some((sp, si)) = star {
            // the star takes one more whole character and the rest of the pattern is tried again
            let next = si + utf8_len(s[si]);
            p = sp + 1;
            i = next;
            star = Some((sp, next));
        } else {
            return false;
        }
    }
    while p < pat.len() && pat[p] == b'*' {
        p += 1;
    }
    p == pat.len()
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

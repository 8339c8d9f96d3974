//! Conditional and range requests, judged once for every origin kind: `If-Match`,
//! `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since`, `If-Range` and `Range` against a
//! representation's validators, in the order of RFC 9110 §13.2.2.
//!
//! Pure: the adapter supplies the validators and the length, and sends what [`answer`] makes
//! of the [`Outcome`].
//! It never reads a clock: dates are compared only with each other. Where a header is malformed
//! it errs on the side that is always correct: a `Range` it cannot read is ignored (a full `200`
//! is a valid answer to any range request), an `If-None-Match` it cannot read matches nothing
//! (no `304`), an `If-Match` it cannot read matches nothing (`412`: the client's precondition is
//! not proven), an invalid date is ignored as RFC 9110 requires.

use std::time::UNIX_EPOCH;

use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_LOCATION, CONTENT_RANGE, ETAG, EXPIRES, IF_MATCH,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, IF_UNMODIFIED_SINCE, LAST_MODIFIED, RANGE, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// Every request header [`evaluate`] reads: what an adapter must keep (or forward) to have a
/// request judged.
pub const HEADERS: [HeaderName; 6] = [IF_MATCH, IF_UNMODIFIED_SINCE, IF_NONE_MATCH, IF_MODIFIED_SINCE, RANGE, IF_RANGE];

/// What a representation can be checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// As sent in the `ETag` header: quotes included, maybe `W/`.
    pub etag: Option<String>,
    /// Unix seconds, as sent in `Last-Modified` (HTTP dates have one-second resolution).
    pub last_modified: Option<u64>,
}

/// What to answer. Only ever evaluated for a representation that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `200` with the whole representation.
    Full,
    /// `304`, no body.
    NotModified,
    /// `412`, no body.
    PreconditionFailed,
    /// `206` with bytes `start..=end` and [`content_range`].
    Partial { start: u64, end: u64 },
    /// `416` with [`unsatisfied_range`].
    Unsatisfiable,
}

/// Judges the request's conditional and range headers against a representation of `len` bytes
/// that exists and has the validators `v`.
pub fn evaluate(method: &Method, headers: &HeaderMap, v: &Validators, len: u64) -> Outcome {
    let current = v.etag.as_deref().and_then(Tag::parse_whole);
    let get_or_head = *method == Method::GET || *method == Method::HEAD;

    // §13.2.2 steps 1–2: "only if unchanged"; If-Match supersedes If-Unmodified-Since
    let unchanged = if headers.contains_key(IF_MATCH) {
        list_matches(headers, &IF_MATCH, current, Tag::strong_eq)
    } else {
        modified_since(headers, &IF_UNMODIFIED_SINCE, v.last_modified) != Some(true)
    };
    if !unchanged {
        return Outcome::PreconditionFailed;
    }

    // steps 3–4: "only if changed"; If-None-Match supersedes If-Modified-Since
    let not_modified = if headers.contains_key(IF_NONE_MATCH) {
        list_matches(headers, &IF_NONE_MATCH, current, Tag::weak_eq)
    } else {
        get_or_head && modified_since(headers, &IF_MODIFIED_SINCE, v.last_modified) == Some(false)
    };
    if not_modified {
        return if get_or_head { Outcome::NotModified } else { Outcome::PreconditionFailed };
    }

    // step 5: ranges are defined for GET only (RFC 9110 §14.2)
    if *method != Method::GET || len == 0 {
        return Outcome::Full;
    }
    let Some(range) = single(headers, &RANGE) else {
        return Outcome::Full;
    };
    if headers.contains_key(IF_RANGE) && !if_range_holds(headers, current, v.last_modified) {
        return Outcome::Full;
    }
    match parse_range(range) {
        Some(Spec::From { first, last }) if first < len => {
            Outcome::Partial { start: first, end: last.map_or(len - 1, |l| l.min(len - 1)) }
        }
        Some(Spec::Suffix(n)) if n > 0 => Outcome::Partial { start: len - n.min(len), end: len - 1 },
        Some(_) => Outcome::Unsatisfiable,
        None => Outcome::Full,
    }
}

/// `Content-Range` of a `206`: `bytes 0-99/1000`.
pub fn content_range(start: u64, end: u64, len: u64) -> String {
    format!("bytes {start}-{end}/{len}")
}

/// `Content-Range` of a `416`: `bytes */1000`.
pub fn unsatisfied_range(len: u64) -> String {
    format!("bytes */{len}")
}

/// The headers of the representation a `304` repeats (RFC 9110 §15.4.5); the rest go.
pub const NOT_MODIFIED_KEEPS: [HeaderName; 6] = [CACHE_CONTROL, CONTENT_LOCATION, ETAG, EXPIRES, LAST_MODIFIED, VARY];

/// How an [`Outcome`] is answered: its status, which bytes of the representation go in the
/// body, and ([`Answer::headers`]) what becomes of the representation's headers. The one
/// mapping of outcomes to HTTP, for every place that judges conditions (the folder origin, the
/// edge cache, an origin's answer judged at the edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    /// `(start, count)` of the representation's bytes to send; `None`: no body. A `HEAD` gets
    /// the same status and headers, never the bytes.
    pub bytes: Option<(u64, u64)>,
    outcome: Outcome,
    len: u64,
}

/// Answers `outcome` for a representation of `len` bytes that would be sent whole with status
/// `full` (`200`, or the stored status of a cached answer).
pub fn answer(outcome: Outcome, full: StatusCode, len: u64) -> Answer {
    let (status, bytes) = match outcome {
        Outcome::Full => (full, Some((0, len))),
        Outcome::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, Some((start, end - start + 1))),
        Outcome::NotModified => (StatusCode::NOT_MODIFIED, None),
        Outcome::PreconditionFailed => (StatusCode::PRECONDITION_FAILED, None),
        Outcome::Unsatisfiable => (StatusCode::RANGE_NOT_SATISFIABLE, None),
    };
    Answer { status, bytes, outcome, len }
}

impl Answer {
    /// Rewrites the representation's `headers` for this answer: `Content-Length` (what a `GET`
    /// sends, for `HEAD` too: RFC 9110 §9.3.2) and `Content-Range` for `206`; only
    /// [`NOT_MODIFIED_KEEPS`] for `304`; none for `412`; `Content-Range: bytes */len` and
    /// `Accept-Ranges` for `416`.
    pub fn headers(&self, headers: &mut HeaderMap) {
        match self.outcome {
            Outcome::Full => {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(self.len));
            }
            Outcome::Partial { start, end } => {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(end - start + 1));
                headers.insert(CONTENT_RANGE, header_value(content_range(start, end, self.len)));
            }
            Outcome::NotModified => {
                let mut kept = HeaderMap::with_capacity(NOT_MODIFIED_KEEPS.len());
                for name in &NOT_MODIFIED_KEEPS {
                    for v in headers.get_all(name) {
                        kept.append(name.clone(), v.clone());
                    }
                }
                *headers = kept;
            }
            Outcome::PreconditionFailed => headers.clear(),
            Outcome::Unsatisfiable => {
                headers.clear();
                headers.insert(CONTENT_RANGE, header_value(unsatisfied_range(self.len)));
                headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            }
        }
    }
}

/// A `Content-Range` built from numbers and ASCII is always a valid header value.
fn header_value(s: String) -> HeaderValue {
    HeaderValue::try_from(s).unwrap_or_else(|_| HeaderValue::from_static("bytes */0"))
}

/// An entity tag; `opaque` keeps its quotes, so it compares byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tag<'a> {
    weak: bool,
    opaque: &'a str,
}

impl<'a> Tag<'a> {
    /// Reads one tag at the start of `s`; returns it and what follows.
    fn parse(s: &'a str) -> Option<(Self, &'a str)> {
        let (weak, s) = match s.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let inner = s.strip_prefix('"')?;
        let close = inner.find('"')?;
        // `close` indexes `inner`, one byte into `s`: the tag is `s[..=close + 1]`
        let (opaque, rest) = s.split_at(close + 2);
        Some((Tag { weak, opaque }, rest))
    }

    /// A tag that must be the whole of `s` (an `ETag` or `If-Range` value).
    fn parse_whole(s: &'a str) -> Option<Self> {
        match Tag::parse(s.trim())? {
            (tag, "") => Some(tag),
            _ => None,
        }
    }

    /// RFC 9110 §8.8.3.2: both strong and identical.
    fn strong_eq(self, other: Self) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }

    /// RFC 9110 §8.8.3.2: identical once `W/` is set aside.
    fn weak_eq(self, other: Self) -> bool {
        self.opaque == other.opaque
    }
}

/// Whether an `If-Match`/`If-None-Match` (all its lines) names the current representation.
/// `*` names any representation that exists; a malformed field names none.
fn list_matches<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
    current: Option<Tag<'a>>,
    eq: fn(Tag<'a>, Tag<'a>) -> bool,
) -> bool {
    let mut found = false;
    for value in headers.get_all(name) {
        let Ok(mut rest) = value.to_str() else {
            return false;
        };
        if rest.trim() == "*" {
            found = true;
            continue;
        }
        loop {
            // list elements are separated by commas with optional whitespace; empty ones count
            // for nothing (RFC 9110 §5.6.1)
            rest = rest.trim_start_matches([' ', '\t', ',']);
            if rest.is_empty() {
                break;
            }
            let Some((tag, after)) = Tag::parse(rest) else {
                return false;
            };
            found |= current.is_some_and(|c| eq(c, tag));
            rest = after;
        }
    }
    found
}

/// RFC 9110 §13.1.5: a tag must match strongly, a date must equal `Last-Modified` exactly.
fn if_range_holds(headers: &HeaderMap, current: Option<Tag<'_>>, last_modified: Option<u64>) -> bool {
    let Some(value) = single(headers, &IF_RANGE) else {
        return false;
    };
    let value = value.trim();
    if value.starts_with('"') || value.starts_with("W/") {
        match (Tag::parse_whole(value), current) {
            (Some(tag), Some(current)) => tag.strong_eq(current),
            _ => false,
        }
    } else {
        parse_date(value).is_some_and(|d| Some(d) == last_modified)
    }
}

/// The value of a header sent exactly once as visible ASCII; a repeated header is a list,
/// which none of the single-valued fields read here may be.
fn single<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h str> {
    let mut all = headers.get_all(name).iter();
    let first = all.next()?;
    if all.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

/// Whether the representation changed after the date in header `name`; `None` when either date
/// is unknown, or the header is absent, repeated or invalid: the condition is then ignored.
fn modified_since(headers: &HeaderMap, name: &HeaderName, last_modified: Option<u64>) -> Option<bool> {
    let since = parse_date(single(headers, name)?)?;
    Some(last_modified? > since)
}

/// An HTTP date (RFC 9110 5.6.7) as Unix seconds; `None` if it is not one.
pub(crate) fn parse_date(s: &str) -> Option<u64> {
    let t = httpdate::parse_http_date(s.trim()).ok()?;
    Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs())
}

/// One byte range as asked for, before it meets the representation's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `first-last` or `first-`.
    From { first: u64, last: Option<u64> },
    /// `-n`: the last `n` bytes.
    Suffix(u64),
}

/// Reads `bytes=<one range>`. Several ranges, another unit or anything malformed is `None`:
/// the range is then ignored, which RFC 9110 §14.2 allows.
fn parse_range(value: &str) -> Option<Spec> {
    let (unit, set) = value.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let mut specs = set.split(',').map(str::trim).filter(|s| !s.is_empty());
    let spec = specs.next()?;
    if specs.next().is_some() {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    match (first, last) {
        ("", n) => Some(Spec::Suffix(number(n)?)),
        (f, "") => Some(Spec::From { first: number(f)?, last: None }),
        (f, l) => {
            let (first, last) = (number(f)?, number(l)?);
            // RFC 9110 §14.1.1: a range ending before it starts is invalid, not unsatisfiable
            (first <= last).then_some(Spec::From { first, last: Some(last) })
        }
    }
}

/// `1*DIGIT`: `u64::from_str` alone would also take a `+` sign.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests;

//! Target `conditional`: `conditional::evaluate` of conditional and range headers.
//!
//! Input: a method byte, a length choice, a `Last-Modified` choice, then lines: the `ETag`
//! first (empty: none), then `name: value` header lines. Invariants: a `206` range lies inside
//! the representation and is asked for by a `Range` of a `GET`; a `416` only answers a `Range`
//! of a `GET`; a `304` only a `GET`/`HEAD` that asked "if changed"; a `412` only a request with
//! a precondition; without conditional headers the answer is the range's or `200`; dropping
//! `Range` and `If-Range` changes only a `206`/`416` (to `200`); `If-None-Match: *` alone is a
//! `304` (`412` for other methods); `If-Match` with the current strong tag never fails.

use authfront_core::conditional::{Outcome, Validators, content_range, evaluate};
use http::header::{IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, IF_UNMODIFIED_SINCE, RANGE};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

/// 2015-10-21 07:28:00 UTC, the `Last-Modified` of most seeds.
const T: u64 = 1_445_412_480;
const METHODS: [Method; 5] = [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::DELETE];

pub fn run(data: &[u8]) {
    let [m, l, t, rest @ ..] = data else { return };
    let method = &METHODS[usize::from(*m) % METHODS.len()];
    let len = match l % 5 {
        0 => 0,
        1 => 1,
        2 => 1000,
        3 => u64::MAX,
        _ => u64::from(*l) * 37,
    };
    let last_modified = match t % 3 {
        0 => None,
        1 => Some(T),
        _ => Some(T + u64::from(*t)),
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let etag = lines.next().filter(|e| !e.is_empty()).map(str::to_owned);
    let v = Validators { etag, last_modified };
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        if let (Ok(n), Ok(val)) = (HeaderName::from_bytes(name.trim().as_bytes()), HeaderValue::from_str(value)) {
            headers.append(n, val);
        }
    }
    check(method, &headers, &v, len);
}

fn check(method: &Method, headers: &HeaderMap, v: &Validators, len: u64) {
    let got = evaluate(method, headers, v, len);
    let has = |n: &HeaderName| headers.contains_key(n);
    let preconditions = has(&IF_MATCH) || has(&IF_UNMODIFIED_SINCE) || has(&IF_NONE_MATCH) || has(&IF_MODIFIED_SINCE);
    match got {
        Outcome::Partial { start, end } => {
            assert!(*method == Method::GET && has(&RANGE), "206 for {method} {headers:?}");
            assert!(start <= end && end < len, "206 {start}-{end} of {len}");
            let cr = content_range(start, end, len);
            assert_eq!(cr, format!("bytes {start}-{end}/{len}"));
        }
        Outcome::Unsatisfiable => assert!(*method == Method::GET && has(&RANGE) && len > 0, "416 for {headers:?}"),
        Outcome::NotModified => {
            let get_or_head = *method == Method::GET || *method == Method::HEAD;
            assert!(get_or_head && (has(&IF_NONE_MATCH) || has(&IF_MODIFIED_SINCE)), "304 for {method} {headers:?}");
        }
        Outcome::PreconditionFailed => assert!(preconditions, "412 without preconditions: {headers:?}"),
        Outcome::Full => {}
    }
    if !preconditions {
        assert!(!matches!(got, Outcome::NotModified | Outcome::PreconditionFailed));
    }
    let mut plain = headers.clone();
    plain.remove(RANGE);
    plain.remove(IF_RANGE);
    let without = evaluate(method, &plain, v, len);
    let expect = if matches!(got, Outcome::Partial { .. } | Outcome::Unsatisfiable) { Outcome::Full } else { got };
    assert_eq!(without, expect, "dropping Range changed more than the range: {headers:?}");

    let mut star = HeaderMap::new();
    star.insert(IF_NONE_MATCH, HeaderValue::from_static("*"));
    let want = if *method == Method::GET || *method == Method::HEAD {
        Outcome::NotModified
    } else {
        Outcome::PreconditionFailed
    };
    assert_eq!(evaluate(method, &star, v, len), want, "If-None-Match: * on {method}");

    // (a tag that is not visible ASCII cannot be read back from a header: 412 is right for it)
    let readable = |t: &str| t.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
    if let Some(tag) =
        v.etag.as_deref().map(str::trim).filter(|t| t.starts_with('"') && t.ends_with('"') && t.len() >= 2)
        && readable(tag)
        && tag[1..tag.len() - 1].find('"').is_none()
        && let Ok(val) = HeaderValue::from_str(tag)
    {
        let mut m = HeaderMap::new();
        m.insert(IF_MATCH, val);
        assert_ne!(evaluate(method, &m, v, len), Outcome::PreconditionFailed, "If-Match {tag} against itself");
    }
}

pub fn seeds() -> crate::Seeds {
    let d = "Wed, 21 Oct 2015 07:28:00 GMT";
    let cases: &[(&str, u8, u8, u8, &str)] = &[
        ("range", 0, 2, 1, "\"abc\"\nRange: bytes=0-99"),
        ("suffix", 0, 2, 1, "\"abc\"\nRange: bytes=-500"),
        ("open", 0, 2, 1, "\"abc\"\nRange: bytes=900-"),
        ("beyond", 0, 2, 1, "\"abc\"\nRange: bytes=1000-2000"),
        ("multi", 0, 2, 1, "\"abc\"\nRange: bytes=0-1,5-9"),
        ("if-range-tag", 0, 2, 1, "\"abc\"\nRange: bytes=0-9\nIf-Range: \"abc\""),
        ("if-range-date", 0, 2, 1, &format!("\"abc\"\nRange: bytes=0-9\nIf-Range: {d}")),
        ("if-range-weak", 0, 2, 1, "W/\"abc\"\nRange: bytes=0-9\nIf-Range: W/\"abc\""),
        ("inm", 0, 2, 1, "\"abc\"\nIf-None-Match: \"x\", W/\"abc\""),
        ("inm-head", 1, 2, 1, "\"abc\"\nIf-None-Match: \"abc\""),
        ("ims", 0, 2, 1, &format!("\"abc\"\nIf-Modified-Since: {d}")),
        ("ims-obsolete-date", 0, 2, 1, "\"abc\"\nIf-Modified-Since: Wednesday, 21-Oct-15 07:28:00 GMT"),
        ("if-match", 3, 2, 1, "\"abc\"\nIf-Match: \"abc\""),
        ("if-match-weak", 3, 2, 1, "W/\"abc\"\nIf-Match: W/\"abc\""),
        ("ius", 3, 2, 2, &format!("\"abc\"\nIf-Unmodified-Since: {d}")),
        ("huge", 0, 3, 0, "\nRange: bytes=18446744073709551614-"),
        ("overflow", 0, 2, 0, "\nRange: bytes=0-99999999999999999999999"),
        ("empty-len", 0, 0, 0, "\nRange: bytes=0-0"),
        ("repeated-range", 0, 2, 0, "\nRange: bytes=0-1\nRange: bytes=2-3"),
    ];
    cases.iter().map(|(n, m, l, t, rest)| (n.to_string(), [&[*m, *l, *t][..], rest.as_bytes()].concat())).collect()
}

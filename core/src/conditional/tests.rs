// A test's panic is its failure report; the workspace's no-unwrap rule is for server code.
#![allow(clippy::unwrap_used)]

use http::{HeaderMap, HeaderValue, Method};

use super::Outcome::{Full, NotModified, PreconditionFailed, Unsatisfiable};
use super::*;

/// 2015-10-21 07:28:00 UTC
const T: u64 = 1_445_412_480;
const T_DATE: &str = "Wed, 21 Oct 2015 07:28:00 GMT";
const BEFORE: &str = "Wed, 21 Oct 2015 07:27:59 GMT";
const AFTER: &str = "Wed, 21 Oct 2015 07:28:01 GMT";
const ABC: &str = r#""abc""#;

/// Request headers, each pair one header line, and the outcome they must give.
type Case<'a> = (&'a [(&'static str, &'a str)], Outcome);

fn validators(etag: Option<&str>, last_modified: Option<u64>) -> Validators {
    Validators { etag: etag.map(str::to_owned), last_modified }
}

/// The usual representation: strong tag `"abc"`, modified at `T`, 1000 bytes.
fn v() -> Validators {
    validators(Some(ABC), Some(T))
}

fn h(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut m = HeaderMap::new();
    for (k, val) in pairs {
        m.append(*k, HeaderValue::from_str(val).unwrap());
    }
    m
}

fn check(method: Method, v: &Validators, len: u64, cases: &[Case<'_>]) {
    for (pairs, want) in cases {
        let got = evaluate(&method, &h(pairs), v, len);
        assert_eq!(got, *want, "{method} {pairs:?} against {v:?}, {len} bytes");
    }
}

/// GET on the usual representation.
fn get(cases: &[Case<'_>]) {
    check(Method::GET, &v(), 1000, cases);
}

/// GET on another representation of 1000 bytes.
fn on(v: &Validators, cases: &[Case<'_>]) {
    check(Method::GET, v, 1000, cases);
}

/// Another method on the usual representation.
fn by(method: Method, cases: &[Case<'_>]) {
    check(method, &v(), 1000, cases);
}

fn part(start: u64, end: u64) -> Outcome {
    Outcome::Partial { start, end }
}

#[test]
fn no_headers_is_full() {
    for m in [Method::GET, Method::HEAD, Method::POST] {
        by(m, &[(&[], Full)]);
    }
    check(Method::GET, &Validators::default(), 0, &[(&[], Full)]);
}

#[test]
fn header_strings() {
    assert_eq!(content_range(0, 99, 1000), "bytes 0-99/1000");
    assert_eq!(content_range(999, 999, 1000), "bytes 999-999/1000");
    assert_eq!(unsatisfied_range(1000), "bytes */1000");
}

#[test]
fn if_match_compares_strongly() {
    get(&[
        (&[("if-match", ABC)], Full),
        (&[("if-match", r#""xyz""#)], PreconditionFailed),
        (&[("if-match", r#"W/"abc""#)], PreconditionFailed),
    ]);
    // a weak current tag matches nothing strongly either
    let weak = validators(Some(r#"W/"abc""#), None);
    on(&weak, &[(&[("if-match", ABC)], PreconditionFailed)]);
}

#[test]
fn if_match_lists_and_star() {
    get(&[
        (&[("if-match", r#""x", "abc""#)], Full),
        (&[("if-match", r#""x","y""#)], PreconditionFailed),
        (&[("if-match", r#""x""#), ("if-match", ABC)], Full),
        (&[("if-match", r#" , "abc" ,"#)], Full),
        (&[("if-match", "*")], Full),
    ]);
    // `*` matches any representation that exists, even one without an ETag
    let untagged = Validators::default();
    check(Method::PUT, &untagged, 1000, &[(&[("if-match", "*")], Full), (&[("if-match", ABC)], PreconditionFailed)]);
}

#[test]
fn commas_inside_a_tag_are_part_of_it() {
    let odd = validators(Some(r#""a,b""#), None);
    on(&odd, &[(&[("if-match", r#""a,b""#)], Full), (&[("if-match", r#""a""#)], PreconditionFailed)]);
}

#[test]
fn malformed_if_match_fails() {
    get(&[
        (&[("if-match", "abc")], PreconditionFailed),
        (&[("if-match", r#""abc"#)], PreconditionFailed),
        (&[("if-match", r#""abc", junk"#)], PreconditionFailed),
        (&[("if-match", r#"*, "abc""#)], PreconditionFailed),
        (&[("if-match", "")], PreconditionFailed),
    ]);
}

#[test]
fn if_unmodified_since() {
    get(&[
        (&[("if-unmodified-since", T_DATE)], Full),
        (&[("if-unmodified-since", AFTER)], Full),
        (&[("if-unmodified-since", BEFORE)], PreconditionFailed),
        // RFC 850 and asctime dates, which recipients must still read
        (&[("if-unmodified-since", "Wednesday, 21-Oct-15 07:27:59 GMT")], PreconditionFailed),
        (&[("if-unmodified-since", "Wed Oct 21 07:27:59 2015")], PreconditionFailed),
        // a matching If-Match makes it irrelevant
        (&[("if-match", ABC), ("if-unmodified-since", BEFORE)], Full),
        // ignored when invalid or a list
        (&[("if-unmodified-since", "yesterday")], Full),
        (&[("if-unmodified-since", BEFORE), ("if-unmodified-since", BEFORE)], Full),
    ]);
    by(Method::DELETE, &[(&[("if-unmodified-since", BEFORE)], PreconditionFailed)]);
    // ignored when the representation has no date
    let undated = validators(Some(ABC), None);
    on(&undated, &[(&[("if-unmodified-since", BEFORE)], Full)]);
}

#[test]
fn if_none_match_compares_weakly() {
    get(&[
        (&[("if-none-match", ABC)], NotModified),
        (&[("if-none-match", r#"W/"abc""#)], NotModified),
        (&[("if-none-match", r#""xyz""#)], Full),
        (&[("if-none-match", r#""x", W/"abc""#)], NotModified),
        (&[("if-none-match", r#""x""#), ("if-none-match", ABC)], NotModified),
        (&[("if-none-match", r#""x", "y""#)], Full),
        (&[("if-none-match", "*")], NotModified),
        // malformed: matches nothing, so the full answer (always correct) goes out
        (&[("if-none-match", "abc")], Full),
        (&[("if-none-match", r#""abc" junk"#)], Full),
    ]);
    by(Method::HEAD, &[(&[("if-none-match", ABC)], NotModified)]);
    let weak = validators(Some(r#"W/"abc""#), None);
    on(&weak, &[(&[("if-none-match", ABC)], NotModified)]);
}

#[test]
fn if_none_match_fails_other_methods() {
    let cases: &[Case<'_>] = &[
        (&[("if-none-match", ABC)], PreconditionFailed),
        (&[("if-none-match", "*")], PreconditionFailed),
        (&[("if-none-match", r#""other""#)], Full),
    ];
    by(Method::POST, cases);
    by(Method::PUT, cases);
}

#[test]
fn without_a_current_tag() {
    let untagged = validators(None, Some(T));
    on(&untagged, &[(&[("if-none-match", ABC)], Full), (&[("if-none-match", "*")], NotModified)]);
    // a current tag that cannot be read counts as none
    let unreadable = validators(Some("abc"), None);
    on(&unreadable, &[(&[("if-none-match", "abc")], Full), (&[("if-match", ABC)], PreconditionFailed)]);
}

#[test]
fn if_modified_since() {
    get(&[
        (&[("if-modified-since", T_DATE)], NotModified),
        (&[("if-modified-since", AFTER)], NotModified),
        (&[("if-modified-since", BEFORE)], Full),
        // ignored when invalid or a list
        (&[("if-modified-since", "not a date")], Full),
        (&[("if-modified-since", "Wed, 21 Oct 2015 07:28:00 GMT, Wed, 21 Oct 2015 07:28:00 GMT")], Full),
        (&[("if-modified-since", T_DATE), ("if-modified-since", T_DATE)], Full),
        // If-None-Match supersedes it, either way
        (&[("if-none-match", r#""old""#), ("if-modified-since", AFTER)], Full),
        (&[("if-none-match", ABC), ("if-modified-since", BEFORE)], NotModified),
    ]);
    by(Method::HEAD, &[(&[("if-modified-since", T_DATE)], NotModified)]);
    // only for GET and HEAD
    by(Method::POST, &[(&[("if-modified-since", T_DATE)], Full)]);
    by(Method::DELETE, &[(&[("if-modified-since", AFTER)], Full)]);
    // ignored when the representation has no date
    let undated = validators(Some(ABC), None);
    on(&undated, &[(&[("if-modified-since", T_DATE)], Full)]);
}

#[test]
fn failed_preconditions_come_before_not_modified() {
    get(&[
        (&[("if-match", r#""xyz""#), ("if-none-match", ABC)], PreconditionFailed),
        (&[("if-unmodified-since", BEFORE), ("if-modified-since", T_DATE)], PreconditionFailed),
    ]);
}

#[test]
fn ranges() {
    get(&[
        (&[("range", "bytes=0-99")], part(0, 99)),
        (&[("range", "bytes=100-199")], part(100, 199)),
        (&[("range", "bytes=999-999")], part(999, 999)),
        (&[("range", "bytes=500-")], part(500, 999)),
        (&[("range", "bytes=0-")], part(0, 999)),
        // the end is clamped to the last byte
        (&[("range", "bytes=900-5000")], part(900, 999)),
        (&[("range", "bytes=0-18446744073709551615")], part(0, 999)),
        // suffixes
        (&[("range", "bytes=-100")], part(900, 999)),
        (&[("range", "bytes=-1")], part(999, 999)),
        (&[("range", "bytes=-1000")], part(0, 999)),
        (&[("range", "bytes=-5000")], part(0, 999)),
        // spelling: the unit is case-insensitive, whitespace and empty elements are allowed
        (&[("range", "BYTES=0-9")], part(0, 9)),
        (&[("range", " bytes=0-9 ")], part(0, 9)),
        (&[("range", "bytes= 0-9")], part(0, 9)),
        (&[("range", "bytes=0-9,")], part(0, 9)),
        (&[("range", "bytes=, 0-9")], part(0, 9)),
    ]);
}

#[test]
fn unsatisfiable_ranges() {
    get(&[
        (&[("range", "bytes=1000-")], Unsatisfiable),
        (&[("range", "bytes=1000-2000")], Unsatisfiable),
        (&[("range", "bytes=5000-6000")], Unsatisfiable),
        (&[("range", "bytes=-0")], Unsatisfiable),
    ]);
}

#[test]
fn unreadable_ranges_are_ignored() {
    for bad in [
        "bytes=0-9,20-29",
        "bytes=-",
        "bytes=",
        "bytes",
        "items=0-9",
        "bytes=a-b",
        "bytes=+1-5",
        "bytes=1-+5",
        "bytes=9-0",
        "bytes=0-9-",
        "bytes=0 -9",
        "bytes=--5",
        "bytes=99999999999999999999-",
        "bytes=-99999999999999999999",
        "",
    ] {
        get(&[(&[("range", bad)], Full)]);
    }
    get(&[(&[("range", "bytes=0-9"), ("range", "bytes=20-29")], Full)]);
}

#[test]
fn ranges_are_for_get_on_something() {
    for m in [Method::HEAD, Method::POST] {
        by(m, &[(&[("range", "bytes=0-9")], Full)]);
    }
    let cases: &[Case<'_>] = &[(&[("range", "bytes=0-9")], Full), (&[("range", "bytes=-5")], Full)];
    check(Method::GET, &v(), 0, cases);
}

#[test]
fn conditions_win_over_range() {
    get(&[
        (&[("if-none-match", ABC), ("range", "bytes=0-9")], NotModified),
        (&[("if-match", r#""no""#), ("range", "bytes=0-9")], PreconditionFailed),
        (&[("if-match", ABC), ("range", "bytes=0-9")], part(0, 9)),
        (&[("if-none-match", r#""old""#), ("range", "bytes=5000-")], Unsatisfiable),
    ]);
}

#[test]
fn if_range_with_a_tag_needs_a_strong_match() {
    get(&[
        (&[("range", "bytes=0-9"), ("if-range", ABC)], part(0, 9)),
        (&[("range", "bytes=0-9"), ("if-range", r#""old""#)], Full),
        (&[("range", "bytes=0-9"), ("if-range", r#"W/"abc""#)], Full),
    ]);
    let cases: &[Case<'_>] = &[(&[("range", "bytes=0-9"), ("if-range", ABC)], Full)];
    on(&validators(Some(r#"W/"abc""#), Some(T)), cases);
    on(&validators(None, Some(T)), cases);
}

#[test]
fn if_range_with_a_date_needs_equality() {
    get(&[
        (&[("range", "bytes=0-9"), ("if-range", T_DATE)], part(0, 9)),
        (&[("range", "bytes=0-9"), ("if-range", AFTER)], Full),
        (&[("range", "bytes=0-9"), ("if-range", BEFORE)], Full),
    ]);
    let cases: &[Case<'_>] = &[(&[("range", "bytes=0-9"), ("if-range", T_DATE)], Full)];
    on(&validators(Some(ABC), None), cases);
}

#[test]
fn if_range_edge_cases() {
    get(&[
        // unreadable or repeated: the whole representation
        (&[("range", "bytes=0-9"), ("if-range", "garbage")], Full),
        (&[("range", "bytes=0-9"), ("if-range", r#""abc", "abc""#)], Full),
        (&[("range", "bytes=0-9"), ("if-range", ABC), ("if-range", ABC)], Full),
        // it does not rescue an unsatisfiable range, and means nothing without one
        (&[("range", "bytes=5000-"), ("if-range", ABC)], Unsatisfiable),
        (&[("range", "bytes=5000-"), ("if-range", r#""old""#)], Full),
        (&[("if-range", r#""old""#)], Full),
    ]);
}

#[test]
fn non_ascii_values_are_malformed() {
    for (name, value, want) in [
        ("range", &b"bytes=0-9\xff"[..], Full),
        ("if-none-match", b"\"abc\xff\"", Full),
        ("if-match", b"\"abc\xff\"", PreconditionFailed),
    ] {
        let mut hs = HeaderMap::new();
        hs.insert(name, HeaderValue::from_bytes(value).unwrap());
        assert_eq!(evaluate(&Method::GET, &hs, &v(), 1000), want, "{name}");
    }
}

#[test]
fn tag_parsing() {
    let strong = |opaque| Tag { weak: false, opaque };
    assert_eq!(Tag::parse(r#""a"rest"#), Some((strong(r#""a""#), "rest")));
    assert_eq!(Tag::parse(r#"W/"a""#), Some((Tag { weak: true, opaque: r#""a""# }, "")));
    assert_eq!(Tag::parse(r#""""#), Some((strong(r#""""#), "")));
    assert_eq!(Tag::parse(r#"w/"a""#), None);
    assert_eq!(Tag::parse("W/a"), None);
    assert_eq!(Tag::parse_whole(r#" "a" "#), Some(strong(r#""a""#)));
    assert_eq!(Tag::parse_whole(r#""a"b"#), None);
}

#[test]
fn headers_lists_all_that_evaluate_reads() {
    let all = h(&[
        ("if-match", ABC),
        ("if-none-match", r#""old""#),
        ("if-modified-since", AFTER),
        ("if-unmodified-since", AFTER),
        ("range", "bytes=0-9"),
        ("if-range", ABC),
        ("cookie", "a=b"),
    ]);
    let kept: HeaderMap = HEADERS.iter().flat_map(|n| all.get_all(n).iter().map(|v| (n.clone(), v.clone()))).collect();
    assert_eq!(kept.len(), all.len() - 1);
    assert_eq!(evaluate(&Method::GET, &kept, &v(), 1000), part(0, 9));
}

/// The representation's headers as an origin or the cache would send them whole.
fn representation() -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in [
        ("content-type", "text/plain"),
        ("etag", ABC),
        ("last-modified", T_DATE),
        ("cache-control", "max-age=60"),
        ("vary", "accept-encoding"),
        ("set-cookie", "a=1"),
        ("content-length", "999"),
    ] {
        h.append(n, HeaderValue::from_static(v));
    }
    h
}

fn answered(outcome: Outcome, full: StatusCode, len: u64) -> (Answer, HeaderMap) {
    let a = answer(outcome, full, len);
    let mut h = representation();
    a.headers(&mut h);
    (a, h)
}

#[test]
fn full_keeps_the_representation_and_its_status_with_the_true_length() {
    for full in [StatusCode::OK, StatusCode::NOT_FOUND] {
        let (a, h) = answered(Full, full, 10);
        assert_eq!((a.status, a.bytes), (full, Some((0, 10))));
        assert_eq!(h["content-length"], "10");
        assert_eq!((h["etag"].to_str().unwrap(), h["content-type"].to_str().unwrap()), (ABC, "text/plain"));
        assert!(!h.contains_key("content-range"));
    }
}

#[test]
fn partial_is_206_with_its_range_and_count() {
    let (a, h) = answered(Outcome::Partial { start: 2, end: 5 }, StatusCode::OK, 10);
    assert_eq!((a.status, a.bytes), (StatusCode::PARTIAL_CONTENT, Some((2, 4))));
    assert_eq!((h["content-length"].to_str().unwrap(), h["content-range"].to_str().unwrap()), ("4", "bytes 2-5/10"));
    assert_eq!(h["content-type"], "text/plain");
}

#[test]
fn not_modified_keeps_only_what_rfc_9110_lists_and_no_body() {
    let (a, h) = answered(NotModified, StatusCode::OK, 10);
    assert_eq!((a.status, a.bytes), (StatusCode::NOT_MODIFIED, None));
    let mut names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["cache-control", "etag", "last-modified", "vary"]);
}

#[test]
fn precondition_failed_and_unsatisfiable_carry_no_representation() {
    let (a, h) = answered(PreconditionFailed, StatusCode::OK, 10);
    assert_eq!((a.status, a.bytes, h.len()), (StatusCode::PRECONDITION_FAILED, None, 0));
    let (a, h) = answered(Unsatisfiable, StatusCode::OK, 10);
    assert_eq!((a.status, a.bytes), (StatusCode::RANGE_NOT_SATISFIABLE, None));
    assert_eq!((h["content-range"].to_str().unwrap(), h["accept-ranges"].to_str().unwrap()), ("bytes */10", "bytes"));
    assert_eq!(h.len(), 2, "no Set-Cookie, type or length of the representation: {h:?}");
}

#[test]
fn every_range_outcome_of_evaluate_answers_inside_the_representation() {
    for len in [1u64, 2, 10, 1000] {
        for range in ["bytes=0-0", "bytes=0-", "bytes=-1", "bytes=5-9", "bytes=999-", "bytes=-5000", "bytes=3-2"] {
            let mut req = HeaderMap::new();
            req.insert("range", HeaderValue::from_static(range));
            let outcome = evaluate(&Method::GET, &req, &validators(Some(ABC), Some(T)), len);
            if let Some((start, count)) = answer(outcome, StatusCode::OK, len).bytes {
                assert!(count >= 1 && start + count <= len, "{range} of {len}: {start}+{count}");
            }
        }
    }
}

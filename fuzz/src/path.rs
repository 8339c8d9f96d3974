//! Target `path`: `path::normalize` and `Pattern` matching.
//!
//! Input: `PATTERN\nRAW-PATH` (or a raw path alone). Invariants: normalize agrees with the
//! reference rule (value and kind of refusal); a normalised path starts with `/`, has no `.`,
//! `..` or empty segment (a trailing `/` aside), no backslash and no control character, is no
//! longer than the raw path, normalises to itself (when no `%` would be decoded again), and
//! comes back from its URL encoding unchanged; a pattern that parses starts with `/` or `*` and matches as the reference glob
//! does, on the raw and the normalised path.

use authfront_core::path::{NormPath, Pattern, encode};

use crate::fixtures::normalize;
use crate::reference;

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (pattern, raw) = match text.split_once('\n') {
        Some((p, r)) => (Some(p), r),
        None => (None, &*text),
    };
    let norm = check_normalize(raw);
    if let Some(p) = pattern {
        check_pattern(p, raw, norm.as_ref());
    }
}

fn check_normalize(raw: &str) -> Option<NormPath> {
    let got = normalize(raw);
    let want = reference::normalize(raw);
    assert_eq!(
        got.as_ref().map(NormPath::as_str).map_err(|e| *e),
        want.as_deref().map_err(|e| *e),
        "normalize({raw:?})"
    );
    let p = got.ok()?;
    let s = p.as_str();
    assert!(s.starts_with('/'), "{s:?} is not absolute");
    let inner = s.trim_end_matches('/');
    for seg in inner.split('/').skip(1) {
        assert!(!seg.is_empty() && seg != "." && seg != "..", "segment {seg:?} left in {s:?}");
    }
    assert!(s.len() - inner.len() <= 1, "{s:?} ends in several slashes");
    assert!(!s.contains('\\') && !s.chars().any(char::is_control), "{s:?} has a backslash or control");
    if reference::REFUSES_SEMICOLON {
        assert!(!s.contains(';'), "{s:?} has a `;`");
    }
    assert!(s.len() <= raw.len(), "{s:?} is longer than {raw:?}");
    assert_eq!(
        p.segments().collect::<Vec<_>>(),
        inner.split('/').skip(1).filter(|x| !x.is_empty()).collect::<Vec<_>>()
    );
    assert_eq!(p.ends_with_slash(), s.ends_with('/'));
    // idempotent: a normal path is its own normal form (one with `%` is decoded text, which
    // normalises again only through its encoding, below: decoding twice would be a bug)
    if !s.contains('%') {
        assert_eq!(normalize(s).as_ref(), Ok(&p), "normalize is not idempotent on {s:?}");
    }
    let encoded = p.encoded();
    assert_eq!(encoded, encode(s));
    assert!(encoded.bytes().all(|b| b.is_ascii_graphic()), "{encoded:?} is not URL-safe");
    // (encoding may triple a path's length past what normalize takes)
    if encoded.len() <= reference::MAX_PATH {
        assert_eq!(normalize(&encoded).as_ref(), Ok(&p), "{s:?} does not survive its encoding {encoded:?}");
    }
    Some(p)
}

fn check_pattern(text: &str, raw: &str, norm: Option<&NormPath>) {
    let Ok(pattern) = Pattern::parse(text) else {
        assert!(
            !(text.starts_with('/') || text.starts_with('*'))
                || text.contains('\\')
                || text.chars().any(char::is_control),
            "{text:?} refused"
        );
        return;
    };
    assert_eq!(pattern.as_str(), text);
    assert!(text.starts_with('/') || text.starts_with('*'));
    assert!(!text.contains('\\') && !text.chars().any(char::is_control));
    compare(&pattern, raw);
    if let Some(p) = norm {
        compare(&pattern, p.as_str());
        assert_eq!(pattern.matches(p), pattern.matches_str(p.as_str()));
        // a pattern is the path it names: itself, when it has no wildcard
        if let Ok(own) = Pattern::parse(p.as_str())
            && !p.as_str().contains(['*', '?'])
        {
            assert!(own.matches(p), "{p} does not match itself");
        }
        if !reference::hits_known_glob_bug("/*", p.as_str()) {
            assert!(Pattern::parse("/*").is_ok_and(|all| all.matches(p)), "`/*` misses {p}");
        }
    }
}

fn compare(pattern: &Pattern, text: &str) {
    if reference::hits_known_glob_bug(pattern.as_str(), text) || !reference::glob_affordable(pattern.as_str(), text) {
        return;
    }
    assert_eq!(
        pattern.matches_str(text),
        reference::glob(pattern.as_str(), text),
        "pattern {:?} on {text:?}",
        pattern.as_str()
    );
}

/// Seeds: encodings, dots, `;` parameters, backslashes, unicode, and patterns from the examples.
pub fn seeds() -> crate::Seeds {
    let cases: &[(&str, &str)] = &[
        ("plain", "/public/*\n/public/index.html"),
        ("dots", "/downloads/alice/*\n/downloads/alice/../bob/secret.txt"),
        ("encoded-dots", "/downloads/alice/*\n/downloads/alice/%2e%2e/bob/secret.txt"),
        ("encoded-slash", "/a/*\n/a%2fb/%2F..%2f/c"),
        ("semicolon", "/t/public/*\n/t/public/..;/secret.html"),
        ("semicolon-encoded", "/t/public/*\n/t/public/..%3b/secret.html"),
        ("backslash", "/public/*\n/public/..\\secret"),
        ("backslash-encoded", "/public/*\n/public/%5c..%5csecret"),
        ("nul", "/*\n/a%00b"),
        ("control", "/*\n/a%0d%0aSet-Cookie:x"),
        ("c1-control", "/*\n/a%c2%85b"),
        ("bad-utf8", "/*\n/%ff%fe"),
        ("overlong-utf8", "/*\n/%c0%ae%c0%ae/x"),
        ("unicode", "/caf?/*\n/caf%C3%A9/menu"),
        ("star-question-multibyte", "/*??\n/\u{20ac}"),
        ("literal-star", "/public/*\n/public/*x"),
        ("above-root", "/a/*\n/a/../../etc/passwd"),
        ("trailing-dot", "/docs/*\n/docs/."),
        ("double-slash", "/docs/*.html\n//docs//guide.html"),
        ("case", "/Public/*\n/PUBLIC/x"),
        ("question", "/a?c\n/abc"),
        ("not-absolute", "*.html\nindex.html"),
        ("percent-literal", "/100%\n/100%"),
        ("encoded-percent", "/%25*\n/%2525"),
        ("emoji", "/?/*\n/%F0%9F%98%80/x"),
    ];
    let mut out: Vec<(String, Vec<u8>)> = cases.iter().map(|(n, c)| (n.to_string(), c.as_bytes().to_vec())).collect();
    out.push(("too-long".to_owned(), format!("/*\n/{}", "a/".repeat(2100)).into_bytes()));
    out
}

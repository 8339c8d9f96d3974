//! Property tests of the normalised path and of path patterns, over generated paths made of
//! the pieces attacks are made of (dots, encodings, `;`, backslashes, controls, multi-byte
//! characters). The fuzz target `path` (docs/fuzzing.md) checks the same on arbitrary bytes.

use proptest::prelude::*;

use super::*;

/// Pieces of a raw request path: separators, dot segments and their encodings, `;`, `\`,
/// controls, invalid and valid UTF-8, multi-byte characters, glob characters.
const PIECES: &[&str] = &[
    "/", "a", "b", ".", "..", "%2e", "%2E", "%2f", "%2F", "%5c", "%00", "%0a", "%25", "%3b", ";", "\\", "%", "~", " ",
    "é", "%c3%a9", "%ff", "%c0%ae", "€", "😀", "*", "?", "\u{7f}", "\u{85}",
];

fn raw_path() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|v| format!("/{}", v.concat()))
}

proptest! {
    #[test]
    fn normalize_is_idempotent(raw in raw_path()) {
        if let Ok(p) = normalize(&raw) {
            // decoded text with `%` in it is a file name with `%`: it normalises again only
            // through its encoding (decoding it twice would be a bug)
            if !p.as_str().contains('%') {
                prop_assert_eq!(normalize(p.as_str()), Ok(p.clone()));
            }
            prop_assert_eq!(normalize(&p.encoded()), Ok(p));
        }
    }

    #[test]
    fn a_normalised_path_has_no_dot_or_empty_segment_control_or_backslash(raw in raw_path()) {
        if let Ok(p) = normalize(&raw) {
            let s = p.as_str();
            prop_assert!(s.starts_with('/'));
            for seg in s.trim_end_matches('/').split('/').skip(1) {
                prop_assert!(!seg.is_empty() && seg != "." && seg != "..", "{:?} in {:?}", seg, s);
            }
            prop_assert!(!s.contains("//"));
            prop_assert!(!s.contains('\\') && !s.chars().any(char::is_control), "{:?}", s);
        }
    }

    /// Issue 10, "one path": `;` parameters are refused by default.
    #[test]
    fn a_normalised_path_has_no_semicolon(raw in raw_path()) {
        if let Ok(p) = normalize(&raw) {
            prop_assert!(!p.as_str().contains(';'), "{:?} from {:?}", p.as_str(), raw);
        }
    }
}

/// `*` any run of characters, `?` exactly one character, everything else literally: by
/// characters, with one table row per text character (`m[j]`: the first `j` pattern
/// characters match the text read so far).
fn reference_glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let mut m = vec![false; p.len() + 1];
    m[0] = true;
    for j in 0..p.len() {
        m[j + 1] = m[j] && p[j] == '*';
    }
    for c in text.chars() {
        let mut next = vec![false; p.len() + 1];
        for j in 0..p.len() {
            next[j + 1] = match p[j] {
                '*' => next[j] || m[j + 1],
                '?' => m[j],
                lit => m[j] && lit == c,
            };
        }
        m = next;
    }
    m[p.len()]
}

fn glob_text(pieces: &'static [&'static str], len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pieces), 0..len).prop_map(|v| format!("/{}", v.concat()))
}

const PATTERN_PIECES: &[&str] = &["/", "a", "b", "*", "?", "*?", "*??", "é", "€", "😀"];
/// Texts with every character kind, the wide ones and `*` more often.
const TEXT_PIECES: &[&str] = &["/", "a", "b", "é", "€", "€", "😀", "😀", "*", "*", "?"];

proptest! {
    /// Every character kind at once: this is where issue 10's two glob bugs show (`?` after
    /// `*` matching half of a multi-byte character, a literal `*` in the path taken for the
    /// wildcard).
    #[test]
    fn glob_agrees_with_the_reference(
        pattern in glob_text(PATTERN_PIECES, 8),
        text in glob_text(TEXT_PIECES, 8),
    ) {
        let p = Pattern::parse(&pattern).unwrap();
        prop_assert_eq!(p.matches_str(&text), reference_glob(&pattern, &text), "{:?} on {:?}", pattern, text);
    }

    /// `?` is one character, also after `*`: in `/*??a*`, the `a` needs two characters before it.
    #[test]
    fn question_marks_after_a_star_count_characters(
        k in 1..4usize,
        wide in prop::sample::select(&["€", "😀"][..]),
        n in 0..4usize,
    ) {
        let pattern = format!("/*{}a*", "?".repeat(k));
        let text = format!("/{}a{wide}", wide.repeat(n));
        prop_assert_eq!(Pattern::parse(&pattern).unwrap().matches_str(&text), n >= k, "{:?} on {:?}", pattern, text);
    }

    /// A `*` in the path is a character like any other: `/public/*` covers `/public/*x`.
    #[test]
    fn a_star_in_the_path_is_a_character(before in "[a-z/]{0,6}", after in "[a-z/*]{1,6}") {
        let text = format!("/public/{before}*{after}");
        prop_assert!(Pattern::parse("/public/*").unwrap().matches_str(&text), "{:?}", text);
    }

    /// Outside the two bugs: ASCII paths without `*`.
    #[test]
    fn glob_agrees_with_the_reference_on_ascii(
        pattern in glob_text(PATTERN_PIECES, 8),
        text in glob_text(&["/", "a", "b", "?"], 10),
    ) {
        let p = Pattern::parse(&pattern).unwrap();
        prop_assert_eq!(p.matches_str(&text), reference_glob(&pattern, &text), "{:?} on {:?}", pattern, text);
    }

    /// Outside the two bugs: any path without `*`, patterns without a `*`.
    #[test]
    fn glob_agrees_with_the_reference_without_stars(
        pattern in glob_text(&["/", "a", "b", "?", "é", "€", "😀"], 8),
        text in glob_text(&["/", "a", "b", "é", "€", "😀", "?"], 8),
    ) {
        let p = Pattern::parse(&pattern).unwrap();
        prop_assert_eq!(p.matches_str(&text), reference_glob(&pattern, &text), "{:?} on {:?}", pattern, text);
    }

    /// A normalised path matches itself (as a pattern without wildcards) and `/*`.
    #[test]
    fn a_path_matches_itself_and_the_catch_all(raw in raw_path()) {
        if let Ok(p) = normalize(&raw)
            && !p.as_str().contains(['*', '?'])
        {
            prop_assert!(Pattern::parse(p.as_str()).unwrap().matches(&p));
            prop_assert!(Pattern::parse("/*").unwrap().matches(&p));
        }
    }
}

#[test]
fn reference_glob_itself() {
    assert!(reference_glob("/public/*", "/public/"));
    assert!(reference_glob("/public/*", "/public/*x"));
    assert!(!reference_glob("/*??", "/€"));
    assert!(reference_glob("/?", "/😀"));
    assert!(!reference_glob("/?", "/"));
}

proptest! {
    /// The common shapes matched without the glob (a literal path, a literal prefix and a
    /// final `*`) agree with the reference, on texts made of the same pieces.
    #[test]
    fn literal_and_prefix_patterns_agree_with_the_reference(
        literal in glob_text(&["/", "a", "b", "é", "😀"], 6),
        star in any::<bool>(),
        text in glob_text(&["/", "a", "b", "é", "😀", "*"], 8),
    ) {
        let pattern = if star { format!("{literal}*") } else { literal.clone() };
        let p = Pattern::parse(&pattern).unwrap();
        prop_assert_eq!(p.matches_str(&text), reference_glob(&pattern, &text), "{:?} on {:?}", pattern, text);
        // a text that is the literal itself, and one that extends it
        prop_assert_eq!(p.matches_str(&literal), reference_glob(&pattern, &literal));
        let longer = format!("{literal}{text}");
        prop_assert_eq!(p.matches_str(&longer), reference_glob(&pattern, &longer));
    }
}

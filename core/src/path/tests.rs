use super::*;

fn n(s: &str) -> Result<String, PathError> {
    normalize(s).map(|p| p.as_str().to_owned())
}

#[test]
fn plain_paths_stay() {
    assert_eq!(n("/").unwrap(), "/");
    assert_eq!(n("/a/b.html").unwrap(), "/a/b.html");
    assert_eq!(n("/docs/").unwrap(), "/docs/");
}

#[test]
fn dot_segments_and_slashes_resolve() {
    assert_eq!(n("/a/./b").unwrap(), "/a/b");
    assert_eq!(n("/a/../b").unwrap(), "/b");
    assert_eq!(n("//a///b").unwrap(), "/a/b");
    assert_eq!(n("/public/../private/x").unwrap(), "/private/x");
    assert_eq!(n("/a/b/..").unwrap(), "/a/");
    assert_eq!(n("/a/.").unwrap(), "/a/");
}

#[test]
fn encoded_tricks_decode_once() {
    assert_eq!(n("/public/%2e%2e/private/x").unwrap(), "/private/x");
    assert_eq!(n("/public%2f..%2fprivate/x").unwrap(), "/private/x");
    assert_eq!(n("/public/%2E%2E/private").unwrap(), "/private");
    // double encoding decodes once: a literal file name, not a climb
    assert_eq!(n("/public/%252e%252e/private").unwrap(), "/public/%2e%2e/private");
    assert_eq!(n("/a%20b").unwrap(), "/a b");
}

#[test]
fn refusals() {
    assert_eq!(n("/.."), Err(PathError::AboveRoot));
    assert_eq!(n("/a/../../etc/passwd"), Err(PathError::AboveRoot));
    assert_eq!(n("/%2e%2e/etc"), Err(PathError::AboveRoot));
    assert_eq!(n("/a\\..\\b"), Err(PathError::Backslash));
    assert_eq!(n("/a%5c..%5cb"), Err(PathError::Backslash));
    assert_eq!(n("/a%00b"), Err(PathError::Control));
    assert_eq!(n("/a%0ab"), Err(PathError::Control));
    assert_eq!(n("/%ff"), Err(PathError::NotUtf8));
    assert_eq!(n("a/b"), Err(PathError::NotAbsolute));
    assert_eq!(n(&format!("/{}", "a".repeat(5000))), Err(PathError::TooLong));
}

#[test]
fn encoded_round_trip() {
    let p = normalize("/dir%20with%20space/%C3%BC%3F.txt").unwrap();
    assert_eq!(p.as_str(), "/dir with space/ü?.txt");
    assert_eq!(p.encoded(), "/dir%20with%20space/%C3%BC%3F.txt");
    assert_eq!(normalize(&p.encoded()).unwrap(), p);
}

fn m(pat: &str, path: &str) -> bool {
    Pattern::parse(pat).unwrap().matches(&normalize(path).unwrap())
}

#[test]
fn patterns() {
    assert!(m("/public/*", "/public/"));
    assert!(m("/public/*", "/public/a/b.css"));
    assert!(!m("/public/*", "/public"));
    assert!(!m("/public/*", "/publicity/x"));
    assert!(m("/public*", "/public"));
    assert!(m("*.css", "/a/b.css"));
    assert!(m("/a/?.txt", "/a/ü.txt"));
    assert!(!m("/a/?.txt", "/a/bc.txt"));
    assert!(m("/favicon.ico", "/favicon.ico"));
    assert!(!m("/favicon.ico", "/favicon.icon"));
    assert!(m("/a/*/c", "/a/x/y/c"));
}

#[test]
fn encoding_tricks_cannot_reach_protected_paths_via_public_patterns() {
    for raw in ["/public/..%2fsecret", "/public/%2e%2e/secret", "/public//../secret", "/public/./../secret"] {
        assert!(!m("/public/*", raw), "{raw}");
    }
}

#[test]
fn bad_patterns() {
    assert!(Pattern::parse("public/*").is_err());
    assert!(Pattern::parse("/a\\b").is_err());
}

#[test]
fn the_shortcut_agrees_with_the_general_way() {
    // every path of up to 5 characters after the `/` from an alphabet of the tricky ones
    let alphabet = ['/', 'a', '.', '%', '2', 'e', 'f', ' ', '\\', '~', 'é'];
    let mut paths = vec![String::from("/")];
    let mut shortcut = 0;
    for _ in 0..5 {
        let next: Vec<String> = paths.iter().flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}"))).collect();
        for p in &next {
            if super::already_normal(p) {
                shortcut += 1;
                assert_eq!(
                    super::normalize_general(p, Semicolons::Reject).as_ref().map(NormPath::as_str),
                    Ok(p.as_str()),
                    "{p:?}"
                );
            }
        }
        paths = next;
    }
    assert!(shortcut > 1000, "{shortcut}");
    for p in ["/", "/docs/guide.html", "/a/b/", "/.well-known/x", "/a/./b", "/a%2Fb", "/a b"] {
        assert_eq!(normalize(p), super::normalize_general(p, Semicolons::Reject), "{p:?}");
    }
}

#[test]
fn semicolons_are_refused_by_default_in_every_spelling() {
    for raw in ["/t/public/..;/secret.html", "/t/public/..%3b/secret.html", "/a;jsessionid=x", "/a/%3B", "/;"] {
        assert_eq!(n(raw), Err(PathError::Semicolon), "{raw}");
    }
}

#[test]
fn encoded_semicolons_are_data_and_go_out_encoded() {
    let p = normalize_with("/t/public/..;/secret.html", Semicolons::Encode).unwrap();
    // `..;` is a name here, not a climb: the rules see the same thing the origin gets
    assert_eq!(p.as_str(), "/t/public/..;/secret.html");
    assert_eq!(p.encoded(), "/t/public/..%3B/secret.html");
    assert_eq!(normalize_with("/a%3bb", Semicolons::Encode).unwrap().encoded(), "/a%3Bb");
}

#[test]
fn a_literal_star_or_question_mark_in_the_path_is_an_ordinary_character() {
    assert!(m("/public/*", "/public/a*b"));
    assert!(m("/public/*", "/public/*"));
    assert!(m("/api/*", "/api/*x/y"));
    assert!(m("/a/*.css", "/a/*x*.css"));
    assert!(m("/a/?", "/a/*"));
    assert!(!m("/a/b", "/a/*"));
}

#[test]
fn wildcards_never_match_half_a_character() {
    // `*` backtracks by whole characters: `?` after it must still take one whole character
    assert!(m("/*?.txt", "/ü.txt"));
    assert!(m("/*?x", "/aéx"));
    assert!(!m("/*??x", "/éx"));
    assert!(m("/*é", "/aaé"));
    assert!(!m("/*é", "/aae"));
    assert!(m("/x*?", "/x😀"));
    assert!(!m("/x*??", "/x😀"));
}

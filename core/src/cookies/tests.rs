use http::HeaderValue;

use super::*;
use crate::config::SameSite;

fn settings() -> CookieSettings {
    CookieSettings {
        name: "n".into(),
        login_name: "l".into(),
        tokens_name: "t".into(),
        secure: true,
        same_site: SameSite::Lax,
        domain: None,
        session_attrs: CookieAttrs::default(),
        tokens_attrs: CookieAttrs::default(),
        login_attrs: CookieAttrs::default(),
        mode_attrs: CookieAttrs::default(),
    }
}

fn headers(cookie_lines: &[&str]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for c in cookie_lines {
        h.append(COOKIE, HeaderValue::from_str(c).unwrap());
    }
    h
}

#[test]
fn finds_exact_names_across_headers() {
    let h = headers(&["a=1; authfront_sessionx=no", "x=2;authfront_session=yes ; y=3"]);
    assert_eq!(find(&h, "authfront_session"), Some("yes"));
    assert_eq!(find(&h, "a"), Some("1"));
    assert_eq!(find(&h, "missing"), None);
}

#[test]
fn set_cookie_attributes_and_overrides() {
    let s = settings();
    let none = CookieAttrs::default();
    assert_eq!(
        set(&s, &none, "n", "v", Lifetime::Seconds(60), true),
        "n=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax"
    );
    assert!(set(&s, &none, "n", "", Lifetime::Expired, true).contains("Max-Age=0"));
    let over = CookieAttrs {
        path: Some("/app".into()),
        domain: Some("example.com".into()),
        same_site: Some(SameSite::Strict),
        max_age_secs: Some(5),
        http_only: Some(false),
    };
    assert_eq!(
        set(&s, &over, "n", "v", Lifetime::Seconds(60), true),
        "n=v; Path=/app; Max-Age=5; Domain=example.com; Secure; SameSite=Strict"
    );
}

#[test]
fn chunks_round_trip_and_shrink() {
    let s = settings();
    let value = "x".repeat(CHUNK * 2 + 10);
    let set_cookies = set_chunked(&s, &CookieAttrs::default(), "t", &value, Lifetime::Seconds(9), 0);
    assert_eq!(set_cookies.len(), 3);
    let pairs: Vec<String> = set_cookies.iter().map(|c| c.split(';').next().unwrap().to_owned()).collect();
    let h = headers(&[&pairs.join("; ")]);
    assert_eq!(chunks_present(&h, "t"), 3);
    assert_eq!(find_chunked(&h, "t").unwrap(), value);
    // a smaller value later removes the parts it no longer needs
    let smaller = set_chunked(&s, &CookieAttrs::default(), "t", "short", Lifetime::Seconds(9), 3);
    assert_eq!(smaller.len(), 3);
    assert!(smaller[0].starts_with("t=short;"));
    assert!(smaller[1].starts_with("t.1=;") && smaller[1].contains("Max-Age=0"));
    assert!(smaller[2].starts_with("t.2=;"));
    assert_eq!(clear_chunked(&s, &CookieAttrs::default(), "t", 0).len(), 1);
}

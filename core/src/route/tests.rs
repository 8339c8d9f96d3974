use http::HeaderValue;

use super::*;
use crate::config::tests::minimal;
use crate::config::{OriginKind, parse};
use crate::path::normalize;

fn config(extra: &str) -> Config {
    let text = minimal().replace("[origin]\ndir = \"./site\"\n", &format!("[origin]\ndir = \"./site\"\n{extra}"));
    parse(&text, &mut |_| Err("none".into())).unwrap()
}

fn p(s: &str) -> NormPath {
    normalize(s).unwrap()
}

#[test]
fn first_matching_route_wins_else_default() {
    let c = config(
        r#"
[[origin.routes]]
path = "/api/*"
http = "http://127.0.0.1:9800"
[[origin.routes]]
path = "/api/v2/*"
http = "http://127.0.0.1:9801"
[[origin.routes]]
path = "/assets/*"
s3 = { bucket = "site", region = "us-east-1" }
"#,
    );
    let kind = |path: &str| {
        let (i, o) = select(&c, &p(path));
        match &o.kind {
            OriginKind::Dir(_) => (i, "dir".to_owned()),
            OriginKind::S3(s) => (i, format!("s3:{}", s.bucket)),
            OriginKind::Http(h) => (i, h.base.clone()),
            OriginKind::None => (i, "none".to_owned()),
        }
    };
    assert_eq!(kind("/api/v2/x"), (1, "http://127.0.0.1:9800".to_owned()), "first match wins, not longest");
    assert_eq!(kind("/assets/a.css"), (3, "s3:site".to_owned()));
    assert_eq!(kind("/assets"), (0, "dir".to_owned()), "`/assets/*` needs the slash");
    assert_eq!(kind("/"), (0, "dir".to_owned()));
    // matched on the normalised path: no way around a route with encodings
    assert_eq!(kind("/x/..%2fassets/a.css").0, 3);
}

#[test]
fn index_rewrite_only_on_static_sites() {
    assert_eq!(object_path(&p("/docs/"), true), "/docs/index.html");
    assert_eq!(object_path(&p("/"), true), "/index.html");
    assert_eq!(object_path(&p("/docs/"), false), "/docs/");
    assert_eq!(object_path(&p("/docs/a.html"), true), "/docs/a.html");
}

#[test]
fn navigations_are_pages_without_extension_or_html_requests() {
    let none = HeaderMap::new();
    assert!(is_navigation(&p("/app/settings"), &none));
    assert!(is_navigation(&p("/app/"), &none));
    assert!(!is_navigation(&p("/app/main.js"), &none));
    let mut html = HeaderMap::new();
    html.insert(ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml"));
    assert!(is_navigation(&p("/app/v1.2"), &html));
}

#[test]
fn hidden_names_are_any_segment_starting_with_a_dot_but_well_known() {
    for s in ["/.env", "/.git/config", "/a/.hidden/x", "/a/.htpasswd", "/.well-known/.x", "/a/.well-known/y"] {
        assert!(hidden(&p(s)), "{s}");
    }
    for s in ["/", "/a.txt", "/a/b.c/d", "/.well-known/security.txt", "/.well-known/acme-challenge/t", "/a..b"] {
        assert!(!hidden(&p(s)), "{s}");
    }
}

#[test]
fn a_directory_without_its_slash_redirects_to_it_on_the_site_for_an_hour() {
    let (status, h) = directory_redirect(&p("/docs/guide"), Some("a=1&b=%2F")).unwrap();
    assert_eq!(status, http::StatusCode::MOVED_PERMANENTLY);
    assert_eq!(h["location"], "/docs/guide/?a=1&b=%2F");
    assert_eq!(h["cache-control"], "max-age=3600");
    // encoded segments stay encoded, and nothing climbs off the site or becomes `//host`
    for (path, location) in [("/a%20b", "/a%20b/"), ("//evil.example/x", "/evil.example/x/"), ("/%2F%2Fevil", "/evil/")]
    {
        let Ok(n) = normalize(path) else { continue };
        let (_, h) = directory_redirect(&n, None).unwrap();
        let got = h["location"].to_str().unwrap();
        assert_eq!(got, location, "{path}");
        assert!(!got.starts_with("//"), "{path} → {got}");
    }
}

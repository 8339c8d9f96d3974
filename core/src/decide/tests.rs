use http::{Request, StatusCode};

use super::*;
use crate::login::tests::{site, start};

const NOW: u64 = 1_000_000;

fn req(method: &str, uri: &str, cookies: &[(&str, &str)]) -> Parts {
    let mut b = Request::builder().method(method).uri(uri);
    if !cookies.is_empty() {
        let c: Vec<String> = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
        b = b.header("cookie", c.join("; "));
    }
    b.body(()).unwrap().into_parts().0
}

fn session(groups: &[&str], exp: u64) -> String {
    let s = Session {
        sub: "u1".into(),
        email: Some("u@example.test".into()),
        name: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: 0,
        exp,
    };
    s.seal(&site().config.session.keys, [5; 12])
}

fn status(a: &Action) -> StatusCode {
    match a {
        Action::Respond(r) => r.status,
        other => panic!("not a reply: {other:?}"),
    }
}

#[test]
fn public_paths_pass_without_session() {
    match decide(&site(), &req("GET", "/public/a.css", &[]), NOW) {
        Action::Forward(f) => {
            assert_eq!(f.path.as_str(), "/public/a.css");
            assert!(f.user.is_none());
        }
        a => panic!("{a:?}"),
    }
}

#[test]
fn protected_without_session_logs_in_keeping_path_and_query() {
    match decide(&site(), &req("GET", "/docs/guide.html?section=intro&x=%2F", &[]), NOW) {
        Action::Login { return_to } => assert_eq!(return_to, "/docs/guide.html?section=intro&x=%2F"),
        a => panic!("{a:?}"),
    }
}

#[test]
fn encoding_tricks_do_not_reach_protected_files() {
    for uri in
        ["/public/..%2fsecret.html", "/public/%2e%2e/secret.html", "/public//../secret.html", "/public/%252e%252e/x"]
    {
        match decide(&site(), &req("GET", uri, &[]), NOW) {
            Action::Login { .. } => {}
            // double encoding stays inside /public/ as a literal name: public, and harmless
            Action::Forward(f) if f.path.as_str().starts_with("/public/") => {}
            a => panic!("{uri}: {a:?}"),
        }
    }
    assert_eq!(status(&decide(&site(), &req("GET", "/public/..%5csecret", &[]), NOW)), StatusCode::BAD_REQUEST);
    assert_eq!(status(&decide(&site(), &req("GET", "/%2e%2e/etc/passwd", &[]), NOW)), StatusCode::BAD_REQUEST);
}

#[test]
fn signed_in_member_is_forwarded() {
    let c = session(&["staff"], NOW + 10);
    match decide(&site(), &req("GET", "/index.html", &[("authfront_session", &c)]), NOW) {
        Action::Forward(f) => assert_eq!(f.user.unwrap().sub, "u1"),
        a => panic!("{a:?}"),
    }
}

#[test]
fn signed_in_outsider_gets_403_not_a_loop() {
    let c = session(&[], NOW + 10);
    let a = decide(&site(), &req("GET", "/index.html", &[("authfront_session", &c)]), NOW);
    assert_eq!(status(&a), StatusCode::FORBIDDEN);
    let Action::Respond(r) = a else { unreachable!() };
    assert!(r.body.contains("u@example.test"));
    assert!(r.headers.iter().any(|(n, v)| n == "cache-control" && v == "no-store"));
}

#[test]
fn tampered_or_expired_session_means_signed_out() {
    let mut c = session(&["staff"], NOW + 10);
    c.replace_range(20..21, if &c[20..21] == "A" { "B" } else { "A" });
    assert!(matches!(decide(&site(), &req("GET", "/", &[("authfront_session", &c)]), NOW), Action::Login { .. }));
    let old = session(&["staff"], NOW);
    assert!(matches!(decide(&site(), &req("GET", "/", &[("authfront_session", &old)]), NOW), Action::Login { .. }));
}

#[test]
fn non_navigation_methods_get_401() {
    assert_eq!(status(&decide(&site(), &req("POST", "/form", &[]), NOW)), StatusCode::UNAUTHORIZED);
}

#[test]
fn own_endpoints() {
    assert_eq!(status(&decide(&site(), &req("GET", "/_authfront/health", &[]), NOW)), StatusCode::OK);
    assert_eq!(status(&decide(&site(), &req("GET", "/_authfront/nope", &[]), NOW)), StatusCode::NOT_FOUND);
    assert_eq!(
        status(&decide(&site(), &req("POST", "/_authfront/callback", &[]), NOW)),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[test]
fn callback_paths() {
    let s = site();
    let (state, b) = start(&s, "/deep?x=1", None, NOW, 1);
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let cb = |q: &str| format!("/_authfront/callback?{q}");
    // good: exchange, carrying the pending login
    match decide(
        &s,
        &req(
            "GET",
            &cb(&format!("code=abc&state={}&iss={}", enc(&state), enc("http://127.0.0.1:9400"))),
            &[("authfront_login", &b)],
        ),
        NOW,
    ) {
        Action::Exchange(x) => {
            assert_eq!(x.code, "abc");
            assert_eq!(x.iss.as_deref(), Some("http://127.0.0.1:9400"));
            assert_eq!(x.pending.return_to, "/deep?x=1");
        }
        a => panic!("{a:?}"),
    }
    // no login cookie: refused, no exchange
    let a = decide(&s, &req("GET", &cb(&format!("code=abc&state={}", enc(&state))), &[]), NOW);
    assert_eq!(status(&a), StatusCode::BAD_REQUEST);
    // provider error: escaped page, retry link back to the page
    let a = decide(
        &s,
        &req(
            "GET",
            &cb(&format!("error=access_denied&error_description=%3Cb%3Eno&state={}", enc(&state))),
            &[("authfront_login", &b)],
        ),
        NOW,
    );
    let Action::Respond(r) = a else { panic!() };
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("&lt;b&gt;no") && !r.body.contains("<b>no"));
    assert!(r.body.contains("http://127.0.0.1:8080/deep?x=1"));
    assert!(!r.headers.iter().any(|(n, _)| n == "set-cookie"));
    // missing pieces
    assert_eq!(
        status(&decide(&s, &req("GET", &cb("code=abc"), &[("authfront_login", &b)]), NOW)),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        status(&decide(&s, &req("GET", &cb(&format!("state={}", enc(&state))), &[("authfront_login", &b)]), NOW)),
        StatusCode::BAD_REQUEST
    );
    // too slow: start again for the same page
    match decide(
        &s,
        &req("GET", &cb(&format!("code=abc&state={}", enc(&state))), &[("authfront_login", &b)]),
        NOW + 601,
    ) {
        Action::Login { return_to } => assert_eq!(return_to, "/deep?x=1"),
        a => panic!("{a:?}"),
    }
    // after signing in (another tab, or a replay): still exchanged, but marked
    let c = session(&["staff"], NOW + 10);
    let a = decide(
        &s,
        &req(
            "GET",
            &cb(&format!("code=abc&state={}", enc(&state))),
            &[("authfront_login", &b), ("authfront_session", &c)],
        ),
        NOW,
    );
    let Action::Exchange(x) = a else { panic!() };
    assert!(x.signed_in);
}

use http::{Request, StatusCode};

use super::*;
use crate::login::tests::{site, start};
use crate::path::PathError;
use crate::revocation::{Entry, Target};
use crate::session::SessionId;

const NOW: u64 = 1_000_000;
const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// The request's client does not matter here (signed paths: `signed/tests.rs`).
fn decide(site: &Site, req: &Parts, now: u64) -> Action {
    super::decide(site, req, &Ctx { now, revocations: &Revocations::default(), client: CLIENT })
}

fn req(method: &str, uri: &str, cookies: &[(&str, &str)]) -> Parts {
    let mut b = Request::builder().method(method).uri(uri).header("host", "127.0.0.1:8080");
    if !cookies.is_empty() {
        let c: Vec<String> = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
        b = b.header("cookie", c.join("; "));
    }
    b.body(()).unwrap().into_parts().0
}

fn user(groups: &[&str], exp: u64) -> Session {
    Session {
        id: SessionId([1; 16]),
        sub: "u1".into(),
        sid: Some("sid-1".into()),
        email: Some("u@example.test".into()),
        name: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: 0,
        exp,
        seen: NOW,
        refresh_at: None,
        generation: 0,
    }
}

fn seal(s: &Session) -> String {
    s.seal(&site().config.session.keys, [5; 12])
}

fn session(groups: &[&str], exp: u64) -> String {
    let s = user(groups, exp);
    s.seal(&site().config.session.keys, [5; 12])
}

fn status(a: &Action) -> StatusCode {
    match a {
        Action::Respond(r) => r.status,
        Action::Refuse(e) => e.page().status,
        other => panic!("not a reply: {other:?}"),
    }
}

#[test]
fn public_paths_pass_without_session() {
    match decide(&site(), &req("GET", "/public/a.css", &[]), NOW) {
        Action::Forward(f) => {
            assert_eq!(f.path.as_str(), "/public/a.css");
            assert!(f.user.is_none());
            assert!(f.public, "its answer is anyone's");
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
        Action::Forward(f) => {
            assert!(!f.public, "a protected answer: for this user only");
            assert_eq!(f.user.unwrap().sub, "u1");
        }
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
    assert!(r.body.contains("href=\"http://127.0.0.1:8080/_authfront/signout\""), "{}", r.body);
    assert!(r.body.contains("href=\"http://127.0.0.1:8080/_authfront/login?prompt=login&amp;rd=%2Findex.html\""));
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

#[test]
fn fetch_json_and_xhr_get_json_401_navigations_redirect() {
    let s = site();
    for headers in [
        vec![("sec-fetch-mode", "cors")],
        vec![("sec-fetch-mode", "no-cors"), ("accept", "text/html")],
        vec![("x-requested-with", "XMLHttpRequest")],
        vec![("accept", "application/json")],
    ] {
        let mut r = Request::builder().header("host", "127.0.0.1:8080").uri("/api/data?x=1");
        for (n, v) in &headers {
            r = r.header(*n, *v);
        }
        let parts = r.body(()).unwrap().into_parts().0;
        let Action::Respond(reply) = decide(&s, &parts, NOW) else { panic!("{headers:?}") };
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{headers:?}");
        assert!(reply.headers.iter().any(|(n, v)| n == "content-type" && v == "application/json"));
        assert!(reply.headers.iter().any(|(n, _)| n == "www-authenticate"));
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(json["error"], "unauthenticated");
        assert_eq!(json["login_url"], "http://127.0.0.1:8080/_authfront/login?rd=%2Fapi%2Fdata%3Fx%3D1");
    }
    for headers in [vec![("sec-fetch-mode", "navigate")], vec![("accept", "text/html,*/*")], vec![]] {
        let mut r = Request::builder().header("host", "127.0.0.1:8080").uri("/page");
        for (n, v) in &headers {
            r = r.header(*n, *v);
        }
        let parts = r.body(()).unwrap().into_parts().0;
        assert!(matches!(decide(&s, &parts, NOW), Action::Login { .. }), "{headers:?}");
    }
}

#[test]
fn per_path_unauthenticated_rules() {
    let text = crate::config::tests::minimal().replace(
        "required_groups = [\"staff\"]",
        "required_groups = [\"staff\"]\n[[access.on_unauthenticated]]\npaths = [\"/api/*\"]\naction = \"status\"\n[[access.on_unauthenticated]]\npaths = [\"/download/*\"]\naction = \"redirect\"",
    );
    let s = Site::new(crate::config::parse(&text, &mut |_| Err("none".into())).unwrap());
    let nav = |uri: &str| {
        Request::builder()
            .header("host", "127.0.0.1:8080")
            .uri(uri)
            .header("accept", "text/html")
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    assert_eq!(status(&decide(&s, &nav("/api/x"), NOW)), StatusCode::UNAUTHORIZED);
    let fetch = Request::builder()
        .header("host", "127.0.0.1:8080")
        .uri("/download/f.zip")
        .header("sec-fetch-mode", "cors")
        .body(())
        .unwrap()
        .into_parts()
        .0;
    assert!(matches!(decide(&s, &fetch, NOW), Action::Login { .. }));
}

#[test]
fn login_endpoint_keeps_only_local_return_paths() {
    match decide(&site(), &req("GET", "/_authfront/login?rd=%2Fdocs%2Fa%3Fb%3D1", &[]), NOW) {
        Action::Login { return_to } => assert_eq!(return_to, "/docs/a?b=1"),
        a => panic!("{a:?}"),
    }
    for evil in ["https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example", "%2F%5Cevil.example"] {
        match decide(&site(), &req("GET", &format!("/_authfront/login?rd={evil}"), &[]), NOW) {
            Action::Login { return_to } => assert_eq!(return_to, "/", "{evil}"),
            a => panic!("{a:?}"),
        }
    }
}

#[test]
fn userinfo_for_signed_in_and_not() {
    let c = session(&["staff"], NOW + 10);
    let Action::Respond(r) = decide(&site(), &req("GET", "/_authfront/userinfo", &[("authfront_session", &c)]), NOW)
    else {
        panic!()
    };
    assert_eq!(r.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["sub"], "u1");
    assert_eq!(json["groups"][0], "staff");
    assert!(!r.headers.iter().any(|(n, _)| n.as_str().starts_with("access-control")));
    assert_eq!(status(&decide(&site(), &req("GET", "/_authfront/userinfo", &[]), NOW)), StatusCode::UNAUTHORIZED);
}

#[test]
fn revoked_sessions_are_signed_out() {
    let c = session(&["staff"], NOW + 10);
    let s = site();
    let r = req("GET", "/index.html", &[("authfront_session", &c)]);
    for target in
        [Target::Sub("u1".into()), Target::Sid("sid-1".into()), Target::Session(SessionId([1; 16]).to_string())]
    {
        let mut revocations = Revocations::default();
        revocations.apply(&Entry { target: target.clone(), at: NOW });
        let a = super::decide(&s, &r, &Ctx { now: NOW, revocations: &revocations, client: CLIENT });
        assert!(matches!(a, Action::Login { .. }), "{target:?}");
    }
}

#[test]
fn idle_sessions_end_and_active_ones_are_touched() {
    let text = crate::config::tests::minimal().replace("[session]", "[session]\nidle_timeout = \"10m\"");
    let s = Site::new(crate::config::parse(&text, &mut |_| Err("none".into())).unwrap());
    let mut u = user(&["staff"], NOW + 10_000);
    u.seen = NOW - 601;
    let c = u.seal(&s.config.session.keys, [1; 12]);
    assert!(matches!(decide(&s, &req("GET", "/", &[("authfront_session", &c)]), NOW), Action::Login { .. }));
    u.seen = NOW - 120;
    let c = u.seal(&s.config.session.keys, [1; 12]);
    match decide(&s, &req("GET", "/", &[("authfront_session", &c)]), NOW) {
        Action::Forward(f) => assert!(f.touch),
        a => panic!("{a:?}"),
    }
    u.seen = NOW - 5;
    let c = u.seal(&s.config.session.keys, [1; 12]);
    match decide(&s, &req("GET", "/", &[("authfront_session", &c)]), NOW) {
        Action::Forward(f) => assert!(!f.touch),
        a => panic!("{a:?}"),
    }
}

#[test]
fn without_an_idle_timeout_sessions_are_never_touched() {
    let mut u = user(&["staff"], NOW + 10_000);
    u.seen = NOW - 3600;
    match decide(&site(), &req("GET", "/docs/a.html", &[("authfront_session", &seal(&u))]), NOW) {
        Action::Forward(f) => assert!(!f.touch && f.user.is_some()),
        a => panic!("{a:?}"),
    }
}

#[test]
fn refresh_when_due_and_sign_out() {
    let mut u = user(&["staff"], NOW + 10_000);
    u.refresh_at = Some(NOW);
    let c = seal(&u);
    match decide(&site(), &req("GET", "/docs/a.html", &[("authfront_session", &c)]), NOW) {
        Action::Refresh(r) => {
            assert_eq!(r.session.sub, "u1");
            assert!(matches!(r.next, Next::Forward { ref path, .. } if path.as_str() == "/docs/a.html"));
        }
        a => panic!("{a:?}"),
    }
    match decide(&site(), &req("GET", "/_authfront/signout?rd=%2Fpublic%2F", &[("authfront_session", &c)]), NOW) {
        Action::SignOut(so) => {
            assert!(so.session.is_some());
            assert_eq!(so.return_to.as_deref(), Some("/public/"));
        }
        a => panic!("{a:?}"),
    }
    assert!(matches!(
        decide(&site(), &req("POST", "/_authfront/backchannel-logout", &[]), NOW),
        Action::BackchannelLogout
    ));
    assert_eq!(
        status(&decide(&site(), &req("GET", "/_authfront/backchannel-logout", &[]), NOW)),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

fn preflight() -> Parts {
    Request::builder()
        .method("OPTIONS")
        .uri("/api/x")
        .header("host", "127.0.0.1:8080")
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .body(())
        .unwrap()
        .into_parts()
        .0
}

#[test]
fn cors_preflights_are_authenticated_like_any_request() {
    match decide(&site(), &preflight(), NOW) {
        Action::Respond(r) => assert_eq!(r.status, StatusCode::UNAUTHORIZED),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cors_preflights_go_to_the_origin_as_nobody_when_asked() {
    let mut s = site();
    s.config.access.preflight = crate::config::Preflight::Origin;
    assert!(matches!(
        decide(&s, &preflight(), NOW),
        Action::Forward(Forward { user: None, preflight: true, touch: false, .. })
    ));
    // an ordinary OPTIONS is not a preflight
    let plain = req("OPTIONS", "/api/x", &[]);
    assert!(matches!(decide(&s, &plain, NOW), Action::Respond(r) if r.status == StatusCode::UNAUTHORIZED));
}

#[test]
fn a_bad_head_is_refused_before_anything_else() {
    let no_host = Request::builder().uri("/public/x").body(()).unwrap().into_parts().0;
    assert!(matches!(decide(&site(), &no_host, NOW), Action::Refuse(Error::BadRequest(_))));
    let semi = req("GET", "/public/..;/secret", &[]);
    assert!(matches!(decide(&site(), &semi, NOW), Action::Refuse(Error::BadPath(PathError::Semicolon))));
    let mut s = site();
    s.config.server.guard.path_parameters = crate::path::Semicolons::Encode;
    // with `;` as data, `..;` is a name under the public folder, not a climb out of it
    match decide(&s, &semi, NOW) {
        Action::Forward(f) => assert_eq!(f.path.as_str(), "/public/..;/secret"),
        other => panic!("{other:?}"),
    }
}

use super::*;
use crate::config::parse;
use crate::config::tests::minimal;

pub(crate) fn site() -> Site {
    Site::new(parse(&minimal(), &mut |_| Err("none".into())).unwrap())
}

pub(crate) fn discovery() -> Discovery {
    let doc = br#"{"issuer":"http://127.0.0.1:9400","authorization_endpoint":"http://127.0.0.1:9400/auth",
        "token_endpoint":"http://127.0.0.1:9400/token","jwks_uri":"http://127.0.0.1:9400/jwks"}"#;
    Discovery::parse(doc, "http://127.0.0.1:9400").unwrap()
}

pub(crate) fn rnd(seed: u8) -> LoginRandom {
    LoginRandom { binding: [seed; 16], verifier: [seed; 32], nonce: [seed; 16], seal: [seed; 12] }
}

fn header<'a>(r: &'a Reply, name: &str) -> Vec<&'a str> {
    r.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.to_str().unwrap()).collect()
}

/// (state, binding cookie value) from a login start.
pub(crate) fn start(site: &Site, return_to: &str, binding: Option<&str>, now: u64, seed: u8) -> (String, String) {
    let r = begin(site, &discovery(), return_to, binding, now, &rnd(seed));
    let loc = url::Url::parse(header(&r, "location")[0]).unwrap();
    let state = loc.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let cookie = header(&r, "set-cookie")[0];
    let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    (state, value)
}

#[test]
fn begin_redirects_with_pkce_state_nonce() {
    let s = site();
    let r = begin(&s, &discovery(), "/docs/a.html?x=1", None, 1000, &rnd(1));
    assert_eq!(r.status, http::StatusCode::FOUND);
    assert_eq!(header(&r, "cache-control"), ["no-store"]);
    let loc = url::Url::parse(header(&r, "location")[0]).unwrap();
    assert!(loc.as_str().starts_with("http://127.0.0.1:9400/auth?"));
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "authfront-confidential");
    assert_eq!(q["redirect_uri"], "http://127.0.0.1:8080/_authfront/callback");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"], oidc::challenge(&oidc::verifier(&[1; 32])));
    assert_eq!(q["scope"], "openid email profile groups");
    assert!(!q["nonce"].is_empty() && !q["state"].is_empty());
    assert!(!q["state"].contains("docs"), "the return path is sealed, not readable");
    let cookie = header(&r, "set-cookie")[0];
    assert!(cookie.starts_with("authfront_login="), "{cookie}");
    assert!(cookie.contains("Path=/;") && cookie.contains("HttpOnly") && cookie.contains("Max-Age=600"), "{cookie}");
}

#[test]
fn tabs_share_one_binding_and_each_state_opens() {
    let s = site();
    let (state1, b1) = start(&s, "/one", None, 1000, 1);
    let (state2, b2) = start(&s, "/two?q=2", Some(&b1), 1001, 2);
    assert_eq!(b1, b2, "the second tab reuses the browser's binding cookie");
    // completed in reverse order, both work with the one cookie
    match open_state(&s, &state2, Some(&b1), 1002).unwrap() {
        Opened::Ready(p) => assert_eq!(p.return_to, "/two?q=2"),
        o => panic!("{o:?}"),
    }
    match open_state(&s, &state1, Some(&b1), 1003).unwrap() {
        Opened::Ready(p) => {
            assert_eq!(p.return_to, "/one");
            assert_eq!(p.verifier, oidc::verifier(&[1; 32]));
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn state_needs_this_browsers_cookie() {
    let s = site();
    let (state, _) = start(&s, "/x", None, 1000, 1);
    let (_, other_browser) = start(&s, "/x", None, 1000, 9);
    assert_eq!(open_state(&s, &state, None, 1001), Err(Error::StateMismatch));
    assert_eq!(open_state(&s, &state, Some(&other_browser), 1001), Err(Error::StateMismatch));
    assert_eq!(open_state(&s, &state, Some("garbage"), 1001), Err(Error::StateMismatch));
}

#[test]
fn forged_or_tampered_state_is_refused() {
    let s = site();
    let (state, b) = start(&s, "/x", None, 1000, 1);
    let mut t = state.clone().into_bytes();
    t[10] = if t[10] == b'A' { b'B' } else { b'A' };
    assert!(matches!(open_state(&s, std::str::from_utf8(&t).unwrap(), Some(&b), 1001), Err(Error::BadCallback(_))));
    assert!(matches!(open_state(&s, "forged", Some(&b), 1001), Err(Error::BadCallback(_))));
    // a session cookie is not a state
    let sess = Session { sub: "a".into(), email: None, name: None, groups: vec![], iat: 0, exp: u64::MAX };
    let sealed = sess.seal(&s.config.session.keys, [0; 12]);
    assert!(matches!(open_state(&s, &sealed, Some(&b), 1001), Err(Error::BadCallback(_))));
}

#[test]
fn slow_login_restarts_for_the_same_page() {
    let s = site();
    let (state, b) = start(&s, "/deep?x=1", None, 1000, 1);
    assert!(matches!(open_state(&s, &state, Some(&b), 1600), Ok(Opened::Ready(_))));
    assert_eq!(open_state(&s, &state, Some(&b), 1601), Ok(Opened::Expired { return_to: "/deep?x=1".into() }));
}

#[test]
fn return_paths_stay_on_site() {
    assert_eq!(return_path("/a/b", Some("x=1&y=%2F")), "/a/b?x=1&y=%2F");
    assert_eq!(return_path("//evil.example/x", None), "/");
    assert_eq!(return_path("/\\evil.example", None), "/");
    assert_eq!(return_path("https://evil.example/", None), "/");
    assert_eq!(return_path("/a", Some("")), "/a");
    let long = "q".repeat(MAX_RETURN);
    assert_eq!(return_path("/a", Some(&long)), "/a");
    assert_eq!(return_path(&format!("/{long}"), None), "/");
    // whatever the state carries is checked again when it comes back
    assert_eq!(return_path_checked("//evil.example?x"), "/");
}

#[test]
fn iss_checks() {
    let s = site();
    assert!(check_iss(&s, None, false).is_ok());
    assert!(check_iss(&s, Some("http://127.0.0.1:9400"), true).is_ok());
    assert!(check_iss(&s, None, true).is_err());
    assert!(check_iss(&s, Some("http://evil"), false).is_err());
}

#[test]
fn finish_sets_session_and_returns_to_the_page() {
    let s = site();
    let p = Pending { verifier: "v".into(), nonce: "n".into(), return_to: "/docs/a.html?x=1".into() };
    let sess = Session { sub: "alice".into(), email: None, name: None, groups: vec!["staff".into()], iat: 5, exp: 100 };
    let r = finish(&s, &p, &sess, [0; 12]);
    assert_eq!(header(&r, "location"), ["http://127.0.0.1:8080/docs/a.html?x=1"]);
    let c = header(&r, "set-cookie")[0];
    assert!(c.starts_with("authfront_session=") && c.contains("Path=/;") && c.contains("Max-Age=28800"), "{c}");
    let value = c.split(';').next().unwrap().split_once('=').unwrap().1;
    assert_eq!(Session::open(&s.config.session.keys, value, 50), Some(sess));
}

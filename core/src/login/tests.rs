use super::*;
use crate::config::parse;
use crate::config::tests::minimal;
use crate::session::tokens::Tokens;

pub(crate) use crate::testkit::minimal_site as site;

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
    let sealed = crate::session::tests::alice().seal(&s.config.session.keys, [0; 12]);
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
    assert_eq!(return_checked(&site(), "//evil.example?x"), None);
    assert_eq!(return_checked(&site(), "https://evil.example/"), None);
}

#[test]
fn iss_checks() {
    let s = site();
    assert!(check_iss(&s, None, false).is_ok());
    assert!(check_iss(&s, Some("http://127.0.0.1:9400"), true).is_ok());
    assert!(check_iss(&s, None, true).is_err());
    assert!(check_iss(&s, Some("http://evil"), false).is_err());
}

fn claims(groups: &[&str]) -> IdClaims {
    let raw = serde_json::json!({"sub": "alice-sub", "groups": groups, "cognito:username": "alice"});
    IdClaims {
        sub: "alice-sub".into(),
        iss: "http://127.0.0.1:9400".into(),
        exp: 1300,
        iat: 1000,
        email: Some("alice@example.test".into()),
        name: None,
        preferred_username: Some("alice".into()),
        sid: Some("op-sid".into()),
        raw: raw.as_object().unwrap().clone(),
    }
}

fn token_response(refresh: Option<&str>) -> TokenResponse {
    TokenResponse {
        id_token: Some("id.token.value".into()),
        access_token: "at".into(),
        token_type: "Bearer".into(),
        expires_in: Some(300),
        refresh_token: refresh.map(str::to_owned),
        scope: Some("openid groups".into()),
    }
}

#[test]
fn session_from_a_verified_sign_in() {
    let s = site();
    let (sess, tokens, raw) =
        session_from(&s, &claims(&["staff", "other"]), &token_response(Some("rt")), SessionId([4; 16]), 1000);
    assert_eq!(sess.groups, ["staff"], "only groups that rules name are kept");
    assert_eq!(sess.sid.as_deref(), Some("op-sid"));
    assert_eq!((sess.iat, sess.exp, sess.seen), (1000, 1000 + 8 * 3600, 1000));
    assert_eq!(sess.refresh_at, Some(1000 + 240), "refresh a margin before the 300 s tokens expire");
    assert_eq!(tokens.refresh_token.as_deref(), Some("rt"));
    assert_eq!(tokens.id_token.as_deref(), Some("id.token.value"));
    assert_eq!(raw.username, "alice");
    let (sess, tokens, _) = session_from(&s, &claims(&[]), &token_response(None), SessionId([4; 16]), 1000);
    assert_eq!(sess.refresh_at, None, "nothing to refresh with");
    assert!(tokens.refresh_token.is_none());
}

#[test]
fn finish_sets_cookies_and_returns_to_the_page() {
    let s = site();
    let p = Pending {
        verifier: "v".into(),
        nonce: "n".into(),
        return_to: "/docs/a.html?x=1".into(),
        once: Once::of("n", 10),
    };
    let (sess, tokens, raw) =
        session_from(&s, &claims(&["staff"]), &token_response(Some("rt")), SessionId([4; 16]), 1000);
    let nonces = crate::session_cookies::SealNonces { session: [1; 12], tokens: [2; 12] };
    let cookies = crate::session_cookies::write(&s, &http::HeaderMap::new(), &sess, &tokens, &raw, nonces, 1000);
    let r = finish(&s, &p, &cookies);
    assert_eq!(header(&r, "location"), ["http://127.0.0.1:8080/docs/a.html?x=1"]);
    let set = header(&r, "set-cookie");
    let c = set.iter().find(|c| c.starts_with("authfront_session=")).unwrap();
    assert!(c.contains("Path=/;") && c.contains("Max-Age=28800") && c.contains("HttpOnly"), "{c}");
    let value = c.split(';').next().unwrap().split_once('=').unwrap().1;
    assert_eq!(Session::open(&s.config.session.keys, value, 1001), Some(sess.clone()));
    let t = set.iter().find(|c| c.starts_with("authfront_tokens=")).unwrap();
    let value = t.split(';').next().unwrap().split_once('=').unwrap().1;
    assert_eq!(Tokens::open(&s.config.session.keys, value, &sess.id), Some(tokens));
    assert!(!set.iter().any(|c| c.contains("rt")), "the refresh token is never written in clear");
}

#[test]
fn an_authorization_response_has_one_name_for_as_long_as_its_state_lives() {
    let s = site();
    let (state, binding) = start(&s, "/docs/", None, 1000, 7);
    let Ok(Opened::Ready(a)) = open_state(&s, &state, Some(&binding), 1001) else { panic!() };
    let Ok(Opened::Ready(b)) = open_state(&s, &state, Some(&binding), 1200) else { panic!() };
    assert_eq!(a.once, b.once, "the same callback is the same response, whenever it comes");
    assert_eq!(a.once.key.len(), 32);
    assert_eq!(a.once.until, 1000 + s.config.oidc.login_timeout_secs);
    // another login (another tab) is another response
    let (other, _) = start(&s, "/docs/", Some(&binding), 1000, 8);
    let Ok(Opened::Ready(c)) = open_state(&s, &other, Some(&binding), 1001) else { panic!() };
    assert_ne!(a.once.key, c.once.key);
}

#[test]
fn a_replayed_response_redeems_nothing() {
    let s = site();
    let (state, binding) = start(&s, "/docs/a.html", None, 1000, 7);
    let Ok(Opened::Ready(p)) = open_state(&s, &state, Some(&binding), 1001) else { panic!() };
    let signed_in = replayed(&s, &p, true);
    assert_eq!(signed_in.status, http::StatusCode::FOUND);
    assert_eq!(header(&signed_in, "location"), ["http://127.0.0.1:8080/docs/a.html"]);
    assert!(header(&signed_in, "set-cookie").is_empty());
    let other = replayed(&s, &p, false);
    assert_eq!(other.status, http::StatusCode::BAD_REQUEST);
    assert!(header(&other, "set-cookie").is_empty());
}

#[test]
fn a_prompted_login_replaces_the_configured_prompt() {
    let s = Site::new(
        parse(
            &minimal().replace("[session]", "auth_params = { prompt = \"consent\", ui_locales = \"de\" }\n\n[session]"),
            &mut |_| Err("none".into()),
        )
        .unwrap(),
    );
    let prompts = |r: &Reply| {
        let loc = url::Url::parse(header(r, "location")[0]).unwrap();
        let p: Vec<String> = loc.query_pairs().filter(|(k, _)| k == "prompt").map(|(_, v)| v.into_owned()).collect();
        assert!(loc.query_pairs().any(|(k, v)| k == "ui_locales" && v == "de"), "{loc}");
        p
    };
    assert_eq!(prompts(&begin(&s, &discovery(), "/", None, 1000, &rnd(1))), ["consent"]);
    let r = begin_with(&s, &discovery(), "/", Some(Prompt::SelectAccount), None, 1000, &rnd(1));
    assert_eq!(prompts(&r), ["select_account"], "exactly one prompt, the visitor's");
    // a provider that names its prompts and lacks select_account gets login
    let mut d = discovery();
    d.prompt_values = vec!["consent".into(), "login".into()];
    assert_eq!(prompts(&begin_with(&s, &d, "/", Some(Prompt::SelectAccount), None, 1000, &rnd(1))), ["login"]);
}

//! authfront's own endpoints: `/_authfront/login` (with CloudFront login mode) and `/start`.

use std::net::IpAddr;

use http::{Request, StatusCode};

use super::*;
use crate::cloudfront::verify::{Params, verify};
use crate::cloudfront::{KeyGroup, Refusal};
use crate::config::cloudfront::tests::cf_config;
use crate::decide::Ctx;
use crate::revocation::Revocations;
use crate::session::SessionId;

const NOW: u64 = 1_800_000_000;
const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// `decide` for a request from `client` at `now`.
fn decide(site: &Site, req: &Parts, client: IpAddr, now: u64) -> Action {
    crate::decide::decide(site, req, &Ctx { now, revocations: &Revocations::default(), client })
}

use crate::testkit::site_from;

fn site() -> Site {
    site_from(&cf_config())
}

fn req(method: &str, uri: &str, cookie: Option<&str>) -> Parts {
    let mut b = Request::builder().method(method).uri(uri).header("host", "127.0.0.1:8080");
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(()).unwrap().into_parts().0
}

fn session(site: &Site, groups: &[&str], exp: u64) -> String {
    let s = Session {
        id: SessionId([1; 16]),
        sid: None,
        seen: NOW,
        refresh_at: None,
        generation: 0,
        sub: "u1".into(),
        email: None,
        name: Some("U".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: NOW - 10,
        exp,
    };
    format!("authfront_session={}", s.seal(&site.config.session.keys, [7; 12]))
}

fn reply(a: Action) -> Reply {
    match a {
        Action::Respond(r) => r,
        other => panic!("not a reply: {other:?}"),
    }
}

fn headers<'a>(r: &'a Reply, name: &str) -> Vec<&'a str> {
    r.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.to_str().unwrap()).collect()
}

/// The `Cookie` header a browser would send back after `r`.
fn jar(r: &Reply) -> String {
    headers(r, "set-cookie").iter().map(|c| c.split(';').next().unwrap()).collect::<Vec<_>>().join("; ")
}

#[test]
fn login_without_a_session_starts_one_for_the_page() {
    match decide(&site(), &req("GET", "/_authfront/login?rd=%2Fdocs%2Fx%3Fy%3D1", None), HERE, NOW) {
        Action::Login { return_to } => assert_eq!(return_to, "/docs/x?y=1"),
        a => panic!("{a:?}"),
    }
    for bad in ["//evil.test/x", "https://evil.test/", "/\\evil.test", "", "x"] {
        let uri = format!(
            "/_authfront/login?rd={}",
            url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
        );
        match decide(&site(), &req("GET", &uri, None), HERE, NOW) {
            Action::Login { return_to } => assert_eq!(return_to, "/", "{bad:?}"),
            a => panic!("{a:?}"),
        }
    }
    assert_eq!(
        reply(decide(&site(), &req("POST", "/_authfront/login", None), HERE, NOW)).status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[test]
fn login_with_a_session_signs_fresh_cloudfront_cookies() {
    let s = site();
    let r = reply(decide(
        &s,
        &req("GET", "/_authfront/login?rd=/docs/a", Some(&session(&s, &["staff"], NOW + 7200))),
        HERE,
        NOW,
    ));
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(headers(&r, "location"), ["http://127.0.0.1:8080/docs/a"]);
    let set = headers(&r, "set-cookie");
    assert_eq!(set.len(), 3, "{set:?}");
    assert!(set[0].starts_with("CloudFront-Policy=") && set[1].starts_with("CloudFront-Signature="));
    assert!(set[2].starts_with("CloudFront-Key-Pair-Id=K1;"));
    for c in &set {
        assert!(c.contains("; Path=/; Max-Age=3600;") && c.contains("HttpOnly") && c.contains("Secure"), "{c}");
    }
    // they verify, botocore-style, with the public key, for the configured resource only
    let mut group = KeyGroup::new();
    group.insert("K1", s.config.cloudfront.login_cookies.as_ref().unwrap().key.public_key().clone());
    let mut h = http::HeaderMap::new();
    h.insert("cookie", jar(&r).parse().unwrap());
    let p = Params::from_cookies(&h);
    let policy = verify(&group, &p, "http://127.0.0.1:8080/anything", HERE, NOW).unwrap();
    assert_eq!(policy.expires, NOW + 3600);
    assert_eq!(verify(&group, &p, "http://other.test/anything", HERE, NOW), Err(Refusal::WrongResource));
    // never beyond the session's end
    let r = reply(decide(&s, &req("GET", "/_authfront/login", Some(&session(&s, &["staff"], NOW + 100))), HERE, NOW));
    assert!(headers(&r, "set-cookie")[0].contains("Max-Age=100;"));
}

#[test]
fn valid_cookies_and_still_refused_means_403_not_a_loop() {
    let s = site();
    let sess = session(&s, &["staff"], NOW + 7200);
    let first = reply(decide(&s, &req("GET", "/_authfront/login?rd=/a", Some(&sess)), HERE, NOW));
    let again = format!("{sess}; {}", jar(&first));
    match decide(&s, &req("GET", "/_authfront/login?rd=/a", Some(&again)), HERE, NOW + 5) {
        Action::Refuse(Error::CloudFrontRefused { url }) => assert_eq!(url, "http://127.0.0.1:8080/a"),
        a => panic!("{a:?}"),
    }
    // once they expired, CloudFront's refusal is expected: sign again
    let later = reply(decide(&s, &req("GET", "/_authfront/login?rd=/a", Some(&again)), HERE, NOW + 3600));
    assert_eq!(later.status, StatusCode::FOUND);
}

#[test]
fn a_page_outside_the_cookie_resource_is_refused_at_once() {
    let s = site_from(
        &cf_config()
            .replace("resource = \"http://127.0.0.1:8080/*\"", "resource = \"http://127.0.0.1:8080/private/*\""),
    );
    let sess = session(&s, &["staff"], NOW + 7200);
    assert!(matches!(
        decide(&s, &req("GET", "/_authfront/login?rd=/docs/a", Some(&sess)), HERE, NOW),
        Action::Refuse(Error::CloudFrontRefused { .. })
    ));
    assert_eq!(
        reply(decide(&s, &req("GET", "/_authfront/login?rd=/private/a", Some(&sess)), HERE, NOW)).status,
        StatusCode::FOUND
    );
}

#[test]
fn outsiders_get_403_and_no_cookies() {
    let s = site();
    let r = reply(decide(&s, &req("GET", "/_authfront/login", Some(&session(&s, &[], NOW + 7200))), HERE, NOW));
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(headers(&r, "set-cookie").is_empty());
    // the way out: another account (never the CloudFront shortcut again), or sign out
    assert!(r.body.contains("id=\"switch-account\"") && r.body.contains("login?prompt=login&amp;rd=%2F"));
    assert!(r.body.contains("id=\"sign-out\""), "{}", r.body);
}

#[test]
fn without_login_mode_login_signs_in_again() {
    let s = site_from(&crate::config::tests::minimal());
    let a = decide(&s, &req("GET", "/_authfront/login?rd=/x", Some(&session(&s, &["staff"], NOW + 60))), HERE, NOW);
    assert!(matches!(a, Action::Login { return_to } if return_to == "/x"));
}

#[test]
fn own_pages_are_never_returned_to_in_login_mode() {
    let s = site();
    for own in ["/_authfront/start", "/_authfront/login?rd=/x", "/_authfront"] {
        let rd: String = url::form_urlencoded::byte_serialize(own.as_bytes()).collect();
        let cookie = session(&s, &["staff"], NOW + 7200);
        let r = reply(decide(&s, &req("GET", &format!("/_authfront/login?rd={rd}"), Some(&cookie)), HERE, NOW));
        assert_eq!(headers(&r, "location"), ["http://127.0.0.1:8080/"], "{own}");
    }
}

#[test]
fn start_page_sends_the_browser_to_login_with_a_hashed_script() {
    let r = reply(decide(&site(), &req("GET", "/_authfront/start", None), HERE, NOW));
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(headers(&r, "cache-control"), ["no-store"]);
    let csp = headers(&r, "content-security-policy");
    assert_eq!(csp.len(), 1);
    let script = r.body.split("<script>").nth(1).unwrap().split("</script>").next().unwrap();
    assert!(script.contains(r#"location.replace("/_authfront/login"+"?rd="+encodeURIComponent(p))"#), "{script}");
    assert!(script.contains(r#"if(p.indexOf("/_authfront/")===0){document.getElementById("message").textContent="#));
    assert!(r.body.contains("<p id=\"message\">"));
    let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
    assert!(csp[0].contains(&format!("script-src 'sha256-{hash}'")), "{}", csp[0]);
    assert!(csp[0].starts_with("default-src 'none'"));
    assert_eq!(reply(decide(&site(), &req("HEAD", "/_authfront/start", None), HERE, NOW)).status, StatusCode::OK);
}

#[test]
fn login_with_an_allowed_prompt_starts_a_prompted_login_even_when_signed_in() {
    let s = site();
    let signed_in = session(&s, &["staff"], NOW + 3600);
    for cookie in [None, Some(signed_in.as_str())] {
        let r = req("GET", "/_authfront/login?prompt=select_account&rd=%2Fdocs%2Fx", cookie);
        match decide(&s, &r, HERE, NOW) {
            Action::LoginPrompt { return_to, prompt } => {
                assert_eq!(return_to, "/docs/x");
                assert_eq!(prompt, login::Prompt::SelectAccount);
            }
            a => panic!("{cookie:?}: {a:?}"),
        }
    }
    match decide(&s, &req("GET", "/_authfront/login?prompt=login", None), HERE, NOW) {
        Action::LoginPrompt { return_to, prompt } => {
            assert_eq!((return_to.as_str(), prompt), ("/", login::Prompt::Login))
        }
        a => panic!("{a:?}"),
    }
    // anything outside the allow-list is a plain login: nothing of it reaches the provider
    for bad in ["none", "consent", "login%20consent", "select_account%26max_age%3D0", ""] {
        match decide(&s, &req("GET", &format!("/_authfront/login?prompt={bad}"), None), HERE, NOW) {
            Action::Login { return_to } => assert_eq!(return_to, "/", "{bad:?}"),
            a => panic!("{bad:?}: {a:?}"),
        }
    }
}

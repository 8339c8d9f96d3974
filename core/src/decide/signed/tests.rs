//! `decide` on the paths of `[[cloudfront.signed_paths]]` (see `config::cloudfront::tests`).

use std::net::IpAddr;

use http::{Request, StatusCode};

use super::*;
use crate::cloudfront::keys::tests::rsa_key;
use crate::cloudfront::sign::sign;
use crate::cloudfront::{Cidr, HashAlgorithm, Policy};
use crate::decide::{Action, Ctx};
use crate::error::Error;
use crate::revocation::Revocations;
use crate::session::Session;
use crate::session::SessionId;

const NOW: u64 = 1_800_000_000;
const EXP: u64 = 1_893_456_000;
const BASE: &str = "http://127.0.0.1:8080";
const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// `decide` for a request from `client` at `now`.
fn decide(site: &Site, req: &Parts, client: IpAddr, now: u64) -> Action {
    crate::decide::decide(site, req, &Ctx { now, revocations: &Revocations::default(), client })
}

use crate::testkit::cf_site as site;

fn req(uri: &str, cookie: Option<&str>, host: &str) -> Parts {
    let mut b = Request::builder().method("GET").uri(uri).header("host", host);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(()).unwrap().into_parts().0
}

fn get(uri: &str) -> Parts {
    req(uri, None, "127.0.0.1:8080")
}

fn query_for(policy: Policy, id: &str) -> String {
    let s = sign(policy, &rsa_key(), id, HashAlgorithm::Sha1).unwrap();
    s.query_params().iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("&")
}

fn cookies_for(policy: Policy) -> String {
    let s = sign(policy, &rsa_key(), "K1", HashAlgorithm::Sha1).unwrap();
    s.cookies().iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
}

fn canned(path_and_query: &str) -> String {
    let q = query_for(Policy::canned(&format!("{BASE}{path_and_query}"), EXP), "K1");
    let sep = if path_and_query.contains('?') { '&' } else { '?' };
    format!("{path_and_query}{sep}{q}")
}

fn session(groups: &[&str]) -> String {
    session_due(groups, None)
}

fn session_due(groups: &[&str], refresh_at: Option<u64>) -> String {
    let s = Session {
        id: SessionId([1; 16]),
        sid: None,
        seen: NOW,
        refresh_at,
        generation: 0,
        sub: "u1".into(),
        email: Some("u@example.test".into()),
        name: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: NOW,
        exp: NOW + 3600,
    };
    format!("authfront_session={}", s.seal(&site().config.session.keys, [5; 12]))
}

fn forwarded(a: Action) -> (String, Option<String>, Option<Session>) {
    match a {
        Action::Forward(f) => (f.path.as_str().to_owned(), f.query, f.user),
        other => panic!("not forwarded: {other:?}"),
    }
}

fn refusal(a: Action) -> Refusal {
    match a {
        Action::Refuse(Error::SignatureRefused(r)) => r,
        other => panic!("not a signature refusal: {other:?}"),
    }
}

#[test]
fn valid_signed_url_is_forwarded_without_its_signing_parameters() {
    let (path, query, user) = forwarded(decide(&site(), &get(&canned("/downloads/a.zip?x=1&y=%2F")), HERE, NOW));
    assert_eq!(path, "/downloads/a.zip");
    assert_eq!(query.as_deref(), Some("x=1&y=%2F"), "the origin and the cache never see them");
    assert!(user.is_none());
    let (_, query, _) = forwarded(decide(&site(), &get(&canned("/files/b.zip")), HERE, NOW));
    assert_eq!(query, None);
}

#[test]
fn invalid_signatures_get_a_403_not_a_login() {
    let s = site();
    let expired = canned("/downloads/a.zip");
    assert_eq!(refusal(decide(&s, &get(&expired), HERE, EXP)), Refusal::Expired { expires: EXP });
    let tampered = canned("/downloads/a.zip").replace("/a.zip", "/b.zip");
    assert_eq!(refusal(decide(&s, &get(&tampered), HERE, NOW)), Refusal::BadSignature);
    let unknown =
        format!("/downloads/a.zip?{}", query_for(Policy::canned(&format!("{BASE}/downloads/a.zip"), EXP), "K9"));
    assert_eq!(refusal(decide(&s, &get(&unknown), HERE, NOW)), Refusal::UnknownKey("K9".into()));
    let wrong_place = format!(
        "/downloads/a.zip?{}",
        query_for(Policy { resource: Some(format!("{BASE}/files/*")), expires: EXP, starts: None, ip: None }, "K1")
    );
    assert_eq!(refusal(decide(&s, &get(&wrong_place), HERE, NOW)), Refusal::WrongResource);
    let later =
        Policy { resource: Some(format!("{BASE}/downloads/*")), expires: EXP, starts: Some(NOW + 60), ip: None };
    assert_eq!(
        refusal(decide(&s, &get(&format!("/downloads/a?{}", query_for(later, "K1"))), HERE, NOW)),
        Refusal::NotYetValid { starts: NOW + 60 }
    );
    let page = Error::SignatureRefused(Refusal::BadSignature).page();
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.message.contains("tamper"));
}

#[test]
fn the_client_address_is_the_one_passed_in() {
    let p = Policy {
        resource: Some(format!("{BASE}/downloads/*")),
        expires: EXP,
        starts: None,
        ip: Some(Cidr::parse("10.0.0.0/8").unwrap()),
    };
    let uri = format!("/downloads/a.zip?{}", query_for(p, "K1"));
    assert!(matches!(decide(&site(), &get(&uri), "10.1.2.3".parse().unwrap(), NOW), Action::Forward(_)));
    assert_eq!(refusal(decide(&site(), &get(&uri), HERE, NOW)), Refusal::WrongIp);
    let v6 = Policy {
        resource: Some(format!("{BASE}/downloads/*")),
        expires: EXP,
        starts: None,
        ip: Some(Cidr::parse("2001:db8::/32").unwrap()),
    };
    let uri = format!("/downloads/a.zip?{}", query_for(v6, "K1"));
    assert!(matches!(decide(&site(), &get(&uri), "2001:db8::5".parse().unwrap(), NOW), Action::Forward(_)));
    assert_eq!(refusal(decide(&site(), &get(&uri), "2001:db9::5".parse().unwrap(), NOW)), Refusal::WrongIp);
}

#[test]
fn the_url_checked_comes_from_public_url_never_host() {
    let evil = req(&canned("/downloads/a.zip"), None, "evil.test");
    assert!(matches!(decide(&site(), &evil, HERE, NOW), Action::Forward(_)));
    let q = query_for(Policy::canned("https://evil.test/downloads/a.zip", EXP), "K1");
    let forged_host = req(&format!("/downloads/a.zip?{q}"), None, "evil.test");
    assert_eq!(refusal(decide(&site(), &forged_host, HERE, NOW)), Refusal::BadSignature);
}

#[test]
fn no_signature_behaves_like_any_protected_path() {
    match decide(&site(), &get("/downloads/a.zip?x=1"), HERE, NOW) {
        Action::Login { return_to } => assert_eq!(return_to, "/downloads/a.zip?x=1"),
        a => panic!("{a:?}"),
    }
    let outsider = req("/downloads/a.zip", Some(&session(&[])), "h");
    assert!(matches!(decide(&site(), &outsider, HERE, NOW), Action::Respond(r) if r.status == StatusCode::FORBIDDEN));
}

#[test]
fn a_session_is_enough_and_the_parameters_are_still_stripped() {
    let garbage = "/downloads/a.zip?x=1&Signature=nonsense&Key-Pair-Id=K1&Expires=1";
    let (_, query, user) = forwarded(decide(&site(), &req(garbage, Some(&session(&["staff"])), "h"), HERE, NOW));
    assert_eq!(query.as_deref(), Some("x=1"));
    assert_eq!(user.unwrap().sub, "u1");
}

#[test]
fn a_signature_lets_a_signed_in_outsider_in() {
    let (_, _, user) =
        forwarded(decide(&site(), &req(&canned("/downloads/a.zip"), Some(&session(&[])), "h"), HERE, NOW));
    assert!(user.is_some());
}

#[test]
fn signed_cookies_are_accepted_where_configured() {
    let s = site();
    let jar = cookies_for(Policy { resource: Some(format!("{BASE}/*")), expires: EXP, starts: None, ip: None });
    let (_, query, _) = forwarded(decide(&s, &req("/downloads/a.zip?v=1", Some(&jar), "h"), HERE, NOW));
    assert_eq!(query.as_deref(), Some("v=1"));
    assert!(matches!(decide(&s, &req("/jar/a", Some(&jar), "h"), HERE, NOW), Action::Forward(_)));
    // `/mail/*` takes URLs only: its cookies are ignored, so a login starts
    assert!(matches!(decide(&s, &req("/mail/a", Some(&jar), "h"), HERE, NOW), Action::Login { .. }));
    // `/jar/*` takes cookies only: a signed URL there is not looked at, and not passed on
    match decide(&s, &get(&canned("/jar/a?k=v")), HERE, NOW) {
        // back to exactly the URL asked for after signing in (the origin never sees them)
        Action::Login { return_to } => assert!(return_to.starts_with("/jar/a?k=v&Expires="), "{return_to}"),
        a => panic!("{a:?}"),
    }
    // expired cookies are refused like an expired URL
    assert_eq!(refusal(decide(&s, &req("/jar/a", Some(&jar), "h"), HERE, EXP)), Refusal::Expired { expires: EXP });
    // a URL signature takes precedence over cookies
    let both = req(&canned("/downloads/a.zip").replace("a.zip", "b.zip"), Some(&jar), "h");
    assert_eq!(refusal(decide(&s, &both, HERE, NOW)), Refusal::BadSignature);
}

#[test]
fn each_rule_trusts_its_own_key_group() {
    let uri = canned("/elsewhere/a");
    assert_eq!(refusal(decide(&site(), &get(&uri), HERE, NOW)), Refusal::UnknownKey("K1".into()));
}

#[test]
fn other_paths_ignore_and_keep_signing_parameters() {
    let uri = canned("/docs/a.html");
    match decide(&site(), &get(&uri), HERE, NOW) {
        Action::Login { return_to } => assert!(return_to.contains("Signature="), "{return_to}"),
        a => panic!("{a:?}"),
    }
    let (_, query, _) = forwarded(decide(&site(), &req(&uri, Some(&session(&["staff"])), "h"), HERE, NOW));
    assert!(query.unwrap().contains("Signature="));
    let (_, query, _) = forwarded(decide(&site(), &get("/public/a.css?Expires=1"), HERE, NOW));
    assert_eq!(query.as_deref(), Some("Expires=1"));
}

#[test]
fn a_refresh_forwards_the_stripped_query_too() {
    let cookie = session_due(&["staff"], Some(NOW));
    let uri = "/downloads/a.zip?x=1&Signature=s&Key-Pair-Id=K1&Expires=1";
    match decide(&site(), &req(uri, Some(&cookie), "h"), HERE, NOW) {
        Action::Refresh(r) => match r.next {
            crate::decide::Next::Forward { path, query } => {
                assert_eq!(path.as_str(), "/downloads/a.zip");
                assert_eq!(query.as_deref(), Some("x=1"));
            }
            other => panic!("{other:?}"),
        },
        a => panic!("{a:?}"),
    }
}

/// A wildcard policy is matched against the path the origin serves, never the raw one.
#[test]
fn a_wildcard_resource_is_matched_on_the_normalised_path() {
    let s = site();
    let alice = Policy { resource: Some(format!("{BASE}/downloads/alice/*")), expires: EXP, starts: None, ip: None };
    let q = query_for(alice, "K1");
    let (path, ..) = forwarded(decide(&s, &get(&format!("/downloads/alice/report.pdf?{q}")), HERE, NOW));
    assert_eq!(path, "/downloads/alice/report.pdf");
    for climb in [
        "/downloads/alice/../bob/secret.txt",
        "/downloads/alice/%2e%2e/bob/secret.txt",
        "/downloads/alice/%2E%2E/bob/secret.txt",
        "/downloads/alice/.%2e/bob/secret.txt",
        "/downloads/alice%2f..%2fbob/secret.txt",
        "/downloads/alice/./../bob/secret.txt",
    ] {
        let a = decide(&s, &get(&format!("{climb}?{q}")), HERE, NOW);
        assert_eq!(refusal(a), Refusal::WrongResource, "{climb}");
    }
}

/// A canned policy's signature covers the URL as its signer wrote it; its resource must still
/// be the page served.
#[test]
fn a_canned_url_for_a_climbing_path_opens_nothing_else() {
    let s = site();
    // a genuine canned URL, but written with a climb: it would serve /downloads/bob/x
    let climbing = canned("/downloads/alice/../bob/x");
    assert_eq!(refusal(decide(&s, &get(&climbing), HERE, NOW)), Refusal::WrongResource);
    // percent-escapes in another case are the same character
    let lower = canned("/downloads/caf%c3%a9.txt");
    let (path, ..) = forwarded(decide(&s, &get(&lower), HERE, NOW));
    assert_eq!(path, "/downloads/café.txt");
}

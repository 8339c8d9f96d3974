use super::*;
use crate::cloudfront::PublicKey;
use crate::config::cloudfront::tests::cf_config;
use crate::session::SessionId;

const NOW: u64 = 1_800_000_000;

use crate::testkit::cf_site as site;

fn session(groups: &[&str]) -> Session {
    Session {
        id: SessionId([1; 16]),
        sub: "alice".into(),
        sid: None,
        email: None,
        name: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: NOW,
        exp: NOW + 28_800,
        seen: NOW,
        refresh_at: None,
        generation: 0,
    }
}

fn jar(set: &[String]) -> HeaderMap {
    let cookie = set.iter().map(|c| c.split(';').next().unwrap()).collect::<Vec<_>>().join("; ");
    let mut h = HeaderMap::new();
    h.insert("cookie", cookie.parse().unwrap());
    h
}

#[test]
fn members_get_signed_cookies_that_verify_for_the_resource_only() {
    let s = site();
    let set = for_session(&s, &session(&["staff"]), NOW).unwrap();
    let names: Vec<&str> = set.iter().map(|c| c.split('=').next().unwrap()).collect();
    assert_eq!(names, ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"]);
    for c in &set {
        assert!(c.contains("; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax"), "{c}");
    }
    let mut group = KeyGroup::new();
    group.insert("K1", PublicKey::from_pem(include_str!("../testdata/rsa2048.pub.pem")).unwrap());
    let client = "192.0.2.1".parse().unwrap();
    let params = Params::from_cookies(&jar(&set));
    let p = verify(&group, &params, "http://127.0.0.1:8080/docs/", client, NOW).unwrap();
    assert_eq!(p.expires, NOW + 3600, "the configured lifetime");
    assert!(verify(&group, &params, "http://127.0.0.1:8080/docs/", client, NOW + 3600).is_err());
    assert!(verify(&group, &params, "https://elsewhere.test/", client, NOW).is_err());
    assert!(cookies_grant(
        s.config.cloudfront.login_cookies.as_ref().unwrap(),
        &jar(&set),
        "http://127.0.0.1:8080/x",
        client,
        NOW
    ));
}

#[test]
fn no_cookies_for_users_the_rules_refuse_or_without_login_mode() {
    assert!(for_session(&site(), &session(&[]), NOW).unwrap().is_empty());
    let plain = crate::testkit::minimal_site();
    assert!(for_session(&plain, &session(&["staff"]), NOW).unwrap().is_empty());
    assert!(clear(&plain).is_empty());
}

#[test]
fn never_valid_past_the_session() {
    let short = Session { exp: NOW + 60, ..session(&["staff"]) };
    let set = for_session(&site(), &short, NOW).unwrap();
    assert!(set[0].contains("Max-Age=60;"), "{}", set[0]);
}

#[test]
fn domain_path_and_sha256_from_config() {
    let text = cf_config().replace(
        "lifetime = \"1h\"",
        "lifetime = \"1h\"\ndomain = \"example.com\"\npath = \"/videos\"\nhash_algorithm = \"SHA256\"",
    );
    let s = crate::testkit::site_from(&text);
    let set = for_session(&s, &session(&["staff"]), NOW).unwrap();
    assert_eq!(set.len(), 4);
    assert!(set[3].starts_with("CloudFront-Hash-Algorithm=SHA256;"));
    for c in &set {
        assert!(c.contains("; Path=/videos;") && c.contains("; Domain=example.com"), "{c}");
    }
}

#[test]
fn sign_out_clears_every_login_mode_cookie() {
    let s = site();
    let cleared = crate::session_cookies::clear(&s, &HeaderMap::new());
    for name in [
        "CloudFront-Policy",
        "CloudFront-Expires",
        "CloudFront-Signature",
        "CloudFront-Key-Pair-Id",
        "CloudFront-Hash-Algorithm",
    ] {
        let c =
            cleared.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap_or_else(|| panic!("{name} not cleared"));
        assert!(c.contains("Max-Age=0") && c.contains("Path=/"), "{c}");
    }
}

#[test]
fn cookies_are_renewed_past_half_their_life_while_the_session_lasts() {
    let s = site();
    let alice = session(&["staff"]);
    // none yet: due
    assert!(renewal_due(&s, &HeaderMap::new(), &alice, NOW));
    let set = for_session(&s, &alice, NOW).unwrap();
    let held = jar(&set);
    // lifetime 1h: fresh for the first half, due after
    assert!(!renewal_due(&s, &held, &alice, NOW + 1799));
    assert!(renewal_due(&s, &held, &alice, NOW + 1801));
    // cookies that already reach the session's end are not renewed
    let ending = Session { exp: NOW + 600, ..alice.clone() };
    let until_end = jar(&for_session(&s, &ending, NOW).unwrap());
    assert!(!renewal_due(&s, &until_end, &ending, NOW + 500));
    // never for users the rules refuse, nor without login mode
    assert!(!renewal_due(&s, &HeaderMap::new(), &session(&[]), NOW));
    let plain = crate::testkit::minimal_site();
    assert!(!renewal_due(&plain, &HeaderMap::new(), &alice, NOW));
}

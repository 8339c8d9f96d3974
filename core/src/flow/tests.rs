//! What the flow tests share: a site whose provider is the test keys' issuer, its discovery
//! document, a login started and its callback opened, ID tokens signed for real.

#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use serde_json::{Value, json};

use super::*;
use crate::config::tests::minimal;
use crate::decide::Exchange;
use crate::error::Error;
use crate::login::{self, LoginRandom, Opened};
use crate::oidc::testutil::{CLIENT, ISSUER, NOW, merged, rsa1, sign};
use crate::oidc::{Discovery, TokenResponse};

/// The test provider's site (issuer and client of the test keys), `staff` required.
pub(crate) fn site() -> Site {
    site_with("")
}

/// [`site()`] with `session` TOML added to `[session]`.
pub(crate) fn site_with(session: &str) -> Site {
    let text = minimal()
        .replace("http://127.0.0.1:9400", ISSUER)
        .replace("authfront-confidential", CLIENT)
        .replace("[origin]", &format!("{session}\n[origin]"));
    crate::testkit::site_from(&text)
}

/// The provider's metadata; `extra` JSON fields merged in.
pub(crate) fn discovery(extra: Value) -> Discovery {
    let doc = merged(
        json!({
            "issuer": ISSUER,
            "authorization_endpoint": format!("{ISSUER}/auth"),
            "token_endpoint": format!("{ISSUER}/token"),
            "jwks_uri": format!("{ISSUER}/jwks"),
        }),
        extra,
    );
    Discovery::parse(doc.to_string().as_bytes(), ISSUER).unwrap()
}

/// The nonce a login started with [`rnd`]`(seed)` carries.
pub(crate) fn nonce(seed: u8) -> String {
    URL_SAFE_NO_PAD.encode([seed; 16])
}

fn rnd(seed: u8) -> LoginRandom {
    LoginRandom { binding: [seed; 16], verifier: [seed; 32], nonce: [seed; 16], seal: [seed; 12] }
}

/// A login for `return_to` started at [`NOW`] and its callback opened with code `code`, as
/// `decide` hands it over (`signed_in`: the browser already has a session).
pub(crate) fn exchange(site: &Site, return_to: &str, code: &str, signed_in: bool) -> Exchange {
    let r = login::begin(site, &discovery(json!({})), return_to, None, NOW, &rnd(7));
    let loc = r.headers.iter().find(|(n, _)| n == "location").unwrap().1.to_str().unwrap();
    let loc = url::Url::parse(loc).unwrap();
    let state = loc.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let cookie = r.headers.iter().find(|(n, _)| n == "set-cookie").unwrap().1.to_str().unwrap();
    let binding = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    let Opened::Ready(pending) = login::open_state(site, &state, Some(&binding), NOW + 5).unwrap() else {
        panic!("the state is in time")
    };
    Exchange { code: code.into(), iss: None, pending, signed_in }
}

/// An ID token by `rsa1` for the login of [`exchange`], with `changes` to its claims.
pub(crate) fn id_token(changes: Value) -> String {
    let claims = json!({
        "iss": ISSUER, "aud": CLIENT, "sub": "alice-sub", "exp": NOW + 300, "iat": NOW,
        "nonce": nonce(7), "email": "alice@example.test", "preferred_username": "alice",
        "groups": ["staff"], "sid": "op-sid",
    });
    sign(jsonwebtoken::Algorithm::RS256, Some("rsa1"), &rsa1(), &merged(claims, changes))
}

/// A token response with `id_token` and `refresh_token`.
pub(crate) fn token_response(id_token: Option<String>, refresh_token: Option<&str>) -> TokenResponse {
    TokenResponse {
        id_token,
        access_token: "at".into(),
        token_type: "Bearer".into(),
        expires_in: Some(300),
        refresh_token: refresh_token.map(str::to_owned),
        scope: Some("openid".into()),
    }
}

pub(crate) const RANDOM: SessionRandom =
    SessionRandom { id: SessionId([4; 16]), seal: SealNonces { session: [1; 12], tokens: [2; 12] } };

/// Every value of header `name`.
pub(crate) fn headers<'a>(r: &'a Reply, name: &str) -> Vec<&'a str> {
    r.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.to_str().unwrap()).collect()
}

/// A request carrying the cookies `set` (`Set-Cookie` values) as a browser would send them.
pub(crate) fn request_with(set: &[&str]) -> HeaderMap {
    let pairs: Vec<&str> = set.iter().map(|c| c.split(';').next().unwrap()).filter(|p| !p.ends_with('=')).collect();
    let mut h = HeaderMap::new();
    if !pairs.is_empty() {
        h.insert(http::header::COOKIE, pairs.join("; ").parse().unwrap());
    }
    h
}

/// A session signed in through the whole callback flow at [`NOW`] (the provider gave refresh
/// token `rt`), and a request carrying every cookie it set.
pub(crate) fn signed_in(site: &Site, rt: Option<&str>) -> (Session, HeaderMap) {
    let cb = callback::Callback::new(exchange(site, "/docs/", "code-1", false));
    let Step::Next(a) = cb.used(site, true) else { panic!("first use") };
    let Step::Next((_, a)) = a.discovered(site, Ok(&discovery(json!({})))) else { panic!("discovered") };
    let Step::Next(a) = a.tokens(site, Ok(token_response(Some(id_token(json!({}))), rt))) else { panic!("tokens") };
    let claims = a.check(site, &crate::oidc::testutil::keys(), NOW).map_err(Error::from);
    let Step::Next(done) = a.finish(site, &HeaderMap::new(), claims, &RANDOM, NOW) else { panic!("signed in") };
    let set = headers(&done.reply, "set-cookie");
    (done.session, request_with(&set))
}

#[test]
fn forward_cookies_touch_and_renew_only_when_asked() {
    let site = site();
    let (s, _) = signed_in(&site, None);
    assert_eq!(
        forward_cookies(&site, None, true, true, NOW, || [3; 12]).0,
        Vec::<String>::new(),
        "no session, no cookie"
    );
    let no_random = || -> [u8; 12] { panic!("random bytes asked for without a cookie to seal") };
    assert!(forward_cookies(&site, Some(&s), false, false, NOW, no_random).0.is_empty());
    let (touched, err) = forward_cookies(&site, Some(&s), true, false, NOW + 90, || [3; 12]);
    assert!(err.is_none());
    let [c] = touched.as_slice() else { panic!("{touched:?}") };
    let value = c.split(';').next().unwrap().split_once('=').unwrap().1;
    let reopened = Session::open(&site.config.session.keys, value, NOW + 91).unwrap();
    assert_eq!(reopened.seen, NOW + 90, "the last-activity time moved");
    assert_eq!((reopened.id, reopened.exp), (s.id, s.exp), "the same session, ending when it did");
    assert!(c.contains(&format!("Max-Age={}", s.exp - (NOW + 90))), "{c}");
    // no CloudFront login mode configured: nothing to renew
    assert!(forward_cookies(&site, Some(&s), false, true, NOW, || [3; 12]).0.is_empty());
}

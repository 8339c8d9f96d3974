//! Target `forward_auth`: `forward_auth::check`, a proxy's description of the request it holds.
//!
//! Input: one header of the check per line, `name: value` (a line that is no header is
//! skipped); the line `@session` adds alice's valid session cookie (group `staff`), `@stranger`
//! makes the peer one that is not in `forward_auth.trusted_proxies`, and a line starting with
//! `/` is the check's own target (Envoy's path form: `/_authfront/auth/<path>`).
//!
//! Invariants: no panic; a stranger gets `400` and nothing else, whatever it says; a description
//! sent twice, or two that differ (target, host, scheme, method), is refused, never one picked;
//! what passes (allowed, or due for a refresh) is the agreed target's path normalised as the
//! edge does, never an endpoint of authfront's own, never under the denied `/secret/`, and
//! with nobody signed in only under the public `/public/`; a `200` carries exactly the
//! configured identity headers.

use std::net::IpAddr;
use std::sync::LazyLock;

use authfront_core::config::parse;
use authfront_core::decide::Ctx;
use authfront_core::forward_auth::{Check, allow, check};
use authfront_core::revocation::Revocations;
use authfront_core::site::Site;
use http::{HeaderName, HeaderValue, Request, StatusCode};

use crate::cookies::alice;
use crate::fixtures::{SESSION_NOW, fake_secrets, keys, normalize, site_toml};

static SITE: LazyLock<Site> = LazyLock::new(|| {
    let toml = format!(
        "{}\n[forward_auth]\nhosts = [\"*.apps.example.com\"]\n\
         [[access.rules]]\npaths = [\"/secret/*\"]\naction = \"deny\"\n",
        site_toml()
    );
    Site::new(parse(&toml, &mut fake_secrets).unwrap_or_else(|e| panic!("the forward-auth site: {e}")))
});

const PROXY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
const STRANGER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

/// The headers that describe the original request (the reference's list, written apart).
const TARGETS: [&str; 3] = ["x-original-uri", "x-forwarded-uri", "x-original-url"];
const DESCRIBING: [&str; 7] = [
    "x-original-uri",
    "x-forwarded-uri",
    "x-original-url",
    "x-original-method",
    "x-forwarded-method",
    "x-forwarded-host",
    "x-forwarded-proto",
];

/// A check as the input describes it, and how it was decided.
pub struct Asked {
    pub parts: http::request::Parts,
    pub peer: IpAddr,
    pub signed_in: bool,
    pub got: Check,
}

pub fn run(data: &[u8]) {
    if let Some(asked) = ask(data) {
        holds(&asked);
    }
}

/// The input's check, decided; `None` when the input makes no request.
pub fn ask(data: &[u8]) -> Option<Asked> {
    let site = &*SITE;
    let text = String::from_utf8_lossy(data);
    let mut req = Request::builder().method("GET");
    let mut target = "/_authfront/auth".to_owned();
    let mut peer = PROXY;
    let mut signed_in = false;
    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
    for line in text.lines() {
        match line {
            "@session" => {
                signed_in = true;
                let cookie = format!("{}={}", site.config.session.cookie.name, alice(0).seal(keys(), [4; 12]));
                headers.push((http::header::COOKIE, HeaderValue::try_from(cookie).unwrap()));
            }
            "@stranger" => peer = STRANGER,
            l if l.starts_with('/') => target = l.to_owned(),
            l => {
                let Some((n, v)) = l.split_once(':') else { continue };
                let (Ok(n), Ok(v)) = (HeaderName::try_from(n.trim()), HeaderValue::try_from(v.trim())) else {
                    continue;
                };
                headers.push((n, v));
            }
        }
    }
    let Ok(uri) = target.parse::<http::Uri>() else { return None };
    req = req.uri(uri);
    for (n, v) in &headers {
        req = req.header(n, v);
    }
    let Ok(req) = req.body(()) else { return None };
    let (parts, ()) = req.into_parts();
    let revocations = Revocations::default();
    let ctx = Ctx { now: SESSION_NOW, revocations: &revocations, client: peer };
    let got = check(site, &parts, &ctx);
    Some(Asked { parts, peer, signed_in, got })
}

fn holds(asked: &Asked) {
    let site = &*SITE;
    let Asked { parts, peer, signed_in, got } = asked;
    let (peer, signed_in) = (*peer, *signed_in);
    if peer == STRANGER {
        let Check::Refuse { reply, .. } = &got else { panic!("a stranger's check was decided: {got:?}") };
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        return;
    }
    let passed = match got {
        Check::Allow(f) => Some((&f.path, f.user.is_some(), f.public)),
        Check::Refresh(r) => match &r.next {
            authfront_core::decide::Next::Forward { path, .. } => Some((path, true, false)),
            other => panic!("a check refreshed for {other:?}"),
        },
        _ => None,
    };
    if let Check::Allow(f) = got {
        let reply = allow(site, f.user.as_ref(), f.access_token.as_deref());
        let names: Vec<&HeaderName> = reply.headers.iter().map(|(n, _)| n).collect();
        for want in site.config.proxy.identity_names() {
            assert_eq!(names.iter().filter(|n| **n == want).count(), 1, "{want} in {names:?}");
        }
    }
    let Some((path, with_user, public)) = passed else { return };
    // what the reference reads from the same headers
    let values = |name: &str| -> Vec<&str> {
        parts.headers.get_all(name).iter().map(|v| v.to_str().unwrap_or("\u{0}not text")).collect()
    };
    for name in DESCRIBING {
        assert!(values(name).len() <= 1, "{name} sent twice, yet decided: {got:?}");
    }
    let in_path = parts.uri.path().strip_prefix("/_authfront/auth").filter(|r| r.starts_with('/')).map(|r| match parts
        .uri
        .query()
    {
        Some(q) => format!("{r}?{q}"),
        None => r.to_owned(),
    });
    let mut given: Vec<String> = in_path.into_iter().collect();
    for name in TARGETS {
        if let Some(v) = values(name).first() {
            given.push(if name == "x-original-url" { url_target(v) } else { (*v).to_owned() });
        }
    }
    assert!(!given.is_empty(), "decided without a description: {got:?}");
    assert!(given.iter().all(|t| *t == given[0]), "descriptions {given:?} differ, yet decided: {got:?}");
    let raw_path = given[0].split('?').next().unwrap_or_default();
    let want = normalize(raw_path).unwrap_or_else(|e| panic!("{raw_path:?} ({e:?}) passed: {got:?}"));
    assert_eq!(path, &want, "the path decided is not the described one");
    let p = path.as_str();
    assert!(!p.starts_with("/_authfront/") && p != "/_authfront", "an own endpoint passed: {p}");
    assert!(!p.starts_with("/secret/"), "a denied path passed: {p}");
    if !signed_in {
        assert!(!with_user && public && p.starts_with("/public/"), "{p} passed anonymously: {got:?}");
    }
}

/// The target of an absolute `X-Original-URL`: from the first `/` after `scheme://`.
fn url_target(url: &str) -> String {
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    rest.find('/').map_or_else(String::new, |i| rest[i..].to_owned())
}

/// Seeds: what nginx, Traefik, Caddy, ingress-nginx and Envoy send, signed in or not, and the
/// ways around it the e2e tests try.
pub fn seeds() -> crate::Seeds {
    let host = "x-forwarded-host: app.apps.example.com";
    let cases: [(&str, String); 12] = [
        ("nginx", format!("x-original-uri: /docs/guide.html?x=1\nx-original-method: GET\n{host}\n@session")),
        ("nginx-anonymous-public", format!("x-original-uri: /public/a.css\n{host}")),
        ("nginx-anonymous", format!("x-original-uri: /docs/\n{host}\naccept: text/html")),
        (
            "traefik",
            format!("x-forwarded-uri: /docs/\nx-forwarded-method: GET\n{host}\nx-forwarded-proto: https\n@session"),
        ),
        ("ingress", "host: authfront.svc\nx-original-url: https://app.apps.example.com/docs/?q=1\n@session".to_owned()),
        (
            "ingress-spoofed",
            "x-original-url: https://app.apps.example.com/docs/\nx-forwarded-uri: /public/x".to_owned(),
        ),
        ("envoy", "/_authfront/auth/docs/guide.html?x=1\nhost: app.apps.example.com\n@session".to_owned()),
        ("encoded", format!("x-original-uri: /public/..%2fdocs/\n{host}")),
        ("denied", format!("x-original-uri: /secret/plans\n{host}\n@session")),
        ("own-endpoint", format!("x-original-uri: /public/../_authfront/signout\n{host}\n@session")),
        ("twice", format!("x-original-uri: /public/x\nx-original-uri: /docs/\n{host}")),
        ("stranger", format!("x-original-uri: /docs/\n{host}\n@session\n@stranger")),
    ];
    cases.into_iter().map(|(n, c)| (n.to_owned(), c.into_bytes())).collect()
}

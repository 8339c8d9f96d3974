//! Per-user answers and the shared cache (issue 10, finding 4). The WSGI app answers with the
//! user authfront named in `X-Auth-Request-User`, sends no cache headers and no validators, and
//! takes a second on `/slow/` paths, so that two users' requests overlap. The rules: a response
//! is stored, coalesced or served stale to another request only when it is shareable (RFC 9111);
//! a request that carries identity headers is never answered with another user's response
//! (`X-Cache: bypass`) unless its `[[cache.rules]]` entry says `shared = true` — and then it is
//! shared, which the last test checks so that "never cache anything" cannot pass for a fix.

use std::time::Duration;

use reqwest::header::COOKIE;
use serde_json::Value;

use super::{OwnWsgi, assert_none, nonce, signed_in, wsgi_origin, wsgi_seen, wsgi_seen_in, wsgi_setup};
use crate::support::{App, Browser, Setup, op_issuer};

/// What one request got: status, `X-Cache`, and the user the origin answered for.
#[derive(Debug, Clone)]
struct Got {
    status: u16,
    x_cache: String,
    user: String,
}

async fn fetch(app: &App, browser: Option<&Browser>, path: &str) -> Got {
    let url = app.url(path);
    let mut req = app.http.get(url.clone());
    if let Some(c) = browser.and_then(|b| b.app.header_for(&url)) {
        req = req.header(COOKIE, c);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let x_cache = r.headers().get("x-cache").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let text = r.text().await.unwrap();
    let user = serde_json::from_str::<Value>(&text).ok().and_then(|v| v["user"].as_str().map(str::to_owned));
    Got {
        status,
        x_cache,
        user: user.unwrap_or_else(|| format!("<not the app's answer: {}>", &text[..text.len().min(60)])),
    }
}

/// Two requests for `path`, the second sent while the first is still at the origin.
async fn overlapping(app: &App, first: Option<&Browser>, second: Option<&Browser>, path: &str) -> (Got, Got) {
    let one = fetch(app, first, path);
    let two = async {
        tokio::time::sleep(Duration::from_millis(250)).await;
        fetch(app, second, path).await
    };
    tokio::join!(one, two)
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn per_user_answers_are_never_shared_coalesced_or_stale() {
    let wsgi = OwnWsgi::start();
    let app = App::start(Setup::new(op_issuer()).origin(&wsgi_origin(&wsgi.url))).await;
    let (alice, bob) = (signed_in(&app, "alice", "/").await, signed_in(&app, "bob", "/").await);
    let n = nonce();
    let mut problems = Vec::new();
    let path = format!("/slow/whoami-{n}");
    let (a, b) = overlapping(&app, Some(&alice), Some(&bob), &path).await;
    for (who, got) in [("alice", &a), ("bob", &b)] {
        if got.user != who {
            problems.push(format!("{who}'s overlapping request for {path} got the page for {:?}: {got:?}", got.user));
        }
        if got.x_cache != "bypass" {
            problems.push(format!("{who}'s request carries identity headers, yet X-Cache is {:?}", got.x_cache));
        }
    }
    let fetched = wsgi_seen_in(&wsgi.log, &path).len();
    if fetched != 2 {
        problems
            .push(format!("two users' overlapping requests for {path}: the origin saw {fetched}, expected one each"));
    }
    // alice's answer, then the origin goes away: bob must not get it as a stale copy
    let path = format!("/whoami-{n}");
    let a = fetch(&app, Some(&alice), &path).await;
    assert_eq!((a.status, a.user.as_str()), (200, "alice"), "{a:?}");
    wsgi.stop();
    let b = fetch(&app, Some(&bob), &path).await;
    if b.user == "alice" || b.x_cache == "stale" {
        problems.push(format!("with the origin down, bob got {:?}'s page for {path}: {b:?}", b.user));
    }
    assert_none("per-user answers behind the default cache", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn unshareable_answers_are_fetched_for_each_request() {
    // anonymous on a public path: no identity headers, but an answer without freshness or
    // validators is not shareable, so a waiting request gets its own fetch
    let app = App::start(wsgi_setup()).await;
    let path = format!("/public/slow/anon-{}", nonce());
    let (a, b) = overlapping(&app, None, None, &path).await;
    let seen = wsgi_seen(&path).len();
    assert!(
        seen == 2 && a.x_cache == "miss" && b.x_cache == "miss",
        "two overlapping requests for an unshareable answer: the origin saw {seen} (expected 2), X-Cache {:?} and {:?}",
        a.x_cache,
        b.x_cache
    );
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn a_shared_cache_rule_does_share() {
    let rules = "[[cache.rules]]\npath = \"/shared/*\"\ndefault_ttl = \"60s\"\nshared = true";
    let app = App::start(wsgi_setup().extra(rules)).await;
    let (alice, bob) = (signed_in(&app, "alice", "/").await, signed_in(&app, "bob", "/").await);
    let n = nonce();
    let shared = format!("/shared/slow/menu-{n}");
    let (a, b) = overlapping(&app, Some(&alice), Some(&bob), &shared).await;
    let mut problems = Vec::new();
    if a.user != "alice" || b.user != "alice" || wsgi_seen(&shared).len() != 1 {
        problems.push(format!(
            "a `shared = true` route is one answer for everyone: alice {a:?}, bob {b:?}, the origin saw {}",
            wsgi_seen(&shared).len()
        ));
    }
    let later = fetch(&app, Some(&bob), &shared).await;
    if (later.user.as_str(), later.x_cache.as_str()) != ("alice", "hit") {
        problems.push(format!("bob, later, on the shared route: {later:?} (expected alice's stored page, a hit)"));
    }
    // outside the rule: each user their own page
    let own = format!("/slow/own-{n}");
    let (a, b) = overlapping(&app, Some(&alice), Some(&bob), &own).await;
    if a.user != "alice" || b.user != "bob" {
        problems.push(format!("outside the shared rule: alice {a:?}, bob {b:?}"));
    }
    assert_none("[[cache.rules]] shared = true", &problems);
}

//! Refreshing sessions through the real server and refresher, against the fake provider:
//! one refresh per session however many requests ask at once (rotated refresh tokens are
//! single-use), the grace window for requests still carrying the old cookies, a refused
//! refresh signing the user out, a failing provider keeping the session.

use std::time::Duration;

use http::StatusCode;

use crate::support::{Edge, FakeIdp, TokenMode, set_cookie, start_login};

/// A signed-in browser's cookies (`authfront_session`, `authfront_tokens`) on an edge whose
/// provider issues refresh tokens living 2 s: a refresh is due a second after sign-in.
async fn signed_in(session: &str) -> (FakeIdp, Edge, Vec<(String, String)>) {
    let idp = FakeIdp::start().await;
    idp.with(|s| s.refresh_tokens = Some(2));
    let edge = Edge::start_session(&idp.issuer, session).await;
    let s = start_login(&edge, &idp, "/docs/page.html").await;
    let r = edge.get(&s.callback, &[("authfront_login", &s.binding)]).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    let cookies = ["authfront_session", "authfront_tokens"]
        .map(|n| (n.to_owned(), set_cookie(&r, n).unwrap_or_else(|| panic!("{n} set"))));
    // the session's refresh is due a second after it began (half the tokens' life)
    tokio::time::sleep(Duration::from_millis(2100)).await;
    (idp, edge, cookies.to_vec())
}

fn pairs(c: &[(String, String)]) -> Vec<(&str, &str)> {
    c.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn concurrent_requests_share_one_refresh_and_later_old_cookies_get_the_new_ones() {
    let (idp, edge, cookies) = signed_in("").await;
    // refreshed tokens live 10 minutes: the refreshed session is not due again in this test
    idp.with(|s| (s.refresh, s.refresh_tokens) = (TokenMode::Slow(Duration::from_millis(300)), Some(600)));
    let c = pairs(&cookies);
    let header = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
    let mut all = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (http, url, header) = (edge.http.clone(), format!("{}/docs/page.html", edge.url), header.clone());
        all.spawn(async move { http.get(url).header("cookie", header).send().await.unwrap() });
    }
    let mut fresh = Vec::new();
    for r in all.join_all().await {
        assert_eq!(r.status(), StatusCode::OK);
        fresh.push(set_cookie(&r, "authfront_session").expect("every waiting request gets the refreshed cookies"));
        assert_eq!(r.text().await.unwrap(), "page");
    }
    assert_eq!(idp.with(|s| s.refresh_hits), 1, "one refresh for the eight requests");
    assert_eq!(idp.with(|s| s.refreshed_with.clone()), ["rt-0"]);
    assert_eq!(edge.app.refresher.sent(), 1);
    // within the grace window, the old cookies still pass, and get the new ones: no second
    // refresh with the used token (the provider would refuse it and sign the user out)
    let r = edge.get("/docs/page.html", &c).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(set_cookie(&r, "authfront_session").as_deref(), Some(fresh[0].as_str()));
    assert_eq!(idp.with(|s| s.refresh_hits), 1);
    // the refreshed cookies are served without a refresh until theirs is due
    let r = edge.get("/docs/page.html", &[("authfront_session", &fresh[0])]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(set_cookie(&r, "authfront_session").is_none());
    assert_eq!(idp.with(|s| s.refresh_hits), 1);
}

#[tokio::test]
async fn the_next_refresh_uses_the_rotated_token() {
    let (idp, edge, cookies) = signed_in("").await;
    let r = edge.get("/docs/page.html", &pairs(&cookies)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let next: Vec<(String, String)> =
        ["authfront_session", "authfront_tokens"].map(|n| (n.to_owned(), set_cookie(&r, n).unwrap())).to_vec();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = edge.get("/docs/page.html", &pairs(&next)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(idp.with(|s| s.refreshed_with.clone()), ["rt-0", "rt-1"]);
}

#[tokio::test]
async fn a_refused_refresh_signs_the_user_out() {
    let (idp, edge, cookies) = signed_in("").await;
    idp.with(|s| s.refresh = TokenMode::Error(400, "invalid_grant"));
    let r = edge.get("/docs/page.html", &pairs(&cookies)).await;
    assert_eq!(r.status(), StatusCode::FOUND, "a page navigation signs in again");
    assert!(r.headers()["location"].to_str().unwrap().starts_with(&format!("{}/auth?", idp.issuer)));
    let cleared =
        r.headers().get_all("set-cookie").iter().any(|v| v.to_str().unwrap().starts_with("authfront_session=;"));
    assert!(cleared, "the session cookie is cleared");
    // the same old cookies again (another tab): remembered as refused, no second try
    let r = edge
        .http
        .get(format!("{}/docs/page.html", edge.url))
        .header("accept", "application/json")
        .header("cookie", cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; "))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a script gets the 401");
    assert_eq!(idp.with(|s| s.refresh_hits), 1);
}

#[tokio::test]
async fn a_failing_provider_keeps_the_session_and_is_not_asked_again_at_once() {
    let (idp, edge, cookies) = signed_in("refresh_retry = \"1h\"").await;
    idp.with(|s| s.refresh = TokenMode::Html500);
    for _ in 0..3 {
        let r = edge.get("/docs/page.html", &pairs(&cookies)).await;
        assert_eq!(r.status(), StatusCode::OK, "served with the session it has");
        assert!(set_cookie(&r, "authfront_session").is_none());
        assert_eq!(r.text().await.unwrap(), "page");
    }
    assert_eq!(idp.with(|s| s.refresh_hits), 1, "tried once per refresh_retry");
}

#[tokio::test]
async fn a_hung_provider_costs_a_request_at_most_the_wait() {
    let (idp, edge, cookies) = signed_in("").await;
    idp.with(|s| s.refresh = TokenMode::Slow(Duration::from_secs(30)));
    let started = std::time::Instant::now();
    let r = edge.get("/docs/page.html", &pairs(&cookies)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(10), "served after the refresh wait, not the provider's 30 s");
    assert_eq!(r.text().await.unwrap(), "page");
}

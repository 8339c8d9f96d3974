//! Findings 11 and 13: a provider that hangs. The real oidc-provider of this test, with 4-second
//! access tokens and refresh tokens, is stopped with `SIGSTOP` (the kernel still accepts its
//! connections; nothing answers). Sign-out by a client that gives up after 2 s still revokes the
//! session (locally first, the provider after, in the background); and in the refresh window a
//! request waits at most ~2 s, the next ones for that session not at all (no new attempt within
//! `session.refresh_retry`), although `oidc.http_timeout` is 5 s.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::COOKIE;

use super::ScriptProvider;
use crate::support::*;

const SHORT_TOKENS: [(&str, &str); 2] = [("OP_TTL_ACCESS", "4"), ("OP_ALWAYS_ISSUE_REFRESH", "1")];
const HTTP_TIMEOUT: &str = "http_timeout = \"5s\"\n";

#[tokio::test]
#[ignore = "end-to-end: needs its own real oidc-provider (scripts/start-oidc-provider.sh); scripts/test.sh runs it"]
async fn sign_out_during_a_provider_hang_revokes_even_if_the_client_gives_up() {
    let mut op = ScriptProvider::start(&SHORT_TOKENS);
    let app = App::start(Setup::new(op.issuer.clone()).oidc_extra(HTTP_TIMEOUT)).await;
    let mut browser = Browser::default();
    app.login(&mut browser, "/", "alice").await.assert_contains("id=\"protected\"");
    let copied = browser.clone();

    op.hang();
    let impatient = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let url = app.url("/_authfront/signout");
    let t0 = Instant::now();
    let answer = impatient.get(url.clone()).header(COOKIE, browser.app.header_for(&url).unwrap()).send().await;
    eprintln!(
        "sign-out during the hang: {:?} after {:?}",
        answer.as_ref().map(reqwest::Response::status).map_err(|e| e.is_timeout()),
        t0.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    // still hung: whatever answers now was decided by authfront alone
    let page = app.get(&mut copied.clone(), "/").await;
    assert!(
        app.is_login_redirect(&page),
        "a sign-out whose client gave up after 2 s while the provider hung must still revoke the session: \
         the copied cookie got {} {}",
        page.status,
        if page.body.contains("id=\"protected\"") { "(the protected page)" } else { "" }
    );
    op.resume();
}

/// GET `/` with `jar`'s cookies; the status and how long it took.
async fn timed(app: &App, jar: &Jar) -> (StatusCode, Duration) {
    let t0 = Instant::now();
    let page = get(&app.http, &mut jar.clone(), &app.url("/")).await;
    (page.status, t0.elapsed())
}

#[tokio::test]
#[ignore = "end-to-end: needs its own real oidc-provider (scripts/start-oidc-provider.sh); scripts/test.sh runs it"]
async fn a_hung_provider_costs_one_short_wait_per_session_not_every_request() {
    let mut op = ScriptProvider::start(&SHORT_TOKENS);
    let app = App::start(Setup::new(op.issuer.clone()).oidc_extra(HTTP_TIMEOUT)).await;
    let mut browser = Browser::default();
    app.login(&mut browser, "/", "alice").await.assert_contains("id=\"protected\"");
    // access tokens live 4 s: a refresh is due after 2 s
    tokio::time::sleep(Duration::from_millis(2500)).await;
    op.hang();
    let (status, first) = timed(&app, &browser.app).await;
    assert_eq!(status, StatusCode::OK, "served with the current session meanwhile");
    assert!(
        first < Duration::from_millis(3500),
        "the first request in the refresh window waited {first:?} for a hung provider (oidc.http_timeout = 5s); \
         a request must not wait more than ~2 s for a refresh"
    );
    let mut later = Vec::new();
    for _ in 0..4 {
        let (status, took) = timed(&app, &browser.app).await;
        assert_eq!(status, StatusCode::OK);
        later.push(took);
    }
    let mut parallel = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (http, jar, url) = (app.http.clone(), browser.app.clone(), app.url("/style.css"));
        parallel.spawn(async move {
            let t0 = Instant::now();
            let page = get(&http, &mut jar.clone(), &url).await;
            (page.status, t0.elapsed())
        });
    }
    while let Some(r) = parallel.join_next().await {
        let (status, took) = r.unwrap();
        assert_eq!(status, StatusCode::OK);
        later.push(took);
    }
    let slowest = later.iter().max().copied().unwrap_or_default();
    assert!(
        slowest < Duration::from_secs(1),
        "after one failed refresh, later requests of the session must not try again within \
         session.refresh_retry (30 s): the slowest of {} took {slowest:?}",
        later.len()
    );
    // back: still no new attempt within the retry interval
    op.resume();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let refreshes = |op: &ScriptProvider| {
        op.log().lines().filter(|l| l.contains("token endpoint:") && l.contains("grant_type=refresh_token")).count()
    };
    let before = refreshes(&op);
    for _ in 0..3 {
        assert_eq!(timed(&app, &browser.app).await.0, StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(refreshes(&op), before, "no refresh attempt within session.refresh_retry after a failed one");
}

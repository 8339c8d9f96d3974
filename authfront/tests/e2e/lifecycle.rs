//! The session lifecycle end to end against the real provider: transparent refresh (single
//! flight, grace window), refused refresh, sign-out that ends the provider session, JSON 401 for
//! scripts, userinfo, the Amplify cookie mode read by a real page script, key rotation.

use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use crate::support::*;

/// Env var with the issuer of the provider whose access tokens live 4 s (refresh rotation on).
const OP_SHORT_ENV: &str = "AUTHFRONT_TEST_OP_SHORT";

fn op_short_issuer() -> String {
    match std::env::var(OP_SHORT_ENV) {
        Ok(v) if !v.is_empty() => v.trim_end_matches('/').to_owned(),
        _ => panic!("{OP_SHORT_ENV} is not set: run scripts/test.sh (it starts that provider)"),
    }
}

fn log_count(app: &App, needle: &str) -> usize {
    app.log().lines().filter(|l| l.contains(needle)).count()
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn refresh_is_transparent_single_flight_and_has_a_grace_window() {
    let app = App::start(Setup::new(op_short_issuer()).session_extra("refresh_grace = \"20s\"\n")).await;
    let mut browser = Browser::default();
    app.login(&mut browser, "/", "alice").await.assert_contains("id=\"protected\"");
    let before = browser.app.value(SESSION_COOKIE);
    // access tokens live 4 s: a refresh is due after 2 s
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (client, mut jar, url) = (app.http.clone(), browser.app.clone(), app.url("/style.css"));
        tasks.spawn(async move { get(&client, &mut jar, &url).await });
    }
    let mut new_values = std::collections::BTreeSet::new();
    while let Some(page) = tasks.join_next().await {
        let page = page.expect("join");
        assert_eq!(page.status, StatusCode::OK, "an asset during a refresh is served, not redirected");
        let cookies = page.cookies();
        let c = cookie_set(&cookies, SESSION_COOKIE).expect("each answer carries the refreshed session");
        new_values.insert(c.value.clone());
    }
    assert_eq!(new_values.len(), 1, "one refresh, one new session for all 50 requests");
    assert_ne!(new_values.first().unwrap(), &before);
    assert_eq!(log_count(&app, "tokens refreshed"), 1, "exactly one refresh at the provider:\n{}", app.log());
    // a request still carrying the previous cookies, within the grace window: served, new cookies
    let mut old = browser.app.clone();
    let page = get(&app.http, &mut old, &app.url("/docs/guide.html")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(cookie_set(&page.cookies(), SESSION_COOKIE).map(|c| c.value.clone()).as_ref(), new_values.first());
    assert_eq!(log_count(&app, "tokens refreshed"), 1);
    // the refreshed session works on its own
    browser.app = old;
    let page = app.get(&mut browser, "/").await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn a_refused_refresh_means_signing_in_again() {
    let app = App::start(Setup::new(op_short_issuer()).session_extra("refresh_grace = \"1s\"\n")).await;
    let mut browser = Browser::default();
    app.login(&mut browser, "/", "alice").await.assert_contains("id=\"protected\"");
    let stale = browser.app.clone();
    tokio::time::sleep(Duration::from_secs(3)).await;
    // the first refresh rotates the refresh token
    assert_eq!(app.get(&mut browser, "/").await.status, StatusCode::OK);
    assert_eq!(log_count(&app, "tokens refreshed"), 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // the old cookies, after the grace window: their refresh token was rotated away
    let mut jar = stale.clone();
    let page = get(&app.http, &mut jar, &app.url("/docs/guide.html")).await;
    assert!(app.is_login_redirect(&page), "a page navigation signs in again: {} {:?}", page.status, page.headers);
    let cleared = page.cookies();
    assert!(
        cleared.iter().any(|c| c.name == SESSION_COOKIE && c.is_removal()),
        "the dead session is cleared: {cleared:?}"
    );
    let mut jar = stale;
    let page = get_with(&app.http, &mut jar, &app.url("/docs/guide.html"), &[("sec-fetch-mode", "cors")]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(log_count(&app, "refresh refused") >= 1, "{}", app.log());
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn scripts_get_json_401_and_userinfo() {
    let app = App::start(Setup::new(op_issuer())).await;
    let mut browser = Browser::default();
    let page =
        get_with(&app.http, &mut browser.app, &app.url("/docs/guide.html?x=1"), &[("sec-fetch-mode", "cors")]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(page.header("content-type"), Some("application/json"));
    assert!(page.header("www-authenticate").is_some());
    let json: serde_json::Value = serde_json::from_str(&page.body).expect("JSON body");
    assert_eq!(json["error"], "unauthenticated");
    let login_url = Url::parse(json["login_url"].as_str().expect("login_url")).expect("URL");
    // following login_url as a page starts a login that comes back to the page
    let page = app.get(&mut browser, &format!("{}?{}", login_url.path(), login_url.query().unwrap())).await;
    assert!(app.is_login_redirect(&page));
    app.login(&mut browser, "/", "alice").await;
    let page = app.get(&mut browser, "/_authfront/userinfo").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_no_store();
    let json: serde_json::Value = serde_json::from_str(&page.body).expect("JSON");
    assert_eq!(json["email"], "alice@example.test");
    assert_eq!(json["groups"], serde_json::json!(["staff"]));
    assert!(page.header("access-control-allow-origin").is_none());
}

/// A browserless sign-in at the provider's login form (`OP_AUTO_LOGIN=off`); returns the page.
async fn form_login(app: &App, browser: &mut Browser, path: &str, user: &str) -> Page {
    let pending = app.start_login(browser, path).await;
    let mut url = pending.auth_url.clone();
    let mut form_seen = false;
    for _ in 0..10 {
        let page = get(&app.http, &mut browser.op, &url).await;
        if page.status == StatusCode::OK && page.body.contains("id=\"login-form\"") {
            form_seen = true;
            let action = page.body.split("action=\"").nth(1).and_then(|s| s.split('"').next()).expect("form action");
            let post = page.url.join(action).expect("action URL");
            let pw = format!("{user}-password");
            let answer = post_form(&app.http, &mut browser.op, &post, &[("login", user), ("password", &pw)]).await;
            assert!(answer.status.is_redirection(), "login form answer {}", answer.status);
            url = answer.location();
            continue;
        }
        assert!(page.status.is_redirection(), "provider answered {} at {url}", page.status);
        url = page.location();
        if url.origin() == app.base.origin() {
            assert!(form_seen, "the provider asked for credentials");
            return app.finish_login(browser, &url, &pending).await;
        }
    }
    panic!("no way back from the provider");
}

/// Whether starting a login now makes the provider ask for credentials.
async fn provider_asks_for_credentials(app: &App, browser: &mut Browser) -> bool {
    let pending = app.start_login(browser, "/").await;
    let mut url = pending.auth_url.clone();
    for _ in 0..10 {
        let page = get(&app.http, &mut browser.op, &url).await;
        if page.status == StatusCode::OK {
            return page.body.contains("id=\"login-form\"");
        }
        url = page.location();
        if url.origin() == app.base.origin() {
            return false;
        }
    }
    panic!("no end of redirects at the provider");
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn sign_out_clears_cookies_and_ends_the_provider_session() {
    let app = App::start(Setup::new(op_form_issuer())).await;
    let mut browser = Browser::default();
    form_login(&app, &mut browser, "/", "alice").await.assert_contains("id=\"protected\"");
    // while the provider session lives, a new login does not ask again
    let mut probe = browser.clone();
    probe.app = Jar::default();
    assert!(!provider_asks_for_credentials(&app, &mut probe).await, "provider session alive before sign-out");

    let page = app.get(&mut browser, "/_authfront/signout?rd=%2Fpublic%2F").await;
    assert_eq!(page.status, StatusCode::FOUND);
    page.assert_no_store();
    assert!(browser.app.values(SESSION_COOKIE).is_empty(), "session cookie cleared");
    let end = page.location();
    let q = |k: &str| end.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    assert!(q("id_token_hint").is_some_and(|t| t.split('.').count() == 3), "id_token_hint: {end}");
    assert_eq!(q("post_logout_redirect_uri"), Some(app.url("/_authfront/signed-out").to_string()));
    // the provider asks for confirmation (oidc-provider's logout form), then comes back
    let confirm = get(&app.http, &mut browser.op, &end).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let xsrf = confirm.body.split("name=\"xsrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("xsrf");
    let action = confirm.body.split("action=\"").nth(1).and_then(|s| s.split('"').next()).expect("action");
    let post = confirm.url.join(action).expect("action URL");
    let back = post_form(&app.http, &mut browser.op, &post, &[("xsrf", xsrf), ("logout", "yes")]).await;
    assert!(back.status.is_redirection(), "{} {}", back.status, back.body);
    let landing = back.location();
    assert_eq!(landing.path(), "/_authfront/signed-out");
    let page = get(&app.http, &mut browser.app, &landing).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(page.location().path(), "/public/", "lands where rd asked");
    // the provider session is gone: signing in asks for credentials again
    assert!(provider_asks_for_credentials(&app, &mut browser).await, "provider session ended");
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn rotating_session_keys_keeps_users_signed_in() {
    let mut app = App::start(Setup::new(op_issuer())).await;
    let mut browser = Browser::default();
    app.login(&mut browser, "/", "alice").await.assert_contains("id=\"protected\"");
    let new_key = keygen();
    app.restart_with(|c| {
        c.replace(
            "keys = [{ file = \"session.key\" }]",
            &format!("keys = [\"{new_key}\", {{ file = \"session.key\" }}]"),
        )
    })
    .await;
    let page = app.get(&mut browser, "/docs/guide.html").await;
    assert_eq!(page.status, StatusCode::OK, "an old-key cookie still opens after rotation");
    // and the old key can go once sessions were re-sealed with the new one: a fresh login
    let mut fresh = Browser::default();
    app.login(&mut fresh, "/", "bob").await;
    app.restart_with(|c| c.replace(", { file = \"session.key\" }]", "]")).await;
    assert_eq!(app.get(&mut fresh, "/").await.status, StatusCode::OK, "new-key cookie opens");
    assert!(app.is_login_redirect(&app.get(&mut browser, "/").await), "old-key cookie no longer opens");
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider and Chromium; scripts/test.sh runs it"]
async fn amplify_cookies_are_readable_by_the_page_script() {
    let app = App::start(Setup::new(op_form_issuer()).session_extra("cookie_mode = \"amplify\"\n")).await;
    let url = app.url("/").to_string();
    let shot = app.dir.path().join("amplify.png");
    let mut args: Vec<std::ffi::OsString> =
        [url.as_str(), "--user", "alice", "--expect", "#protected", "--eval", "document.cookie", "--screenshot"]
            .map(Into::into)
            .to_vec();
    args.push(shot.into_os_string());
    let run = chromium("login.mjs", args).await;
    let result = &run.result;
    assert!(run.ok(), "{result}\n{}", run.stderr);
    let readable = result["eval"].as_str().expect("document.cookie");
    let prefix = format!("CognitoIdentityServiceProvider.{}.", app.client_id);
    assert!(readable.contains(&format!("{prefix}LastAuthUser=alice")), "{readable}");
    assert!(readable.contains(".idToken=eyJ"), "the raw ID token is readable: {readable}");
    assert!(readable.contains(".accessToken="), "{readable}");
    assert!(!readable.contains(SESSION_COOKIE), "the sealed session stays HttpOnly: {readable}");
    assert!(!readable.contains("refreshToken"), "no refresh token for scripts: {readable}");
}

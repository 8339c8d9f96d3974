//! Against a second, independent provider: Debian's glewlwyd (`scripts/start-glewlwyd.sh`).
//! Sign-in with a confidential and a public client (browserless, through the JSON API its login
//! app uses), with headless Chromium through its real login web app, and its back-channel logout
//! after an authfront sign-out.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use crate::support::glewlwyd::{self, base, send};
use crate::support::*;

fn setup(auth: Auth) -> Setup {
    // glewlwyd knows only the openid scope; name, email and groups come with it
    Setup::new(glewlwyd::issuer()).client(Client::Glewlwyd { auth }).scopes(&["openid"])
}

fn assert_signed_in(page: &Page) {
    assert_eq!(page.status, StatusCode::OK, "{}:\n{}", page.url, page.body);
    page.assert_contains("id=\"protected\"");
}

#[tokio::test]
#[ignore = "end-to-end: needs glewlwyd; scripts/test.sh runs it"]
async fn glewlwyd_confidential_client_signs_in() {
    let app = App::start(setup(Auth::Basic)).await;
    let mut browser = Browser::default();
    let guide = glewlwyd::login(&app, &mut browser, "/docs/guide.html?section=intro", "alice").await;
    assert_eq!((guide.status, guide.url.query()), (StatusCode::OK, Some("section=intro")), "{}", guide.body);
    guide.assert_contains("id=\"guide\"");
    assert_signed_in(&app.get(&mut browser, "/").await);
    // glewlwyd's claims reach the session: email, and the groups claim (a rule names `staff`)
    let info = app.get(&mut browser, "/_authfront/userinfo").await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    let claims: serde_json::Value = serde_json::from_str(&info.body).expect("userinfo JSON");
    assert_eq!(claims["email"], "alice@example.test", "{claims}");
    assert_eq!(claims["groups"], serde_json::json!(["staff"]), "only the groups rules name are kept: {claims}");
}

#[tokio::test]
#[ignore = "end-to-end: needs glewlwyd; scripts/test.sh runs it"]
async fn glewlwyd_client_secret_post_signs_in() {
    let app = App::start(setup(Auth::Post)).await;
    assert_signed_in(&glewlwyd::login(&app, &mut Browser::default(), "/", "bob").await);
}

#[tokio::test]
#[ignore = "end-to-end: needs glewlwyd; scripts/test.sh runs it"]
async fn glewlwyd_public_client_signs_in_with_pkce_only() {
    let app = App::start(setup(Auth::None)).await;
    let mut browser = Browser::default();
    assert_signed_in(&glewlwyd::login(&app, &mut browser, "/", "alice").await);
    // a second sign-in in the same browser: glewlwyd's session and grant are remembered
    let mut again = Browser { app: Jar::default(), op: browser.op.clone() };
    assert_signed_in(&glewlwyd::login(&app, &mut again, "/", "alice").await);
}

#[tokio::test]
#[ignore = "end-to-end: needs glewlwyd and Chromium; scripts/test.sh runs it"]
async fn real_browser_signs_in_through_glewlwyds_login_app() {
    let app = App::start(setup(Auth::Basic)).await;
    let url = app.url("/docs/guide.html");
    let shot = app.dir.path().join("glewlwyd-login.png");
    let _one = glewlwyd::exclusive().await;
    let mut args: Vec<std::ffi::OsString> = [
        url.as_str(),
        "--op",
        "glewlwyd",
        "--user",
        "alice",
        "--expect",
        "#guide",
        "--timeout-ms",
        "30000",
        "--screenshot",
    ]
    .map(Into::into)
    .to_vec();
    args.push(shot.clone().into_os_string());
    let run = chromium("login.mjs", args).await;
    let result = &run.result;
    assert!(run.ok(), "browser login failed: {result}\n{}", run.stderr);
    assert_eq!(result["formShown"], true, "glewlwyd's login app asked for the password: {result}");
    assert_eq!(result["finalUrl"], url.as_str(), "back on the page first asked for: {result}");
    let visited = result["visited"].as_array().expect("visited");
    assert!(visited.iter().any(|u| u.as_str().is_some_and(|u| u.contains("/login.html"))), "{result}");
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 0), "a screenshot at {}", shot.display());
}

#[tokio::test]
#[ignore = "end-to-end: needs glewlwyd; scripts/test.sh runs it"]
async fn glewlwyd_backchannel_logout_ends_the_other_sessions_of_its_sid() {
    let app = App::start(setup(Auth::Basic).backchannel_logout(true)).await;
    // two tabs with their own authfront sessions from one glewlwyd session (same `sid`)
    let mut tab = Browser::default();
    assert_signed_in(&glewlwyd::login(&app, &mut tab, "/", "alice").await);
    let mut other = Browser { app: Jar::default(), op: tab.op.clone() };
    assert_signed_in(&glewlwyd::login(&app, &mut other, "/", "alice").await);

    // sign out in one tab: authfront sends the browser to glewlwyd's end_session endpoint
    let out = app.get(&mut tab, "/_authfront/signout").await;
    assert_eq!(out.status, StatusCode::FOUND, "{}", out.body);
    let end = out.location();
    assert!(end.as_str().starts_with(&format!("{}/end_session", app.issuer)), "{end}");
    let prompt = {
        let _one = glewlwyd::exclusive().await;
        get(&app.http, &mut tab.op, &end).await
    };
    assert_eq!(prompt.status, StatusCode::FOUND, "{}", prompt.body);
    let login_app = prompt.location();
    let sid = login_app.query_pairs().find(|(k, _)| k == "sid").map(|(_, v)| v.into_owned()).expect("sid");
    // what glewlwyd's login app does on "log out": end the OIDC session (which posts the logout
    // tokens), then the glewlwyd session
    let t0 = Instant::now();
    let base = base(&app.issuer);
    let r = {
        let _one = glewlwyd::exclusive().await;
        send(&mut tab.op, Method::DELETE, &format!("{base}/api/oidc/session/{sid}"), None).await
    };
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // glewlwyd posts from a thread of its own: wait for the other tab to be signed out
    loop {
        let page = app.get(&mut other.clone(), "/").await;
        if app.is_login_redirect(&page) {
            break;
        }
        assert_signed_in(&page);
        assert!(t0.elapsed() < Duration::from_secs(10), "glewlwyd's logout token did not end the other tab's session");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("glewlwyd back-channel logout: the other tab was refused {:?} after the session ended", t0.elapsed());
    assert!(app.log().contains("back-channel logout: revoking kind=\"sid\""), "{}", app.log());
}

fn short_issuer() -> String {
    match std::env::var("AUTHFRONT_TEST_GLEWLWYD_SHORT") {
        Ok(v) if !v.is_empty() => v.trim_end_matches('/').to_owned(),
        _ => panic!("AUTHFRONT_TEST_GLEWLWYD_SHORT is not set: run scripts/test.sh (it starts that glewlwyd)"),
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs glewlwyd; scripts/test.sh runs it"]
async fn glewlwyd_refresh_is_transparent_and_a_rotated_token_is_refused_later() {
    // access tokens of this glewlwyd live 4 s; its refresh tokens rotate on every use
    let setup = Setup::new(short_issuer())
        .client(Client::Glewlwyd { auth: Auth::Basic })
        .scopes(&["openid"])
        .session_extra("refresh_grace = \"1s\"\n");
    let app = App::start(setup).await;
    let mut browser = Browser::default();
    assert_signed_in(&glewlwyd::login(&app, &mut browser, "/", "alice").await);
    let stale = browser.app.clone();
    tokio::time::sleep(Duration::from_secs(3)).await;
    {
        let _one = glewlwyd::exclusive().await;
        let css = app.get(&mut browser, "/style.css").await;
        assert_eq!(css.status, StatusCode::OK, "an asset is served during the refresh: {}", css.body);
        assert!(css.cookies().iter().any(|c| c.name == SESSION_COOKIE && !c.is_removal()), "refreshed cookies");
    }
    assert_eq!(app.log().matches("tokens refreshed").count(), 1, "{}", app.log());
    assert_signed_in(&app.get(&mut browser, "/").await);
    // glewlwyd does not rotate refresh tokens ("rolling" only extends them): the cookies from
    // before the refresh still refresh after the grace window
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut old = Browser { app: stale, op: browser.op.clone() };
    {
        let _one = glewlwyd::exclusive().await;
        assert_signed_in(&app.get(&mut old, "/").await);
    }
    // alice revokes her refresh tokens in glewlwyd (its profile API, as her profile page does):
    // the next refresh is refused and the browser is sent to sign in again
    let base = base(&app.issuer);
    let _one = glewlwyd::exclusive().await;
    let list = send(&mut browser.op, Method::GET, &format!("{base}/api/oidc/token"), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let tokens: serde_json::Value = serde_json::from_str(&list.body).expect("token list");
    let hashes: Vec<String> =
        tokens.as_array().expect("array").iter().filter_map(|t| t["token_hash"].as_str().map(str::to_owned)).collect();
    assert!(!hashes.is_empty(), "alice has refresh tokens: {}", list.body);
    for h in hashes {
        let enc: String = url::form_urlencoded::byte_serialize(h.as_bytes()).collect();
        let r = send(&mut browser.op, Method::DELETE, &format!("{base}/api/oidc/token/{enc}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "revoke {h}: {}", r.body);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let page = app.get(&mut browser, "/docs/guide.html").await;
    assert!(app.is_login_redirect(&page), "{} {}", page.status, page.body);
    assert!(app.log().contains("refresh refused"), "{}", app.log());
}

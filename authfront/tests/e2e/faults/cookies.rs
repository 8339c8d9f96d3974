//! Finding 12: one cookie that is not ASCII (`pref=José`, raw UTF-8 bytes in the `Cookie`
//! header, as browsers send what a page script set) must cost only that pair: the session next
//! to it still counts, and a whole login in a browser holding it works.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderValue};
use url::Url;

use super::raw_request;
use crate::support::*;

/// The cookie a page script set, sent before authfront's own.
const PREF: &str = "pref=José";

/// GET `url` with `Cookie: pref=José; <the jar's cookies>`, the header's bytes as UTF-8 on the
/// wire; stores the answer's cookies in the jar.
async fn get_with_pref(app: &App, jar: &mut Jar, url: &Url) -> Page {
    let cookie = match jar.header_for(url) {
        Some(c) => format!("{PREF}; {c}"),
        None => PREF.to_owned(),
    };
    let value = HeaderValue::from_bytes(cookie.as_bytes()).unwrap();
    assert!(value.to_str().is_err(), "the header really holds non-ASCII bytes");
    let resp = app.http.get(url.clone()).header(COOKIE, value).send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    jar.store(url, &headers);
    Page { url: url.clone(), status, headers, body: resp.text().await.unwrap() }
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn a_non_ascii_cookie_does_not_hide_the_session() {
    let app = App::start(Setup::new(op_issuer())).await;
    let mut browser = Browser::default();
    app.login(&mut browser, "/", "alice").await.assert_contains("id=\"protected\"");
    let session = browser.app.value(SESSION_COOKIE);
    // byte for byte on a raw connection, the pair in front of the session and behind it
    for cookie in [format!("{PREF}; {SESSION_COOKIE}={session}"), format!("{SESSION_COOKIE}={session}; {PREF}")] {
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n",
            app.base.authority()
        );
        let answer = raw_request(app.base.authority(), request.as_bytes()).await;
        assert_eq!(
            answer.status, 200,
            "Cookie: {cookie:.40}…: a non-ASCII pair must be skipped, the session kept; got:\n{}",
            answer.head
        );
        assert!(answer.text().contains("id=\"protected\""), "{}", answer.text());
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn login_works_in_a_browser_holding_a_non_ascii_cookie() {
    let app = App::start(Setup::new(op_issuer())).await;
    let mut browser = Browser::default();
    let start = get_with_pref(&app, &mut browser.app, &app.url("/docs/guide.html")).await;
    assert!(app.is_login_redirect(&start), "{} {:?}", start.status, start.headers);
    let auth_url = start.location();
    let state = auth_url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).unwrap();
    assert_eq!(browser.app.values(LOGIN_COOKIE).len(), 1, "the login cookie is set");
    let pending = PendingLogin { auth_url, state, target: "/docs/guide.html".to_owned() };
    let callback = app.at_provider(&mut browser, &pending, "alice").await;
    let answer = get_with_pref(&app, &mut browser.app, &callback).await;
    assert_eq!(
        answer.status,
        StatusCode::FOUND,
        "the callback in a browser holding `{PREF}` must find its login cookie and sign in; got:\n{}",
        answer.body.chars().take(400).collect::<String>()
    );
    assert_eq!(answer.location().path(), "/docs/guide.html");
    assert!(cookie_set(&answer.cookies(), SESSION_COOKIE).is_some(), "{:?}", answer.cookies());
    let page = get_with_pref(&app, &mut browser.app, &app.url("/docs/guide.html")).await;
    assert_eq!(page.status, StatusCode::OK, "signed in, with the cookie still there");
    page.assert_contains("id=\"guide\"");
}

//! glewlwyd, the second, independent provider (Debian package, started by
//! `scripts/start-glewlwyd.sh`): a fresh client per test, created through its admin API, and
//! the browserless sign-in through the JSON API its login page (a JavaScript app) calls:
//! `POST /api/auth/` with the password, `PUT /api/auth/grant/{client}` once per user and client,
//! then the authorization request again with `g_continue`, which redirects with the code.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::COOKIE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use url::Url;

use super::{App, Auth, Browser, Jar, Page, PendingLogin, get, http, issuer_from};

/// Env var with glewlwyd's issuer (`http://127.0.0.1:PORT/api/oidc`; `scripts/test.sh` sets it).
pub const GLEWLWYD_ENV: &str = "AUTHFRONT_TEST_GLEWLWYD";
/// The administrator of a fresh glewlwyd database (Debian's sqlite install script).
const ADMIN: (&str, &str) = ("admin", "password");

/// glewlwyd's sqlite backend answers `server_error` when two requests write at once (it sets no
/// busy timeout; `scripts/start-glewlwyd.sh` turns on the write-ahead log, which helps readers
/// only), so the tests of this process talk to it one flow at a time. Tests that make authfront
/// call glewlwyd (refresh, sign-out) hold this too.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Held while a test changes glewlwyd's state (sign-in, logout).
pub async fn exclusive() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

pub fn issuer() -> String {
    issuer_from(GLEWLWYD_ENV)
}

/// glewlwyd's root URL: the issuer without `/api/oidc`.
pub fn base(issuer: &str) -> String {
    issuer.trim_end_matches('/').trim_end_matches("/api/oidc").to_owned()
}

/// A JSON request (or none) with the jar's cookies; stores the response's cookies.
pub async fn send(jar: &mut Jar, method: Method, url: &str, body: Option<&Value>) -> Page {
    let url = Url::parse(url).expect("URL");
    let mut req = http().request(method.clone(), url.clone());
    if let Some(c) = jar.header_for(&url) {
        req = req.header(COOKIE, c);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {url}: {e} (is glewlwyd running?)"));
    let (status, headers) = (resp.status(), resp.headers().clone());
    jar.store(&url, &headers);
    let body = resp.text().await.unwrap_or_default();
    Page { url, status, headers, body }
}

/// Creates a client for one authfront instance; returns its id and secret (none when public).
pub async fn register(
    issuer: &str,
    redirect_uri: &str,
    post_logout_redirect_uri: &str,
    backchannel: Option<(&str, bool)>,
    auth: Auth,
) -> (String, Option<String>) {
    static N: AtomicU32 = AtomicU32::new(0);
    let _one = exclusive().await;
    let base = base(issuer);
    let mut admin = Jar::default();
    let login = json!({ "username": ADMIN.0, "password": ADMIN.1 });
    let r = send(&mut admin, Method::POST, &format!("{base}/api/auth/"), Some(&login)).await;
    assert_eq!(r.status, StatusCode::OK, "glewlwyd admin login: {}", r.body);
    let unique = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_nanos();
    let id = format!("authfront-e2e-{}-{}-{unique:x}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let secret = (auth != Auth::None).then(|| format!("secret-{unique:x}"));
    let method = match auth {
        Auth::Post => "client_secret_post",
        Auth::None => "none",
        Auth::Basic | Auth::BasicInline => "client_secret_basic",
    };
    let mut client = json!({
        "client_id": id,
        "name": "authfront e2e test",
        "enabled": true,
        "confidential": secret.is_some(),
        "redirect_uri": [redirect_uri],
        "post_logout_redirect_uris": post_logout_redirect_uri,
        "authorization_type": ["code", "refresh_token"],
        "scope": ["openid"],
        "token_endpoint_auth_method": [method],
    });
    if let Some(s) = &secret {
        client["password"] = json!(s);
    }
    if let Some((uri, session_required)) = backchannel {
        client["backchannel_logout_uri"] = json!(uri);
        client["backchannel_logout_session_required"] = json!(session_required.to_string());
    }
    let r = send(&mut admin, Method::POST, &format!("{base}/api/client/"), Some(&client)).await;
    assert_eq!(r.status, StatusCode::OK, "glewlwyd refused the client: {}", r.body);
    (id, secret)
}

/// The provider part of a sign-in as `user` (password `{user}-password`), browserless: returns
/// the callback URL glewlwyd sends the browser back to, with `code` and the same `state`. The
/// caller holds [`exclusive`].
async fn at_provider(app: &App, browser: &mut Browser, login: &PendingLogin, user: &str) -> Url {
    let base = base(&app.issuer);
    // without a glewlwyd session, the authorization request leads to the login app
    let first = get(&app.http, &mut browser.op, &login.auth_url).await;
    assert_eq!(first.status, StatusCode::FOUND, "{}", first.body);
    let to = first.location();
    if to.origin() == app.base.origin() {
        // already signed in at glewlwyd, scope granted: straight back
        return checked(app, to, login);
    }
    {
        assert!(to.path().ends_with("/login.html"), "glewlwyd sends the browser to its login app: {to}");
        let password = format!("{user}-password");
        let creds = json!({ "username": user, "password": password });
        let r = send(&mut browser.op, Method::POST, &format!("{base}/api/auth/"), Some(&creds)).await;
        assert_eq!(r.status, StatusCode::OK, "glewlwyd password login: {}", r.body);
        let grant = json!({ "scope": "openid" });
        let url = format!("{base}/api/auth/grant/{}", app.client_id);
        let r = send(&mut browser.op, Method::PUT, &url, Some(&grant)).await;
        assert_eq!(r.status, StatusCode::OK, "glewlwyd grant: {}", r.body);
    }
    let mut again = login.auth_url.clone();
    again.query_pairs_mut().append_pair("g_continue", "");
    let back = get(&app.http, &mut browser.op, &again).await;
    assert_eq!(back.status, StatusCode::FOUND, "{}", back.body);
    checked(app, back.location(), login)
}

/// `callback` after checking it is authfront's callback with a code and the same state.
fn checked(app: &App, callback: Url, login: &PendingLogin) -> Url {
    assert_eq!(callback.origin(), app.base.origin(), "glewlwyd returns to authfront: {callback}");
    let q = |k: &str| callback.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    assert!(q("error").is_none(), "glewlwyd returned an error: {callback}");
    assert!(q("code").is_some_and(|c| !c.is_empty()), "callback without code: {callback}");
    assert_eq!(q("state").as_deref(), Some(login.state.as_str()), "state comes back unchanged");
    callback
}

/// A whole browserless sign-in at glewlwyd, starting at a protected page. Exclusive from the
/// provider's redirect to authfront's code exchange, which writes to glewlwyd's database too.
pub async fn login(app: &App, browser: &mut Browser, path_and_query: &str, user: &str) -> Page {
    let pending = app.start_login(browser, path_and_query).await;
    let one = exclusive().await;
    let callback = at_provider(app, browser, &pending, user).await;
    let page = app.finish_login(browser, &callback, &pending).await;
    drop(one);
    page
}

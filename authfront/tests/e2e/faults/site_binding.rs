//! Finding 8: a session belongs to its site. Two instances sharing one session key but
//! registered as different clients (`oidc.client_id`) at the real provider: the sealed cookies
//! of one (session, login state) open as "signed out" on the other. And CloudFront login-mode
//! cookies live 10 minutes by default (`[cloudfront.login_cookies] lifetime`), not the session's
//! 8 hours: sign-out cannot delete them from CloudFront.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn cookies_sealed_for_another_client_id_open_as_signed_out() {
    let key = keygen();
    let one = App::start(Setup::new(op_issuer()).session_key(&key)).await;
    let two = App::start(Setup::new(op_issuer()).session_key(&key)).await;
    assert_ne!(one.client_id, two.client_id, "two clients, one provider, one key");

    let mut alice = Browser::default();
    let page = one.login(&mut alice, "/", "alice").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // the jar sends by path, not by host: the same cookies go to the other site
    let mut carried = alice.clone();
    let page = two.get(&mut carried, "/").await;
    assert!(
        two.is_login_redirect(&page),
        "a session cookie sealed by the site with client_id {} must open as signed out on the site with \
         client_id {} (same key): expected a login redirect, got {}:\n{}",
        one.client_id,
        two.client_id,
        page.status,
        page.body.chars().take(300).collect::<String>()
    );
    assert!(!page.body.contains("id=\"protected\""), "the protected page leaked");

    // a login state (and its binding cookie) made by one site is not accepted by the other
    let mut bob = Browser::default();
    let pending = one.start_login(&mut bob, "/").await;
    let callback = one.at_provider(&mut bob, &pending, "bob").await;
    let mut at_two = two.url(callback.path());
    at_two.set_query(callback.query());
    let answer = get(&two.http, &mut bob.app, &at_two).await;
    assert_eq!(
        answer.status,
        StatusCode::BAD_REQUEST,
        "a state sealed for client_id {} must be unknown to client_id {} (a 400 page, nothing redeemed):\n{}",
        one.client_id,
        two.client_id,
        answer.body.chars().take(300).collect::<String>()
    );
    assert!(cookie_set(&answer.cookies(), SESSION_COOKIE).is_none());
    // both sites still work for their own cookies
    assert_eq!(one.get(&mut alice, "/").await.status, StatusCode::OK);
}

const KEY_PAIR_ID: &str = "K2JCJMDEHXQW5F";

/// The `AWS:EpochTime` of `DateLessThan` in a `CloudFront-Policy` cookie value (CloudFront's
/// base64: `-` `_` `~` for `+` `=` `/`).
fn policy_expiry(cookie: &str) -> u64 {
    let b64: String = cookie
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '=',
            '~' => '/',
            c => c,
        })
        .collect();
    let json = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let policy: serde_json::Value = serde_json::from_slice(&json).unwrap();
    policy["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"]
        .as_u64()
        .unwrap_or_else(|| panic!("no DateLessThan in {policy}"))
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn cloudfront_login_cookies_live_ten_minutes_by_default() {
    let port = free_port();
    let pem = repo_root().join("core/src/cloudfront/testdata/rsa2048.pem");
    // no `lifetime`: the default is under test
    let extra = format!(
        "[cloudfront.login_cookies]\nkey_pair_id = \"{KEY_PAIR_ID}\"\nprivate_key = {{ file = {} }}\n\
         resource = \"http://127.0.0.1:{port}/*\"\n",
        toml_str(&pem.to_string_lossy())
    );
    let app = App::start(Setup::new(op_issuer()).port(port).extra(&extra)).await;
    let mut browser = Browser::default();
    let pending = app.start_login(&mut browser, "/").await;
    let callback = app.at_provider(&mut browser, &pending, "alice").await;
    let answer = get(&app.http, &mut browser.app, &callback).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let set = answer.cookies();
    let policy = cookie_set(&set, "CloudFront-Policy").unwrap_or_else(|| panic!("no CloudFront-Policy: {set:?}"));
    let expires = policy_expiry(&policy.value);
    let lifetime = expires.saturating_sub(now);
    assert!(
        lifetime <= 600 + 5,
        "CloudFront login-mode cookies must default to a 10-minute lifetime (they outlive sign-out at \
         CloudFront): DateLessThan is {lifetime} s away ({:.1} h)",
        lifetime as f64 / 3600.0
    );
    assert!(lifetime >= 600 - 60, "and not much shorter than 10 minutes: {lifetime} s");
    let max_age: u64 = policy.attr("Max-Age").and_then(|a| a.parse().ok()).unwrap_or(u64::MAX);
    assert!(max_age <= 600, "the cookie's Max-Age matches: {policy:?}");
}

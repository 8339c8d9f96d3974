//! Findings 9 and 10: the callback. An ID token whose `aud` lists an audience the client does
//! not trust is refused (a fake provider that adds one; `oidc.trusted_audiences` lets it in),
//! and an authorization response is usable once: a replayed callback URL (code + state) never
//! reaches the real provider's token endpoint again — whether the same browser, another one
//! holding a copy of the login cookie, the same instance after a restart, or another instance
//! sharing Redis receives it.

use reqwest::StatusCode;
use url::Url;

use super::fake_op::{self, FakeOp};
use super::{OwnRedis, ScriptProvider, register_shared_client};
use crate::support::*;

fn fake_setup(op: &FakeOp) -> Setup {
    Setup::new(op.issuer.clone()).client(Client::Static { id: fake_op::CLIENT_ID, secret: None, auth: Auth::None })
}

/// A whole login at the fake; the callback's answer.
async fn login_at_fake(app: &App) -> (Browser, Page) {
    let mut browser = Browser::default();
    let pending = app.start_login(&mut browser, "/").await;
    let callback = app.at_provider(&mut browser, &pending, "alice").await;
    let answer = app.finish_login(&mut browser, &callback, &pending).await;
    (browser, answer)
}

fn assert_refused(browser: &Browser, answer: &Page, why: &str) {
    assert!(
        answer.status.is_client_error() || answer.status.is_server_error(),
        "{why}: sign-in must fail with an error page, got {} at {}:\n{}",
        answer.status,
        answer.url,
        answer.body.chars().take(300).collect::<String>()
    );
    assert!(browser.app.values(SESSION_COOKIE).is_empty(), "{why}: no session cookie");
}

#[tokio::test]
#[ignore = "end-to-end: the real binary and a misbehaving provider; scripts/test.sh runs it"]
async fn an_id_token_with_an_untrusted_extra_audience_is_refused() {
    let op = FakeOp::start(&[fake_op::CLIENT_ID]).await;
    let app = App::start(fake_setup(&op)).await;
    // the fake is otherwise a working provider
    let (_, page) = login_at_fake(&app).await;
    assert_eq!(page.status, StatusCode::OK, "aud = [client]: signed in\n{}", page.body);

    let op = FakeOp::start(&[fake_op::CLIENT_ID, "other-api"]).await;
    let app = App::start(fake_setup(&op)).await;
    let (mut browser, answer) = login_at_fake(&app).await;
    assert_eq!(op.token_hits(), 1, "the code was redeemed: the refusal is the ID token's");
    assert_refused(&browser, &answer, "aud = [client, \"other-api\"] without oidc.trusted_audiences");
    assert!(app.is_login_redirect(&app.get(&mut browser, "/").await), "still signed out");
}

#[tokio::test]
#[ignore = "end-to-end: the real binary and a misbehaving provider; scripts/test.sh runs it"]
async fn trusted_audiences_lets_that_audience_and_only_it_in() {
    let trusted = "trusted_audiences = [\"other-api\"]\n";
    let op = FakeOp::start(&[fake_op::CLIENT_ID, "other-api"]).await;
    let app = App::start(fake_setup(&op).oidc_extra(trusted)).await;
    let (_, page) = login_at_fake(&app).await;
    assert_eq!(page.status, StatusCode::OK, "aud = [client, \"other-api\"], trusted: signed in\n{}", page.body);

    let op = FakeOp::start(&[fake_op::CLIENT_ID, "other-api", "third-api"]).await;
    let app = App::start(fake_setup(&op).oidc_extra(trusted)).await;
    let (browser, answer) = login_at_fake(&app).await;
    assert_refused(&browser, &answer, "aud = [client, \"other-api\", \"third-api\"], only other-api trusted");
}

/// Checks that the provider saw exactly one code redemption so far.
fn assert_redeemed_once(op: &ScriptProvider, after: &str) {
    let n = op.code_redemptions();
    assert_eq!(
        n,
        1,
        "{after}: the authorization code reached the provider's token endpoint {n} times; a callback is \
         usable once, a replay must be answered without redeeming anything\nprovider log:\n{}",
        op.log().lines().filter(|l| l.contains("token endpoint:")).collect::<Vec<_>>().join("\n")
    );
}

/// A login at `app` up to the provider's answer; returns the browser, a copy of its login
/// cookie alone (as an attacker who copied it holds it), the callback URL and the login.
async fn until_callback(app: &App, target: &str) -> (Browser, Jar, Url, PendingLogin) {
    let mut browser = Browser::default();
    let pending = app.start_login(&mut browser, target).await;
    let callback = app.at_provider(&mut browser, &pending, "alice").await;
    let copied = browser.app.clone();
    (browser, copied, callback, pending)
}

/// Replays `callback` with `jar` (`what` says where and who): the provider's token endpoint is
/// not called again; a browser signed in is sent on to `target`, any other gets a 400 page and
/// no session.
async fn assert_replay_refused(
    op: &ScriptProvider,
    app: &App,
    jar: &mut Jar,
    callback: &Url,
    signed_in: bool,
    target: &str,
    what: &str,
) {
    let answer = get(&app.http, jar, callback).await;
    assert_redeemed_once(op, what);
    if signed_in {
        assert_eq!(answer.status, StatusCode::FOUND, "{what}: a signed-in browser is sent on:\n{}", answer.body);
        assert_eq!(answer.location().path(), target);
        assert!(!app.is_login_redirect(&answer));
    } else {
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{what}: a replay in another browser (copied login cookie) must get a 400 page:\n{}",
            answer.body.chars().take(300).collect::<String>()
        );
        assert!(cookie_set(&answer.cookies(), SESSION_COOKIE).is_none(), "{what}: no session from a replay");
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs its own real oidc-provider (scripts/start-oidc-provider.sh); scripts/test.sh runs it"]
async fn a_replayed_callback_is_not_redeemed_again() {
    let op = ScriptProvider::start(&[]);
    let app = App::start(Setup::new(op.issuer.clone())).await;
    let (mut browser, mut copied, callback, pending) = until_callback(&app, "/docs/guide.html").await;
    app.finish_login(&mut browser, &callback, &pending).await.assert_contains("id=\"guide\"");
    assert_redeemed_once(&op, "the sign-in");
    let target = "/docs/guide.html";
    let what = "the callback replayed in the signed-in browser";
    assert_replay_refused(&op, &app, &mut browser.app, &callback, true, target, what).await;
    let what = "the callback replayed in another browser";
    assert_replay_refused(&op, &app, &mut copied, &callback, false, target, what).await;
    assert_eq!(app.get(&mut browser, "/").await.status, StatusCode::OK, "the real session lives on");
}

#[tokio::test]
#[ignore = "end-to-end: needs its own real oidc-provider (scripts/start-oidc-provider.sh); scripts/test.sh runs it"]
async fn a_replayed_callback_is_refused_after_a_restart() {
    let op = ScriptProvider::start(&[]);
    let mut app = App::start(Setup::new(op.issuer.clone())).await;
    let (mut browser, mut copied, callback, pending) = until_callback(&app, "/").await;
    app.finish_login(&mut browser, &callback, &pending).await.assert_contains("id=\"protected\"");
    app.restart_with(|config| config).await;
    let what = "the callback replayed in another browser after a restart (consumed states are durable)";
    assert_replay_refused(&op, &app, &mut copied, &callback, false, "/", what).await;
    let what = "the callback replayed in the signed-in browser after a restart";
    assert_replay_refused(&op, &app, &mut browser.app, &callback, true, "/", what).await;
}

#[tokio::test]
#[ignore = "end-to-end: needs its own oidc-provider and redis-server (scripts/start-*.sh); scripts/test.sh runs it"]
async fn a_callback_consumed_at_one_instance_is_refused_by_another_sharing_redis() {
    let op = ScriptProvider::start(&[]);
    let redis = OwnRedis::start();
    let ports = [free_port(), free_port()];
    let (id, secret) = register_shared_client(&op.issuer, &ports).await;
    let key = keygen();
    let store = format!("redis_url = {}\nsync_interval = \"1s\"\n", toml_str(&redis.url()));
    let setup = |port| {
        Setup::new(op.issuer.clone())
            .client(Client::Static { id, secret: Some(secret), auth: Auth::BasicInline })
            .session_key(&key)
            .store(&store)
            .port(port)
    };
    let one = App::start(setup(ports[0])).await;
    let two = App::start(setup(ports[1])).await;
    let (mut browser, mut copied, callback, pending) = until_callback(&one, "/").await;
    one.finish_login(&mut browser, &callback, &pending).await.assert_contains("id=\"protected\"");
    assert_redeemed_once(&op, "the sign-in at instance one");
    // past one sync interval, as behind a load balancer
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mut at_two = two.url(callback.path());
    at_two.set_query(callback.query());
    let what = "the callback consumed at instance one, replayed at instance two in another browser";
    assert_replay_refused(&op, &two, &mut copied, &at_two, false, "/", what).await;
    let what = "the callback consumed at instance one, replayed at instance two in the signed-in browser";
    assert_replay_refused(&op, &two, &mut browser.app, &at_two, true, "/", what).await;
}

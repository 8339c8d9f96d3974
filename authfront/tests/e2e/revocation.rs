//! Revocation end to end: the real provider's back-channel logout, the `authfront revoke`
//! command against a running instance, two instances sharing a real `redis-server`, and the
//! embedded store across a restart. Each test reports how long a revocation took to bite.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use url::Url;

use crate::support::*;

/// Env var with the base URL of the test redis-server (`redis://127.0.0.1:PORT`, no database).
const REDIS_ENV: &str = "AUTHFRONT_TEST_REDIS";
/// How long a revocation may take to reach an instance (sync interval 1 s, plus slack).
const BITES_WITHIN: Duration = Duration::from_secs(5);

fn assert_signed_in(page: &Page) {
    assert_eq!(page.status, StatusCode::OK, "{}:\n{}", page.url, page.body);
    page.assert_contains("id=\"protected\"");
}

/// Polls `/` with `browser` until the instance sends it to sign in; returns how long it took.
async fn until_signed_out(app: &App, browser: &Browser) -> Duration {
    let t0 = Instant::now();
    loop {
        let page = app.get(&mut browser.clone(), "/").await;
        if app.is_login_redirect(&page) {
            return t0.elapsed();
        }
        assert_signed_in(&page);
        assert!(t0.elapsed() < BITES_WITHIN, "{} still serves the revoked session after {BITES_WITHIN:?}", app.base);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Ends the provider session of `op` (the browser's cookies at oidc-provider) the way a user
/// does at the provider: its end-session page, then "Yes, sign me out". oidc-provider posts
/// the logout tokens, and waits for the answers, before it answers the confirmation.
async fn end_provider_session(app: &App, op: &mut Jar) {
    let end = Url::parse(&format!("{}/session/end", app.issuer)).expect("URL");
    let confirm = get(&app.http, op, &end).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let field = |name: &str| confirm.body.split(name).nth(1).and_then(|s| s.split('"').next()).map(str::to_owned);
    let xsrf = field("name=\"xsrf\" value=\"").expect("xsrf in the logout form");
    let action = confirm.url.join(&field("action=\"").expect("form action")).expect("action URL");
    let done = post_form(&app.http, op, &action, &[("xsrf", &xsrf), ("logout", "yes")]).await;
    assert!(done.status.is_redirection(), "{} {}", done.status, done.body);
}

/// `authfront revoke --config …` with `args`; exit code and output.
fn revoke(app: &App, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .arg("revoke")
        .arg("--config")
        .arg(app.config_path())
        .args(args)
        .env_remove("AUTHFRONT_CONFIG")
        .output()
        .unwrap_or_else(|e| panic!("spawn {BIN}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

/// The session ids logged at sign-in, in order.
fn session_ids(app: &App) -> Vec<String> {
    app.log()
        .lines()
        .filter(|l| l.contains("signed in"))
        .filter_map(|l| l.split("session=").nth(1))
        .map(|s| s.split_whitespace().next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn backchannel_logout_from_the_provider_ends_that_session() {
    let app = App::start(Setup::new(op_issuer()).backchannel_logout(true)).await;
    let mut alice = Browser::default();
    assert_signed_in(&app.login(&mut alice, "/", "alice").await);
    let copied = alice.clone(); // the same cookie in another tab, or stolen
    let mut bob = Browser::default();
    assert_signed_in(&app.login(&mut bob, "/", "bob").await);

    let t0 = Instant::now();
    end_provider_session(&app, &mut alice.op).await;
    let took = until_signed_out(&app, &copied).await;
    eprintln!(
        "back-channel logout: session refused {took:?} after the logout was confirmed ({:?} in all)",
        t0.elapsed()
    );
    assert!(took < Duration::from_millis(500), "the provider waited for authfront: revoked on arrival, took {took:?}");
    assert!(app.log().contains("back-channel logout: revoking kind=\"sid\""), "{}", app.log());
    // another user's session is untouched
    assert_signed_in(&app.get(&mut bob, "/").await);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn backchannel_logout_without_sid_ends_every_session_of_the_user() {
    let app = App::start(Setup::new(op_issuer()).backchannel_logout(false)).await;
    let (mut laptop, mut phone, mut bob) = (Browser::default(), Browser::default(), Browser::default());
    assert_signed_in(&app.login(&mut laptop, "/", "alice").await);
    assert_signed_in(&app.login(&mut phone, "/", "alice").await);
    assert_signed_in(&app.login(&mut bob, "/", "bob").await);
    end_provider_session(&app, &mut laptop.op).await;
    until_signed_out(&app, &phone).await;
    until_signed_out(&app, &laptop).await;
    assert!(app.log().contains("back-channel logout: revoking kind=\"sub\""), "{}", app.log());
    assert_signed_in(&app.get(&mut bob, "/").await);
    // signing in again afterwards works (a session begun after the revocation lives)
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut again = Browser::default();
    assert_signed_in(&app.login(&mut again, "/", "alice").await);
    assert_signed_in(&app.get(&mut again, "/").await);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn the_revoke_command_stops_a_running_instance() {
    let app = App::start(Setup::new(op_issuer())).await;
    let (mut alice, mut bob, mut bob2) = (Browser::default(), Browser::default(), Browser::default());
    assert_signed_in(&app.login(&mut alice, "/", "alice").await);
    assert_signed_in(&app.login(&mut bob, "/", "bob").await);
    assert_signed_in(&app.login(&mut bob2, "/", "bob").await);

    // every session of a user (oidc-provider's `sub` is the account name)
    let t0 = Instant::now();
    let (code, text) = revoke(&app, &["--sub", "alice"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("revoked sub alice") && text.contains("revocations.jsonl"), "{text}");
    let took = until_signed_out(&app, &alice).await;
    eprintln!(
        "authfront revoke --sub: the running instance refused the session {took:?} after the command returned ({:?} in all)",
        t0.elapsed()
    );
    assert_signed_in(&app.get(&mut bob, "/").await);

    // one session, by the id logged at sign-in
    let ids = session_ids(&app);
    assert_eq!(ids.len(), 3, "three sign-ins logged: {ids:?}");
    let (code, text) = revoke(&app, &["--session", &ids[2]]);
    assert_eq!(code, Some(0), "{text}");
    until_signed_out(&app, &bob2).await;
    assert_signed_in(&app.get(&mut bob, "/").await);

    let (code, text) = revoke(&app, &["--list"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("2 revocation(s) in force"), "{text}");
    assert!(text.contains("sub      alice") && text.contains(&format!("session  {}", ids[2])), "{text}");

    // usage errors
    let (code, text) = revoke(&app, &["--session", "not-hex"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("32 hex digits"), "{text}");
    let (code, text) = revoke(&app, &["--sub", "a", "--sid", "b"]);
    assert_eq!(code, Some(2), "one target at a time: {text}");
    let (code, text) = revoke(&app, &[]);
    assert_eq!(code, Some(2), "a target is required: {text}");
    let out = Command::new(BIN).args(["revoke", "--help"]).output().expect("spawn");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && help.contains("--sub") && help.contains("--list"), "{help}");
    let out = Command::new(BIN).args(["revoke", "--config", "/nonexistent.toml", "--list"]).output().expect("spawn");
    assert_eq!(out.status.code(), Some(64), "a config that cannot be read exits 64");
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn revocations_survive_a_restart() {
    let mut app = App::start(Setup::new(op_issuer())).await;
    let (mut revoked, mut kept) = (Browser::default(), Browser::default());
    assert_signed_in(&app.login(&mut revoked, "/", "alice").await);
    assert_signed_in(&app.login(&mut kept, "/", "alice").await);
    let ids = session_ids(&app);
    let (code, text) = revoke(&app, &["--session", &ids[0]]);
    assert_eq!(code, Some(0), "{text}");
    until_signed_out(&app, &revoked).await;
    app.restart_with(|config| config).await;
    let page = app.get(&mut revoked.clone(), "/").await;
    assert!(app.is_login_redirect(&page), "still revoked after a restart: {}", page.status);
    assert_signed_in(&app.get(&mut kept, "/").await);
    assert!(app.log().contains("revocations: embedded store") && app.log().contains("entries=1"), "{}", app.log());
}

/// A Redis URL with a database of its own for one test (1–15), emptied first.
async fn redis_db() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let base = match std::env::var(REDIS_ENV) {
        Ok(v) if !v.is_empty() => v.trim_end_matches('/').to_owned(),
        _ => panic!(
            "{REDIS_ENV} is not set: run scripts/test.sh (it starts redis-server), or scripts/start-redis.sh PORT"
        ),
    };
    let db = 1 + (std::process::id() + N.fetch_add(1, Ordering::Relaxed)) % 15;
    let url = format!("{base}/{db}");
    let client = redis::Client::open(url.as_str()).expect("redis URL");
    let mut conn = client.get_multiplexed_async_connection().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    redis::cmd("FLUSHDB").query_async::<()>(&mut conn).await.expect("FLUSHDB");
    url
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider and redis-server; scripts/test.sh runs it"]
async fn two_instances_sharing_redis_agree_within_seconds() {
    let redis = redis_db().await;
    let store = format!("redis_url = {}\nsync_interval = \"1s\"\n", toml_str(&redis));
    let key = keygen();
    // instances behind one load balancer share the key and the client
    let ports = [free_port(), free_port(), free_port()];
    let client = shared_client(&op_issuer(), &ports).await;
    let instance =
        |i: usize| Setup::new(op_issuer()).client(client.clone()).port(ports[i]).store(&store).session_key(&key);
    let one = App::start(instance(0)).await;
    let two = App::start(instance(1)).await;
    assert!(one.log().contains("revocations: redis store"), "{}", one.log());

    // behind a load balancer: a session made by one instance works on the other
    let mut alice = Browser::default();
    assert_signed_in(&one.login(&mut alice, "/", "alice").await);
    let mut at_two = alice.clone();
    assert_signed_in(&two.get(&mut at_two, "/").await);

    // the provider tells instance one; instance two stops the session within a sync interval
    let t0 = Instant::now();
    end_provider_session(&one, &mut alice.op).await;
    let confirmed = t0.elapsed();
    until_signed_out(&one, &alice).await;
    let on_one = t0.elapsed();
    until_signed_out(&two, &at_two).await;
    eprintln!(
        "redis: back-channel logout at instance one (confirmed after {confirmed:?}); refused by one after \
         {on_one:?}, by two after {:?}",
        t0.elapsed()
    );

    // the admin command writes to Redis too
    let mut bob = Browser::default();
    assert_signed_in(&two.login(&mut bob, "/", "bob").await);
    let t1 = Instant::now();
    let (code, text) = revoke(&one, &["--sub", "bob"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("redis://"), "{text}");
    let took = until_signed_out(&one, &bob).await.max(until_signed_out(&two, &bob).await);
    eprintln!(
        "redis: authfront revoke --sub reached both instances within {:?} ({took:?} after the command)",
        t1.elapsed()
    );

    // a third instance started later loads the list from Redis
    let three = App::start(instance(2)).await;
    let page = three.get(&mut at_two.clone(), "/").await;
    assert!(three.is_login_redirect(&page), "a new instance knows the revocations at once");
    let (code, text) = revoke(&three, &["--list"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("2 revocation(s) in force") && text.contains("sid ") && text.contains("sub      bob"),
        "{text}"
    );
}

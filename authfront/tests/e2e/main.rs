//! End-to-end tests: the real `authfront` binary, the real identity providers (npm
//! `oidc-provider`, OpenID Certified, and Debian's glewlwyd), a real Debian `redis-server` and a
//! real browser (headless Chromium).
//!
//! They are `#[ignore]`d so that a plain `cargo test` needs nothing but Rust; `scripts/test.sh`
//! starts the providers and redis, sets `AUTHFRONT_TEST_OP`, `AUTHFRONT_TEST_OP_FORM`,
//! `AUTHFRONT_TEST_OP_SHORT`, `AUTHFRONT_TEST_GLEWLWYD` and `AUTHFRONT_TEST_REDIS`, and runs them
//! with `--include-ignored`. The origins' tests need `AUTHFRONT_TEST_S3*` and
//! `AUTHFRONT_TEST_NGINX*` (see `origins/mod.rs`); the security suite (`attacks/`) also
//! `AUTHFRONT_TEST_TOMCAT` and `AUTHFRONT_TEST_TOMCAT_LOG` (Debian tomcat10,
//! `scripts/start-tomcat.sh`), `AUTHFRONT_TEST_WSGI` and `AUTHFRONT_TEST_WSGI_LOG` (a WSGI app on
//! Python's standard library, `scripts/start-wsgi.sh`), see `attacks/mod.rs`. By hand:
//!
//! ```sh
//! eval "$(scripts/start-oidc-provider.sh 19400)"
//! OP_AUTO_LOGIN=off scripts/start-oidc-provider.sh 19401
//! GLEWLWYD_RESET=1 scripts/start-glewlwyd.sh 19600
//! scripts/start-redis.sh 19900
//! eval "$(scripts/start-tomcat.sh 19810)"; eval "$(scripts/start-wsgi.sh 19820)"
//! AUTHFRONT_TEST_TOMCAT=$TOMCAT_URL AUTHFRONT_TEST_TOMCAT_LOG=$TOMCAT_ACCESS_LOG \
//!   AUTHFRONT_TEST_WSGI=$WSGI_URL AUTHFRONT_TEST_WSGI_LOG=$WSGI_LOG \
//!   AUTHFRONT_TEST_OP=http://127.0.0.1:19400 AUTHFRONT_TEST_OP_FORM=http://127.0.0.1:19401 \
//!   AUTHFRONT_TEST_GLEWLWYD=http://127.0.0.1:19600/api/oidc AUTHFRONT_TEST_REDIS=redis://127.0.0.1:19900 \
//!   cargo test -p authfront --test e2e -- --include-ignored
//! ```
//!
//! The security tests in `faults/` (issue 10) need `AUTHFRONT_TEST_OP` and, for the chunked-body
//! test, `AUTHFRONT_TEST_NGINX` and `AUTHFRONT_TEST_NGINX_SECRET` (see `origins/mod.rs`); they
//! start their own oidc-provider and redis-server instances with the same scripts on free ports
//! (state in `$AUTHFRONT_RUN`, default `.run/`) and, as root, mount a 64 KiB tmpfs there.

mod attacks;
mod cloudfront;
mod demo;
mod faults;
mod forward_auth;
mod glewlwyd;
mod lifecycle;
mod origins;
mod pages;
mod revocation;
mod support;

use std::fs;
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use support::{
    App, Auth, BIN, Browser, Client, LOGIN_COOKIE, OwnProvider, SESSION_COOKIE, Setup, chromium, cookie_set, keygen,
    op_form_issuer, op_issuer,
};

/// A signed-in page of the example site.
const HOME: &str = "id=\"protected\"";
const GUIDE: &str = "id=\"guide\"";
const PUBLIC: &str = "id=\"public\"";

fn assert_home(page: &support::Page) {
    assert_eq!(page.status, StatusCode::OK, "{}:\n{}", page.url, page.body);
    page.assert_contains(HOME);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn confidential_client_basic_auth_rs256() {
    let app =
        App::start(Setup::new(op_issuer()).client(Client::Register { auth: Auth::Basic, id_token_alg: "RS256" })).await;
    let mut browser = Browser::default();
    let page = app.login(&mut browser, "/", "alice").await;
    assert_home(&page);
    // the session holds: other pages are served without a new login
    let again = app.get(&mut browser, "/").await;
    assert_home(&again);
    let guide = app.get(&mut browser, "/docs/guide.html").await;
    assert_eq!(guide.status, StatusCode::OK);
    guide.assert_contains(GUIDE);
    let css = app.get(&mut browser, "/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").is_some_and(|t| t.starts_with("text/css")), "{:?}", css.headers);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn public_client_with_pkce_only() {
    let app =
        App::start(Setup::new(op_issuer()).client(Client::Register { auth: Auth::None, id_token_alg: "RS256" })).await;
    let page = app.login(&mut Browser::default(), "/", "alice").await;
    assert_home(&page);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn client_secret_post_and_another_staff_member() {
    let app =
        App::start(Setup::new(op_issuer()).client(Client::Register { auth: Auth::Post, id_token_alg: "RS256" })).await;
    let page = app.login(&mut Browser::default(), "/", "bob").await;
    assert_home(&page);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn es256_id_tokens() {
    let setup = Setup::new(op_issuer())
        .client(Client::Register { auth: Auth::BasicInline, id_token_alg: "ES256" })
        .id_token_algs(&["ES256"]);
    let app = App::start(setup).await;
    let page = app.login(&mut Browser::default(), "/", "alice").await;
    assert_home(&page);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn id_token_alg_outside_the_allow_list_is_refused() {
    // the provider signs RS256, authfront accepts only ES256
    let setup = Setup::new(op_issuer())
        .client(Client::Register { auth: Auth::Basic, id_token_alg: "RS256" })
        .id_token_algs(&["ES256"]);
    let app = App::start(setup).await;
    let mut browser = Browser::default();
    let pending = app.start_login(&mut browser, "/").await;
    let callback = app.at_provider(&mut browser, &pending, "alice").await;
    let page = app.finish_login(&mut browser, &callback, &pending).await;
    assert!(
        page.status.is_client_error() || page.status.is_server_error(),
        "an ID token signed with a refused algorithm must end in an error page, got {} at {}",
        page.status,
        page.url
    );
    assert!(browser.app.values(SESSION_COOKIE).is_empty(), "no session after a refused ID token");
    assert!(app.is_login_redirect(&app.get(&mut browser, "/").await), "still signed out");
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn user_outside_required_groups_gets_403_without_a_login_loop() {
    let app = App::start(Setup::new(op_issuer())).await;
    let mut browser = Browser::default();
    let page = app.login(&mut browser, "/", "carol").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "carol is in no required group:\n{}", page.body);
    assert!(
        page.header("content-type").is_some_and(|t| t.starts_with("text/html")),
        "an HTML page: {:?}",
        page.headers
    );
    assert!(!page.body.contains(HOME), "the protected content must not leak into the 403 page");
    // signed in but not allowed: asking again answers 403 again, never a trip to the provider
    for path in ["/", "/docs/guide.html?section=intro"] {
        let again = app.get(&mut browser, path).await;
        assert!(!app.is_login_redirect(&again), "{path}: carol is sent back to the provider (login loop)");
        assert_eq!(again.status, StatusCode::FORBIDDEN, "{path}");
    }
    // public paths stay open to her
    let public = app.get(&mut browser, "/public/").await;
    assert_eq!(public.status, StatusCode::OK);
    public.assert_contains(PUBLIC);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn deep_link_keeps_path_and_query() {
    let app = App::start(Setup::new(op_issuer())).await;
    let target = "/docs/guide.html?section=intro&x=%2F";
    let page = app.login(&mut Browser::default(), target, "alice").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.url.path(), "/docs/guide.html");
    assert_eq!(page.url.query(), Some("section=intro&x=%2F"), "the query comes back byte for byte");
    page.assert_contains(GUIDE);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn two_logins_in_one_browser_finish_in_reverse_order() {
    let app = App::start(Setup::new(op_issuer())).await;
    let mut browser = Browser::default();
    // two tabs start a login before either finishes
    let first = app.start_login(&mut browser, "/").await;
    let second = app.start_login(&mut browser, "/docs/guide.html?section=intro").await;
    assert_ne!(first.state, second.state, "each login has its own state");
    assert!(
        browser.app.values(LOGIN_COOKIE).len() <= 1,
        "at most one login cookie: {:?}",
        browser.app.values(LOGIN_COOKIE)
    );
    // the second tab signs in first
    let cb_second = app.at_provider(&mut browser, &second, "alice").await;
    let cb_first = app.at_provider(&mut browser, &first, "alice").await;
    let guide = app.finish_login(&mut browser, &cb_second, &second).await;
    assert_eq!(guide.status, StatusCode::OK, "second tab:\n{}", guide.body);
    guide.assert_contains(GUIDE);
    let home = app.finish_login(&mut browser, &cb_first, &first).await;
    assert_home(&home);
    assert!(
        browser.app.values(LOGIN_COOKIE).len() <= 1,
        "at most one login cookie: {:?}",
        browser.app.values(LOGIN_COOKIE)
    );
    assert_eq!(browser.app.values(SESSION_COOKIE).len(), 1, "one session cookie");
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn tampered_session_cookie_means_signed_out() {
    let app = App::start(Setup::new(op_issuer())).await;
    let mut browser = Browser::default();
    assert_home(&app.login(&mut browser, "/", "alice").await);
    let good = browser.app.value(SESSION_COOKIE);
    let mid = good.len() / 2;
    let flipped = {
        let mut b = good.clone().into_bytes();
        b[mid] = if b[mid] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).expect("ASCII")
    };
    let variants = [
        ("one character changed", flipped),
        ("truncated", good[..good.len() - 4].to_owned()),
        ("extended", format!("{good}AAAA")),
        ("garbage", "not-a-session".to_owned()),
        ("empty", String::new()),
    ];
    for (what, value) in variants {
        assert_ne!(value, good);
        let mut tampered = browser.clone();
        tampered.app.replace(SESSION_COOKIE, &value);
        let page = app.get(&mut tampered, "/").await;
        assert!(
            app.is_login_redirect(&page),
            "{what} session cookie: expected a 302 to the provider (signed out), got {}:\n{}",
            page.status,
            page.body
        );
        page.assert_no_store();
    }
    // the genuine cookie still works
    assert_home(&app.get(&mut browser, "/").await);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn public_paths_need_no_login() {
    let app = App::start(Setup::new(op_issuer())).await;
    let mut browser = Browser::default();
    for path in ["/public/", "/public/index.html"] {
        let page = app.get(&mut browser, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}:\n{}", page.body);
        page.assert_contains(PUBLIC);
        assert!(cookie_set(&page.cookies(), LOGIN_COOKIE).is_none(), "{path}: no login started");
    }
    let css = app.get(&mut browser, "/public/public.css").await;
    assert_eq!(css.status, StatusCode::OK);
    // and the rest of the site is not public
    for path in ["/", "/index.html", "/style.css", "/public/../index.html", "/publicity"] {
        let page = app.get(&mut Browser::default(), path).await;
        assert!(app.is_login_redirect(&page), "{path}: expected a login redirect, got {}", page.status);
    }
}

/// Writes a valid config (nothing listens) into `dir` and returns its text.
fn minimal_config(dir: &std::path::Path) -> String {
    fs::write(dir.join("session.key"), keygen()).expect("write key");
    fs::create_dir_all(dir.join("site")).expect("mkdir site");
    "[server]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"http://127.0.0.1:8080\"\n\n\
     [oidc]\nissuer = \"http://127.0.0.1:9400\"\nclient_id = \"authfront-confidential\"\n\
     client_secret = \"authfront-confidential-secret\"\n\n\
     [session]\nkeys = [{ file = \"session.key\" }]\n\n\
     [origin]\ndir = \"./site\"\n"
        .to_owned()
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN).args(args).output().unwrap_or_else(|e| panic!("spawn {BIN}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code(), text)
}

#[test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
fn cli_check_config_names_a_misspelt_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = minimal_config(dir.path());
    let good_path = dir.path().join("good.toml");
    fs::write(&good_path, &good).expect("write");
    let (code, text) = run(&["check-config", "--config", good_path.to_str().expect("UTF-8 path")]);
    assert_eq!(code, Some(0), "a valid config:\n{text}");

    let bad_path = dir.path().join("bad.toml");
    fs::write(&bad_path, good.replace("issuer =", "isuer =")).expect("write");
    let (code, text) = run(&["check-config", "--config", bad_path.to_str().expect("UTF-8 path")]);
    assert_eq!(code, Some(64), "a misspelt key exits 64 (EX_USAGE):\n{text}");
    assert!(text.contains("oidc.isuer"), "the message names the key `oidc.isuer`:\n{text}");

    for args in [&["--help"][..], &["serve", "--help"], &["check-config", "--help"], &["keygen", "--help"]] {
        let (code, text) = run(args);
        assert_eq!(code, Some(0), "authfront {args:?}:\n{text}");
        assert!(text.to_lowercase().contains("usage"), "authfront {args:?} prints its usage:\n{text}");
    }
    assert_ne!(keygen(), keygen(), "every key is new");
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn provider_key_rotation_needs_no_restart() {
    let keys = tempfile::tempdir().expect("temp dir");
    let app_port = support::free_port();
    let redirect = format!("http://127.0.0.1:{app_port}{}", support::CALLBACK_PATH);
    let mut op = OwnProvider::start(keys.path().join("jwks.private.json"), &redirect).await;
    let setup = Setup::new(op.issuer.clone())
        .client(Client::Static {
            id: "authfront-confidential",
            secret: Some("authfront-confidential-secret"),
            auth: Auth::BasicInline,
        })
        .oidc_extra("jwks_min_refresh_interval = \"1s\"\n")
        .port(app_port);
    let app = App::start(setup).await;
    let mut before = Browser::default();
    assert_home(&app.login(&mut before, "/", "alice").await);

    // new signing keys: delete the provider's key file and restart it
    let old_kids = op.kids().await;
    fs::remove_file(&op.keys_file).expect("delete the provider's keys");
    op.restart().await;
    let new_kids = op.kids().await;
    assert!(new_kids.iter().all(|k| !old_kids.contains(k)), "rotated: {old_kids:?} -> {new_kids:?}");
    tokio::time::sleep(Duration::from_millis(1100)).await; // past jwks_min_refresh_interval

    let mut after = Browser::default();
    assert_home(&app.login(&mut after, "/", "bob").await);
    // sessions are authfront's own: the earlier one is still good
    assert_home(&app.get(&mut before, "/").await);
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider; scripts/test.sh runs it"]
async fn real_browser_signs_in_with_the_provider_form() {
    let app = App::start(Setup::new(op_form_issuer())).await;
    let url = app.url("/");
    let shot = app.dir.path().join("login.png");
    let run = chromium(
        "login.mjs",
        [
            url.as_str().into(),
            "--user".into(),
            "alice".into(),
            "--expect".into(),
            "#protected".into(),
            "--screenshot".into(),
            shot.clone().into_os_string(),
        ],
    )
    .await;
    let result = &run.result;
    assert!(run.ok(), "browser login failed: {result}\n{}", run.stderr);
    assert_eq!(result["formShown"], true, "the provider showed its login form: {result}");
    assert_eq!(result["finalUrl"], url.as_str(), "back on the page first asked for: {result}");
    assert_eq!(result["status"], 200, "{result}");
    let cookies = result["cookies"].as_array().expect("cookies");
    assert!(cookies.iter().any(|c| c.as_str().is_some_and(|c| c.ends_with(&format!(":{SESSION_COOKIE}")))), "{result}");
    assert!(fs::metadata(&shot).map(|m| m.len() > 0).unwrap_or(false), "a screenshot at {}", shot.display());
}

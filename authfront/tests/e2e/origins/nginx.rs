//! The HTTP origin and the cache end to end: Debian nginx behind the real login.

// Test code: a panic is a failed test, which is what an unwrap here should be.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::COOKIE;

use super::{CSS, brotli_decode, fetch, header, var};
use crate::support::{App, Auth, BIN, Browser, Client, Setup, free_port, log_lines, op_issuer, repo_root};

fn nginx_origin() -> String {
    format!(
        "http = \"{}\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = {{ env = \"E2E_ORIGIN_SECRET\" }} }}",
        var("AUTHFRONT_TEST_NGINX")
    )
}

/// nginx serves static files: its answers do not depend on who asks, so the cache may share
/// them although identity headers are sent (`shared = true`; without it signed-in requests
/// bypass the cache, see `attacks::sharing`).
fn nginx_setup() -> Setup {
    Setup::new(op_issuer())
        .origin(&nginx_origin())
        .env("E2E_ORIGIN_SECRET", &var("AUTHFRONT_TEST_NGINX_SECRET"))
        .extra("[cache]\nrules = [{ path = \"/*\", shared = true }]")
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider, s3s-fs and nginx; scripts/test.sh runs it"]
async fn nginx_sees_identity_and_secret_never_spoofs_or_our_cookies() {
    // without the secret header, nginx refuses everyone
    let direct = reqwest::get(format!("{}/hello.txt", var("AUTHFRONT_TEST_NGINX"))).await.unwrap();
    assert_eq!(direct.status(), StatusCode::FORBIDDEN);
    let app = App::start(nginx_setup()).await;
    let mut browser = Browser::default();
    let page = app.login(&mut browser, "/hello.txt", "alice").await;
    assert_eq!(page.body, "hello from nginx\n");
    let cookies = browser.app.header_for(&app.url("/")).unwrap();
    assert!(cookies.contains("authfront_session="), "{cookies}");
    let r = app
        .http
        .get(app.url("/echo-headers"))
        .header(COOKIE, format!("{cookies}; theme=dark; authfront_login=stale"))
        .header("x-auth-request-user", "mallory")
        .header("x-auth-request-groups", "admins")
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-origin-verify", "guessed")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let echo = r.text().await.unwrap();
    let seen = |k: &str| echo.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).unwrap_or_default().to_owned();
    assert_eq!(seen("x-auth-request-user"), "alice", "{echo}");
    assert!(seen("x-auth-request-email").starts_with("alice@"), "{echo}");
    assert_eq!(seen("x-auth-request-groups"), "staff", "{echo}");
    assert_eq!(seen("x-origin-verify"), var("AUTHFRONT_TEST_NGINX_SECRET"), "{echo}");
    assert_eq!(seen("x-forwarded-for"), "127.0.0.1");
    assert_eq!(seen("x-forwarded-proto"), "http");
    assert_eq!(seen("x-forwarded-host"), app.url("/").authority());
    assert_eq!(seen("cookie"), "theme=dark", "authfront's cookies never reach the origin: {echo}");
    assert_eq!(seen("accept-encoding"), "identity");
}

/// Resident memory of a process, in bytes: (now, peak).
fn rss(pid: u32) -> (u64, u64) {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .unwrap()
            .parse::<u64>()
            .unwrap()
            * 1024
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash = (*hash ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider, s3s-fs and nginx; scripts/test.sh runs it"]
async fn nginx_100mb_streams_with_flat_memory() {
    const SIZE: usize = 100 * 1024 * 1024;
    let file: PathBuf = Path::new(&var("AUTHFRONT_TEST_NGINX_DOCROOT")).join("big-100m.bin");
    if fs::metadata(&file).map(|m| m.len() as usize).ok() != Some(SIZE) {
        let block: Vec<u8> = (0..1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        fs::write(&file, block.repeat(100)).unwrap();
    }
    let mut expected = 0xcbf2_9ce4_8422_2325u64;
    fnv(&mut expected, &fs::read(&file).unwrap());
    let app = App::start(nginx_setup()).await;
    let mut browser = Browser::default();
    app.login(&mut browser, "/hello.txt", "alice").await;
    let (before, _) = rss(app.pid());
    let mut r = fetch(&app, &browser, "/big-100m.bin", &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-length"), SIZE.to_string());
    assert_eq!(header(&r, "x-cache"), "miss", "larger than cache.max_object_size: streamed, not stored");
    let (mut got, mut hash, mut during) = (0usize, 0xcbf2_9ce4_8422_2325u64, 0u64);
    while let Some(chunk) = r.chunk().await.unwrap() {
        got += chunk.len();
        fnv(&mut hash, &chunk);
        if got % (8 * 1024 * 1024) < chunk.len() {
            during = during.max(rss(app.pid()).0);
        }
    }
    let (after, peak) = rss(app.pid());
    eprintln!(
        "100 MB through authfront: RSS before {} MiB, max during {} MiB, after {} MiB, peak (VmHWM) {} MiB",
        before >> 20,
        during >> 20,
        after >> 20,
        peak >> 20
    );
    assert_eq!((got, hash), (SIZE, expected), "every byte arrived, in order");
    assert!(peak < 64 << 20, "authfront's peak RSS {} MiB is not flat", peak >> 20);
    assert!(during < before + (32 << 20), "RSS grew from {} to {} MiB while streaming", before >> 20, during >> 20);
}

/// How many requests for `path` nginx logged, waiting for at least `want` (see [`log_lines`]).
fn access_count(path: &str, want: usize) -> usize {
    let request = format!("GET {path} ");
    log_lines(Path::new(&var("AUTHFRONT_TEST_NGINX_LOG")), |l| l.contains(&request), want).len()
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider, s3s-fs and nginx; scripts/test.sh runs it"]
async fn nginx_cached_compressed_coalesced_and_purged() {
    let name = format!("/counted/c-{}-{}.css", std::process::id(), free_port());
    let docroot = PathBuf::from(var("AUTHFRONT_TEST_NGINX_DOCROOT"));
    fs::create_dir_all(docroot.join("counted")).unwrap();
    let css = CSS.repeat(300);
    fs::write(docroot.join(name.trim_start_matches('/')), &css).unwrap();
    let admin = free_port();
    // the client secret in a file: `authfront purge` reads the same config as the server
    let setup = nginx_setup()
        .client(Client::Register { auth: Auth::Post, id_token_alg: "RS256" })
        .extra(&format!("[admin]\nlisten = \"127.0.0.1:{admin}\"\ntoken = \"e2e-admin-token-0123456789\""));
    let app = App::start(setup).await;
    let mut browser = Browser::default();
    app.login(&mut browser, "/hello.txt", "alice").await;

    // 40 simultaneous misses: one request reaches nginx
    let cookie = browser.app.header_for(&app.url("/")).unwrap();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (http, url, cookie) = (app.http.clone(), app.url(&name), cookie.clone());
        tasks.push(tokio::spawn(async move {
            http.get(url).header(COOKIE, cookie).send().await.unwrap().bytes().await.unwrap()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), css.as_bytes());
    }
    let fetched = access_count(&name, 1);
    assert_eq!(fetched, 1, "40 concurrent misses, one origin fetch");
    eprintln!("coalescing: 40 concurrent requests for {name}, {fetched} reached nginx");
    let r = fetch(&app, &browser, &name, &[("accept-encoding", "br")]).await;
    assert_eq!((header(&r, "x-cache"), header(&r, "content-encoding")), ("hit".to_owned(), "br".to_owned()));
    assert_eq!(brotli_decode(&r.bytes().await.unwrap()), css.as_bytes());

    // never stored: Set-Cookie, no-store, private
    for path in ["/set-cookie", "/no-store", "/private"] {
        for _ in 0..2 {
            let r = fetch(&app, &browser, path, &[]).await;
            assert_eq!((r.status(), header(&r, "x-cache")), (StatusCode::OK, "miss".to_owned()), "{path}");
        }
    }
    assert_eq!(header(&fetch(&app, &browser, "/set-cookie", &[]).await, "set-cookie"), "origin_pref=1; Path=/");

    // purge from the command line, then the next request goes to nginx again
    let out = Command::new(BIN)
        .args(["purge", "--config"])
        .arg(app.dir.path().join("authfront.toml"))
        .arg("/counted/*")
        .env_remove("AUTHFRONT_CONFIG")
        .env("E2E_ORIGIN_SECRET", var("AUTHFRONT_TEST_NGINX_SECRET"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("purged ") && !stdout.starts_with("purged 0 "), "{stdout}");
    let r = fetch(&app, &browser, &name, &[]).await;
    assert_eq!(header(&r, "x-cache"), "miss");
    assert_eq!(access_count(&name, 2), 2);
}

/// An nginx of this test's own, so that it can be stopped.
struct OwnNginx {
    port: u16,
    _docroot: tempfile::TempDir,
}

impl OwnNginx {
    fn start() -> OwnNginx {
        let port = free_port();
        let docroot = tempfile::tempdir().unwrap();
        let out = Command::new(repo_root().join("scripts/start-nginx.sh"))
            .arg(port.to_string())
            .env("NGINX_DOCROOT", docroot.path())
            .env_remove("NGINX_SECRET")
            .output()
            .unwrap();
        assert!(out.status.success(), "start-nginx.sh: {}", String::from_utf8_lossy(&out.stderr));
        OwnNginx { port, _docroot: docroot }
    }

    fn stop(&self) {
        let out = Command::new(repo_root().join("scripts/stop-nginx.sh")).arg(self.port.to_string()).output().unwrap();
        assert!(out.status.success(), "stop-nginx.sh: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for OwnNginx {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/stop-nginx.sh")).arg(self.port.to_string()).output();
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider, s3s-fs and nginx; scripts/test.sh runs it"]
async fn nginx_down_serves_stale_then_a_clear_502() {
    let nginx = OwnNginx::start();
    let origin = format!("http = \"http://127.0.0.1:{}\"", nginx.port);
    let app = App::start(
        Setup::new(op_issuer())
            .origin(&origin)
            .extra("[cache]\nstale_if_error = \"5s\"\nrules = [{ path = \"/*\", shared = true }]"),
    )
    .await;
    let mut browser = Browser::default();
    let page = app.login(&mut browser, "/short/item.txt", "alice").await;
    assert_eq!(page.body, "short-lived\n");
    let stored = Instant::now();
    assert_eq!(page.headers.get("x-cache").unwrap(), "miss");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    nginx.stop();
    let r = fetch(&app, &browser, "/short/item.txt", &[]).await;
    assert_eq!((r.status(), header(&r, "x-cache")), (StatusCode::OK, "stale".to_owned()));
    assert_eq!(r.text().await.unwrap(), "short-lived\n");
    assert!(stored.elapsed() < Duration::from_secs(5), "too slow to test the stale window");
    // past max-age=1 plus stale_if_error=5s: nothing may stand in any more
    tokio::time::sleep(Duration::from_millis(6100).saturating_sub(stored.elapsed())).await;
    let r = fetch(&app, &browser, "/short/item.txt", &[]).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(header(&r, "cache-control"), "no-store");
    assert!(r.text().await.unwrap().contains("Bad gateway"));
    assert!(app.log().contains("connect"), "the log says why:\n{}", app.log());
}

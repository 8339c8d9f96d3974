//! End-to-end tests of the origins and the edge cache: the real binary, signed in at the real
//! provider, in front of a private bucket on `s3s-fs` (which really checks SigV4) and Debian
//! nginx. `scripts/test.sh` starts both and sets the variables below; by hand:
//!
//! ```sh
//! eval "$(scripts/start-s3s-fs.sh 19700)"; eval "$(NGINX_SECRET=e2e-origin-secret scripts/start-nginx.sh 19800)"
//! AUTHFRONT_TEST_S3=$S3_ENDPOINT AUTHFRONT_TEST_S3_ROOT=$S3_ROOT AUTHFRONT_TEST_S3_KEY=$AWS_ACCESS_KEY_ID \
//!   AUTHFRONT_TEST_S3_SECRET=$AWS_SECRET_ACCESS_KEY AUTHFRONT_TEST_NGINX=$NGINX_URL \
//!   AUTHFRONT_TEST_NGINX_DOCROOT=$NGINX_DOCROOT AUTHFRONT_TEST_NGINX_LOG=$NGINX_ACCESS_LOG \
//!   AUTHFRONT_TEST_NGINX_SECRET=e2e-origin-secret AUTHFRONT_TEST_OP=… cargo test -p authfront --test e2e -- --include-ignored origins
//! ```

// Test code: a panic is a failed test, which is what an unwrap here should be.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::COOKIE;

use crate::support::{App, Auth, BIN, Browser, Client, Setup, free_port, op_issuer, repo_root};

fn var(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!("{name} is not set: run scripts/test.sh (it starts s3s-fs and nginx), or see the top of origins.rs")
    })
}

/// A bucket of its own for each test, seeded through the S3 server's folder.
fn bucket(files: &[(&str, &[u8])]) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!("e2e-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let root = Path::new(&var("AUTHFRONT_TEST_S3_ROOT")).join(&name);
    for (path, body) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
    name
}

fn s3_origin(bucket: &str, extra: &str) -> String {
    format!(
        "s3 = {{ bucket = \"{bucket}\", region = \"us-east-1\", endpoint = \"{}\", path_style = true{extra} }}",
        var("AUTHFRONT_TEST_S3")
    )
}

fn with_s3_keys(setup: Setup) -> Setup {
    setup
        .env("AWS_ACCESS_KEY_ID", &var("AUTHFRONT_TEST_S3_KEY"))
        .env("AWS_SECRET_ACCESS_KEY", &var("AUTHFRONT_TEST_S3_SECRET"))
}

/// A GET with the browser's cookies and `headers`, the response unread.
async fn fetch(app: &App, browser: &Browser, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let url = app.url(path);
    let mut req = app.http.get(url.clone());
    if let Some(c) = browser.app.header_for(&url) {
        req = req.header(COOKIE, c);
    }
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    req.send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

fn brotli_decode(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(body, 4096).read_to_end(&mut out).unwrap();
    out
}

const CSS: &str = ".page { color: #333; margin: 0 auto; max-width: 40em; }\n";

#[tokio::test]
#[ignore = "end-to-end: needs the provider, s3s-fs and nginx; scripts/test.sh runs it"]
async fn s3_private_bucket_served_behind_login() {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let css = CSS.repeat(100);
    let b = bucket(&[
        ("index.html", b"<h1 id=\"s3-home\">from the bucket</h1>"),
        ("docs/index.html", b"<h1 id=\"s3-docs\">docs</h1>"),
        ("style.css", css.as_bytes()),
        ("data.bin", &data),
        ("assets/logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
        ("spa/index.html", b"<div id=\"spa\"></div>"),
        ("spa/app/main.js", b"console.log(1)"),
    ]);
    // private: nothing works unsigned
    let direct = reqwest::get(format!("{}/{b}/index.html", var("AUTHFRONT_TEST_S3"))).await.unwrap();
    assert_eq!(direct.status(), StatusCode::FORBIDDEN);

    let origin = format!(
        "{}\n[[origin.routes]]\npath = \"/app/*\"\n{}\nspa = true\n",
        s3_origin(&b, ""),
        s3_origin(&b, ", prefix = \"spa/\"")
    );
    let setup = with_s3_keys(Setup::new(op_issuer()).origin(&origin))
        .extra("[cache]\nrules = [{ path = \"/assets/*\", default_ttl = \"1h\" }]");
    let app = App::start(setup).await;
    let mut browser = Browser::default();
    let page = app.login(&mut browser, "/", "alice").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("id=\"s3-home\"");
    app.get(&mut browser, "/docs/").await.assert_contains("id=\"s3-docs\"");

    // missing: authfront's 404 page, never S3's XML; the SPA route falls back to its index
    let missing = app.get(&mut browser, "/nothing-here.html").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(!missing.body.contains("<Error>") && !missing.body.contains("NoSuchKey"), "{}", missing.body);
    missing.assert_contains("Not found");
    let spa = app.get(&mut browser, "/app/settings/profile").await;
    assert_eq!(spa.status, StatusCode::OK);
    spa.assert_contains("id=\"spa\"");
    assert_eq!(app.get(&mut browser, "/app/main.js").await.body, "console.log(1)");
    assert_eq!(app.get(&mut browser, "/app/nothing.js").await.status, StatusCode::NOT_FOUND);

    // ranges and conditions through S3
    let r = fetch(&app, &browser, "/data.bin", &[("range", "bytes=1000-1999")]).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&r, "content-range"), "bytes 1000-1999/200000");
    assert_eq!(r.bytes().await.unwrap(), &data[1000..2000]);
    let full = fetch(&app, &browser, "/data.bin", &[]).await;
    let etag = header(&full, "etag");
    assert!(etag.starts_with('"'), "{etag}");
    assert_eq!(full.bytes().await.unwrap(), data);
    let r = fetch(&app, &browser, "/data.bin", &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = fetch(&app, &browser, "/data.bin", &[("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")]).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    let r = fetch(&app, &browser, "/data.bin", &[("range", "bytes=-10"), ("if-range", &etag)]).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap(), &data[data.len() - 10..]);
    let head = app
        .http
        .head(app.url("/data.bin"))
        .header(COOKIE, browser.app.header_for(&app.url("/")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!((head.status(), header(&head, "content-length")), (StatusCode::OK, "200000".to_owned()));

    // compressed, with a type guessed from the key; per-prefix TTL: a hit without asking S3
    let r = fetch(&app, &browser, "/style.css", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!((header(&r, "content-encoding"), header(&r, "vary")), ("br".to_owned(), "Accept-Encoding".to_owned()));
    assert!(header(&r, "content-type").starts_with("text/css"));
    assert_eq!(brotli_decode(&r.bytes().await.unwrap()), css.as_bytes());
    assert_eq!(header(&fetch(&app, &browser, "/assets/logo.svg", &[]).await, "x-cache"), "miss");
    assert_eq!(header(&fetch(&app, &browser, "/assets/logo.svg", &[]).await, "x-cache"), "hit");
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider, s3s-fs and nginx; scripts/test.sh runs it"]
async fn s3_wrong_secret_key_is_a_clean_502() {
    let b = bucket(&[("index.html", b"<h1>never shown</h1>")]);
    let keys =
        format!(", access_key_id = \"{}\", secret_access_key = \"not-the-secret-key\"", var("AUTHFRONT_TEST_S3_KEY"));
    let app = App::start(Setup::new(op_issuer()).origin(&s3_origin(&b, &keys))).await;
    let mut browser = Browser::default();
    let page = app.login(&mut browser, "/", "alice").await;
    assert_eq!(page.status, StatusCode::BAD_GATEWAY, "{}", page.body);
    page.assert_contains("Bad gateway");
    for leak in ["<?xml", "<Error>", "SignatureDoesNotMatch", &b] {
        assert!(!page.body.contains(leak), "the page shows {leak}: {}", page.body);
    }
    let log = app.log();
    let line =
        log.lines().find(|l| l.contains("SignatureDoesNotMatch")).unwrap_or_else(|| panic!("no log line:\n{log}"));
    assert!(line.contains(&format!("S3 bucket `{b}`")), "{line}");
}

fn nginx_origin() -> String {
    format!(
        "http = \"{}\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = {{ env = \"E2E_ORIGIN_SECRET\" }} }}",
        var("AUTHFRONT_TEST_NGINX")
    )
}

fn nginx_setup() -> Setup {
    Setup::new(op_issuer()).origin(&nginx_origin()).env("E2E_ORIGIN_SECRET", &var("AUTHFRONT_TEST_NGINX_SECRET"))
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

fn access_count(path: &str) -> usize {
    fs::read_to_string(var("AUTHFRONT_TEST_NGINX_LOG"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&format!("GET {path} ")))
        .count()
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
    assert_eq!(access_count(&name), 1, "40 concurrent misses, one origin fetch");
    eprintln!("coalescing: 40 concurrent requests for {name}, {} reached nginx", access_count(&name));
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
    assert_eq!(access_count(&name), 2);
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
    let app = App::start(Setup::new(op_issuer()).origin(&origin).extra("[cache]\nstale_if_error = \"5s\"")).await;
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

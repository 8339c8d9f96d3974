//! The security suite of issue 10 (the proxy, path and origin half): each test is an attack on
//! the boundary, made with real components through the real binary — Debian nginx and tomcat10,
//! a WSGI app on Python's standard-library server (`scripts/wsgi/app.py`), the folder origin —
//! and each asserts the rule that makes the whole family impossible, not just the one input.
//! One file per family:
//!
//! * `smuggling` — request smuggling through a pooled connection to nginx; `framing` — request
//!   bodies (GET bodies forwarded, POST streamed, bad chunks, `proxy.max_request_body`, CL+TE,
//!   duplicate CL); `host` — HTTP/1.1 without `Host`;
//! * `paths` — the differential path-confusion corpus (`corpus`) against Tomcat, nginx and the
//!   folder origin, `;` path parameters;
//! * `signed` — CloudFront signed-URL Resources matched on the normalised path;
//! * `sharing` — per-user answers never shared by the cache (coalescing, stale), unless a
//!   `[[cache.rules]]` entry says `shared = true`;
//! * `preflight` — CORS preflights on protected paths, `access.preflight = "origin"`;
//! * `headers` — `_` spellings of identity/secret/forwarding headers, routing overrides;
//! * `folder` — hidden files, symlinks, loops, a literal `*`.
//!
//! `scripts/test.sh` starts the shared parts and sets `AUTHFRONT_TEST_TOMCAT`,
//! `AUTHFRONT_TEST_TOMCAT_LOG`, `AUTHFRONT_TEST_WSGI`, `AUTHFRONT_TEST_WSGI_LOG` (besides the
//! provider's and nginx's variables); tests that stop their origin start their own WSGI app. By
//! hand (with the provider and nginx as in `origins/mod.rs`):
//!
//! ```sh
//! eval "$(scripts/start-tomcat.sh 19810)"; eval "$(scripts/start-wsgi.sh 19820)"
//! AUTHFRONT_TEST_TOMCAT=$TOMCAT_URL AUTHFRONT_TEST_TOMCAT_LOG=$TOMCAT_ACCESS_LOG \
//!   AUTHFRONT_TEST_WSGI=$WSGI_URL AUTHFRONT_TEST_WSGI_LOG=$WSGI_LOG … \
//!   cargo test -p authfront --test e2e attacks -- --include-ignored
//! ```

// Test code: a panic is a failed test, which is what an unwrap here should be.
#![allow(clippy::unwrap_used)]

mod corpus;
mod folder;
mod framing;
mod headers;
mod host;
mod paths;
mod preflight;
mod raw;
mod sharing;
mod signed;
mod smuggling;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

use crate::support::{App, Browser, Setup, free_port, op_issuer, repo_root};

/// The value of an environment variable `scripts/test.sh` sets.
fn var(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!("{name} is not set: run scripts/test.sh (it starts Tomcat, the WSGI app and nginx), or see the top of attacks/mod.rs")
    })
}

/// A string no other test (of this or another test process) uses: file and path names.
fn nonce() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() % 1_000_000;
    format!("{}x{}x{t}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// The port `app` listens on.
fn port(app: &App) -> u16 {
    app.base.port().unwrap()
}

/// A `Cookie:` request-header line with `browser`'s authfront cookies.
fn cookie_line(app: &App, browser: &Browser) -> String {
    format!("Cookie: {}", browser.app.header_for(&app.url("/")).expect("signed in: cookies"))
}

/// A browser signed in as `user`, starting at `path`.
async fn signed_in(app: &App, user: &str, path: &str) -> Browser {
    let mut b = Browser::default();
    let page = app.login(&mut b, path, user).await;
    assert!(!page.status.is_server_error(), "{user} signs in at {path}: {} {}", page.status, page.body);
    b
}

/// The secret header authfront sends to the WSGI app (the app does not check it; the tests
/// look at whether it arrived).
const WSGI_SECRET: &str = "wsgi-origin-secret-e2e";

/// The `[origin]` body for a WSGI app at `url`: a short read timeout, so that an origin left
/// waiting for a body that never comes (today's framing bug) fails in seconds, not 30.
fn wsgi_origin(url: &str) -> String {
    format!(
        "http = \"{url}\"\nread_timeout = \"5s\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = \"{WSGI_SECRET}\" }}"
    )
}

/// authfront in front of the shared WSGI app, default access rules (`/public/*`, staff).
fn wsgi_setup() -> Setup {
    Setup::new(op_issuer()).origin(&wsgi_origin(&var("AUTHFRONT_TEST_WSGI")))
}

/// What the WSGI app logged for requests whose raw target contains `needle`.
fn wsgi_seen_in(log: &Path, needle: &str) -> Vec<Value> {
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["raw_uri"].as_str().is_some_and(|u| u.contains(needle)))
        .collect()
}

/// [`wsgi_seen_in`] the shared WSGI app's log.
fn wsgi_seen(needle: &str) -> Vec<Value> {
    wsgi_seen_in(Path::new(&var("AUTHFRONT_TEST_WSGI_LOG")), needle)
}

/// A WSGI app of this test's own (`scripts/start-wsgi.sh`), so that it can be stopped.
struct OwnWsgi {
    port: u16,
    url: String,
    log: PathBuf,
}

impl OwnWsgi {
    fn start() -> OwnWsgi {
        let port = free_port();
        let out = Command::new(repo_root().join("scripts/start-wsgi.sh")).arg(port.to_string()).output().unwrap();
        assert!(out.status.success(), "start-wsgi.sh: {}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let value = |k: &str| stdout.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).unwrap().to_owned();
        OwnWsgi { port, url: value("WSGI_URL"), log: PathBuf::from(value("WSGI_LOG")) }
    }

    fn stop(&self) {
        let out = Command::new(repo_root().join("scripts/stop-wsgi.sh")).arg(self.port.to_string()).output().unwrap();
        assert!(out.status.success(), "stop-wsgi.sh: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for OwnWsgi {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/stop-wsgi.sh")).arg(self.port.to_string()).output();
    }
}

/// Panics listing every problem found, if any (one failure message tells the whole story).
fn assert_none(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}: {} problem(s):\n  {}", problems.len(), problems.join("\n  "));
}

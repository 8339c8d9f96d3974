//! Harness of the end-to-end tests: the real `authfront` binary in front of a temporary copy of
//! `examples/site`, signing in at the real test identity provider (npm `oidc-provider`, started by
//! `scripts/test.sh`), driven either by a browserless client that follows every redirect by hand
//! and checks each hop, or by headless Chromium (`scripts/browser/login.mjs`).
//!
//! Each [`App`] gets its own loopback port and its own client, registered at the provider through
//! open dynamic registration, so tests run in parallel without sharing anything.

use std::fmt::Write as _;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use url::Url;

pub mod glewlwyd;

/// Env var with the issuer of the auto-login provider (`scripts/test.sh` sets it).
pub const OP_ENV: &str = "AUTHFRONT_TEST_OP";
/// Env var with the issuer of the provider that shows its login form (for the browser test).
pub const OP_FORM_ENV: &str = "AUTHFRONT_TEST_OP_FORM";

pub const SESSION_COOKIE: &str = "authfront_session";
pub const LOGIN_COOKIE: &str = "authfront_login";
pub const CALLBACK_PATH: &str = "/_authfront/callback";
pub const HEALTH_PATH: &str = "/_authfront/health";
pub const BACKCHANNEL_PATH: &str = "/_authfront/backchannel-logout";

/// The authfront binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_authfront");

/// The repository root (scripts, examples).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate lives in the repository").to_path_buf()
}

fn issuer_from(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v.trim_end_matches('/').to_owned(),
        _ => panic!(
            "{var} is not set: this end-to-end test needs the real identity provider. \
             Run `scripts/test.sh` (it starts the provider and sets {var}), or start one with \
             `scripts/start-oidc-provider.sh PORT` and export {var}=http://127.0.0.1:PORT"
        ),
    }
}

/// Issuer of the auto-login provider (`OP_AUTO_LOGIN=alice`, honours `login_hint`).
pub fn op_issuer() -> String {
    issuer_from(OP_ENV)
}

/// Issuer of the provider in form mode (`OP_AUTO_LOGIN=off`).
pub fn op_form_issuer() -> String {
    issuer_from(OP_FORM_ENV)
}

/// A loopback port nobody listens on, unique within this test process. Taken below the
/// kernel's ephemeral range so that no outgoing connection can grab it before the server binds.
pub fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    // start where another test process (other pid) is unlikely to be
    let offset = (std::process::id() % 100) as u16 * 100;
    for _ in 0..10_000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed) % 10_000;
        let port = 20_000 + (offset + n) % 10_000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between 20000 and 29999");
}

/// The lines of an origin's access log that `keep` selects, once there are at least `want` of
/// them, or what is there after 5 s. nginx and Tomcat write a request's line after its answer
/// has gone out, so a test reading the log right after its last answer may be ahead of it.
pub fn log_lines(log: &Path, keep: impl Fn(&str) -> bool, want: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<String> = text.lines().filter(|l| keep(l)).map(str::to_owned).collect();
        if lines.len() >= want || Instant::now() >= deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An HTTP client that never follows redirects (every hop is checked by hand).
pub fn http() -> reqwest::Client {
    http_resolving(std::iter::empty::<&String>())
}

/// [`http`], with each of `names` resolved to 127.0.0.1 (the port is the URL's).
pub fn http_resolving<'a>(names: impl IntoIterator<Item = &'a String>) -> reqwest::Client {
    let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(20));
    for name in names {
        b = b.resolve(name, std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    b.build().expect("reqwest client")
}

/// The provider's discovery document.
pub async fn discovery(issuer: &str) -> Value {
    let url = format!("{issuer}/.well-known/openid-configuration");
    let resp = http().get(&url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e} (is the provider running?)"));
    assert_eq!(resp.status(), StatusCode::OK, "GET {url}");
    resp.json().await.expect("discovery JSON")
}

mod app;
mod chromium;
mod clients;
mod cookies;
mod page;
mod provider;

pub use app::*;
pub use chromium::*;
pub use clients::*;
pub use cookies::*;
pub use page::*;
pub use provider::*;

/// `authfront keygen`: a fresh session key (checked to be base64url text).
pub fn keygen() -> String {
    let out = Command::new(BIN).arg("keygen").output().unwrap_or_else(|e| panic!("spawn {BIN} keygen: {e}"));
    assert!(out.status.success(), "authfront keygen failed: {}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout).expect("keygen prints text").trim().to_owned();
    assert!(
        key.len() >= 43 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'='),
        "keygen printed {key:?}, expected one base64url key"
    );
    key
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => write!(out, "\\u{:04X}", c as u32).expect("fmt"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

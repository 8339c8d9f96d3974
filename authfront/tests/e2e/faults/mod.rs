//! The security suite of issue 10, connection / session / provider / fault half: the real
//! `authfront` binary against slow and idle clients, a descriptor limit, sessions carried to
//! another site, a provider that misbehaves or hangs (SIGSTOP), a store that cannot be written
//! (a full tmpfs, Redis killed), a non-ASCII cookie and malformed input. One file per family.
//!
//! Besides what `scripts/test.sh` starts (the auto-login provider `AUTHFRONT_TEST_OP`, nginx
//! `AUTHFRONT_TEST_NGINX*`), these tests start their own real parts on free loopback ports, with
//! the project's scripts, so that they may hurt them without touching anyone else's: oidc-provider
//! (`scripts/start-oidc-provider.sh`, stopped and continued by pid), redis-server
//! (`scripts/start-redis.sh`, killed by pid) — state under `$AUTHFRONT_RUN` (default `.run/`) —
//! and, as root, a 64 KiB tmpfs mounted under `$AUTHFRONT_RUN` (skipped with a message
//! otherwise). Everything is stopped or unmounted on drop, failed test or not.

// Test code: a panic is a failed test, which is what an unwrap here should be.
#![allow(clippy::unwrap_used)]

mod bare;
mod callbacks;
mod cookies;
mod fake_op;
mod hung_provider;
mod parts;
mod revocations;
mod site_binding;
mod slow_clients;
mod smaller;

pub use bare::{ADMIN_TOKEN, Bare, rss_kib};
pub use parts::{OwnRedis, ScriptProvider, register_shared_client, run_dir, signal};

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Tests that open hundreds of connections run one at a time: their bounds are about time and
/// memory, which two of them at once on a small machine would blur.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An answer read off a raw connection.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl RawAnswer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one answer off `s`: the head, then a `Content-Length` body or everything until the
/// server closes. Empty when the server closed without a word.
pub async fn read_answer(s: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head.lines().find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.trim().eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
            });
            if len.is_some_and(|n| buf.len() >= end + 4 + n) {
                return buf;
            }
        }
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return buf,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Writes `request` (bytes exactly as given) on a new connection to `addr` and reads one answer.
pub async fn raw_request(addr: &str, request: &[u8]) -> RawAnswer {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let buf = tokio::time::timeout(Duration::from_secs(20), read_answer(&mut s))
        .await
        .unwrap_or_else(|_| panic!("no answer from {addr} within 20 s"));
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| {
        panic!("no HTTP answer from {addr}: {:?}", String::from_utf8_lossy(&buf));
    });
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    RawAnswer { status, head, body: buf[end + 4..].to_vec() }
}

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

mod folder;
mod nginx;
mod s3;

use std::fs;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::header::COOKIE;

use crate::support::{App, Browser, Setup};

fn var(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!("{name} is not set: run scripts/test.sh (it starts s3s-fs and nginx), or see the top of origins/mod.rs")
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

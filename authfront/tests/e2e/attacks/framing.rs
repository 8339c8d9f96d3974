//! Request bodies and their framing (issue 10, finding 1 and its family): a request reaches the
//! origin with its body, framed by authfront from the real bytes, or with no body and no
//! `Content-Length`/`Transfer-Encoding` — whatever the method, whatever the client declared.
//! Bodies stream; a malformed chunked body is the client's fault (400, not 502); a body over
//! `proxy.max_request_body` (default 16 MiB) is refused with 413, declared or streamed.
//! Against the WSGI app, which reports the body it read (length, SHA-256, timing).

use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::raw::{Conn, RawResponse, exchange};
use super::{assert_none, nonce, port, wsgi_seen, wsgi_setup};
use crate::support::App;

const MIB: usize = 1024 * 1024;

fn sha256_hex(data: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A body whose bytes differ along its length (a shifted or truncated copy has another hash).
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8).collect()
}

fn head(method: &str, path: &str, port: u16, extra: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{extra}\r\n")
}

/// The one request the WSGI app saw for `path` (panics when it saw none or several).
fn seen_once(path: &str) -> Value {
    let seen = wsgi_seen(path);
    assert_eq!(seen.len(), 1, "the WSGI app should have seen {path} once: {seen:#?}");
    seen.into_iter().next().unwrap()
}

fn status_of(r: &Result<RawResponse, String>) -> String {
    match r {
        Ok(r) => format!("{} {}", r.status, r.text().chars().take(200).collect::<String>()),
        Err(e) => format!("no answer ({e})"),
    }
}

/// Sends `head`, then, after `first`, `body` in two halves `pause` apart, from another task
/// (ignoring write errors: the server may answer and close before it has all of it), and reads
/// the answer meanwhile. A server that refuses a declared length at once has answered before
/// `first` is over, so its answer is not lost to a reset caused by bytes it never read.
async fn send_streaming(
    port: u16,
    head: String,
    body: Vec<u8>,
    first: Duration,
    pause: Duration,
) -> Result<RawResponse, String> {
    let mut conn = Conn::open(port).await;
    conn.send(head.as_bytes()).await?;
    let mut w = conn.take_writer();
    let writer = tokio::spawn(async move {
        tokio::time::sleep(first).await;
        let half = body.len() / 2;
        let _ = w.write_all(&body[..half]).await;
        tokio::time::sleep(pause).await;
        let _ = w.write_all(&body[half..]).await;
        let _ = w.flush().await;
        w
    });
    let answer = conn.response(false).await;
    drop(writer.await);
    answer
}

/// `data` as one chunked body, in chunks of `size`.
fn chunked(data: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / size * 8 + 8);
    for c in data.chunks(size) {
        out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        out.extend_from_slice(c);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn get_and_head_bodies_reach_the_origin_with_that_body() {
    let app = App::start(wsgi_setup()).await;
    let n = nonce();
    let body = pattern(1000);
    let mut problems = Vec::new();
    for method in ["GET", "HEAD"] {
        let path = format!("/public/body-{method}-{n}");
        let mut req = head(method, &path, port(&app), "Content-Length: 1000\r\n").into_bytes();
        req.extend_from_slice(&body);
        let r = exchange(port(&app), &req).await;
        if !matches!(&r, Ok(r) if r.status == 200) {
            problems.push(format!("{method} {path} with a 1000-byte body: {}", status_of(&r)));
        }
        match wsgi_seen(&path).first() {
            None => problems.push(format!("{method} {path}: the origin logged no request (it was still waiting for a body)")),
            Some(s) if s["body_len"] != 1000 || s["body_sha256"] != sha256_hex(&body).as_str() => problems.push(format!(
                "{method} {path}: the origin got Content-Length {} and a body of {} bytes, not the client's 1000 bytes",
                s["content_length"], s["body_len"]
            )),
            Some(_) => {}
        }
    }
    // and without a body: no framing header at all
    let path = format!("/public/nobody-{n}");
    let r = exchange(port(&app), head("GET", &path, port(&app), "").as_bytes()).await.unwrap();
    assert_eq!(r.status, 200);
    let s = seen_once(&path);
    if !s["content_length"].is_null() || !s["headers"]["HTTP_TRANSFER_ENCODING"].is_null() {
        problems.push(format!("a GET without a body reached the origin with framing headers: {s}"));
    }
    assert_none("request bodies of GET and HEAD", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn post_bodies_stream_to_the_origin() {
    let app = App::start(wsgi_setup()).await;
    let n = nonce();
    // declared length, sent in two halves 1.2 s apart: the origin has the head before the end
    let body = pattern(2 * MIB);
    let path = format!("/public/stream-{n}");
    let h = head("POST", &path, port(&app), &format!("Content-Length: {}\r\n", body.len()));
    let r = send_streaming(port(&app), h, body.clone(), Duration::ZERO, Duration::from_millis(1200)).await;
    assert!(matches!(&r, Ok(r) if r.status == 200), "POST {path}: {}", status_of(&r));
    let s = seen_once(&path);
    assert_eq!((s["body_len"].as_u64(), s["body_sha256"].as_str()), (Some(2 * MIB as u64), Some(&*sha256_hex(&body))));
    let waited = s["t_body"].as_f64().unwrap() - s["t_head"].as_f64().unwrap();
    assert!(
        waited >= 1.0,
        "the origin got the request head only {waited:.2}s before the body's end: buffered, not streamed"
    );
    // chunked from the client: the origin gets the same bytes, framed once
    let body = pattern(300 * 1024);
    let path = format!("/public/chunked-{n}");
    let mut req = head("POST", &path, port(&app), "Transfer-Encoding: chunked\r\n").into_bytes();
    req.extend_from_slice(&chunked(&body, 100 * 1024));
    let r = exchange(port(&app), &req).await;
    assert!(matches!(&r, Ok(r) if r.status == 200), "chunked POST {path}: {}", status_of(&r));
    let s = seen_once(&path);
    assert_eq!(s["body_sha256"].as_str(), Some(&*sha256_hex(&body)), "{s}");
    assert!(
        s["content_length"].is_null() || s["headers"]["HTTP_TRANSFER_ENCODING"].is_null(),
        "both Content-Length and Transfer-Encoding reached the origin: {s}"
    );
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn malformed_chunked_body_is_400() {
    let app = App::start(wsgi_setup()).await;
    let n = nonce();
    let mut problems = Vec::new();
    for (what, body) in [
        ("a chunk size that is not hex", &b"zz\r\nhello\r\n0\r\n\r\n"[..]),
        ("a chunk size with a sign", b"-5\r\nhello\r\n0\r\n\r\n"),
        ("a chunk longer than its size", b"3\r\nhello\r\n0\r\n\r\n"),
    ] {
        let path = format!("/public/badchunk-{n}");
        let mut req = head("POST", &path, port(&app), "Transfer-Encoding: chunked\r\n").into_bytes();
        req.extend_from_slice(body);
        let r = exchange(port(&app), &req).await;
        if !matches!(&r, Ok(r) if r.status == 400) {
            problems.push(format!("{what}: expected 400, got {}", status_of(&r)));
        }
    }
    assert_none("malformed chunked request bodies", &problems);
}

/// Over the limit, declared and streamed: `413`, and the origin never gets the whole body.
async fn over_the_limit(app: &App, limit: usize) -> Vec<String> {
    let n = nonce();
    let over = pattern(limit + 1);
    let mut problems = Vec::new();
    for method in ["POST", "GET", "PUT"] {
        let path = format!("/public/big-{method}-{n}");
        let h = head(method, &path, port(app), &format!("Content-Length: {}\r\n", over.len()));
        let r = send_streaming(port(app), h, over.clone(), Duration::from_millis(500), Duration::ZERO).await;
        if !matches!(&r, Ok(r) if r.status == 413) {
            problems.push(format!("{method} with Content-Length {} (limit {limit}): {}", over.len(), status_of(&r)));
        }
        let path = format!("/public/bigchunked-{method}-{n}");
        let h = head(method, &path, port(app), "Transfer-Encoding: chunked\r\n");
        let body = chunked(&pattern(limit + 64 * 1024), 64 * 1024);
        let r = send_streaming(port(app), h, body, Duration::ZERO, Duration::ZERO).await;
        if !matches!(&r, Ok(r) if r.status == 413) {
            problems.push(format!("{method} chunked, {} bytes (limit {limit}): {}", limit + 64 * 1024, status_of(&r)));
        }
    }
    for s in wsgi_seen(&n) {
        if s["body_len"].as_u64().unwrap_or(0) > limit as u64 {
            problems.push(format!("the origin received a {}-byte body for {}", s["body_len"], s["raw_uri"]));
        }
    }
    problems
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn bodies_over_the_default_16mib_are_413() {
    let app = App::start(wsgi_setup()).await;
    assert_none("proxy.max_request_body (default 16MiB)", &over_the_limit(&app, 16 * MIB).await);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn max_request_body_is_configurable() {
    let app = App::start(wsgi_setup().extra("[proxy]\nmax_request_body = \"64KiB\"")).await;
    // exactly the limit passes
    let path = format!("/public/limit-{}", nonce());
    let body = pattern(64 * 1024);
    let mut req = head("POST", &path, port(&app), &format!("Content-Length: {}\r\n", body.len())).into_bytes();
    req.extend_from_slice(&body);
    let r = exchange(port(&app), &req).await;
    assert!(matches!(&r, Ok(r) if r.status == 200), "{}", status_of(&r));
    assert_eq!(seen_once(&path)["body_len"], 64 * 1024);
    assert_none("proxy.max_request_body = 64KiB", &over_the_limit(&app, 64 * 1024).await);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn content_length_with_transfer_encoding_is_never_both_passed_on() {
    let app = App::start(wsgi_setup()).await;
    let n = nonce();
    let path = format!("/public/clte-{n}");
    let hidden = format!("/hidden-clte-{n}");
    // CL.TE: the chunked body ends early, and what follows is a request for a protected path
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n0\r\n\r\nGET {hidden} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .into_bytes();
    let mut conn = Conn::open(port(&app)).await;
    conn.send(&req).await.unwrap();
    let first = conn.response(false).await;
    let second = conn.response(false).await;
    let mut problems = Vec::new();
    match &first {
        Ok(r) if r.status == 400 => {}
        Ok(r) if r.status == 200 => {
            let s = seen_once(&path);
            if s["body_sha256"] != sha256_hex(b"hello").as_str() {
                problems.push(format!("the origin got another body than the chunked one: {s}"));
            }
            if !s["content_length"].is_null() && !s["headers"]["HTTP_TRANSFER_ENCODING"].is_null() {
                problems.push(format!("the origin got both Content-Length and Transfer-Encoding: {s}"));
            }
        }
        other => problems.push(format!("CL+TE: expected 400 or the chunked body forwarded, got {}", status_of(other))),
    }
    if let Ok(r) = &second
        && r.status == 200
    {
        problems.push(format!("the bytes after the chunked body were served as a request: {}", status_of(&second)));
    }
    if !wsgi_seen(&hidden).is_empty() {
        problems.push(format!("the smuggled {hidden} reached the origin"));
    }
    assert_none("Content-Length with Transfer-Encoding", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn duplicate_content_length_is_400() {
    let app = App::start(wsgi_setup()).await;
    let n = nonce();
    let mut problems = Vec::new();
    for (i, lengths) in ["Content-Length: 5\r\nContent-Length: 45\r\n", "Content-Length: 5, 45\r\n"].iter().enumerate()
    {
        let path = format!("/public/dupcl-{i}-{n}");
        let body = format!("hello{}", "x".repeat(40));
        let req = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{lengths}Connection: close\r\n\r\n{body}");
        let r = exchange(port(&app), req.as_bytes()).await;
        if !matches!(&r, Ok(r) if r.status == 400) {
            problems.push(format!("{lengths:?}: expected 400, got {}", status_of(&r)));
        }
        if !wsgi_seen(&path).is_empty() {
            problems.push(format!("{lengths:?}: the request reached the origin"));
        }
    }
    assert_none("conflicting Content-Length", &problems);
}

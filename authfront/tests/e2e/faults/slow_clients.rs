//! Finding 7: slow and idle clients. Slowloris connections (a header byte a second) and idle
//! keep-alive connections are closed by the server within `server.header_read_timeout` /
//! `server.idle_timeout`, on the main and the admin listener; unfinished heads of ~380 KB on 300
//! connections do not grow the process (`server.max_header_size`, 64 KiB by default); and 520
//! idle sockets against a process limited to 256 descriptors do not keep `/_authfront/health`
//! from answering a new connection (`server.max_connections`, derived from that limit).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use super::{ADMIN_TOKEN, Bare, HEAVY, read_answer, rss_kib};
use crate::support::HEALTH_PATH;

/// The test config's timeouts (the defaults are 10 s and 60 s).
const HEADER_READ: Duration = Duration::from_secs(2);
const IDLE: Duration = Duration::from_secs(3);
/// What a loaded two-core machine may add to a timeout before the close is seen.
const SLACK: Duration = Duration::from_secs(4);
/// How long the clients wait for the server to close before they report it open.
const GIVE_UP: Duration = Duration::from_secs(10);

/// A slowloris client: the start of a request head, then one more header byte every second.
/// How long after connecting the server closed the connection; `None`: still open at `GIVE_UP`.
async fn slowloris(addr: String) -> Option<Duration> {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.unwrap();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut buf = [0u8; 4096];
    loop {
        tokio::select! {
            r = s.read(&mut buf) => match r {
                Ok(0) | Err(_) => return Some(t0.elapsed()),
                Ok(_) => {} // an error answer (408, 400) before the close
            },
            _ = tick.tick() => {
                if t0.elapsed() >= GIVE_UP {
                    return None;
                }
                if s.write_all(b"a").await.is_err() {
                    return Some(t0.elapsed());
                }
            }
        }
    }
}

/// A keep-alive client that sends `request`, reads the answer, then sends nothing more. How
/// long after the answer the server closed; `None`: still open at `GIVE_UP`.
async fn idle_after_answer(addr: String, request: String) -> Option<Duration> {
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), read_answer(&mut s)).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 "), "{addr}: {:?}", String::from_utf8_lossy(&answer));
    let t0 = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(GIVE_UP.saturating_sub(t0.elapsed()), s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(t0.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Checks one group of clients: every connection closed by the server, within `bound`.
fn judge(what: &str, results: &[Option<Duration>], bound: Duration) -> Option<String> {
    let open = results.iter().filter(|r| r.is_none()).count();
    let slowest = results.iter().flatten().max().copied().unwrap_or_default();
    if open > 0 {
        return Some(format!("{what}: {open} of {} still open after {GIVE_UP:?}", results.len()));
    }
    (slowest > bound).then(|| format!("{what}: all closed, the last after {slowest:?} (bound {bound:?})"))
}

#[tokio::test]
#[ignore = "end-to-end: the real binary under hundreds of connections; scripts/test.sh runs it"]
async fn slowloris_and_idle_connections_are_closed_on_both_listeners() {
    let _heavy = HEAVY.lock().await;
    let server =
        format!("header_read_timeout = \"{}s\"\nidle_timeout = \"{}s\"", HEADER_READ.as_secs(), IDLE.as_secs());
    let bare = Bare::start(&server, "", true, None).await;
    let admin = format!("127.0.0.1:{}", bare.admin_port.unwrap());
    let health = format!("GET {HEALTH_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    let stats = format!("GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\r\n");
    let groups: [(&str, usize, bool, String, String, Duration); 4] = [
        ("slowloris on the main listener", 200, true, bare.addr(), String::new(), HEADER_READ),
        ("idle keep-alive on the main listener", 50, false, bare.addr(), health, IDLE),
        ("slowloris on the admin listener", 20, true, admin.clone(), String::new(), HEADER_READ),
        ("idle keep-alive on the admin listener", 10, false, admin, stats, IDLE),
    ];
    let mut tasks = JoinSet::new();
    for (g, (_, n, slow, addr, request, _)) in groups.iter().enumerate() {
        for _ in 0..*n {
            let (addr, request) = (addr.clone(), request.clone());
            if *slow {
                tasks.spawn(async move { (g, slowloris(addr).await) });
            } else {
                tasks.spawn(async move { (g, idle_after_answer(addr, request).await) });
            }
        }
    }
    let mut results = vec![Vec::new(); groups.len()];
    while let Some(r) = tasks.join_next().await {
        let (g, closed) = r.unwrap();
        results[g].push(closed);
    }
    let failures: Vec<String> = groups
        .iter()
        .zip(&results)
        .filter_map(|((what, _, _, _, _, timeout), r)| judge(what, r, *timeout + SLACK))
        .collect();
    assert!(
        failures.is_empty(),
        "with server.header_read_timeout = {HEADER_READ:?} and server.idle_timeout = {IDLE:?}, the server must \
         close these connections itself:\n{}",
        failures.join("\n")
    );
    // and it still serves
    let r = reqwest::get(bare.url(HEALTH_PATH)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// One client that sends a request head of about `size` bytes and never finishes it. Returns
/// the connection (held open by the caller) and whether the server cut it short.
async fn unfinished_head(addr: String, size: usize) -> (TcpStream, bool) {
    let mut s = TcpStream::connect(&addr).await.unwrap();
    let line = format!("X-Pad: {}\r\n", "a".repeat(1000));
    let mut sent = 0;
    let mut block = String::from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    while sent < size {
        while block.len() < 16 * 1024 {
            block.push_str(&line);
        }
        match tokio::time::timeout(Duration::from_secs(5), s.write_all(block.as_bytes())).await {
            Ok(Ok(())) => sent += block.len(),
            // refused (431 and closed) or no longer read: either way the head is not kept
            Ok(Err(_)) | Err(_) => return (s, true),
        }
        block.clear();
    }
    (s, false)
}

#[tokio::test]
#[ignore = "end-to-end: the real binary under hundreds of connections; scripts/test.sh runs it"]
async fn unfinished_large_heads_do_not_grow_memory() {
    let _heavy = HEAVY.lock().await;
    let mut bare = Bare::start("", "", false, None).await;
    for _ in 0..5 {
        assert_eq!(reqwest::get(bare.url("/public/")).await.unwrap().status(), StatusCode::OK);
    }
    let before = rss_kib(bare.pid());
    let mut tasks = JoinSet::new();
    for _ in 0..300 {
        tasks.spawn(unfinished_head(bare.addr(), 380 * 1024));
    }
    let mut held = Vec::new();
    let mut cut = 0;
    while let Some(r) = tasks.join_next().await {
        let (s, was_cut) = r.unwrap();
        cut += usize::from(was_cut);
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(bare.pid());
    let grown_mib = after.saturating_sub(before) / 1024;
    eprintln!("300 unfinished 380 KB heads: RSS {before} KiB -> {after} KiB (+{grown_mib} MiB), {cut} cut short");
    assert!(bare.alive(), "authfront died");
    // 300 heads kept whole are ~110 MiB; 300 heads cut at 64 KiB are at most ~20 MiB
    assert!(
        grown_mib < 48,
        "300 connections holding ~380 KB of unfinished headers grew authfront from {before} KiB to {after} KiB \
         (+{grown_mib} MiB): heads beyond server.max_header_size (64KiB) must be refused, not kept \
         ({cut} of 300 were cut short)"
    );
    drop(held);
    assert_eq!(reqwest::get(bare.url(HEALTH_PATH)).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
#[ignore = "end-to-end: the real binary under hundreds of connections; scripts/test.sh runs it"]
async fn health_answers_past_the_descriptor_limit() {
    let _heavy = HEAVY.lock().await;
    let mut bare = Bare::start("", "", false, Some(256)).await;
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", bare.pid())).unwrap();
    let nofile = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
    assert!(nofile.split_whitespace().nth(3) == Some("256"), "started under ulimit -n 256: {nofile}");
    // at once, as a flood would: a connect that the full accept queue leaves unanswered for
    // 3 s is given up (the kernel drops SYNs past the backlog)
    let mut tasks = JoinSet::new();
    for _ in 0..520 {
        let addr = bare.addr();
        tasks.spawn(async move { tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr)).await });
    }
    let mut idle = Vec::new();
    while let Some(r) = tasks.join_next().await {
        if let Ok(Ok(s)) = r.unwrap() {
            idle.push(s);
        }
    }
    eprintln!("{} of 520 idle connections established", idle.len());
    assert!(idle.len() > 256, "more idle connections than descriptors: only {} connected", idle.len());
    tokio::time::sleep(Duration::from_millis(500)).await;
    for attempt in 1..=2 {
        // a new client, a new connection
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let t0 = Instant::now();
        let answer = client.get(bare.url(HEALTH_PATH)).send().await;
        let took = t0.elapsed();
        assert!(
            matches!(&answer, Ok(r) if r.status() == StatusCode::OK) && took < Duration::from_secs(5),
            "attempt {attempt}: with 520 idle sockets open against a process limited to 256 descriptors, \
             {HEALTH_PATH} must answer 200 within 5 s on a new connection (idle connections past \
             server.max_connections are closed, oldest first); got {answer:?} after {took:?}"
        );
    }
    assert!(bare.alive(), "authfront died");
    drop(idle);
}

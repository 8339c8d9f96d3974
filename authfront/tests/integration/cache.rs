//! The edge cache in-process, in front of a scriptable origin: hit, miss, revalidation, stale,
//! coalescing, what is never stored, the byte bound, compression variants, ranges and
//! conditions from the cache, purge.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;

use crate::support::origin::{Canned, TestOrigin};
use crate::support::{Edge, FakeIdp};

const PUBLIC: &str = "public_paths = [\"/*\"]";

async fn start_edge(origin: &TestOrigin, tail: &str) -> Edge {
    let idp = FakeIdp::start().await;
    let http = format!("http = \"{}\"", origin.url);
    Edge::start_with(&idp.issuer, "", Some(&http), PUBLIC, tail).await
}

fn x_cache(r: &reqwest::Response) -> String {
    r.headers().get("x-cache").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

async fn get(edge: &Edge, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = edge.http.get(format!("{}{path}", edge.url));
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn miss_then_hit_with_age() {
    let origin = TestOrigin::start().await;
    origin.set("/a.txt", Canned::ok("hello", &[("cache-control", "max-age=60"), ("content-type", "text/plain")]));
    let edge = start_edge(&origin, "").await;
    let r = get(&edge, "/a.txt", &[]).await;
    assert_eq!((r.status(), x_cache(&r)), (StatusCode::OK, "miss".into()));
    let r = get(&edge, "/a.txt", &[]).await;
    assert_eq!(x_cache(&r), "hit");
    assert!(r.headers().contains_key("age"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff", "security headers on cached answers too");
    assert_eq!(r.text().await.unwrap(), "hello");
    assert_eq!(origin.hits("/a.txt"), 1);
    // another query is another object
    assert_eq!(x_cache(&get(&edge, "/a.txt?v=2", &[]).await), "miss");
    assert_eq!(origin.hits("/a.txt"), 2);
}

#[tokio::test]
async fn never_stored_no_store_private_set_cookie() {
    let origin = TestOrigin::start().await;
    origin.set("/ns", Canned::ok("x", &[("cache-control", "no-store")]));
    origin.set("/pv", Canned::ok("x", &[("cache-control", "private, max-age=600")]));
    origin.set("/sc", Canned::ok("x", &[("cache-control", "max-age=600"), ("set-cookie", "origin_pref=1; Path=/")]));
    let edge = start_edge(&origin, "").await;
    for path in ["/ns", "/pv", "/sc"] {
        for _ in 0..3 {
            let r = get(&edge, path, &[]).await;
            assert_eq!((r.status(), x_cache(&r)), (StatusCode::OK, "miss".into()), "{path}");
            if path == "/sc" {
                assert_eq!(
                    r.headers()["set-cookie"],
                    "origin_pref=1; Path=/",
                    "the origin's cookie still reaches the client"
                );
            }
        }
        assert_eq!(origin.hits(path), 3, "{path} must never be served from the cache");
    }
    // authfront's own answers are never stored either: a 404 page for a missing S3 object or
    // a redirect is a Reply, which never reaches the cache
}

#[tokio::test]
async fn concurrent_misses_fetch_once() {
    let origin = TestOrigin::start().await;
    let body = Bytes::from(vec![b'x'; 50_000]);
    origin.set(
        "/slow.bin",
        Canned::ok(body.clone(), &[("cache-control", "max-age=60")]).delayed(Duration::from_millis(400)),
    );
    let edge = start_edge(&origin, "").await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (http, url) = (edge.http.clone(), format!("{}/slow.bin", edge.url));
        tasks.push(tokio::spawn(async move {
            let r = http.get(url).send().await.unwrap();
            (r.status(), r.bytes().await.unwrap())
        }));
    }
    for t in tasks {
        let (status, b) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(b, body);
    }
    assert_eq!(origin.hits("/slow.bin"), 1, "50 simultaneous misses, one origin fetch");
}

#[tokio::test]
async fn uncacheable_answers_are_not_coalesced_into_one_body() {
    // waiting requests fetch for themselves when the leader's answer cannot be stored
    let origin = TestOrigin::start().await;
    origin.set("/p", Canned::ok("mine", &[("cache-control", "private")]).delayed(Duration::from_millis(200)));
    let edge = start_edge(&origin, "").await;
    let (a, b) = tokio::join!(get(&edge, "/p", &[]), get(&edge, "/p", &[]));
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    assert_eq!(origin.hits("/p"), 2);
}

#[tokio::test]
async fn stale_revalidates_with_304() {
    let origin = TestOrigin::start().await;
    origin.set("/r.txt", Canned::ok("v1", &[("cache-control", "max-age=0"), ("etag", "\"v1\"")]));
    let edge = start_edge(&origin, "").await;
    assert_eq!(x_cache(&get(&edge, "/r.txt", &[]).await), "miss");
    let r = get(&edge, "/r.txt", &[]).await;
    assert_eq!(x_cache(&r), "revalidated");
    assert_eq!(r.text().await.unwrap(), "v1");
    assert_eq!(origin.last_headers()["if-none-match"], "\"v1\"");
    assert_eq!((origin.hits("/r.txt"), origin.not_modified("/r.txt")), (2, 1));
}

#[tokio::test]
async fn origin_down_serves_stale_within_the_limit_then_502() {
    let origin = TestOrigin::start().await;
    origin.set("/s.txt", Canned::ok("still here", &[("cache-control", "max-age=1")]));
    let edge = start_edge(&origin, "[cache]\nstale_if_error = \"1h\"").await;
    assert_eq!(x_cache(&get(&edge, "/s.txt", &[]).await), "miss");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    origin.down(true);
    let r = get(&edge, "/s.txt", &[]).await;
    assert_eq!((r.status(), x_cache(&r)), (StatusCode::OK, "stale".into()));
    assert_eq!(r.text().await.unwrap(), "still here");
    // ranges and HEAD too
    let r = get(&edge, "/s.txt", &[("range", "bytes=0-4")]).await;
    assert_eq!((r.status(), x_cache(&r)), (StatusCode::PARTIAL_CONTENT, "stale".into()));
    assert_eq!(r.text().await.unwrap(), "still");
    // never cached: nothing to stand in, a clean 502 page
    let r = get(&edge, "/never-seen.txt", &[]).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(r.headers()["cache-control"], "no-store");

    // no stale-if-error allowance: the 502 at once
    let origin = TestOrigin::start().await;
    origin.set("/s.txt", Canned::ok("x", &[("cache-control", "max-age=1")]));
    let edge = start_edge(&origin, "[cache]\nstale_if_error = \"0s\"").await;
    get(&edge, "/s.txt", &[]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    origin.down(true);
    assert_eq!(get(&edge, "/s.txt", &[]).await.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn an_answer_that_is_not_stored_replaces_the_stored_one() {
    let origin = TestOrigin::start().await;
    origin.set("/gone.txt", Canned::ok("here", &[("cache-control", "max-age=1"), ("etag", "\"g\"")]));
    let edge = start_edge(&origin, "[cache]\nstale_if_error = \"1h\"").await;
    assert_eq!(x_cache(&get(&edge, "/gone.txt", &[]).await), "miss");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // deleted at the origin: its 404 is the truth, not a failure to cover up
    origin.state.lock().unwrap().canned.remove("/gone.txt");
    assert_eq!(get(&edge, "/gone.txt", &[]).await.status(), StatusCode::NOT_FOUND);
    // and nothing stale is left to stand in later
    origin.down(true);
    assert_eq!(get(&edge, "/gone.txt", &[]).await.status(), StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn byte_bound_is_respected_and_large_objects_stream_uncached() {
    let origin = TestOrigin::start().await;
    for i in 0..40 {
        origin.set(&format!("/o{i}"), Canned::ok(vec![b'a'; 8 * 1024], &[("cache-control", "max-age=600")]));
    }
    origin.set("/big", Canned::ok(vec![b'b'; 100 * 1024], &[("cache-control", "max-age=600")]));
    let edge = start_edge(&origin, "[cache]\nmax_size = \"64KiB\"\nmax_object_size = \"16KiB\"").await;
    for i in 0..40 {
        assert_eq!(get(&edge, &format!("/o{i}"), &[]).await.status(), StatusCode::OK);
    }
    let stats = edge.app.cache.stats();
    assert!(stats.bytes <= 64 * 1024, "{stats:?}");
    assert!(stats.entries >= 4, "{stats:?}");
    for _ in 0..2 {
        let r = get(&edge, "/big", &[]).await;
        assert_eq!(x_cache(&r), "miss");
        assert_eq!(r.bytes().await.unwrap().len(), 100 * 1024);
    }
    assert_eq!(origin.hits("/big"), 2, "above max_object_size: never stored");
}

#[tokio::test]
async fn compressed_variants_are_cached_per_encoding() {
    let origin = TestOrigin::start().await;
    let css: String = (0..300).map(|i| format!(".c{i} {{ color: red; }}\n")).collect();
    origin.set(
        "/s.css",
        Canned::ok(css.clone(), &[("cache-control", "max-age=60"), ("content-type", "text/css"), ("etag", "\"c1\"")]),
    );
    let edge = start_edge(&origin, "").await;
    let plain = get(&edge, "/s.css", &[]).await;
    assert_eq!(plain.headers()["vary"], "Accept-Encoding");
    assert!(!plain.headers().contains_key("content-encoding"));
    assert_eq!(plain.headers()["etag"], "\"c1\"");
    for (enc, _) in [("br", 0), ("gzip", 1), ("br", 2)] {
        let r = get(&edge, "/s.css", &[("accept-encoding", enc)]).await;
        assert_eq!(r.headers()["content-encoding"], enc);
        assert_eq!(r.headers()["etag"], "W/\"c1\"");
        assert_eq!(x_cache(&r), "hit");
        let len: usize = r.headers()["content-length"].to_str().unwrap().parse().unwrap();
        let body = r.bytes().await.unwrap();
        assert_eq!(body.len(), len);
        assert!(body.len() < css.len() / 4, "{enc}: {} of {}", body.len(), css.len());
        assert_eq!(decode(enc, &body), css.as_bytes());
    }
    assert_eq!(origin.hits("/s.css"), 1, "one fetch for every encoding");
    // the weak tag revalidates any encoding
    let r = get(&edge, "/s.css", &[("accept-encoding", "gzip"), ("if-none-match", "W/\"c1\"")]).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
}

fn decode(enc: &str, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match enc {
        "gzip" => flate2::read::GzDecoder::new(body).read_to_end(&mut out).unwrap(),
        _ => brotli::Decompressor::new(body, 4096).read_to_end(&mut out).unwrap(),
    };
    out
}

#[tokio::test]
async fn ranges_and_conditions_from_the_cache() {
    let origin = TestOrigin::start().await;
    let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    origin.set("/d.bin", Canned::ok(data.clone(), &[("cache-control", "max-age=60"), ("etag", "\"d\"")]));
    let edge = start_edge(&origin, "").await;
    // a conditional miss: fetched whole, judged here
    let r = get(&edge, "/d.bin", &[("if-none-match", "\"d\"")]).await;
    assert_eq!((r.status(), x_cache(&r)), (StatusCode::NOT_MODIFIED, "miss".into()));
    assert_eq!(r.headers()["etag"], "\"d\"");
    let r = get(&edge, "/d.bin", &[("range", "bytes=100-199")]).await;
    assert_eq!((r.status(), x_cache(&r)), (StatusCode::PARTIAL_CONTENT, "hit".into()));
    assert_eq!(r.headers()["content-range"], "bytes 100-199/10000");
    assert_eq!(r.bytes().await.unwrap(), &data[100..200]);
    let r = get(&edge, "/d.bin", &[("range", "bytes=20000-")]).await;
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let r = get(&edge, "/d.bin", &[("if-match", "\"other\"")]).await;
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let r = edge.http.head(format!("{}/d.bin", edge.url)).send().await.unwrap();
    assert_eq!((r.status(), x_cache(&r)), (StatusCode::OK, "hit".into()));
    assert_eq!(r.headers()["content-length"], "10000");
    assert_eq!(origin.hits("/d.bin"), 1);
}

#[tokio::test]
async fn purge_through_the_admin_endpoint() {
    let origin = TestOrigin::start().await;
    origin.set("/docs/a", Canned::ok("a", &[("cache-control", "max-age=600")]));
    origin.set("/docs/b", Canned::ok("b", &[("cache-control", "max-age=600")]));
    origin.set("/other", Canned::ok("o", &[("cache-control", "max-age=600")]));
    let admin = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = admin.local_addr().unwrap();
    drop(admin);
    let token = "integration-admin-token-0001";
    let edge = start_edge(&origin, &format!("[admin]\nlisten = \"{addr}\"\ntoken = \"{token}\"")).await;
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(authfront::admin::serve(edge.app.clone(), listener));
    for p in ["/docs/a", "/docs/b", "/other", "/docs/a?x=1"] {
        get(&edge, p, &[]).await;
    }
    let purge = |auth: &'static str| {
        let http = edge.http.clone();
        async move {
            http.post(format!("http://{addr}/purge"))
                .header("authorization", auth)
                .body("/docs/*")
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(purge("Bearer wrong-token-wrong-token").await.status(), StatusCode::UNAUTHORIZED);
    let r = purge("Bearer integration-admin-token-0001").await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["purged"], 3);
    assert_eq!(x_cache(&get(&edge, "/docs/a", &[]).await), "miss");
    assert_eq!(x_cache(&get(&edge, "/other", &[]).await), "hit");
}

#[tokio::test]
async fn unsafe_requests_pass_and_invalidate() {
    let origin = TestOrigin::start().await;
    origin.set("/form", Canned::ok("page", &[("cache-control", "max-age=600")]));
    let edge = start_edge(&origin, "").await;
    get(&edge, "/form", &[]).await;
    assert_eq!(x_cache(&get(&edge, "/form", &[]).await), "hit");
    let r = edge.http.post(format!("{}/form", edge.url)).body("field=1").send().await.unwrap();
    assert_eq!((r.status(), x_cache(&r)), (StatusCode::OK, "bypass".into()));
    assert_eq!(
        origin.state.lock().unwrap().last_body.as_deref(),
        Some(&b"field=1"[..]),
        "the body is streamed to the origin"
    );
    assert_eq!(x_cache(&get(&edge, "/form", &[]).await), "miss", "a successful POST drops the stored page");
}

//! The S3 origin end to end: a private bucket on s3s-fs behind the real login.

// Test code: a panic is a failed test, which is what an unwrap here should be.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use reqwest::header::COOKIE;

use super::{CSS, brotli_decode, bucket, fetch, header, s3_origin, var, with_s3_keys};
use crate::support::{App, Browser, Setup, op_issuer};

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

    // stored, then deleted from the bucket: the next revalidation finds it gone, a 404
    assert_eq!(app.get(&mut browser, "/data.bin").await.status, StatusCode::OK);
    std::fs::remove_file(std::path::Path::new(&var("AUTHFRONT_TEST_S3_ROOT")).join(&b).join("data.bin")).unwrap();
    assert_eq!(app.get(&mut browser, "/data.bin").await.status, StatusCode::NOT_FOUND);
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

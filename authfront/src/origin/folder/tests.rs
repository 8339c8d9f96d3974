// A test's panic is its failure report; the workspace's no-unwrap rule is for server code.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use tempfile::TempDir;

use authfront_core::path::normalize;

use super::*;

/// A site: `<tmp>/site` is the root, `<tmp>/secret.txt` and `<tmp>/site2/` lie next to it.
fn site() -> TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("site");
    fs::create_dir_all(root.join("docs")).unwrap();
    fs::create_dir_all(root.join("my docs")).unwrap();
    fs::create_dir_all(tmp.path().join("site2")).unwrap();
    fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
    fs::write(root.join("docs/index.html"), "<h1>docs</h1>").unwrap();
    fs::write(root.join("my docs/index.html"), "spaced").unwrap();
    fs::write(root.join("a.txt"), "0123456789").unwrap();
    fs::write(root.join("app.js"), "let a = 1;").unwrap();
    fs::write(root.join("empty.txt"), "").unwrap();
    fs::write(tmp.path().join("secret.txt"), "secret").unwrap();
    fs::write(tmp.path().join("site2/secret.txt"), "secret").unwrap();
    tmp
}

fn folder(tmp: &TempDir, static_site: bool, spa: bool) -> Folder {
    Folder::new(&tmp.path().join("site"), static_site, spa, 1 << 20).unwrap()
}

/// A folder that follows symlinks (`origin.symlinks = "follow"`).
fn following(tmp: &TempDir, static_site: bool, spa: bool) -> Folder {
    folder(tmp, static_site, spa).with_rules(HiddenFiles::Deny, Symlinks::Follow)
}

async fn call(
    f: &Folder,
    method: Method,
    target: &str,
    headers: &[(&'static str, &str)],
) -> Result<Response<Body>, Error> {
    call_seeing(f, method, target, headers, &|_| true).await
}

/// [`call`] for a request the rules let see only what `may_see` says (for symlink targets).
async fn call_seeing(
    f: &Folder,
    method: Method,
    target: &str,
    headers: &[(&'static str, &str)],
    may_see: MaySee<'_>,
) -> Result<Response<Body>, Error> {
    let mut req = Request::builder().method(method).uri(target);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let (parts, ()) = req.body(()).unwrap().into_parts();
    let path = normalize(parts.uri.path()).unwrap();
    f.serve(&path, parts.uri.query(), &parts, may_see).await
}

async fn get(f: &Folder, target: &str) -> Result<Response<Body>, Error> {
    call(f, Method::GET, target, &[]).await
}

async fn body(res: Response<Body>) -> Bytes {
    res.into_body().collect().await.unwrap().to_bytes()
}

fn header<'r>(res: &'r Response<Body>, name: &str) -> &'r str {
    res.headers().get(name).unwrap_or_else(|| panic!("no {name}")).to_str().unwrap()
}

#[tokio::test]
async fn serves_files_with_metadata() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    let res = get(&f, "/a.txt?ignored=1").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "text/plain; charset=utf-8");
    assert_eq!(header(&res, "content-length"), "10");
    assert_eq!(header(&res, "accept-ranges"), "bytes");
    assert!(header(&res, "etag").starts_with("\"a-"), "length first, in hex");
    assert!(httpdate::parse_http_date(header(&res, "last-modified")).is_ok());
    assert_eq!(body(res).await, "0123456789");
}

#[tokio::test]
async fn etag_is_stable_and_follows_changes() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    let first = header(&get(&f, "/a.txt").await.unwrap(), "etag").to_owned();
    assert_eq!(header(&get(&f, "/a.txt").await.unwrap(), "etag"), first);
    fs::write(tmp.path().join("site/a.txt"), "0123456789abc").unwrap();
    assert_ne!(header(&get(&f, "/a.txt").await.unwrap(), "etag"), first);
}

#[tokio::test]
async fn content_types() {
    let tmp = site();
    let root = tmp.path().join("site");
    for (name, want) in [
        ("x.html", "text/html; charset=utf-8"),
        ("x.css", "text/css; charset=utf-8"),
        ("x.js", "text/javascript; charset=utf-8"),
        ("x.mjs", "application/javascript; charset=utf-8"),
        ("x.json", "application/json; charset=utf-8"),
        ("x.xml", "text/xml; charset=utf-8"),
        ("x.svg", "image/svg+xml; charset=utf-8"),
        ("x.webmanifest", "application/manifest+json; charset=utf-8"),
        ("x.png", "image/png"),
        ("x.woff2", "font/woff2"),
        ("x.wasm", "application/wasm"),
        ("LICENSE", "application/octet-stream"),
    ] {
        fs::write(root.join(name), "x").unwrap();
        let res = get(&folder(&tmp, false, false), &format!("/{name}")).await.unwrap();
        assert_eq!(header(&res, "content-type"), want, "{name}");
    }
}

#[tokio::test]
async fn empty_file() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    let res = call(&f, Method::GET, "/empty.txt", &[("range", "bytes=0-9")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-length"), "0");
    assert!(body(res).await.is_empty());
}

#[tokio::test]
async fn static_site_serves_index_files() {
    let tmp = site();
    let f = folder(&tmp, true, false);
    let res = get(&f, "/").await.unwrap();
    assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
    assert_eq!(body(res).await, "<h1>home</h1>");
    assert_eq!(body(get(&f, "/docs/").await.unwrap()).await, "<h1>docs</h1>");
    assert_eq!(body(get(&f, "/my%20docs/").await.unwrap()).await, "spaced");
    // a file named like a directory is nothing
    assert_eq!(get(&f, "/a.txt/").await.unwrap_err(), Error::NotFound);
}

#[tokio::test]
async fn static_site_redirects_directories_keeping_the_query() {
    let tmp = site();
    let f = folder(&tmp, true, false);
    let res = get(&f, "/docs?a=1&b=%20").await.unwrap();
    assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(header(&res, "location"), "/docs/?a=1&b=%20");
    assert_eq!(header(&res, "cache-control"), "max-age=3600");
    assert!(body(res).await.is_empty());
    let res = get(&f, "/my%20docs").await.unwrap();
    assert_eq!(header(&res, "location"), "/my%20docs/");
}

#[tokio::test]
async fn without_static_site_directories_are_nothing() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    for target in ["/", "/docs", "/docs/"] {
        assert_eq!(get(&f, target).await.unwrap_err(), Error::NotFound, "{target}");
    }
    assert_eq!(body(get(&f, "/docs/index.html").await.unwrap()).await, "<h1>docs</h1>");
}

#[tokio::test]
async fn missing_is_not_found() {
    let tmp = site();
    let f = folder(&tmp, true, false);
    let err = get(&f, "/nope.html").await.unwrap_err();
    assert_eq!(err, Error::NotFound);
    assert_eq!(err.page().status, StatusCode::NOT_FOUND);
    assert_eq!(get(&f, "/nope/deeper").await.unwrap_err(), Error::NotFound);
    let long = format!("/{}", "x".repeat(300));
    assert_eq!(get(&f, &long).await.unwrap_err(), Error::NotFound);
}

#[tokio::test]
async fn symlinks_leaving_the_root_are_nothing() {
    let tmp = site();
    let root = tmp.path().join("site");
    symlink("/etc", root.join("etc")).unwrap();
    symlink("/etc/passwd", root.join("passwd")).unwrap();
    symlink("..", root.join("up")).unwrap();
    symlink("../secret.txt", root.join("secret.txt")).unwrap();
    // shares the root's name as a string prefix, not as a path
    symlink("../site2", root.join("s2")).unwrap();
    for spa in [false, true] {
        let f = following(&tmp, true, spa);
        for target in ["/etc/passwd", "/passwd", "/up/secret.txt", "/secret.txt", "/s2/secret.txt"] {
            let got = call(&f, Method::GET, target, &[("accept", "image/png")]).await;
            match got {
                // a SPA answers navigations to nothing with its index, never with the target
                Ok(res) if spa => assert_eq!(body(res).await, "<h1>home</h1>", "{target}"),
                got => assert_eq!(got.unwrap_err(), Error::NotFound, "{target} spa={spa}"),
            }
        }
    }
    // nor are they revealed as directories by a redirect
    let f = following(&tmp, true, false);
    assert_eq!(get(&f, "/up").await.unwrap_err(), Error::NotFound);
    assert_eq!(get(&f, "/etc").await.unwrap_err(), Error::NotFound);
}

#[tokio::test]
async fn symlinks_inside_the_root_work_when_followed() {
    let tmp = site();
    let root = tmp.path().join("site");
    symlink("a.txt", root.join("alias.txt")).unwrap();
    symlink("docs", root.join("manual")).unwrap();
    let f = following(&tmp, true, false);
    assert_eq!(body(get(&f, "/alias.txt").await.unwrap()).await, "0123456789");
    assert_eq!(body(get(&f, "/manual/").await.unwrap()).await, "<h1>docs</h1>");
}

#[tokio::test]
async fn symlinks_are_nothing_by_default() {
    let tmp = site();
    let root = tmp.path().join("site");
    symlink("a.txt", root.join("alias.txt")).unwrap();
    symlink("docs", root.join("manual")).unwrap();
    let f = folder(&tmp, true, false);
    for target in ["/alias.txt", "/manual/", "/manual/index.html", "/manual"] {
        assert_eq!(get(&f, target).await.unwrap_err(), Error::NotFound, "{target}");
    }
    // the file itself, by its own name, is served
    assert_eq!(body(get(&f, "/a.txt").await.unwrap()).await, "0123456789");
}

/// A link from a public folder into a protected one is decided on where it leads.
#[tokio::test]
async fn a_followed_symlink_is_served_only_when_its_target_may_be_seen() {
    let tmp = site();
    let root = tmp.path().join("site");
    fs::create_dir_all(root.join("public")).unwrap();
    fs::create_dir_all(root.join("private")).unwrap();
    fs::write(root.join("private/pay.txt"), "salaries").unwrap();
    fs::write(root.join(".env"), "SECRET=1").unwrap();
    symlink("../private/pay.txt", root.join("public/pay.txt")).unwrap();
    symlink("../private", root.join("public/p")).unwrap();
    symlink("../.env", root.join("public/env.txt")).unwrap();
    let f = following(&tmp, false, false);
    let anonymous = |p: &NormPath| p.as_str().starts_with("/public/");
    for target in ["/public/pay.txt", "/public/p/pay.txt"] {
        let got = call_seeing(&f, Method::GET, target, &[], &anonymous).await;
        assert_eq!(got.unwrap_err(), Error::NotFound, "{target}");
        let signed_in = call_seeing(&f, Method::GET, target, &[], &|_| true).await.unwrap();
        assert_eq!(body(signed_in).await, "salaries", "{target}");
    }
    // a hidden target stays hidden, whoever asks
    let got = call_seeing(&f, Method::GET, "/public/env.txt", &[], &|_| true).await;
    assert_eq!(got.unwrap_err(), Error::NotFound);
}

#[tokio::test]
async fn hidden_names_are_nothing_unless_allowed() {
    let tmp = site();
    let root = tmp.path().join("site");
    fs::create_dir_all(root.join(".git")).unwrap();
    fs::create_dir_all(root.join("docs/.drafts")).unwrap();
    fs::create_dir_all(root.join(".well-known")).unwrap();
    fs::write(root.join(".env"), "SECRET=1").unwrap();
    fs::write(root.join(".git/config"), "[core]").unwrap();
    fs::write(root.join("docs/.drafts/x.html"), "draft").unwrap();
    fs::write(root.join(".well-known/security.txt"), "Contact: x").unwrap();
    let f = folder(&tmp, true, true);
    for target in ["/.env", "/.git/config", "/.git/", "/.git", "/docs/.drafts/x.html", "/%2egit/config"] {
        let got = call(&f, Method::GET, target, &[("accept", "text/plain")]).await;
        assert_eq!(got.unwrap_err(), Error::NotFound, "{target}: not even the SPA's index");
    }
    assert_eq!(body(get(&f, "/.well-known/security.txt").await.unwrap()).await, "Contact: x");
    let open = folder(&tmp, true, false).with_rules(HiddenFiles::Allow, Symlinks::Deny);
    assert_eq!(body(get(&open, "/.env").await.unwrap()).await, "SECRET=1");
}

#[tokio::test]
async fn a_root_reached_through_a_symlink_works() {
    let tmp = site();
    symlink(tmp.path().join("site"), tmp.path().join("link")).unwrap();
    let f = Folder::new(&tmp.path().join("link"), false, false, 0).unwrap();
    assert_eq!(body(get(&f, "/a.txt").await.unwrap()).await, "0123456789");
}

#[tokio::test]
async fn a_symlink_loop_is_nothing_and_tells_nothing() {
    let tmp = site();
    let root = tmp.path().join("site");
    symlink("loop-b", root.join("loop-a")).unwrap();
    symlink("loop-a", root.join("loop-b")).unwrap();
    for f in [folder(&tmp, false, false), following(&tmp, false, false)] {
        // a 502 would tell that something is there
        assert_eq!(get(&f, "/loop-a").await.unwrap_err(), Error::NotFound);
        assert_eq!(get(&f, "/loop-a/x").await.unwrap_err(), Error::NotFound);
    }
}

#[tokio::test]
async fn special_files_are_nothing() {
    let tmp = site();
    let _sock = std::os::unix::net::UnixListener::bind(tmp.path().join("site/sock")).unwrap();
    let status = std::process::Command::new("mkfifo").arg(tmp.path().join("site/fifo")).status().unwrap();
    assert!(status.success());
    let f = folder(&tmp, false, false);
    assert_eq!(get(&f, "/sock").await.unwrap_err(), Error::NotFound);
    // opening a FIFO for reading would wait for a writer: it must not hold the thread (asked
    // on a thread of its own, so that a blocked open fails the test instead of hanging it)
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let _ = tx.send(rt.block_on(get(&f, "/fifo")).map(|_| ()));
    });
    let fifo = rx.recv_timeout(std::time::Duration::from_secs(5)).expect("opening a FIFO held the thread up");
    assert_eq!(fifo.unwrap_err(), Error::NotFound);
}

#[tokio::test]
async fn a_site_replaced_by_renaming_is_served_new() {
    // a deploy that renames a fresh folder into place: the next request sees it
    let tmp = site();
    let f = folder(&tmp, false, false);
    assert_eq!(body(get(&f, "/a.txt").await.unwrap()).await, "0123456789");
    let fresh = tmp.path().join("fresh");
    fs::create_dir(&fresh).unwrap();
    fs::write(fresh.join("a.txt"), "new").unwrap();
    fs::rename(tmp.path().join("site"), tmp.path().join("old")).unwrap();
    fs::rename(&fresh, tmp.path().join("site")).unwrap();
    assert_eq!(body(get(&f, "/a.txt").await.unwrap()).await, "new");
    assert_eq!(get(&f, "/app.js").await.unwrap_err(), Error::NotFound);
}

#[tokio::test]
async fn spa_falls_back_for_navigations_only() {
    let tmp = site();
    let f = folder(&tmp, false, true);
    for target in ["/", "/app/route", "/app/route/", "/docs"] {
        let res = get(&f, target).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{target}");
        assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
        assert_eq!(body(res).await, "<h1>home</h1>", "{target}");
    }
    assert_eq!(get(&f, "/missing.js").await.unwrap_err(), Error::NotFound);
    let nav = [("accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")];
    let res = call(&f, Method::GET, "/blog/post.v2", &nav).await.unwrap();
    assert_eq!(body(res).await, "<h1>home</h1>");
    // what exists is served as itself
    assert_eq!(body(get(&f, "/app.js").await.unwrap()).await, "let a = 1;");
}

#[tokio::test]
async fn spa_fallback_is_conditional_too() {
    let tmp = site();
    let f = folder(&tmp, false, true);
    let etag = header(&get(&f, "/index.html").await.unwrap(), "etag").to_owned();
    let res = call(&f, Method::GET, "/route", &[("if-none-match", &etag)]).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res = call(&f, Method::GET, "/route", &[("range", "bytes=1-2")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(body(res).await, "h1");
}

#[tokio::test]
async fn spa_without_index_is_not_found() {
    let tmp = site();
    fs::remove_file(tmp.path().join("site/index.html")).unwrap();
    let f = folder(&tmp, true, true);
    assert_eq!(get(&f, "/app/route").await.unwrap_err(), Error::NotFound);
    assert_eq!(get(&f, "/").await.unwrap_err(), Error::NotFound);
}

#[tokio::test]
async fn not_modified() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    let full = get(&f, "/a.txt").await.unwrap();
    let etag = header(&full, "etag").to_owned();
    let date = header(&full, "last-modified").to_owned();
    for hs in [[("if-none-match", etag.as_str())], [("if-modified-since", date.as_str())]] {
        let res = call(&f, Method::GET, "/a.txt", &hs).await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{hs:?}");
        assert_eq!(header(&res, "etag"), etag);
        assert_eq!(header(&res, "last-modified"), date);
        assert!(res.headers().get("content-length").is_none());
        assert!(body(res).await.is_empty());
    }
    let res = call(&f, Method::GET, "/a.txt", &[("if-none-match", "\"other\"")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = call(&f, Method::HEAD, "/a.txt", &[("if-none-match", &etag)]).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn precondition_failed() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    let res = call(&f, Method::GET, "/a.txt", &[("if-match", "\"other\"")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert!(body(res).await.is_empty());
}

#[tokio::test]
async fn ranges() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    for (range, want, part) in [
        ("bytes=2-4", "bytes 2-4/10", "234"),
        ("bytes=7-", "bytes 7-9/10", "789"),
        ("bytes=-3", "bytes 7-9/10", "789"),
        ("bytes=8-100", "bytes 8-9/10", "89"),
    ] {
        let res = call(&f, Method::GET, "/a.txt", &[("range", range)]).await.unwrap();
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(header(&res, "content-range"), want);
        assert_eq!(header(&res, "content-length"), part.len().to_string());
        assert_eq!(header(&res, "content-type"), "text/plain; charset=utf-8");
        assert_eq!(body(res).await, part);
    }
    // several ranges: the whole file instead
    let res = call(&f, Method::GET, "/a.txt", &[("range", "bytes=0-1,4-5")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "0123456789");
}

#[tokio::test]
async fn unsatisfiable_range() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    let res = call(&f, Method::GET, "/a.txt", &[("range", "bytes=10-")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(header(&res, "content-range"), "bytes */10");
    assert!(body(res).await.is_empty());
}

#[tokio::test]
async fn head_has_headers_but_no_body() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    let got = get(&f, "/a.txt").await.unwrap();
    let res = call(&f, Method::HEAD, "/a.txt", &[]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers(), got.headers());
    assert!(body(res).await.is_empty());
    // a range is for GET only: HEAD describes the whole
    let res = call(&f, Method::HEAD, "/a.txt", &[("range", "bytes=0-1")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-length"), "10");
}

#[tokio::test]
async fn only_get_and_head() {
    let tmp = site();
    let f = folder(&tmp, true, true);
    for m in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
        assert_eq!(call(&f, m, "/a.txt", &[]).await.unwrap_err(), Error::MethodNotAllowed);
    }
}

/// Deterministic bytes no two offsets of which are alike in a small window.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ (i / 251) as u8).collect()
}

#[tokio::test]
async fn big_files_stream_in_bounded_chunks() {
    let tmp = site();
    let data = pattern(5 * 1024 * 1024 + 7);
    fs::write(tmp.path().join("site/big.bin"), &data).unwrap();
    let f = folder(&tmp, false, false);

    let res = call(&f, Method::GET, "/big.bin", &[("range", "bytes=1000000-3999999")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&res, "content-length"), "3000000");
    assert_eq!(hyper::body::Body::size_hint(res.body()).exact(), Some(3_000_000));
    let mut got = Vec::new();
    let mut stream = res.into_body();
    while let Some(frame) = stream.frame().await {
        let chunk = frame.unwrap().into_data().unwrap();
        assert!(chunk.len() as u64 <= CHUNK);
        got.extend_from_slice(&chunk);
    }
    assert!(got == data[1_000_000..4_000_000]);

    let res = get(&f, "/big.bin").await.unwrap();
    assert_eq!(header(&res, "content-length"), data.len().to_string());
    assert!(body(res).await == data[..]);
}

#[tokio::test]
async fn the_small_and_streamed_paths_meet_exactly() {
    let tmp = site();
    let f = folder(&tmp, false, false);
    for len in [CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 1] {
        let data = pattern(len as usize);
        fs::write(tmp.path().join("site/edge.bin"), &data).unwrap();
        assert!(body(get(&f, "/edge.bin").await.unwrap()).await == data[..], "{len}");
        let res = call(&f, Method::GET, "/edge.bin", &[("range", "bytes=1-")]).await.unwrap();
        assert!(body(res).await == data[1..], "{len}");
    }
}

#[tokio::test]
async fn a_shrunken_file_is_an_error_not_a_short_body() {
    let tmp = site();
    let path = tmp.path().join("site/big.bin");
    fs::write(&path, pattern(1024 * 1024)).unwrap();
    let f = folder(&tmp, false, false);
    let res = get(&f, "/big.bin").await.unwrap();
    fs::File::options().write(true).open(&path).unwrap().set_len(100).unwrap();
    assert!(res.into_body().collect().await.is_err());
}

#[test]
fn new_refuses_what_is_not_a_directory() {
    let tmp = site();
    assert!(Folder::new(&tmp.path().join("site/a.txt"), false, false, 0).is_err());
    assert!(Folder::new(&tmp.path().join("nowhere"), false, false, 0).is_err());
    let f = Folder::new(&tmp.path().join("site/../site"), false, false, 0).unwrap();
    assert_eq!(&*f.root, Path::new(&fs::canonicalize(tmp.path().join("site")).unwrap()));
}

#[test]
fn resolving_below_the_root_agrees_with_canonicalize() {
    let tmp = site();
    let root = fs::canonicalize(tmp.path().join("site")).unwrap();
    symlink("a.txt", root.join("alias.txt")).unwrap();
    symlink("../docs", root.join("docs/up-and-back")).unwrap();
    symlink("../../secret.txt", root.join("docs/out.txt")).unwrap();
    symlink(root.join("docs"), root.join("absolute-docs")).unwrap();
    for rel in [
        "a.txt",
        "alias.txt",
        "docs/index.html",
        "docs/up-and-back/index.html",
        "docs/out.txt",
        "absolute-docs/index.html",
        "my docs/index.html",
    ] {
        let candidate = root.join(rel);
        let (real, meta, _) = resolve(&root, &candidate).unwrap().unwrap();
        assert_eq!(real, fs::canonicalize(&candidate).unwrap(), "{rel}");
        assert!(meta.is_file(), "{rel}");
    }
    // the escape resolves like canonicalize does, and `open` refuses it
    let links = Links { root: &root, follow: true, hide: true, may_see: &|_| true };
    assert!(matches!(open(&links, &root.join("docs/out.txt")), Ok(Entry::Missing)));
    assert!(matches!(open(&links, &root.join("docs/up-and-back/index.html")), Ok(Entry::File(..))));
    let denying = Links { follow: false, ..links };
    assert!(matches!(open(&denying, &root.join("docs/up-and-back/index.html")), Ok(Entry::Missing)));
    assert!(matches!(open(&denying, &root.join("docs/index.html")), Ok(Entry::File(..))));
    assert!(resolve(&root, &root.join("nothing.txt")).is_err());
    assert!(resolve(&root, Path::new("/etc/passwd")).unwrap().is_none());
}

mod kept;

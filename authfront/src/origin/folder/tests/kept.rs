//! Small files kept in memory (`file_cache`): served again only while the file is unchanged.

use std::time::{Duration, SystemTime};

use super::*;

/// A site whose files have settled (changed more than a second ago), and a folder keeping them.
async fn settled() -> (TempDir, Folder) {
    let tmp = site();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let f = folder(&tmp, true, false);
    (tmp, f)
}

fn kept(f: &Folder) -> u64 {
    f.memo.as_ref().map_or(0, |m| m.len())
}

#[tokio::test]
async fn a_settled_small_file_is_kept_and_answers_like_the_file() {
    let (_tmp, f) = settled().await;
    let first = get(&f, "/a.txt").await.unwrap();
    let headers = first.headers().clone();
    assert_eq!(body(first).await, "0123456789");
    assert_eq!(kept(&f), 1);
    let again = get(&f, "/a.txt").await.unwrap();
    assert_eq!(again.headers(), &headers, "the same answer, header for header");
    assert_eq!(body(again).await, "0123456789");

    let etag = header(&get(&f, "/a.txt").await.unwrap(), "etag").to_owned();
    let res = call(&f, Method::GET, "/a.txt", &[("if-none-match", &etag)]).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res = call(&f, Method::GET, "/a.txt", &[("range", "bytes=2-4")]).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(header(&res, "content-range"), "bytes 2-4/10");
    assert_eq!(body(res).await, "234");
    let res = call(&f, Method::HEAD, "/a.txt", &[]).await.unwrap();
    assert_eq!(header(&res, "content-length"), "10");
    assert!(body(res).await.is_empty());
    // a directory's index is kept under its file's name
    assert_eq!(body(get(&f, "/docs/").await.unwrap()).await, "<h1>docs</h1>");
    assert_eq!(body(get(&f, "/docs/").await.unwrap()).await, "<h1>docs</h1>");
    assert_eq!(kept(&f), 2);
}

#[tokio::test]
async fn a_rewrite_is_seen_even_with_the_same_length_and_date() {
    let (tmp, f) = settled().await;
    let path = tmp.path().join("site/a.txt");
    assert_eq!(body(get(&f, "/a.txt").await.unwrap()).await, "0123456789");
    assert_eq!(kept(&f), 1);
    // same length, and the old modification time put back: only the change time tells
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    fs::write(&path, "abcdefghij").unwrap();
    fs::File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();
    assert_eq!(body(get(&f, "/a.txt").await.unwrap()).await, "abcdefghij");
}

#[tokio::test]
async fn removed_or_replaced_files_are_not_served_from_memory() {
    let (tmp, f) = settled().await;
    let root = tmp.path().join("site");
    for p in ["/a.txt", "/app.js"] {
        assert_eq!(get(&f, p).await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(kept(&f), 2);
    fs::remove_file(root.join("a.txt")).unwrap();
    assert_eq!(get(&f, "/a.txt").await.unwrap_err(), Error::NotFound);
    // a symlink put where a kept file was, leading out of the root: checked afresh
    fs::remove_file(root.join("app.js")).unwrap();
    symlink(tmp.path().join("secret.txt"), root.join("app.js")).unwrap();
    assert_eq!(get(&f, "/app.js").await.unwrap_err(), Error::NotFound);
    assert_eq!(kept(&f), 0);
}

#[tokio::test]
async fn fresh_large_and_partly_read_files_are_not_kept() {
    let (tmp, f) = settled().await;
    let root = tmp.path().join("site");
    // changed just now: two writes within one tick of the file system's clock could look alike
    fs::write(root.join("new.txt"), "new").unwrap();
    assert_eq!(body(get(&f, "/new.txt").await.unwrap()).await, "new");
    // a range or HEAD reads only part or nothing
    call(&f, Method::GET, "/a.txt", &[("range", "bytes=0-1")]).await.unwrap();
    call(&f, Method::HEAD, "/app.js", &[]).await.unwrap();
    assert_eq!(kept(&f), 0);
    fs::write(root.join("big.bin"), pattern(CHUNK as usize + 1)).unwrap();
    let old = SystemTime::now() - Duration::from_secs(60);
    fs::File::options().write(true).open(root.join("big.bin")).unwrap().set_modified(old).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(body(get(&f, "/big.bin").await.unwrap()).await.len(), CHUNK as usize + 1);
    assert_eq!(kept(&f), 0);
}

#[tokio::test]
async fn a_zero_budget_keeps_nothing() {
    let tmp = site();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let f = Folder::new(&tmp.path().join("site"), false, false, 0).unwrap();
    assert!(f.memo.is_none());
    assert_eq!(body(get(&f, "/a.txt").await.unwrap()).await, "0123456789");
}

//! The folder origin end to end: the real binary, signed in at the real provider, serving a
//! folder whose files change on disk while small ones are kept in memory (`file_cache`).

// Test code: a panic is a failed test, which is what an unwrap here should be.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::time::Duration;

use reqwest::StatusCode;

use super::fetch;
use crate::support::{App, Browser, Setup, op_issuer};

#[tokio::test]
#[ignore = "end-to-end: needs the provider; scripts/test.sh runs it"]
async fn kept_small_files_follow_the_disk() {
    let app = App::start(Setup::new(op_issuer())).await;
    let site = app.dir.path().join("site");
    fs::write(site.join("note.txt"), "first version").unwrap();
    fs::write(site.join("gone.txt"), "about to go").unwrap();
    // a file changed within the last second is not kept: let these settle
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut browser = Browser::default();
    assert_eq!(app.login(&mut browser, "/note.txt", "alice").await.body, "first version");
    for _ in 0..3 {
        let r = fetch(&app, &browser, "/note.txt", &[]).await;
        assert_eq!(r.text().await.unwrap(), "first version");
        assert_eq!(fetch(&app, &browser, "/gone.txt", &[]).await.status(), StatusCode::OK);
    }

    // rewritten in place, same length, its old modification time put back: still seen
    let path = site.join("note.txt");
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    fs::write(&path, "other version").unwrap();
    fs::File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();
    assert_eq!(fetch(&app, &browser, "/note.txt", &[]).await.text().await.unwrap(), "other version");

    // removed: gone at once
    fs::remove_file(site.join("gone.txt")).unwrap();
    assert_eq!(fetch(&app, &browser, "/gone.txt", &[]).await.status(), StatusCode::NOT_FOUND);

    // a deploy that renames a new folder into place: the new site at once
    let fresh = app.dir.path().join("fresh");
    fs::create_dir(&fresh).unwrap();
    fs::write(fresh.join("note.txt"), "deployed").unwrap();
    fs::rename(&site, app.dir.path().join("old-site")).unwrap();
    fs::rename(&fresh, &site).unwrap();
    assert_eq!(fetch(&app, &browser, "/note.txt", &[]).await.text().await.unwrap(), "deployed");
    // and what only the old site had is gone
    assert_eq!(fetch(&app, &browser, "/index.html", &[]).await.status(), StatusCode::NOT_FOUND);
}

//! The folder origin (issue 10, finding 8): hidden files (`/.env`, `/.git/config`, any segment
//! starting with `.`, except `/.well-known/`) are 404 by default (`origin.hidden_files`);
//! symlinks are 404 by default, and with `origin.symlinks = "follow"` only a target inside the
//! root that the access rules allow *for this request* is served (rules decided on the target's
//! path); loops and errors are 404, never a 502 that tells the file exists. A literal `*` in a
//! path is decided like any other character by the `/public/*` glob.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use super::raw;
use super::{assert_none, cookie_line, port, signed_in};
use crate::support::{App, Setup, op_issuer};

/// The protected home page of the example site.
const HOME: &str = "id=\"protected\"";
const PUBLIC: &str = "id=\"public\"";

fn write(site: &Path, file: &str, body: &str) {
    let p = site.join(file);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, body).unwrap();
}

/// Hidden files and links into protected or outside places, under the app's `site/`.
fn plant(app: &App) {
    let site = app.dir.path().join("site");
    write(&site, ".env", "DB_PASSWORD=AF-MARK-DOTENV\n");
    write(&site, ".git/config", "[core]\n\tAF-MARK-GITCONFIG\n");
    write(&site, "a/.hidden/x", "AF-MARK-HIDDEN\n");
    write(&site, "public/.env", "AF-MARK-PUBLIC-DOTENV\n");
    write(&site, ".well-known/security.txt", "Contact: mailto:AF-MARK-SECURITY-TXT\n");
    write(&site, "public/*b.html", "<p>AF-MARK-STAR</p>\n");
    let public = site.join("public");
    symlink("../index.html", public.join("peek.html")).unwrap(); // public -> protected file
    symlink("../docs", public.join("docs-link")).unwrap(); // public -> protected folder
    symlink("index.html", public.join("alias.html")).unwrap(); // public -> public
    symlink("/etc/hostname", public.join("outside.txt")).unwrap(); // out of the root
    symlink("loop-b", public.join("loop-a")).unwrap();
    symlink("loop-a", public.join("loop-b")).unwrap();
}

/// Checks `(path, who, expected statuses, marker that must not / must appear)`.
async fn check(app: &App, who: &str, headers: &[String], cases: &[(&str, &[u16], Option<&str>)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, statuses, must) in cases {
        match raw::get(port(app), path, headers).await {
            Ok(r) if statuses.contains(&r.status) && must.is_none_or(|m| r.has(m)) => {}
            Ok(r) => problems.push(format!(
                "{who} {path}: {} {:?}, expected {statuses:?}{}",
                r.status,
                r.text().chars().take(60).collect::<String>(),
                must.map(|m| format!(" with {m}")).unwrap_or_default()
            )),
            Err(e) => problems.push(format!("{who} {path}: no answer ({e})")),
        }
    }
    problems
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider; scripts/test.sh runs it"]
async fn hidden_files_and_symlinks_are_404_by_default() {
    let app = App::start(Setup::new(op_issuer())).await;
    plant(&app);
    let alice = signed_in(&app, "alice", "/").await;
    let signed = [cookie_line(&app, &alice)];
    let not_found: &[u16] = &[404];
    let mut problems = check(
        &app,
        "alice",
        &signed,
        &[
            ("/.env", not_found, None),
            ("/%2eenv", not_found, None),
            ("/.git/config", not_found, None),
            ("/.git/", not_found, None),
            ("/a/.hidden/x", not_found, None),
            ("/public/.env", not_found, None),
            ("/.well-known/security.txt", &[200], Some("AF-MARK-SECURITY-TXT")),
            ("/public/peek.html", not_found, None),
            ("/public/docs-link/guide.html", not_found, None),
            ("/public/alias.html", not_found, None),
            ("/public/outside.txt", not_found, None),
            ("/public/loop-a", not_found, None),
        ],
    )
    .await;
    problems.extend(
        check(
            &app,
            "anonymous",
            &[],
            &[
                ("/public/.env", not_found, None),
                ("/public/peek.html", &[404], None),
                ("/public/docs-link/guide.html", &[404], None),
                ("/public/loop-a", not_found, None),
            ],
        )
        .await,
    );
    assert_none("hidden files and symlinks (origin.hidden_files / origin.symlinks = \"deny\")", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider; scripts/test.sh runs it"]
async fn symlinks_follow_decides_on_the_target() {
    let app =
        App::start(Setup::new(op_issuer()).origin("dir = \"./site\"\nsymlinks = \"follow\"\nhidden_files = \"allow\""))
            .await;
    plant(&app);
    let alice = signed_in(&app, "alice", "/").await;
    let signed = [cookie_line(&app, &alice)];
    // anonymous: the link is public, its target is not: decided as the target, so not served
    // (a login redirect or 401 as for the target itself, or the spec's 404)
    let refused: &[u16] = &[302, 401, 404];
    let mut problems = check(
        &app,
        "anonymous",
        &[],
        &[
            ("/public/peek.html", refused, None),
            ("/public/docs-link/guide.html", refused, None),
            ("/public/alias.html", &[200], Some(PUBLIC)),
            ("/public/outside.txt", &[404], None),
            ("/public/loop-a", &[404], None),
        ],
    )
    .await;
    problems.extend(
        check(
            &app,
            "alice",
            &signed,
            &[
                ("/public/peek.html", &[200], Some(HOME)),
                ("/public/docs-link/guide.html", &[200], Some("id=\"guide\"")),
                ("/public/outside.txt", &[404], None),
                ("/public/loop-a", &[404], None),
                ("/.env", &[200], Some("AF-MARK-DOTENV")),
            ],
        )
        .await,
    );
    assert_none("origin.symlinks = \"follow\"", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider; scripts/test.sh runs it"]
async fn a_literal_star_in_a_path_is_an_ordinary_character() {
    let app = App::start(Setup::new(op_issuer())).await;
    plant(&app);
    let problems = check(
        &app,
        "anonymous",
        &[],
        &[
            ("/public/*b.html", &[200], Some("AF-MARK-STAR")),
            ("/public/%2Ab.html", &[200], Some("AF-MARK-STAR")),
            ("/public/%2ab.html", &[200], Some("AF-MARK-STAR")),
            ("/*/public/index.html", &[302], None),
            ("/public*", &[302], None),
        ],
    )
    .await;
    assert_none("a literal `*` against the `/public/*` glob", &problems);
}

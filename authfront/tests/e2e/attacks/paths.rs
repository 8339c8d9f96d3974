//! Path confusion, differentially (issue 10, findings 2 and 3): the same generated corpus
//! (`corpus`) of request targets goes through authfront to three origins that resolve paths
//! differently — Debian tomcat10 (which strips `;params` per segment before resolving dots),
//! Debian nginx and the folder origin — each holding `/t/public/index.html`,
//! `/t/public/other.html` and the protected `/t/secret.html`, with `access.public_paths =
//! ["/t/public/*"]`. Whatever file an origin resolves a target to (told by the marker in its
//! body), a visitor the rules do not let in (anonymous, or signed in outside the required
//! group) never gets it: an answer to them is a refusal (400/401/403/404, a login redirect, an
//! origin redirect) or really public content. The rule: every decision and the origin request
//! use the one normalised path, and `;` path parameters are refused (400) unless
//! `server.path_parameters = "encode"` sends them as data (`%3B`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use super::raw::{self, RawResponse};
use super::{assert_none, cookie_line, nonce, port, signed_in, var};
use crate::support::{App, Setup, log_lines, op_issuer};

const PUBLIC_INDEX: &str = "AF-MARK-PUBLIC-INDEX";
const PUBLIC_OTHER: &str = "AF-MARK-PUBLIC-OTHER";
const SECRET: &str = "AF-MARK-SECRET";
const ACCESS: &str = "public_paths = [\"/t/public/*\"]\nrequired_groups = [\"staff\"]\ngroups_claim = \"groups\"";
/// How many corpus requests are in flight at once.
const PARALLEL: usize = 16;

/// The files of `scripts/start-tomcat.sh`'s webapp `t`, under `root`.
fn write_site(root: &Path) {
    fs::create_dir_all(root.join("t/public")).unwrap();
    for (file, marker) in
        [("t/public/index.html", PUBLIC_INDEX), ("t/public/other.html", PUBLIC_OTHER), ("t/secret.html", SECRET)]
    {
        fs::write(root.join(file), format!("<!DOCTYPE html><p>{marker}</p>\n")).unwrap();
    }
}

/// The three origins, each behind its own authfront.
async fn origins(server_extra: &str) -> Vec<(&'static str, App)> {
    write_site(Path::new(&var("AUTHFRONT_TEST_NGINX_DOCROOT")));
    let tomcat = Setup::new(op_issuer())
        .access(ACCESS)
        .server_extra(server_extra)
        .origin(&format!("http = \"{}\"\nread_timeout = \"5s\"", var("AUTHFRONT_TEST_TOMCAT")));
    let nginx = Setup::new(op_issuer())
        .access(ACCESS)
        .server_extra(server_extra)
        .origin(&format!(
            "http = \"{}\"\nread_timeout = \"5s\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = {{ env = \"E2E_ORIGIN_SECRET\" }} }}",
            var("AUTHFRONT_TEST_NGINX")
        ))
        .env("E2E_ORIGIN_SECRET", &var("AUTHFRONT_TEST_NGINX_SECRET"));
    let folder = Setup::new(op_issuer()).access(ACCESS).server_extra(server_extra);
    let (tomcat, nginx, folder) = tokio::join!(App::start(tomcat), App::start(nginx), App::start(folder));
    write_site(&folder.dir.path().join("site"));
    vec![("tomcat", tomcat), ("nginx", nginx), ("folder", folder)]
}

/// What a visitor the rules keep out got, if it is not allowed: `None` when fine.
fn leak(r: &RawResponse) -> Option<String> {
    if r.has(SECRET) {
        return Some(format!("{}: the PROTECTED /t/secret.html", r.status));
    }
    if (200..300).contains(&r.status) && !r.has(PUBLIC_INDEX) && !r.has(PUBLIC_OTHER) {
        let body: String = r.text().chars().take(120).collect();
        return Some(format!("{}: content that is not public: {body:?}", r.status));
    }
    None
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider, Tomcat and nginx; scripts/test.sh runs it"]
async fn differential_path_corpus_never_leaks_the_protected_file() {
    let origins = origins("").await;
    let corpus = super::corpus::variants();
    let mut problems = Vec::new();
    // the set-up itself: who may see what, at every origin
    for (name, app) in &origins {
        let alice = signed_in(app, "alice", "/t/secret.html").await;
        let r = raw::get(port(app), "/t/secret.html", &[cookie_line(app, &alice)]).await.unwrap();
        assert!(r.status == 200 && r.has(SECRET), "{name}: alice reads /t/secret.html: {} {}", r.status, r.text());
        for path in ["/t/public/index.html", "/t/public/"] {
            let r = raw::get(port(app), path, &[]).await.unwrap();
            assert!(r.status == 200 && r.has(PUBLIC_INDEX), "{name}: {path} is public: {} {}", r.status, r.text());
        }
        let r = raw::get(port(app), "/t/secret.html", &[]).await.unwrap();
        assert!(r.status == 302 && !r.has(SECRET), "{name}: /t/secret.html anonymous: {}", r.status);
    }
    let gate = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for (name, app) in &origins {
        // carol is signed in but in no required group: kept out like anonymous visitors
        let carol = signed_in(app, "carol", "/t/secret.html").await;
        let visitors = [("anonymous", Arc::new(Vec::new())), ("carol", Arc::new(vec![cookie_line(app, &carol)]))];
        for (who, headers) in visitors {
            for target in &corpus {
                let (gate, headers, target, name, port) =
                    (gate.clone(), headers.clone(), target.clone(), *name, port(app));
                tasks.spawn(async move {
                    let _permit = gate.acquire_owned().await.unwrap();
                    let r = raw::get(port, &target, &headers).await;
                    (name, who, target, r)
                });
            }
        }
    }
    let mut table: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut total = 0;
    while let Some(done) = tasks.join_next().await {
        let (name, who, target, r) = done.unwrap();
        total += 1;
        let outcome = match &r {
            Ok(r) => r.status.to_string(),
            Err(e) => format!("no answer ({e})"),
        };
        *table.entry((name, outcome)).or_default() += 1;
        if let Ok(r) = &r
            && let Some(what) = leak(r)
        {
            problems.push(format!("{name} origin, {who}: {target:?} -> {what}"));
        }
    }
    problems.sort();
    eprintln!("differential corpus: {} variants, {total} requests; answers per origin: {table:?}", corpus.len());
    assert_none("the differential path corpus", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and Tomcat; scripts/test.sh runs it"]
async fn path_parameters_are_refused_by_default() {
    let origins = origins("").await;
    let mut problems = Vec::new();
    for (name, app) in &origins {
        let alice = signed_in(app, "alice", "/t/secret.html").await;
        for target in [
            "/t/public/..;/secret.html",
            "/t/public/..%3b/secret.html",
            "/t/public/..%3B/secret.html",
            "/t/public/index.html;jsessionid=0123",
            "/t/public;x/index.html",
            "/t/secret.html;x",
        ] {
            for (who, headers) in [("anonymous", vec![]), ("alice", vec![cookie_line(app, &alice)])] {
                match raw::get(port(app), target, &headers).await {
                    Ok(r) if r.status == 400 && !r.has(SECRET) => {}
                    Ok(r) => problems.push(format!(
                        "{name}, {who}: {target} -> {}{}, expected 400",
                        r.status,
                        if r.has(SECRET) { " with the PROTECTED page" } else { "" }
                    )),
                    Err(e) => problems.push(format!("{name}, {who}: {target} -> no answer ({e})")),
                }
            }
        }
    }
    assert_none("`;` path parameters (server.path_parameters = \"reject\", the default)", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and Tomcat; scripts/test.sh runs it"]
async fn path_parameters_encode_sends_them_as_data() {
    let app = App::start(
        Setup::new(op_issuer())
            .access(ACCESS)
            .server_extra("path_parameters = \"encode\"")
            .origin(&format!("http = \"{}\"\nread_timeout = \"5s\"", var("AUTHFRONT_TEST_TOMCAT"))),
    )
    .await;
    let n = nonce();
    let mut problems = Vec::new();
    for target in ["/t/public/..;/secret.html", "/t/public/..%3b/secret.html", "/t/public/..;x=1/secret.html"] {
        let r = raw::get(port(&app), &format!("{target}?n={n}"), &[]).await.unwrap();
        if r.has(SECRET) || (200..300).contains(&r.status) {
            problems.push(format!(
                "{target} anonymous -> {} {}",
                r.status,
                r.text().chars().take(80).collect::<String>()
            ));
        }
    }
    let mark = format!("n={n}");
    let ours = log_lines(Path::new(&var("AUTHFRONT_TEST_TOMCAT_LOG")), |l| l.contains(&mark), 3);
    if ours.len() != 3 || ours.iter().any(|l| l.contains(';') || !l.contains("%3B")) {
        problems.push(format!("Tomcat should have seen each `;` as %3B: {ours:?}"));
    }
    assert_none("server.path_parameters = \"encode\"", &problems);
}

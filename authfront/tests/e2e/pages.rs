//! authfront's own pages in Chromium, served by the real binary: each one is screenshotted (the
//! pictures of docs/pages.md: run with `AUTHFRONT_PAGE_SHOTS=docs/pages` to refresh them) and
//! checked: one look (the template's `<main>`, `<h1>`, `<footer>`), a `lang`, text contrast
//! from the computed styles, the strict CSP, nothing loaded from elsewhere, and a next step.
//! "Sign in as someone else" on the access-denied page is followed for real: the provider asks
//! for the password again (`prompt`), and another user gets in.

use std::fs;
use std::io::Read as _;
use std::net::TcpListener;
use std::path::PathBuf;

use authfront_core::page::PAGE_CSP;
use serde_json::{Value, json};

use crate::support::{App, Setup, chromium, op_form_issuer, repo_root};

/// A loopback server that accepts connections and never answers (an origin that hangs).
fn silent_origin() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            held.push(s); // kept open, never answered
        }
    });
    port
}

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Runs scripts/browser/pages.mjs over `steps`, screenshots into `out`.
async fn visit(steps: Value, out: PathBuf, work: PathBuf) -> Vec<Value> {
    let file = work.join(format!("steps-{}.json", steps[0]["name"].as_str().unwrap_or("x")));
    fs::write(&file, steps.to_string()).expect("write steps");
    let run = chromium("pages.mjs", [file.into_os_string(), out.into_os_string()]).await;
    assert!(run.ok(), "browser run failed: {}\n{}", run.result, run.stderr);
    run.result["pages"].as_array().expect("pages").clone()
}

/// The checks every authfront page must pass.
fn assert_page(p: &Value, status: u16, links: &[&str]) {
    let name = &p["name"];
    assert_eq!(p["status"], status, "{name}: {p}");
    assert_eq!(p["lang"], "en", "{name}: a lang attribute: {p}");
    assert_eq!(p["mains"], 1, "{name}: one <main> landmark: {p}");
    assert_eq!(p["footer"], 1, "{name}: a <footer>: {p}");
    assert!(!p["h1"].as_str().unwrap_or_default().is_empty(), "{name}: a heading: {p}");
    assert_eq!(p["h1"], p["title"], "{name}: the heading is the title: {p}");
    assert_eq!(p["contrast"]["failures"], json!([]), "{name}: text below WCAG AA contrast: {p}");
    assert!(p["contrast"]["min"].as_f64().unwrap_or(0.0) >= 4.5, "{name}: {p}");
    assert_eq!(p["csp"], PAGE_CSP, "{name}: the strict CSP of authfront's pages: {p}");
    assert_eq!(p["external"], json!([]), "{name}: self-contained: {p}");
    let ids: Vec<&str> = p["links"].as_array().expect("links").iter().filter_map(|l| l["id"].as_str()).collect();
    assert_eq!(ids, links, "{name}: the next steps offered: {p}");
}

#[tokio::test]
#[ignore = "end-to-end: needs the real identity provider and Chromium; scripts/test.sh runs it"]
async fn own_pages_share_one_look_pass_the_checks_and_offer_a_next_step() {
    let (down, silent) = (closed_port(), silent_origin());
    let routes = format!(
        "[[origin.routes]]\npath = \"/public/down/*\"\nhttp = \"http://127.0.0.1:{down}\"\n\n\
         [[origin.routes]]\npath = \"/public/slow/*\"\nhttp = \"http://127.0.0.1:{silent}\"\nread_timeout = \"1s\"\n"
    );
    let mut app = App::start(Setup::new(op_form_issuer()).extra(&routes)).await;
    let out = match std::env::var("AUTHFRONT_PAGE_SHOTS") {
        Ok(d) if !d.is_empty() => repo_root().join(d),
        _ => app.dir.path().join("shots"),
    };
    fs::create_dir_all(&out).expect("mkdir shots");
    let base = app.base.clone();
    let u = |p: &str| base.join(p).expect("URL").to_string();
    let steps = json!([
        { "name": "signed-out", "url": u("/_authfront/signed-out") },
        { "name": "not-found", "url": u("/_authfront/nothing-here") },
        { "name": "bad-request", "url": u("/docs%5c..%5cindex.html") },
        { "name": "sign-in-failed", "url": u("/_authfront/callback?code=abc&state=not-a-state") },
        { "name": "bad-gateway", "url": u("/public/down/report.html") },
        { "name": "timeout", "url": u("/public/slow/report.html") },
        { "name": "access-denied", "url": u("/docs/guide.html?section=intro"), "user": "carol" },
        { "name": "switch-account", "click": "#switch-account", "user": "bob", "expect": "#guide" },
    ]);
    let pages = visit(steps, out.clone(), app.dir.path().to_path_buf()).await;
    let by = |n: &str| pages.iter().find(|p| p["name"] == n).unwrap_or_else(|| panic!("no page {n}"));

    let p = by("signed-out");
    assert_page(p, 200, &["sign-in"]);
    assert_eq!(p["links"][0]["href"], u("/_authfront/login"));
    assert_page(by("not-found"), 404, &["home"]);
    let p = by("bad-request");
    assert_page(p, 400, &["home"]);
    assert!(!p.to_string().contains("backslash"), "the page speaks plainly; the log has the reason: {p}");
    assert!(app.log().contains("backslash"), "the precise reason is logged");
    // a state that cannot be opened names no page: "Try again" starts from the home page
    let p = by("sign-in-failed");
    assert_page(p, 400, &["retry"]);
    assert_eq!(p["links"][0]["href"], u("/"));
    assert_page(by("bad-gateway"), 502, &["retry", "home"]);
    assert_page(by("timeout"), 504, &["retry", "home"]);
    let p = by("access-denied");
    assert_eq!(p["formShown"], true, "carol signed in with the form: {p}");
    assert_page(p, 403, &["switch-account", "sign-out"]);
    let switch = p["links"][0]["href"].as_str().unwrap_or_default();
    assert!(switch.ends_with("/_authfront/login?prompt=login&rd=%2Fdocs%2Fguide.html%3Fsection%3Dintro"), "{p}");
    assert_eq!(p["links"][1]["href"], u("/_authfront/signout"));
    // "Sign in as someone else": the provider shows its form despite carol's session there
    let p = by("switch-account");
    assert_eq!(p["formShown"], true, "prompt=login made the provider ask again: {p}");
    assert_eq!(p["status"], 200, "{p}");
    assert_eq!(p["url"], u("/docs/guide.html?section=intro"), "bob lands on the page carol was refused: {p}");

    // the provider down: the same site, its issuer a port nothing listens on
    let issuer = app.issuer.clone();
    app.restart_with(|c| c.replace(&issuer, &format!("http://127.0.0.1:{down}"))).await;
    let steps = json!([{ "name": "provider-down", "url": u("/docs/guide.html") }]);
    let pages = visit(steps, out.clone(), app.dir.path().to_path_buf()).await;
    assert_page(&pages[0], 502, &["retry", "home"]);
    assert_eq!(pages[0]["links"][0]["href"], u("/docs/guide.html"), "try again: the page wanted");

    for name in [
        "signed-out",
        "not-found",
        "bad-request",
        "sign-in-failed",
        "bad-gateway",
        "timeout",
        "access-denied",
        "provider-down",
    ] {
        let shot = out.join(format!("{name}.png"));
        assert!(fs::metadata(&shot).map(|m| m.len() > 1000).unwrap_or(false), "a screenshot at {}", shot.display());
    }
}

//! Request smuggling through a pooled origin connection (issue 10, finding 1), against real
//! nginx. A `GET`/`HEAD` on a public path declares `Content-Length: N` and sends N bytes that
//! are themselves a request for a protected page. If authfront forwards the header without the
//! body, nginx takes the first N bytes of the *next* request on that pooled connection as the
//! body; the attacker's next request is built so that what is left of it is a request for the
//! protected page, carrying authfront's secret header. The rule: a request reaches the origin
//! with its body or with no body-framing headers at all, so the next request on the connection
//! always gets its own answer.

use std::fs;
use std::path::PathBuf;

use super::raw::{Conn, RawResponse};
use super::{assert_none, nonce, port, var};
use crate::support::{App, DEFAULT_ACCESS, Setup, log_lines, op_issuer};

const PUBLIC_A: &str = "AF-SMUGGLE-PUBLIC-A";
const PUBLIC_B: &str = "AF-SMUGGLE-PUBLIC-B";
const SECRET: &str = "AF-SMUGGLE-SECRET";

/// The files of one attempt, under nginx's `/counted/` (every request there is logged).
struct Files {
    dir: String,
    public_a: String,
    public_b: String,
    secret: String,
}

fn files(tag: &str) -> Files {
    let dir = format!("/counted/smuggle-{tag}");
    let root = PathBuf::from(var("AUTHFRONT_TEST_NGINX_DOCROOT"));
    // long enough that the smuggled request (below) fits into the bytes nginx would swallow
    let public_b = format!("{dir}/public/{}.html", "b".repeat(60));
    let f = Files { public_a: format!("{dir}/public/a.html"), secret: format!("{dir}/secret.html"), public_b, dir };
    for (path, marker) in [(&f.public_a, PUBLIC_A), (&f.public_b, PUBLIC_B), (&f.secret, SECRET)] {
        let file = root.join(path.trim_start_matches('/'));
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, format!("<p>{marker}</p>\n")).unwrap();
    }
    f
}

/// Whether nginx logged a request for `path`. nginx (one worker) writes a request's line after
/// its answer, so first a request of our own goes straight to nginx and is waited for in the
/// log: once it is there, so is any line for a request nginx answered before it.
async fn nginx_log_has(path: &str) -> bool {
    let sentinel = format!("{path}.sentinel-{}", nonce());
    // with the secret header: nginx refuses others before it picks the logged location
    let _ = reqwest::Client::new()
        .get(format!("{}{sentinel}", var("AUTHFRONT_TEST_NGINX")))
        .header("x-origin-verify", var("AUTHFRONT_TEST_NGINX_SECRET"))
        .send()
        .await;
    let log = PathBuf::from(var("AUTHFRONT_TEST_NGINX_LOG"));
    let request = format!(" {sentinel} HTTP/");
    assert_eq!(log_lines(&log, |l| l.contains(&request), 1).len(), 1, "nginx never logged {sentinel}");
    let request = format!(" {path} HTTP/");
    !log_lines(&log, |l| l.contains(&request), 0).is_empty()
}

fn describe(r: &Result<RawResponse, String>) -> String {
    match r {
        Ok(r) => format!("{} x-cache={:?} body={:?}", r.status, r.header("x-cache"), r.text().trim()),
        Err(e) => format!("no answer ({e})"),
    }
}

/// One smuggling attempt with `method` (GET or HEAD) for the first request; returns problems.
async fn attempt(app: &App, f: &Files, method: &str) -> Vec<String> {
    let port = port(app);
    let mut problems = Vec::new();
    // The second request as authfront forwards it starts with its request line and then the
    // client's first header after Host: nginx would swallow exactly this much of it.
    let swallowed = format!("GET {} HTTP/1.1\r\nx-smuggle: ", f.public_b).len();
    // The first request's body: N bytes that are a complete request for the protected page.
    let bare = format!("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: \r\n\r\n", f.secret);
    assert!(bare.len() < swallowed, "the public path of the second request is too short for the attack");
    let body = format!(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}\r\n\r\n",
        f.secret,
        "p".repeat(swallowed - bare.len())
    );
    assert_eq!(body.len(), swallowed);

    let mut attacker = Conn::open(port).await;
    let first = format!(
        "{method} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n\r\n{body}",
        f.public_a,
        body.len()
    );
    attacker.send(first.as_bytes()).await.unwrap();
    let a = attacker.response(method == "HEAD").await;
    match &a {
        Ok(r) if r.status == 200 && (method == "HEAD" || r.has(PUBLIC_A)) => {}
        _ => problems.push(format!("{method} {} with a body: expected its own 200, got {}", f.public_a, describe(&a))),
    }
    // The next request authfront sends on that pooled connection: anonymous, public path.
    let second = format!(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nx-smuggle: GET {} HTTP/1.1\r\nConnection: close\r\n\r\n",
        f.public_b, f.secret
    );
    let b = super::raw::exchange(port, second.as_bytes()).await;
    match &b {
        Ok(r) if r.has(SECRET) => problems.push(format!(
            "the next (anonymous) request for {} got the PROTECTED page {}: {}",
            f.public_b,
            f.secret,
            describe(&b)
        )),
        Ok(r) if r.status == 200 && r.has(PUBLIC_B) => {}
        _ => problems
            .push(format!("the next request on the pooled connection did not get its own answer: {}", describe(&b))),
    }
    // Then an innocent visitor asks for the same public URL.
    let c = super::raw::get(port, &f.public_b, &[]).await;
    match &c {
        Ok(r) if r.has(SECRET) => {
            problems.push(format!("the protected page is cached under the public URL {}: {}", f.public_b, describe(&c)))
        }
        Ok(r) if r.status == 200 && r.has(PUBLIC_B) => {}
        _ => problems.push(format!("a later anonymous GET {}: {}", f.public_b, describe(&c))),
    }
    if nginx_log_has(&f.secret).await {
        problems.push(format!("nginx's access log shows the smuggled request for {}", f.secret));
    }
    drop(attacker);
    problems
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and nginx; scripts/test.sh runs it"]
async fn smuggling_through_a_pooled_nginx_connection() {
    let tag = nonce();
    let get = files(&format!("{tag}-get"));
    let head = files(&format!("{tag}-head"));
    let origin = format!(
        "http = \"{}\"\nread_timeout = \"5s\"\nsecret_header = {{ name = \"X-Origin-Verify\", value = {{ env = \"E2E_ORIGIN_SECRET\" }} }}",
        var("AUTHFRONT_TEST_NGINX")
    );
    let access =
        DEFAULT_ACCESS.replace("\"/public/*\"", &format!("\"{}/public/*\", \"{}/public/*\"", get.dir, head.dir));
    let setup = Setup::new(op_issuer())
        .origin(&origin)
        .access(&access)
        .env("E2E_ORIGIN_SECRET", &var("AUTHFRONT_TEST_NGINX_SECRET"));
    let app = App::start(setup).await;
    // the protected page is protected
    let direct = super::raw::get(port(&app), &get.secret, &[]).await.unwrap();
    assert!(direct.status == 302 && !direct.has(SECRET), "{} anonymous: {}", get.secret, direct.status);
    let mut problems = attempt(&app, &get, "GET").await;
    problems.extend(attempt(&app, &head, "HEAD").await);
    assert_none("smuggling through authfront's pooled connection to nginx", &problems);
}

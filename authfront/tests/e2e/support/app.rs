//! A running `authfront serve` under test, and the browserless sign-in it is driven through.

use super::*;

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
    /// The body of the `[access]` table; `None`: `/public/*` public, group `staff` required.
    pub access: Option<String>,
    /// Extra lines for the `[server]` table.
    pub server_extra: String,
    /// The port of `server.public_url` when another server (a proxy in front) has it; `None`:
    /// the listening port.
    pub public_port: Option<u16>,
    /// The host of `server.public_url`; `None`: `127.0.0.1`. Names here and in `hosts` are
    /// resolved to `127.0.0.1` by [`App::http`] (Chromium: `--host-rules`).
    pub public_host: Option<String>,
    /// More names [`App::http`] resolves to `127.0.0.1` (the hosts behind a forward-auth proxy).
    pub hosts: Vec<String>,
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
            access: None,
            server_extra: String::new(),
            public_port: None,
            public_host: None,
            hosts: Vec::new(),
        }
    }

    /// `server.public_url` on host `name` (resolved to 127.0.0.1 by the test's clients), and
    /// `more` names resolved the same way.
    pub fn hosts(mut self, name: &str, more: &[&str]) -> Self {
        self.public_host = Some(name.to_owned());
        self.hosts = more.iter().map(|h| (*h).to_owned()).collect();
        self
    }

    pub fn access(mut self, toml: &str) -> Self {
        self.access = Some(toml.to_owned());
        self
    }

    pub fn server_extra(mut self, toml: &str) -> Self {
        self.server_extra.push_str(toml);
        self.server_extra.push('\n');
        self
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

    /// `server.public_url` on `port` (a proxy's), while authfront listens on its own.
    pub fn public_port(mut self, port: u16) -> Self {
        self.public_port = Some(port);
        self
    }
}

/// The `[access]` table of every [`App`] unless [`Setup::access`] says otherwise.
pub const DEFAULT_ACCESS: &str =
    "public_paths = [\"/public/*\"]\nrequired_groups = [\"staff\"]\ngroups_claim = \"groups\"";

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
        let listen = setup.port.unwrap_or_else(free_port);
        let port = setup.public_port.unwrap_or(listen);
        let host = setup.public_host.clone().unwrap_or_else(|| "127.0.0.1".to_owned());
        let base = Url::parse(&format!("http://{host}:{port}/")).expect("base URL");
        let redirect_uri = format!("http://{host}:{port}{CALLBACK_PATH}");
        let disc = discovery(&setup.issuer).await;
        let authorization_endpoint =
            Url::parse(disc["authorization_endpoint"].as_str().expect("authorization_endpoint"))
                .expect("authorization endpoint URL");

        let signed_out = format!("http://{host}:{port}/_authfront/signed-out");
        let backchannel_uri = format!("http://{host}:{port}{BACKCHANNEL_PATH}");
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
            "[server]\nlisten = \"127.0.0.1:{listen}\"\npublic_url = \"http://{host}:{port}\"\n{server_extra}\n\
             [oidc]\n{oidc}\n\
             [session]\nkeys = [{{ file = \"session.key\" }}]\n{session_extra}\n\
             [access]\n{access}\n\n\
             {origin}\n\n{extra}",
            server_extra = setup.server_extra,
            access = setup.access.as_deref().unwrap_or(DEFAULT_ACCESS),
            // `Some("")`: no `[origin]` at all (forward-auth only)
            origin = match setup.origin.as_deref() {
                Some("") => String::new(),
                o => format!("[origin]\n{}", o.unwrap_or("dir = \"./site\"")),
            },
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
            http: http_resolving(setup.public_host.iter().chain(&setup.hosts)),
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

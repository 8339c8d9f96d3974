//! An identity provider owned by one test (restartable, e.g. for key rotation).

use super::*;

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

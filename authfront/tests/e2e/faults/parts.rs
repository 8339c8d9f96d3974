//! Real parts of one test's own, started with the project's scripts on free loopback ports and
//! hurt on purpose: an oidc-provider to stop (`SIGSTOP`) and continue, a redis-server to kill.
//! Stopped by pid (the scripts' pid files) on drop, failed test or not.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{CALLBACK_PATH, free_port, http, repo_root};

/// Where the scripts keep their state (`scripts/lib.sh`: `$AUTHFRONT_RUN`, else `<repo>/.run`).
pub fn run_dir() -> PathBuf {
    match std::env::var("AUTHFRONT_RUN") {
        Ok(v) if !v.is_empty() => PathBuf::from(v),
        _ => repo_root().join(".run"),
    }
}

/// Runs one of the project's scripts; panics with its output when it fails.
fn script(name: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let path = repo_root().join("scripts").join(name);
    let out = Command::new(&path)
        .args(args)
        .envs(env.iter().copied())
        .env("AUTHFRONT_RUN", run_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", path.display()));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{name} {args:?} failed:\n{text}");
    text
}

/// Sends `sig` (`STOP`, `CONT`, `KILL`, `HUP`) to `pid`, a process this test started (bash's
/// `kill`: no procps needed).
pub fn signal(pid: u32, sig: &str) {
    let ok = Command::new("bash").arg("-c").arg(format!("kill -{sig} {pid}")).status().is_ok_and(|s| s.success());
    assert!(ok, "kill -{sig} {pid}");
}

fn read_pid(file: &Path) -> u32 {
    fs::read_to_string(file)
        .unwrap_or_default()
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no pid in {}", file.display()))
}

/// An oidc-provider of one test's own (`scripts/start-oidc-provider.sh` on a free port), to be
/// stopped (`SIGSTOP`) and continued by pid; its log counts token-endpoint requests (`op.mjs`
/// logs one `token endpoint:` line each). Continued and stopped on drop.
pub struct ScriptProvider {
    pub port: u16,
    pub issuer: String,
    pub pid: u32,
    stopped: bool,
}

impl ScriptProvider {
    pub fn start(env: &[(&str, &str)]) -> ScriptProvider {
        let port = free_port();
        let p = port.to_string();
        script("start-oidc-provider.sh", &[&p], env);
        let pid = read_pid(&run_dir().join(format!("oidc-provider-{port}/pid")));
        ScriptProvider { port, issuer: format!("http://127.0.0.1:{port}"), pid, stopped: false }
    }

    pub fn log(&self) -> String {
        fs::read_to_string(run_dir().join(format!("oidc-provider-{}/log", self.port))).unwrap_or_default()
    }

    /// How many authorization codes were sent to its token endpoint (redeemed or refused).
    pub fn code_redemptions(&self) -> usize {
        self.log()
            .lines()
            .filter(|l| l.contains("token endpoint:") && l.contains("grant_type=authorization_code"))
            .count()
    }

    /// `SIGSTOP`: it still accepts connections (the kernel does) but never answers.
    pub fn hang(&mut self) {
        signal(self.pid, "STOP");
        self.stopped = true;
    }

    pub fn resume(&mut self) {
        signal(self.pid, "CONT");
        self.stopped = false;
    }
}

impl Drop for ScriptProvider {
    fn drop(&mut self) {
        if self.stopped {
            let _ = Command::new("bash").arg("-c").arg(format!("kill -CONT {}", self.pid)).status();
        }
        let _ = Command::new(repo_root().join("scripts/stop-oidc-provider.sh"))
            .arg(self.port.to_string())
            .env("AUTHFRONT_RUN", run_dir())
            .output();
        if std::thread::panicking() {
            eprintln!("---- provider log (:{}) ----\n{}", self.port, self.log());
        } else {
            let _ = fs::remove_dir_all(run_dir().join(format!("oidc-provider-{}", self.port)));
        }
    }
}

/// A redis-server of one test's own (`scripts/start-redis.sh` on a free port, no persistence),
/// to be killed and started again. Stopped on drop.
pub struct OwnRedis {
    pub port: u16,
}

impl OwnRedis {
    pub fn start() -> OwnRedis {
        let r = OwnRedis { port: free_port() };
        r.up();
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts it (again, on the same port).
    pub fn up(&self) {
        script("start-redis.sh", &[&self.port.to_string()], &[]);
    }

    /// `kill -9` by pid: gone at once, without a goodbye to its clients.
    pub fn kill(&self) {
        let pidfile = run_dir().join(format!("redis-{}/pid", self.port));
        signal(read_pid(&pidfile), "KILL");
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "redis :{} still accepts after kill -9", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/stop-redis.sh"))
            .arg(self.port.to_string())
            .env("AUTHFRONT_RUN", run_dir())
            .output();
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(run_dir().join(format!("redis-{}", self.port)));
        }
    }
}

/// Registers one client with several redirect URIs at `issuer` (two instances of one site).
pub async fn register_shared_client(issuer: &str, ports: &[u16]) -> (&'static str, &'static str) {
    let redirects: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}{CALLBACK_PATH}")).collect();
    let body = json!({
        "client_name": "authfront faults: two instances",
        "redirect_uris": redirects,
        "token_endpoint_auth_method": "client_secret_basic",
        "id_token_signed_response_alg": "RS256",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    });
    let reply: serde_json::Value =
        http().post(format!("{issuer}/reg")).json(&body).send().await.unwrap().json().await.unwrap();
    let id = reply["client_id"].as_str().unwrap_or_else(|| panic!("registration: {reply}")).to_owned();
    let secret = reply["client_secret"].as_str().unwrap().to_owned();
    (Box::leak(id.into_boxed_str()), Box::leak(secret.into_boxed_str()))
}

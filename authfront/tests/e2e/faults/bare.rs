//! A bare `authfront serve` for the listener and CLI tests: a config of its own, no sign-in,
//! optionally an admin listener and a descriptor limit; and its resident memory.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::support::{BIN, HEALTH_PATH, free_port, http, keygen};

/// The admin token of every [`Bare`] instance with an admin listener.
pub const ADMIN_TOKEN: &str = "faults-admin-token-0123456789";

/// The resident memory of `pid` in KiB (`VmRSS` of /proc/PID/status).
pub fn rss_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// An `authfront serve` with a small config of its own and no sign-in (the listener tests, the
/// CLI): a folder origin, `/public/*` public, optionally an admin listener and a descriptor
/// limit set before it starts. Killed on drop (its log printed when the test failed).
pub struct Bare {
    pub port: u16,
    pub admin_port: Option<u16>,
    _dir: tempfile::TempDir,
    child: Child,
    log: PathBuf,
}

impl Bare {
    /// `server` goes into `[server]`, `tables` after everything; `admin`: an admin listener;
    /// `nofile`: started under `ulimit -n` (so the binary sees that limit from its first
    /// instruction, as under systemd's `LimitNOFILE`).
    pub async fn start(server: &str, tables: &str, admin: bool, nofile: Option<u64>) -> Bare {
        let dir = tempfile::Builder::new().prefix("authfront-faults-").tempdir().unwrap();
        let port = free_port();
        let admin_port = admin.then(free_port);
        fs::write(dir.path().join("session.key"), keygen()).unwrap();
        fs::create_dir_all(dir.path().join("site/public")).unwrap();
        fs::write(dir.path().join("site/index.html"), "<h1 id=\"protected\">home</h1>\n").unwrap();
        fs::write(dir.path().join("site/public/index.html"), "<h1 id=\"public\">public</h1>\n").unwrap();
        let mut config = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n{server}\n\n\
             [oidc]\nissuer = \"http://127.0.0.1:9\"\nclient_id = \"faults\"\nclient_secret = \"faults-secret\"\n\n\
             [session]\nkeys = [{{ file = \"session.key\" }}]\n\n\
             [access]\npublic_paths = [\"/public/*\"]\n\n[origin]\ndir = \"./site\"\n\n"
        );
        if let Some(a) = admin_port {
            writeln!(config, "[admin]\nlisten = \"127.0.0.1:{a}\"\ntoken = \"{ADMIN_TOKEN}\"\n").unwrap();
        }
        config.push_str(tables);
        let config_path = dir.path().join("authfront.toml");
        fs::write(&config_path, &config).unwrap();
        let log = dir.path().join("authfront.log");
        let log_file = fs::File::create(&log).unwrap();
        let mut cmd = match nofile {
            Some(n) => {
                let mut c = Command::new("bash");
                c.arg("-c").arg(format!("ulimit -n {n} && exec \"$0\" \"$@\"")).arg(BIN);
                c
            }
            None => Command::new(BIN),
        };
        cmd.args(["serve", "--config"])
            .arg(&config_path)
            .env_remove("AUTHFRONT_CONFIG")
            .env("AUTHFRONT_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file);
        let child = cmd.spawn().unwrap();
        let mut bare = Bare { port, admin_port, _dir: dir, child, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http().get(bare.url(HEALTH_PATH)).send().await
                && r.status() == StatusCode::OK
            {
                return bare;
            }
            if let Some(status) = bare.child.try_wait().unwrap() {
                panic!("authfront exited ({status}) at start\nconfig:\n{config}\nlog:\n{}", bare.log());
            }
            assert!(Instant::now() < deadline, "authfront did not answer within 30 s\nlog:\n{}", bare.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- authfront log (:{}) ----\n{}\n---- end of log ----", self.port, self.log());
        }
    }
}

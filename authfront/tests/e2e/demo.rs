//! The demo itself, as a newcomer runs it: `scripts/demo.sh` in the background on free ports
//! (with the binary under test instead of a release build, `--binary`), its own provider
//! registration, its own config and site. Chromium signs in with the provider's password form,
//! signs out with the site's button, and the next visit must ask for the password again (the
//! provider's session really ended). The script is stopped with SIGTERM, as Ctrl-C would, and
//! must stop exactly what it started.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{BIN, chromium, free_port, http, repo_root};

/// A running `scripts/demo.sh`, with its state in a temporary `AUTHFRONT_RUN`.
struct Demo {
    child: Child,
    run: tempfile::TempDir,
    log: PathBuf,
    port: u16,
    op_port: u16,
}

fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)).is_ok()
}

fn demo_command(run: &Path, args: &[String]) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/demo.sh")).args(args).env("AUTHFRONT_RUN", run).stdin(Stdio::null());
    cmd
}

impl Demo {
    async fn start() -> Demo {
        let run = tempfile::Builder::new().prefix("authfront-demo-").tempdir().expect("temp dir");
        let (port, op_port) = (free_port(), free_port());
        let log = run.path().join("demo.log");
        let out = fs::File::create(&log).expect("log file");
        let args =
            ["--port", &port.to_string(), "--provider-port", &op_port.to_string(), "--binary", BIN].map(str::to_owned);
        let child = demo_command(run.path(), &args)
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .spawn()
            .expect("spawn scripts/demo.sh");
        let mut demo = Demo { child, run, log, port, op_port };
        let health = format!("http://127.0.0.1:{port}/_authfront/health");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            // ready: authfront answers, and the script has said what it set up
            if let Ok(r) = http().get(&health).send().await
                && r.status() == reqwest::StatusCode::OK
                && demo.log().contains("Press Ctrl-C")
            {
                return demo;
            }
            if let Some(status) = demo.child.try_wait().expect("try_wait") {
                panic!("scripts/demo.sh exited ({status}) before {health} answered:\n{}", demo.log());
            }
            assert!(Instant::now() < deadline, "the demo did not come up within 120 s:\n{}", demo.log());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn provider_pidfile(&self) -> PathBuf {
        self.run.path().join(format!("oidc-provider-{}/pid", self.op_port))
    }

    /// SIGTERM to the script (what Ctrl-C amounts to), then its exit. Returns the exit status
    /// code, or `None` when it had to be killed (and its provider stopped by its pid file).
    fn stop(&mut self) -> Option<i32> {
        if let Ok(Some(s)) = self.child.try_wait() {
            return s.code();
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // It did not stop by itself: stop what it started, by pid, and say so.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("bash")
            .arg(repo_root().join("scripts/stop-oidc-provider.sh"))
            .arg(self.op_port.to_string())
            .env("AUTHFRONT_RUN", self.run.path())
            .status();
        None
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs Node, the provider's npm packages and Chromium; scripts/test.sh runs it"]
async fn the_demo_signs_out_for_real_and_asks_for_the_password_again() {
    let mut demo = Demo::start().await;
    let (port, op_port) = (demo.port, demo.op_port);
    // the runtime config follows the chosen ports; examples/demo.toml is left as it is
    let config = fs::read_to_string(demo.run.path().join(format!("demo/authfront-{port}.toml"))).expect("config");
    assert!(config.contains(&format!("issuer = \"http://127.0.0.1:{op_port}\"")), "{config}");
    assert!(config.contains(&format!("public_url = \"http://127.0.0.1:{port}\"")), "{config}");
    let log = demo.log();
    assert!(log.contains(&format!("post-logout http://127.0.0.1:{port}/_authfront/signed-out")), "{log}");

    let shots = demo.run.path().join("shots");
    fs::create_dir_all(&shots).expect("mkdir");
    let url = format!("http://127.0.0.1:{port}/");
    let run =
        chromium("signout.mjs", [url.as_str().into(), "--screenshots".into(), shots.clone().into_os_string()]).await;
    let r = &run.result;
    assert!(run.ok(), "browser run failed: {r}\n{}\n{}", run.stderr, demo.log());
    assert_eq!(r["formShown"], true, "the first visit asks for the password: {r}");
    let user = r["userText"].as_str().unwrap_or_default();
    assert!(user.starts_with("Signed in as Alice") && user.contains("alice@example.test"), "{r}");
    assert_eq!(r["confirmed"], true, "the browser went through the provider's sign-out: {r}");
    let signed_out = r["signedOutUrl"].as_str().unwrap_or_default();
    assert!(signed_out.starts_with(&format!("http://127.0.0.1:{port}/_authfront/signed-out")), "{r}");
    assert_eq!(r["signInHref"], format!("http://127.0.0.1:{port}/_authfront/login"), "{r}");
    assert!(!r["cookiesAfter"].to_string().contains("authfront_session"), "session cookie cleared: {r}");
    assert_eq!(r["formShownAgain"], true, "after sign-out the provider must ask for the password again: {r}");
    assert!(
        r["finalUrl"].as_str().unwrap_or_default().starts_with(&format!("http://127.0.0.1:{op_port}/interaction/")),
        "{r}"
    );

    // Ctrl-C: the script stops authfront and the provider it started, and nothing stays behind
    let code = demo.stop();
    assert!(code.is_some(), "scripts/demo.sh did not stop on SIGTERM:\n{}", demo.log());
    assert!(!listening(port) && !listening(op_port), "ports still served after the demo stopped");
    assert!(!demo.provider_pidfile().exists(), "the provider's pid file is removed:\n{}", demo.log());
}

#[test]
#[ignore = "end-to-end: runs scripts/demo.sh; scripts/test.sh runs it"]
fn the_demo_refuses_a_busy_port_before_building_anything() {
    let run = tempfile::tempdir().expect("temp dir");
    let busy = TcpListener::bind("127.0.0.1:0").expect("bind");
    let busy_port = busy.local_addr().expect("addr").port().to_string();
    let free = free_port().to_string();
    for args in [["--port", &busy_port, "--provider-port", &free], ["--port", &free, "--provider-port", &busy_port]] {
        let args = args.map(str::to_owned);
        let t0 = Instant::now();
        // no --binary: a late check would start a release build here, and take minutes
        let out = demo_command(run.path(), &args).output().expect("run scripts/demo.sh");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "{args:?}: must fail:\n{text}");
        assert!(text.contains(&format!("127.0.0.1:{busy_port}")) && text.contains("already in use"), "{text}");
        assert!(!text.contains("building"), "{args:?}: it checked the ports only after starting to build:\n{text}");
        assert!(t0.elapsed() < Duration::from_secs(30), "{args:?}: took {:?}", t0.elapsed());
    }
    let out = demo_command(run.path(), &["--help".to_owned()]).output().expect("run scripts/demo.sh --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && help.contains("--provider-port") && help.contains("--port N"), "{help}");
}

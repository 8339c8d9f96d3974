//! Headless Chromium, started one way for every test: a script of `scripts/browser/`
//! (npm `playwright-core`, installed by `scripts/test.sh`) run by Node with its arguments; it
//! prints one JSON line last, which is what the test reads.

use std::ffi::OsString;
use std::process::Command;

use serde_json::Value;

use super::repo_root;

/// What a browser script did: the JSON it printed last, whether it exited 0, and its stderr
/// (for failure messages).
#[derive(Debug)]
pub struct BrowserRun {
    pub result: Value,
    pub success: bool,
    pub stderr: String,
}

impl BrowserRun {
    /// Exited 0 and said `"ok": true`.
    pub fn ok(&self) -> bool {
        self.success && self.result["ok"] == true
    }
}

/// Runs `scripts/browser/{script}` with `args` (off the runtime's threads: it takes seconds).
/// Panics when the npm packages are missing or the script printed no JSON.
pub async fn chromium<I, A>(script: &str, args: I) -> BrowserRun
where
    I: IntoIterator<Item = A>,
    A: Into<OsString>,
{
    let root = repo_root();
    assert!(
        root.join("scripts/browser/node_modules/playwright-core").is_dir(),
        "scripts/browser/node_modules is missing: run scripts/test.sh (it installs it)"
    );
    let path = root.join("scripts/browser").join(script);
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let out = tokio::task::spawn_blocking(move || Command::new("node").arg(&path).args(&args).output())
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("spawn node scripts/browser/{script}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let line = stdout.lines().last().unwrap_or_default();
    let result =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{script} printed no JSON ({e}):\n{stdout}\n{stderr}"));
    BrowserRun { result, success: out.status.success(), stderr }
}

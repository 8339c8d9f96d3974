//! The commands, one file each, and what they share: the one runtime and logging set-up, the
//! config loading that exits 64 on a mistake. `main.rs` only parses the command line and calls
//! [`run`].

use std::future::Future;
use std::path::Path;
use std::process::ExitCode;

use authfront_core::config::{Config, ConfigError};

use crate::cli::{Cli, Command};

pub mod check_config;
pub mod keygen;
pub mod purge;
pub mod revoke;
pub mod serve;
pub mod sign;

/// sysexits' EX_USAGE: a bad config, or bad signing arguments.
pub const EXIT_CONFIG: u8 = 64;

/// Carries out the command line's command; its exit code.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Keygen => keygen::command(),
        Command::CheckConfig { config, urls } => check_config::command(&config, urls),
        Command::Purge { config, pattern } => purge::command(&config, &pattern),
        Command::Revoke { config, what } => revoke::command(&config, what),
        Command::SignUrl { url, resource, sign: args } => sign::url_command(&url, resource.as_deref(), &args),
        Command::SignCookies { resource, url, sign: args, format } => {
            sign::cookies_command(resource.as_deref(), url.as_deref(), &args, format)
        }
        Command::Serve { config } => serve::command(&config),
    }
}

/// Logs to stderr at `default` (`AUTHFRONT_LOG` overrides it), in colour on a terminal.
/// `serve` logs at `info`; the one-shot commands at `warn` (e.g. a skipped line in the store).
fn logging(default: &str) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUTHFRONT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

/// Loads the config at `path` with `load`; a mistake is printed with the file's name, exit 64.
fn config(path: &Path, load: impl FnOnce(&Path) -> Result<Config, ConfigError>) -> Result<Config, ExitCode> {
    load(path).map_err(|e| {
        eprintln!("authfront: {}: {e}", path.display());
        ExitCode::from(EXIT_CONFIG)
    })
}

/// Runs `work` on a tokio runtime (`multi`: the multi-threaded one `serve` needs, else one
/// thread); a runtime that cannot start is printed, exit 1.
fn runtime<T>(multi: bool, work: impl Future<Output = T>) -> Result<T, ExitCode> {
    let mut builder =
        if multi { tokio::runtime::Builder::new_multi_thread() } else { tokio::runtime::Builder::new_current_thread() };
    match builder.enable_all().build() {
        Ok(rt) => Ok(rt.block_on(work)),
        Err(e) => {
            eprintln!("authfront: cannot start the runtime: {e}");
            Err(ExitCode::FAILURE)
        }
    }
}

//! The command line: subcommands and their flags (clap). Parsing only; `main` runs them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Single sign-on in front of a website: an OpenID Connect edge in one binary.
#[derive(Debug, Parser)]
#[command(name = "authfront", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the edge: OpenID Connect login in front of the configured origin.
    Serve {
        /// The TOML config file (see docs/configuration.md).
        #[arg(long, short, value_name = "FILE", env = "AUTHFRONT_CONFIG")]
        config: PathBuf,
    },
    /// Check a config file without starting anything; exit 0 when it is good, 64 when not.
    CheckConfig {
        #[arg(long, short, value_name = "FILE", env = "AUTHFRONT_CONFIG")]
        config: PathBuf,
    },
    /// Print a new random session key (for `session.keys`).
    Keygen,
    /// Revoke sessions now, although their cookies are still valid; or list the revocations.
    ///
    /// Writes to the store the config names (`[store]`: the embedded folder, or Redis), where
    /// every running instance picks the revocation up within `store.sync_interval` (1 s by
    /// default) and refuses the sessions it names from then on; their users must sign in again.
    /// Revocations survive restarts and are forgotten once older than `session.lifetime`.
    #[command(after_help = "Examples:\n  authfront revoke --config authfront.toml --sub 248289761001\n  \
        authfront revoke --config authfront.toml --session 3f9c0a…\n  authfront revoke --config authfront.toml --list")]
    Revoke {
        #[arg(long, short, value_name = "FILE", env = "AUTHFRONT_CONFIG")]
        config: PathBuf,
        #[command(flatten)]
        what: RevokeWhat,
    },
}

/// Exactly one of the targets, or `--list`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct RevokeWhat {
    /// Every session of this user (the provider's `sub` claim) that began until now; the user
    /// may sign in again at once.
    #[arg(long, value_name = "SUB", value_parser = not_empty)]
    pub sub: Option<String>,
    /// Every session that came from this provider session (the ID token's `sid` claim), as a
    /// back-channel logout would.
    #[arg(long, value_name = "SID", value_parser = not_empty)]
    pub sid: Option<String>,
    /// One authfront session, by its id (32 hex digits, as logged at sign-in).
    #[arg(long, value_name = "ID", value_parser = session_id)]
    pub session: Option<String>,
    /// List the revocations in force instead (oldest first).
    #[arg(long)]
    pub list: bool,
}

fn not_empty(s: &str) -> Result<String, String> {
    if s.is_empty() { Err("must not be empty".to_owned()) } else { Ok(s.to_owned()) }
}

fn session_id(s: &str) -> Result<String, String> {
    let s = s.trim().to_ascii_lowercase();
    if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s)
    } else {
        Err("a session id is 32 hex digits (see the `signed in` log line)".to_owned())
    }
}

//! The command line: subcommands and their flags (clap). Parsing only; `main` runs them.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
    /// Empty the edge cache entries whose path matches PATTERN, in the instance running with
    /// this config (through its `[admin]` endpoint).
    Purge {
        #[arg(long, short, value_name = "FILE", env = "AUTHFRONT_CONFIG")]
        config: PathBuf,
        /// A path pattern: `*` matches anything (slashes included), `?` one character, e.g.
        /// `/docs/*` or `/index.html`.
        #[arg(value_name = "PATTERN")]
        pattern: String,
    },
}

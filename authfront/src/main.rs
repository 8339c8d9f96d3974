//! `authfront`: the command line → [`authfront::cmd::run`] → exit code (64 = bad config).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    authfront::cmd::run(authfront::cli::Cli::parse())
}

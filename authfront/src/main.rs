//! `authfront`: CLI → subcommand → exit code (64 = bad config).

use std::process::ExitCode;

use clap::Parser;

use authfront::{admin, app, cache, cli, load, sign};
use authfront_core::keyring::{KEY_LEN, Keyring};

/// sysexits' EX_USAGE: what the issue asks for a bad config; also bad signing arguments.
const EXIT_CONFIG: u8 = 64;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Keygen => {
            let mut key = [0u8; KEY_LEN];
            if aws_lc_rs::rand::fill(&mut key).is_err() {
                eprintln!("authfront: the operating system's random number generator failed");
                return ExitCode::FAILURE;
            }
            println!("{}", Keyring::encode_key(&key));
            ExitCode::SUCCESS
        }
        cli::Command::CheckConfig { config, urls } => match load::load(&config) {
            Ok(c) => {
                for w in &c.warnings {
                    eprintln!("authfront: {}: warning: {w}", config.display());
                }
                if urls {
                    // The same derivation `serve` uses, so what is registered is what is sent.
                    let site = authfront_core::site::Site::new(c);
                    let eps = &site.config.server.endpoints;
                    println!("redirect_uri={}", site.redirect_uri);
                    println!("post_logout_redirect_uri={}", authfront_core::signout::post_logout_redirect_uri(&site));
                    println!("backchannel_logout_uri={}", site.url_for(&eps.backchannel_logout));
                    return ExitCode::SUCCESS;
                }
                println!(
                    "{}: OK (listen {}, issuer {}, public_url {})",
                    config.display(),
                    c.server.listen,
                    c.oidc.issuer,
                    c.server.public_url
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("authfront: {}: {e}", config.display());
                ExitCode::from(EXIT_CONFIG)
            }
        },
        cli::Command::Purge { config, pattern } => purge(&config, &pattern),
        cli::Command::Revoke { config, what } => {
            init_logging_quiet();
            let cfg = match load::load_for_store(&config) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("authfront: {}: {e}", config.display());
                    return ExitCode::from(EXIT_CONFIG);
                }
            };
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("authfront: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match rt.block_on(admin::revoke(&cfg, what)) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("authfront: {}: {e}", config.display());
                    ExitCode::FAILURE
                }
            }
        }
        cli::Command::SignUrl { url, resource, sign: args } => {
            print(sign::url(&url, resource.as_deref(), &args).map(|u| u + "\n"))
        }
        cli::Command::SignCookies { resource, url, sign: args, format } => {
            let grant = match (&resource, &url) {
                (Some(r), _) => sign::Grant::Resource(r),
                (None, Some(u)) => sign::Grant::Url(u),
                // clap requires one of the two
                (None, None) => return print(Err(sign::SignFailure::new("give --resource or --url"))),
            };
            print(sign::cookies(grant, &args, format))
        }
        cli::Command::Serve { config } => {
            init_logging();
            let cfg = match load::load(&config) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("authfront: {}: {e}", config.display());
                    return ExitCode::from(EXIT_CONFIG);
                }
            };
            for w in &cfg.warnings {
                tracing::warn!(config = %config.display(), "{w}");
            }
            let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("authfront: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match rt.block_on(app::run(cfg)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("authfront: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Warnings only (e.g. a skipped line in the store), for the one-shot commands.
fn init_logging_quiet() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUTHFRONT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// Prints a signing command's output; a bad argument or key is a usage error (64).
fn print(out: Result<String, sign::SignFailure>) -> ExitCode {
    match out {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("authfront: {e}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUTHFRONT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal as _;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

/// `authfront purge`: asks the running instance's admin endpoint to drop matching entries.
fn purge(config: &std::path::Path, pattern: &str) -> ExitCode {
    let cfg = match load::load(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("authfront: {}: {e}", config.display());
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let purged = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
        .and_then(|rt| rt.block_on(cache::admin::purge(&cfg, pattern)));
    match purged {
        Ok(n) => {
            println!("purged {n} cache entries matching {pattern}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("authfront: purge: {e}");
            ExitCode::FAILURE
        }
    }
}

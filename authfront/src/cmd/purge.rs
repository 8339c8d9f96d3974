//! `authfront purge`: asks the running instance's admin endpoint ([`crate::admin`]) to drop
//! the cache entries whose path matches a pattern.

use std::path::Path;
use std::process::ExitCode;

pub fn command(path: &Path, pattern: &str) -> ExitCode {
    let config = match super::config(path, crate::config_file::load) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match super::runtime(false, crate::admin::purge(&config, pattern)) {
        Ok(Ok(n)) => {
            println!("purged {n} cache entries matching {pattern}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("authfront: purge: {e}");
            ExitCode::FAILURE
        }
        Err(code) => code,
    }
}

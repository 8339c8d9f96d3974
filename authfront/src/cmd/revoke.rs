//! The `revoke` command: writes one revocation to the store the config names (the embedded
//! folder or Redis), or lists the revocations in force. Runs no server and starts no sync task;
//! running instances pick the entry up from the store by themselves.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, UNIX_EPOCH};

use authfront_core::config::Config;
use authfront_core::revocation::{Entry, Target};

use crate::cli::RevokeWhat;
use crate::clock::unix_now;
use crate::store::{Revoker, StoreError};

pub fn command(path: &Path, what: RevokeWhat) -> ExitCode {
    super::logging("warn");
    let config = match super::config(path, crate::config_file::load_for_store) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match super::runtime(false, revoke(&config, what)) {
        Ok(Ok(text)) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("authfront: {}: {e}", path.display());
            ExitCode::FAILURE
        }
        Err(code) => code,
    }
}

/// Carries out `authfront revoke`; returns what to print.
pub async fn revoke(config: &Config, what: RevokeWhat) -> Result<String, StoreError> {
    let revoker = Revoker::open(&config.store, config.session.lifetime_secs)?;
    revoker.connect().await?;
    let mut out = String::new();
    let target = match what {
        RevokeWhat { list: true, .. } => {
            let entries = revoker.snapshot().entries();
            let _ = writeln!(out, "{} revocation(s) in force in {}", entries.len(), revoker.location());
            for e in entries {
                let _ = writeln!(out, "{}  {:<7}  {}", time(e.at), e.target.kind(), e.target.value().escape_debug());
            }
            return Ok(out);
        }
        RevokeWhat { sub: Some(sub), .. } => Target::Sub(sub),
        RevokeWhat { sid: Some(sid), .. } => Target::Sid(sid),
        RevokeWhat { session: Some(id), .. } => Target::Session(id),
        // clap requires exactly one of them
        RevokeWhat { .. } => return Ok("nothing to revoke\n".to_owned()),
    };
    let at = unix_now();
    let (kind, value) = (target.kind(), target.value().escape_debug().to_string());
    if revoker.revoke(Entry { target, at }).await? == crate::store::Durable::Queued {
        // queued here only: running instances that share the queue folder store it later
        return Err(StoreError::NotStored { queue: config.store.queue_path.display().to_string() });
    }
    let what = match kind {
        "sub" => "every session of this user that began until now",
        "sid" => "every session from this provider session",
        _ => "this session",
    };
    let _ = writeln!(out, "revoked {kind} {value} at {} ({what})", time(at));
    let _ = writeln!(out, "stored in {}", revoker.location());
    let _ = writeln!(
        out,
        "running instances refuse these sessions within about {}s (store.sync_interval)",
        revoker.sync_interval().as_secs()
    );
    Ok(out)
}

/// RFC 3339, seconds, UTC.
fn time(at: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(at)).to_string()
}

//! Authorization responses already used (RFC 9700 §4.5: usable once), remembered until their
//! login state would be refused anyway: in the embedded store's folder (one empty file per
//! response, created exclusively, so that processes sharing the folder agree without a lock)
//! or in Redis (`SET NX EX`, shared by every instance), and always in memory.
//!
//! When the store cannot be reached the memory alone answers (logged): a replay at this
//! instance is still refused, and the provider's own single use of codes stands behind it.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Sub-folder of the embedded store holding the used responses.
const DIR: &str = "used-logins";

#[derive(Debug, Default)]
pub struct Used {
    /// Key → until (Unix seconds).
    memory: Mutex<HashMap<String, u64>>,
    /// The embedded store's folder for them; `None` with Redis.
    dir: Option<PathBuf>,
}

/// What the store said of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum First {
    /// Not used before: it is now.
    Yes,
    /// Used before.
    No,
}

impl Used {
    /// Remembered in `store_dir/used-logins` (the embedded store) or, with `None`, elsewhere.
    pub fn new(store_dir: Option<&Path>) -> Used {
        Used { memory: Mutex::new(HashMap::new()), dir: store_dir.map(|d| d.join(DIR)) }
    }

    /// In memory: `Some(First::No)` when this process saw `key` already; records it otherwise.
    pub fn in_memory(&self, key: &str, until: u64, now: u64) -> First {
        let mut m = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, u| *u >= now);
        match m.insert(key.to_owned(), until) {
            Some(_) => First::No,
            None => First::Yes,
        }
    }

    /// In the embedded store's folder: creates `{until}-{key}` exclusively. `Err` when the
    /// folder cannot be written (the caller then relies on memory).
    pub fn on_disk(&self, key: &str, until: u64) -> Result<First, io::Error> {
        let Some(dir) = &self.dir else { return Ok(First::Yes) };
        fs::create_dir_all(dir)?;
        let path = dir.join(format!("{until}-{key}"));
        match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
            Ok(_) => Ok(First::Yes),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(First::No),
            Err(e) => Err(e),
        }
    }

    /// Forgets, on disk, the responses whose state has expired (`until` before `now`).
    pub fn prune(&self, now: u64) {
        let Some(dir) = &self.dir else { return };
        let Ok(entries) = fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let name = e.file_name();
            let until = name.to_str().and_then(|n| n.split_once('-')).and_then(|(u, _)| u.parse::<u64>().ok());
            if until.is_some_and(|u| u < now) {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests;

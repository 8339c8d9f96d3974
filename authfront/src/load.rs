//! Reads a config file and resolves what the core may not touch: secret references
//! (`{ env = … }`, `{ file = … }`) and paths relative to the config file's folder (`origin.dir`,
//! `store.path`).

use std::path::{Path, PathBuf};

use authfront_core::config::{Config, ConfigError, OriginKind, RawSecret, StoreKind, parse};
use authfront_core::keyring::{KEY_LEN, Keyring};

/// Loads and checks a config file; every error names the key at fault.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_with(path, false)
}

/// Loads a config for a command that needs only `[store]` and `session.lifetime` (`authfront
/// revoke`): a secret that cannot be resolved here (the client secret of the server's
/// environment, say) gets a stand-in, and `origin.dir` is not checked. `store.redis_url` must
/// still resolve, or the error says so.
pub fn load_for_store(path: &Path) -> Result<Config, ConfigError> {
    load_with(path, true)
}

fn load_with(path: &Path, lenient: bool) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new("", format!("cannot read config file {}: {e}", path.display())))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut unresolved = Vec::new();
    let mut resolve = |s: &RawSecret| -> Result<String, String> {
        let value = match s {
            RawSecret::Inline(v) => Ok(v.clone()),
            RawSecret::Env(name) => {
                std::env::var(name).map_err(|_| format!("environment variable `{name}` is not set"))
            }
            RawSecret::File(f) => {
                let p = relative_to(&base, f);
                std::fs::read_to_string(&p).map_err(|e| format!("cannot read secret file {}: {e}", p.display()))
            }
        };
        match value {
            Err(why) if lenient => {
                unresolved.push(why);
                // Valid wherever a secret goes except a Redis URL (which must start redis://).
                Ok(Keyring::encode_key(&[0; KEY_LEN]))
            }
            other => other,
        }
    };
    let parsed = parse(&text, &mut resolve);
    let mut config = parsed.map_err(|mut e| {
        if !unresolved.is_empty() {
            e.problem = format!("{} (unresolved: {})", e.problem, unresolved.join("; "));
        }
        e
    })?;
    if !lenient {
        let OriginKind::Dir(dir) = &config.origin.kind;
        let dir = relative_to(&base, &dir.to_string_lossy());
        if !dir.is_dir() {
            return Err(ConfigError::new("origin.dir", format!("{} is not a directory", dir.display())));
        }
        config.origin.kind = OriginKind::Dir(dir);
    }
    // The embedded store's folder is created when the store opens; only resolved here.
    if let StoreKind::Embedded(state) = &config.store.kind {
        config.store.kind = StoreKind::Embedded(relative_to(&base, &state.to_string_lossy()));
    }
    Ok(config)
}

fn relative_to(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() { p.to_path_buf() } else { base.join(p) }
}

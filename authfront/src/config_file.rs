//! Reads a config file and resolves what the core may not touch: secret references
//! (`{ env = … }`, `{ file = … }`), paths relative to the config file's folder (`origin.dir`,
//! `store.path`), and S3 credentials not written in the config (the standard `AWS_*`
//! environment variables, then the shared credentials file).

use std::path::{Path, PathBuf};

use authfront_core::config::{
    AwsCredentials, Config, ConfigError, Origin, OriginKind, RawSecret, Secret, StoreKind, parse,
};
use authfront_core::keyring::{KEY_LEN, Keyring};
use authfront_core::s3::parse_credentials_file;

/// Loads and checks a config file; every error names the key at fault.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_with(path, false)
}

/// Loads a config for a command that needs only `[store]` and `session.lifetime` (`authfront
/// revoke`): a secret that cannot be resolved here (the client secret of the server's
/// environment, say) gets a stand-in, and the origins are not checked. `store.redis_url` must
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
        resolve_origin(&base, "origin", &mut config.origin)?;
        for (i, r) in config.routes.iter_mut().enumerate() {
            resolve_origin(&base, &format!("origin.routes[{i}]"), &mut r.origin)?;
        }
    }
    // The embedded store's folder is created when the store opens; only resolved here.
    if let StoreKind::Embedded(state) = &config.store.kind {
        config.store.kind = StoreKind::Embedded(relative_to(&base, &state.to_string_lossy()));
    }
    config.store.queue_path = relative_to(&base, &config.store.queue_path.to_string_lossy());
    Ok(config)
}

/// A folder relative to the config file, checked; S3 credentials looked up when the config has
/// none.
fn resolve_origin(base: &Path, key: &str, origin: &mut Origin) -> Result<(), ConfigError> {
    match &mut origin.kind {
        OriginKind::Dir(dir) => {
            let full = relative_to(base, &dir.to_string_lossy());
            if !full.is_dir() {
                return Err(ConfigError::new(format!("{key}.dir"), format!("{} is not a directory", full.display())));
            }
            *dir = full;
        }
        OriginKind::S3(s3) if s3.credentials.is_none() => {
            let found = match &s3.profile {
                Some(profile) => from_file(profile),
                None => {
                    from_env().or_else(|| from_file(&std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into())))
                }
            };
            s3.credentials = Some(found.ok_or_else(|| {
                ConfigError::new(
                    format!("{key}.s3"),
                    "no credentials: set `access_key_id` and `secret_access_key`, or the AWS_ACCESS_KEY_ID and \
                     AWS_SECRET_ACCESS_KEY environment variables, or a profile in the shared credentials file",
                )
            })?);
        }
        OriginKind::S3(_) | OriginKind::Http(_) | OriginKind::None => {}
    }
    Ok(())
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and (for temporary keys) `AWS_SESSION_TOKEN`.
fn from_env() -> Option<AwsCredentials> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    Some(AwsCredentials {
        access_key_id: var("AWS_ACCESS_KEY_ID")?,
        secret_access_key: Secret::new(var("AWS_SECRET_ACCESS_KEY")?),
        session_token: var("AWS_SESSION_TOKEN").map(Secret::new),
    })
}

/// A profile of `AWS_SHARED_CREDENTIALS_FILE`, or of `~/.aws/credentials`.
fn from_file(profile: &str) -> Option<AwsCredentials> {
    let file = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".aws/credentials")))?;
    parse_credentials_file(&std::fs::read_to_string(file).ok()?, profile)
}

fn relative_to(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() { p.to_path_buf() } else { base.join(p) }
}

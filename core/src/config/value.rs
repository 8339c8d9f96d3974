//! Single values of the config file, shared by every section's builder: durations (`30s`)
//! and secrets (inline, `{ env = … }`, `{ file = … }`, [`RawSecret`]). A leaf: the sections and
//! [`super::build`] use it, it uses none of them.

use std::time::Duration;

use serde::Deserialize;

use super::{ConfigError, Secret};

/// A secret: inline text, `{ env = "NAME" }` or `{ file = "/path" }`; the adapter resolves
/// references (the core reads neither the environment nor files).
#[derive(Debug, Clone)]
pub enum RawSecret {
    Inline(String),
    Env(String),
    File(String),
}

impl<'de> Deserialize<'de> for RawSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawSecret;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(r#"a string, { env = "NAME" } or { file = "/path" }"#)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawSecret, E> {
                Ok(RawSecret::Inline(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<RawSecret, A::Error> {
                use serde::de::Error;
                let Some((key, value)) = m.next_entry::<String, String>()? else {
                    return Err(A::Error::custom(r#"expected { env = "NAME" } or { file = "/path" }"#));
                };
                if m.next_key::<String>()?.is_some() {
                    return Err(A::Error::custom("give exactly one of `env` or `file`"));
                }
                match key.as_str() {
                    "env" => Ok(RawSecret::Env(value)),
                    "file" => Ok(RawSecret::File(value)),
                    other => Err(A::Error::unknown_field(other, &["env", "file"])),
                }
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Resolves a secret reference (`{ env = … }` or `{ file = … }`) to its value; the adapter
/// supplies it so that the core never touches the environment or the disk.
pub type Resolver<'a> = dyn FnMut(&RawSecret) -> Result<String, String> + 'a;

pub(super) fn duration(key: &str, text: &str) -> Result<Duration, ConfigError> {
    humantime::parse_duration(text)
        .map_err(|e| ConfigError::new(key, format!("`{text}` is not a duration like `30s`, `10m` or `8h` ({e})")))
}

pub(super) fn duration_secs(key: &str, text: &str) -> Result<u64, ConfigError> {
    duration(key, text).map(|d| d.as_secs())
}

pub(super) fn secret(key: &str, s: &RawSecret, resolve: &mut Resolver<'_>) -> Result<Secret, ConfigError> {
    let value = match s {
        RawSecret::Inline(v) => v.clone(),
        other => resolve(other).map_err(|problem| ConfigError::new(key, problem))?,
    };
    let value = value.trim_end_matches(['\n', '\r']).to_owned();
    if value.is_empty() {
        return Err(ConfigError::new(key, "is empty"));
    }
    Ok(Secret::new(value))
}

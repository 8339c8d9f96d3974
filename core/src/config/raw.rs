//! The config file as written: serde types that mirror the TOML one to one.
//!
//! Owns the accepted keys and their defaults. Every table denies unknown keys so a typo is an
//! error that names the key. It never checks meaning (that is `build.rs`) and never reads the
//! environment or files (secrets stay references until the adapter resolves them).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::edge::{RawAdmin, RawCache, RawCompression, RawProxy};
use super::origin::RawOrigin;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub server: RawServer,
    pub oidc: RawOidc,
    pub session: RawSession,
    pub origin: RawOrigin,
    #[serde(default)]
    pub access: RawAccess,
    /// Response headers added to origin responses; an empty value removes a default.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub proxy: RawProxy,
    #[serde(default)]
    pub cache: RawCache,
    #[serde(default)]
    pub compression: RawCompression,
    pub admin: Option<RawAdmin>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub listen: String,
    pub public_url: String,
    #[serde(default = "default_prefix")]
    pub endpoint_prefix: String,
    /// Overrides `{endpoint_prefix}/callback`, e.g. `/parseauth` or `/_callback` (the seeds').
    pub callback_path: Option<String>,
    /// How long a graceful shutdown waits for requests in flight.
    #[serde(default = "default_drain")]
    pub shutdown_grace: String,
}

fn default_prefix() -> String {
    "/_authfront".to_owned()
}
fn default_drain() -> String {
    "10s".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOidc {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<RawSecret>,
    pub client_auth: Option<String>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    #[serde(default = "default_algs")]
    pub id_token_algs: Vec<String>,
    #[serde(default = "default_skew")]
    pub clock_skew: String,
    #[serde(default = "default_http_timeout")]
    pub http_timeout: String,
    #[serde(default = "default_jwks_interval")]
    pub jwks_min_refresh_interval: String,
    #[serde(default = "default_login_timeout")]
    pub login_timeout: String,
    /// Extra query parameters for the authorization request (`prompt`, `acr_values`, ...).
    #[serde(default)]
    pub auth_params: BTreeMap<String, String>,
}

fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(str::to_owned).to_vec()
}
fn default_algs() -> Vec<String> {
    ["RS256", "ES256"].map(str::to_owned).to_vec()
}
fn default_skew() -> String {
    "60s".to_owned()
}
fn default_http_timeout() -> String {
    "10s".to_owned()
}
fn default_jwks_interval() -> String {
    "60s".to_owned()
}
fn default_login_timeout() -> String {
    "10m".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSession {
    /// Newest first: the first key seals, every key opens.
    pub keys: Vec<RawSecret>,
    #[serde(default = "default_lifetime")]
    pub lifetime: String,
    #[serde(default = "default_cookie_name")]
    pub cookie_name: String,
    #[serde(default = "default_login_cookie_name")]
    pub login_cookie_name: String,
    #[serde(default = "default_true")]
    pub secure: bool,
    #[serde(default = "default_same_site")]
    pub same_site: String,
    pub domain: Option<String>,
}

fn default_lifetime() -> String {
    "8h".to_owned()
}
fn default_cookie_name() -> String {
    "authfront_session".to_owned()
}
fn default_login_cookie_name() -> String {
    "authfront_login".to_owned()
}
fn default_same_site() -> String {
    "lax".to_owned()
}
fn default_true() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccess {
    #[serde(default)]
    pub public_paths: Vec<String>,
    #[serde(default)]
    pub required_groups: Vec<String>,
    pub groups_claim: Option<String>,
}

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

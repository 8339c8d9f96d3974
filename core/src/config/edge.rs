//! The edge's own tables, as written and as checked: `[proxy]` (what requests to origins
//! carry), `[cache]`, `[compression]` and `[admin]`.
//!
//! Owns their defaults and checks, and the byte-size syntax (`64MiB`). Never touches the
//! environment: the admin token is a secret reference resolved by the adapter's resolver.

use std::net::SocketAddr;

use http::HeaderName;
use serde::Deserialize;

use super::value::{Resolver, duration, secret};
use super::{ConfigError, RawSecret, Secret};
use crate::path::Pattern;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProxy {
    #[serde(default)]
    pub identity_headers: RawIdentityHeaders,
    /// Send `X-Forwarded-For`, `-Proto` and `-Host`.
    #[serde(default = "yes")]
    pub forwarded_headers: bool,
    /// Cookies removed before a request leaves, besides authfront's own.
    #[serde(default)]
    pub strip_cookies: Vec<String>,
    /// Largest request body passed to an origin.
    pub max_request_body: Option<RawSize>,
    /// Send the provider's access token (`identity_headers.access_token`), kept fresh by refresh.
    #[serde(default)]
    pub pass_access_token: bool,
}

impl Default for RawProxy {
    fn default() -> Self {
        Self {
            identity_headers: RawIdentityHeaders::default(),
            forwarded_headers: true,
            strip_cookies: Vec::new(),
            max_request_body: None,
            pass_access_token: false,
        }
    }
}

impl Default for RawIdentityHeaders {
    fn default() -> Self {
        Self {
            user: default_user(),
            email: default_email(),
            name: default_name(),
            groups: default_groups(),
            access_token: default_access_token(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentityHeaders {
    #[serde(default = "default_user")]
    pub user: String,
    #[serde(default = "default_email")]
    pub email: String,
    #[serde(default = "default_name")]
    pub name: String,
    #[serde(default = "default_groups")]
    pub groups: String,
    /// Sent only with `proxy.pass_access_token`.
    #[serde(default = "default_access_token")]
    pub access_token: String,
}

fn yes() -> bool {
    true
}
fn default_user() -> String {
    "X-Auth-Request-User".to_owned()
}
fn default_email() -> String {
    "X-Auth-Request-Email".to_owned()
}
fn default_name() -> String {
    "X-Auth-Request-Name".to_owned()
}
fn default_groups() -> String {
    "X-Auth-Request-Groups".to_owned()
}
fn default_access_token() -> String {
    "X-Auth-Request-Access-Token".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    #[serde(default = "default_max_size")]
    pub max_size: RawSize,
    #[serde(default = "default_max_object_size")]
    pub max_object_size: RawSize,
    #[serde(default = "zero")]
    pub default_ttl: String,
    #[serde(default = "default_stale_if_error")]
    pub stale_if_error: String,
    #[serde(default)]
    pub rules: Vec<RawCacheRule>,
}

impl Default for RawCache {
    fn default() -> Self {
        Self {
            max_size: default_max_size(),
            max_object_size: default_max_object_size(),
            default_ttl: zero(),
            stale_if_error: default_stale_if_error(),
            rules: Vec::new(),
        }
    }
}

fn default_max_size() -> RawSize {
    RawSize::Text("128MiB".to_owned())
}
fn default_max_object_size() -> RawSize {
    RawSize::Text("8MiB".to_owned())
}
fn zero() -> String {
    "0s".to_owned()
}
fn default_stale_if_error() -> String {
    "1h".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCacheRule {
    pub path: String,
    pub default_ttl: Option<String>,
    /// The origin's answers here do not depend on who asks, though identity headers are sent.
    #[serde(default)]
    pub shared: bool,
}

/// A number of bytes: an integer, or text like `512KiB`, `64MiB`, `1GB`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawSize {
    Bytes(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCompression {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_min_size")]
    pub min_size: RawSize,
}

impl Default for RawCompression {
    fn default() -> Self {
        Self { enabled: true, min_size: default_min_size() }
    }
}

fn default_min_size() -> RawSize {
    RawSize::Bytes(256)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdmin {
    pub listen: String,
    pub token: RawSecret,
}

/// What requests to origins carry.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// Header names for the signed-in user; `None` = not sent. Incoming headers with these
    /// names are always removed.
    pub user_header: Option<HeaderName>,
    pub email_header: Option<HeaderName>,
    pub name_header: Option<HeaderName>,
    pub groups_header: Option<HeaderName>,
    /// With `pass_access_token` only: the provider's access token.
    pub access_token_header: Option<HeaderName>,
    pub forwarded_headers: bool,
    pub strip_cookies: Vec<String>,
    /// Largest request body passed to an origin (`413` beyond).
    pub max_request_body: u64,
}

/// Request bodies beyond this are refused unless `proxy.max_request_body` says otherwise: big
/// enough for forms and uploads of documents, small enough that a stuck upload is bounded.
pub const DEFAULT_MAX_REQUEST_BODY: u64 = 16 << 20;

impl Proxy {
    /// Every identity header name in use.
    pub fn identity_names(&self) -> impl Iterator<Item = &HeaderName> {
        [&self.user_header, &self.email_header, &self.name_header, &self.groups_header, &self.access_token_header]
            .into_iter()
            .flatten()
    }
}

/// The edge cache.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Bytes all entries may take together; `0` turns the cache off.
    pub max_size: u64,
    /// Larger responses stream through uncached.
    pub max_object_size: u64,
    /// Freshness, in seconds, of a response whose origin gave none (no `max-age`, no `Expires`).
    pub default_ttl: u64,
    /// How long past its freshness a response may still be served while the origin fails.
    pub stale_if_error: u64,
    /// Per-path `default_ttl`; the first match wins.
    pub rules: Vec<CacheRule>,
}

#[derive(Debug, Clone)]
pub struct CacheRule {
    pub path: Pattern,
    /// `None`: the global `cache.default_ttl`.
    pub default_ttl: Option<u64>,
    /// Store and share answers sent with identity headers (the operator says they do not
    /// depend on who asks); otherwise such requests bypass the cache.
    pub shared: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Compression {
    pub enabled: bool,
    /// Smaller bodies are sent as they are: compressing them saves less than it costs.
    pub min_size: u64,
}

/// The admin listener (purge, stats); off unless configured.
#[derive(Debug)]
pub struct Admin {
    pub listen: SocketAddr,
    pub token: Secret,
}

/// Shortest admin token accepted: long enough that guessing it over the network is hopeless.
const MIN_TOKEN: usize = 16;

pub(super) fn build_proxy(raw: &RawProxy) -> Result<Proxy, ConfigError> {
    let h = &raw.identity_headers;
    let name = |key: &str, v: &str| -> Result<Option<HeaderName>, ConfigError> {
        if v.is_empty() {
            return Ok(None);
        }
        let n = HeaderName::try_from(v)
            .map_err(|_| ConfigError::new(format!("proxy.identity_headers.{key}"), "is not a header name"))?;
        if matches!(n.as_str(), "host" | "cookie" | "authorization" | "connection" | "content-length") {
            return Err(ConfigError::new(format!("proxy.identity_headers.{key}"), "cannot be used for identity"));
        }
        Ok(Some(n))
    };
    for (i, c) in raw.strip_cookies.iter().enumerate() {
        if c.is_empty() || c.contains([';', '=', ' ', ',']) {
            return Err(ConfigError::new(format!("proxy.strip_cookies[{i}]"), format!("`{c}` is not a cookie name")));
        }
    }
    Ok(Proxy {
        user_header: name("user", &h.user)?,
        email_header: name("email", &h.email)?,
        name_header: name("name", &h.name)?,
        groups_header: name("groups", &h.groups)?,
        access_token_header: match (raw.pass_access_token, name("access_token", &h.access_token)?) {
            (true, None) => {
                return Err(ConfigError::new(
                    "proxy.identity_headers.access_token",
                    "is empty, but `proxy.pass_access_token` wants a header to send the token in",
                ));
            }
            (true, n) => n,
            (false, _) => None,
        },
        forwarded_headers: raw.forwarded_headers,
        strip_cookies: raw.strip_cookies.clone(),
        max_request_body: match &raw.max_request_body {
            Some(s) => size("proxy.max_request_body", s)?,
            None => DEFAULT_MAX_REQUEST_BODY,
        },
    })
}

pub(super) fn build_cache(raw: &RawCache) -> Result<CacheSettings, ConfigError> {
    let mut rules = Vec::with_capacity(raw.rules.len());
    for (i, r) in raw.rules.iter().enumerate() {
        let key = format!("cache.rules[{i}]");
        let path = Pattern::parse(&r.path).map_err(|e| ConfigError::new(format!("{key}.path"), e))?;
        let default_ttl = match &r.default_ttl {
            Some(t) => Some(duration(&format!("{key}.default_ttl"), t)?.as_secs()),
            None => None,
        };
        if default_ttl.is_none() && !r.shared {
            return Err(ConfigError::new(key, "says nothing: give `default_ttl`, `shared = true`, or both"));
        }
        rules.push(CacheRule { path, default_ttl, shared: r.shared });
    }
    let max_size = size("cache.max_size", &raw.max_size)?;
    let max_object_size = size("cache.max_object_size", &raw.max_object_size)?;
    if max_object_size > u64::from(u32::MAX) {
        return Err(ConfigError::new("cache.max_object_size", "must be below 4GiB"));
    }
    Ok(CacheSettings {
        max_size,
        max_object_size: max_object_size.min(max_size),
        default_ttl: duration("cache.default_ttl", &raw.default_ttl)?.as_secs(),
        stale_if_error: duration("cache.stale_if_error", &raw.stale_if_error)?.as_secs(),
        rules,
    })
}

pub(super) fn build_compression(raw: &RawCompression) -> Result<Compression, ConfigError> {
    Ok(Compression { enabled: raw.enabled, min_size: size("compression.min_size", &raw.min_size)? })
}

pub(super) fn build_admin(raw: Option<&RawAdmin>, resolve: &mut Resolver<'_>) -> Result<Option<Admin>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let listen = raw.listen.parse().map_err(|_| {
        ConfigError::new("admin.listen", format!("`{}` is not an address like `127.0.0.1:9090`", raw.listen))
    })?;
    let token = secret("admin.token", &raw.token, resolve)?;
    if token.expose().len() < MIN_TOKEN {
        return Err(ConfigError::new("admin.token", format!("must be at least {MIN_TOKEN} characters")));
    }
    Ok(Some(Admin { listen, token }))
}

/// Settings that work but deserve a look.
pub(super) fn warnings(admin: Option<&Admin>, cache: &CacheSettings) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(a) = admin
        && !a.listen.ip().is_loopback()
    {
        out.push(format!(
            "`admin.listen` = {} is not a loopback address: the purge endpoint is reachable from the network \
             (its token still guards it)",
            a.listen
        ));
    }
    if cache.max_size > 0 && cache.max_object_size * 4 > cache.max_size {
        out.push(format!(
            "`cache.max_object_size` ({} bytes) is more than a quarter of `cache.max_size` ({} bytes): a few large \
             objects will evict everything else",
            cache.max_object_size, cache.max_size
        ));
    }
    out
}

/// Parses a byte size: `1048576`, `512KiB`, `64MiB`, `2GiB`, `10MB` (decimal), `100B`.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(mult)
}

pub(super) fn size(key: &str, raw: &RawSize) -> Result<u64, ConfigError> {
    match raw {
        RawSize::Bytes(n) => Ok(*n),
        RawSize::Text(t) => parse_size(t)
            .ok_or_else(|| ConfigError::new(key, format!("`{t}` is not a size like `64MiB`, `512KiB` or `1000000`"))),
    }
}

#[cfg(test)]
mod tests;

//! The config file as written: serde types that mirror the TOML one to one.
//!
//! Owns the accepted keys and their defaults. Every table denies unknown keys so a typo is an
//! error that names the key. It never checks meaning (that is `build.rs`) and never reads the
//! environment or files (secrets stay references until the adapter resolves them).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::cloudfront::RawCloudFront;
use super::edge::{RawAdmin, RawCache, RawCompression, RawProxy};
use super::forward_auth::RawForwardAuth;
use super::origin::RawOrigin;
pub use super::value::RawSecret;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub server: RawServer,
    pub oidc: RawOidc,
    pub session: RawSession,
    /// Required unless `[forward_auth]` is there (the proxy then serves the site).
    pub origin: Option<RawOrigin>,
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
    /// Where revocations live (embedded file by default, Redis when `redis_url` is set).
    #[serde(default)]
    pub store: RawStore,
    #[serde(default)]
    pub cloudfront: RawCloudFront,
    /// Answer other proxies' auth checks (`{endpoint_prefix}/auth`).
    pub forward_auth: Option<RawForwardAuth>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub redis_url: Option<RawSecret>,
    /// Folder of the embedded store (default `authfront-state` beside the config file).
    pub path: Option<String>,
    pub sync_interval: Option<String>,
    /// With Redis: the local folder where revocations wait while Redis cannot take them.
    pub queue_path: Option<String>,
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
    /// Overrides `{endpoint_prefix}/signout`, e.g. `/signout` (the seeds').
    pub signout_path: Option<String>,
    /// How long a graceful shutdown waits for requests in flight.
    #[serde(default = "default_drain")]
    pub shutdown_grace: String,
    /// The boundary's limits and path/header rules (`super::guard`).
    pub header_read_timeout: Option<String>,
    pub idle_timeout: Option<String>,
    pub request_body_timeout: Option<String>,
    pub max_connections: Option<u64>,
    pub max_header_size: Option<super::edge::RawSize>,
    pub http2_max_streams: Option<u32>,
    /// `reject` (default) or `encode`.
    pub path_parameters: Option<String>,
    /// `reject` (default) or `strip`.
    pub underscore_headers: Option<String>,
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
    /// Audiences besides the client that an ID token's `aud` may list.
    #[serde(default)]
    pub trusted_audiences: Vec<String>,
    /// The `prompt` of "sign in as someone else" (`login` or `select_account`).
    pub switch_account_prompt: Option<String>,
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
    #[serde(default = "default_tokens_cookie_name")]
    pub tokens_cookie_name: String,
    /// Signed out after this long without a request (default: never).
    pub idle_timeout: Option<String>,
    /// Refresh the provider's tokens before they expire (when it gives a refresh token).
    #[serde(default = "default_true")]
    pub refresh: bool,
    #[serde(default = "default_refresh_margin")]
    pub refresh_margin: String,
    #[serde(default = "default_refresh_grace")]
    pub refresh_grace: String,
    /// After a refresh failed (provider down), how long before the session tries again.
    #[serde(default = "default_refresh_retry")]
    pub refresh_retry: String,
    /// `sealed` (default), `amplify` or `elasticsearch`.
    #[serde(default = "default_cookie_mode")]
    pub cookie_mode: String,
    /// Attribute overrides per cookie kind: `session`, `tokens`, `login`, `mode`.
    #[serde(default)]
    pub cookies: BTreeMap<String, RawCookieAttrs>,
    /// Extra cookies set after sign-in (the seeds' AdditionalCookies).
    #[serde(default)]
    pub additional_cookies: Vec<RawExtraCookie>,
}

fn default_tokens_cookie_name() -> String {
    "authfront_tokens".to_owned()
}
fn default_refresh_margin() -> String {
    "60s".to_owned()
}
fn default_refresh_grace() -> String {
    "30s".to_owned()
}
fn default_refresh_retry() -> String {
    "30s".to_owned()
}
fn default_cookie_mode() -> String {
    "sealed".to_owned()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCookieAttrs {
    pub path: Option<String>,
    pub domain: Option<String>,
    pub same_site: Option<String>,
    pub max_age: Option<String>,
    pub http_only: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtraCookie {
    pub name: String,
    pub value: String,
    pub path: Option<String>,
    pub domain: Option<String>,
    pub same_site: Option<String>,
    pub max_age: Option<String>,
    #[serde(default)]
    pub http_only: bool,
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
    /// Ordered rules by host, path and method (first match wins).
    #[serde(default)]
    pub rules: Vec<super::rules::RawRule>,
    pub groups_claim: Option<String>,
    /// What a request without a session gets, by path (first match wins; default `auto`).
    #[serde(default)]
    pub on_unauthenticated: Vec<RawUnauthenticated>,
    /// CORS preflights: `authenticate` (default) or `origin`.
    pub preflight: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnauthenticated {
    pub paths: Vec<String>,
    /// `auto` (navigations redirect, the rest get 401), `redirect` or `status` (always 401).
    pub action: String,
}

//! Config: TOML text → `RawConfig` (serde, unknown keys refused) → [`Config`], once.
//!
//! Owns every check of meaning, and the one error type that names the key at fault. It never
//! reads the environment or files: secret references are handed to the caller's resolver.

mod build;
pub(crate) mod cloudfront;
mod edge;
pub mod forward_auth;
mod guard;
mod origin;
mod raw;
pub mod rules;
mod session;
#[cfg(test)]
pub(crate) mod tests;
mod value;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use http::{HeaderName, HeaderValue};

pub use build::parse;
pub use cloudfront::{CloudFront, LoginCookies, SignedPaths};
pub use edge::{Admin, CacheRule, CacheSettings, Compression, Proxy, parse_size};
pub use guard::{Guard, Limits, Underscores};
pub use origin::{
    AwsCredentials, HiddenFiles, HttpOrigin, Origin, OriginKind, Route, S3Origin, SecretHeader, Symlinks, Timeouts,
};
pub use raw::RawSecret;

use crate::keyring::Keyring;
use crate::path::Pattern;

/// A config mistake: which key, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted path of the key, e.g. `oidc.issuer` or `session.keys[1]`.
    pub key: String,
    pub problem: String,
}

impl ConfigError {
    pub fn new(key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self { key: key.into(), problem: problem.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() { write!(f, "{}", self.problem) } else { write!(f, "`{}`: {}", self.key, self.problem) }
    }
}

impl std::error::Error for ConfigError {}

/// A secret value; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Self(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The parsed, checked configuration.
#[derive(Debug)]
pub struct Config {
    pub server: Server,
    pub oidc: Oidc,
    pub session: Session,
    /// The default origin: serves every path no route claims.
    pub origin: Origin,
    /// `[[origin.routes]]`, in order; the first whose pattern matches serves the path.
    pub routes: Vec<Route>,
    pub access: Access,
    /// Added to every origin response, in this order.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub proxy: Proxy,
    pub cache: CacheSettings,
    pub compression: Compression,
    /// `None`: no admin listener (the default).
    pub admin: Option<Admin>,
    pub store: Store,
    /// Things that work but deserve a look (printed by `check-config` and at start).
    pub warnings: Vec<String>,
    /// Signed URLs and cookies accepted at the edge; CloudFront login mode.
    pub cloudfront: CloudFront,
    /// `None`: no forward-auth endpoint (the default).
    pub forward_auth: Option<forward_auth::ForwardAuth>,
}

/// Where revocations are kept.
#[derive(Debug, Clone)]
pub struct Store {
    pub kind: StoreKind,
    /// How often the list is re-read (revoked sessions stop within about this long).
    pub sync_interval_secs: u64,
    /// Where revocations (and consumed logins) wait, durably, while the store cannot take
    /// them (Redis down); relative paths: to the config file's folder.
    pub queue_path: PathBuf,
}

#[derive(Debug, Clone)]
pub enum StoreKind {
    /// A folder on disk (relative paths: to the config file's folder).
    Embedded(PathBuf),
    /// A Redis URL (`redis://…`), shared by several instances.
    Redis(Secret),
}

#[derive(Debug)]
pub struct Server {
    pub listen: SocketAddr,
    /// Scheme and authority only, no trailing slash: `https://example.com`.
    pub public_url: String,
    /// `public_url`'s host, lower-case, no port (the edge's host for the rules; forward-auth's
    /// and return URLs' own host).
    pub public_host: String,
    pub endpoints: Endpoints,
    pub shutdown_grace_secs: u64,
    /// Limits of the listeners, and the path and header rules of the boundary.
    pub guard: Guard,
}

impl Server {
    /// True when the site is served over https (cookies may then be `Secure` in every browser).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// authfront's own paths. All are absolute, normalised paths.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// e.g. `/_authfront`; every own endpoint not renamed lives under it.
    pub prefix: String,
    pub callback: String,
    pub signout: String,
    /// Where the provider sends the browser back after a sign-out.
    pub signed_out: String,
    pub login: String,
    pub userinfo: String,
    pub backchannel_logout: String,
    pub health: String,
    /// Forward-auth's check (`{prefix}/auth`), answered only with `[forward_auth]`.
    pub auth: String,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1).
    SecretBasic,
    /// `client_id` and `client_secret` in the form body.
    SecretPost,
    /// Public client: PKCE only.
    None,
}

#[derive(Debug)]
pub struct Oidc {
    /// Exactly as the provider's discovery document and ID tokens spell it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub client_auth: ClientAuth,
    pub scopes: Vec<String>,
    pub id_token_algs: Vec<jsonwebtoken::Algorithm>,
    pub clock_skew_secs: u64,
    pub http_timeout_secs: u64,
    pub jwks_min_refresh_interval_secs: u64,
    pub login_timeout_secs: u64,
    pub auth_params: Vec<(String, String)>,
    /// Audiences an ID token may list besides this client (OIDC Core 3.1.3.7 step 3: any
    /// other audience is refused).
    pub trusted_audiences: Vec<String>,
    /// What "sign in as someone else" on the access-denied page asks the provider for.
    pub switch_account_prompt: crate::prompt::Prompt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    Strict,
    None,
}

impl SameSite {
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        }
    }
}

#[derive(Debug)]
pub struct Session {
    pub keys: Keyring,
    pub lifetime_secs: u64,
    pub idle_timeout_secs: Option<u64>,
    pub refresh: bool,
    pub refresh_margin_secs: u64,
    pub refresh_grace_secs: u64,
    /// After a refresh failed for want of the provider, how long before that session tries
    /// again (it is served as it is meanwhile).
    pub refresh_retry_secs: u64,
    pub cookie: CookieSettings,
    pub mode: CookieMode,
    pub additional_cookies: Vec<ExtraCookie>,
}

/// Which cookies carry the session to the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieMode {
    /// authfront's own sealed cookie only.
    Sealed,
    /// Also the Cognito/Amplify cookies with the raw ID and access tokens, for the page's script.
    Amplify,
    /// Also the cookies Amazon Elasticsearch/OpenSearch with Cognito reads.
    Elasticsearch,
}

/// One attribute set for a cookie; `None` keeps the default of its kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CookieAttrs {
    pub path: Option<String>,
    pub domain: Option<String>,
    pub same_site: Option<SameSite>,
    pub max_age_secs: Option<u64>,
    pub http_only: Option<bool>,
}

/// An extra cookie set after sign-in.
#[derive(Debug, Clone)]
pub struct ExtraCookie {
    pub name: String,
    pub value: String,
    pub attrs: CookieAttrs,
}

/// Attributes shared by authfront's cookies.
#[derive(Debug, Clone)]
pub struct CookieSettings {
    pub name: String,
    pub login_name: String,
    pub tokens_name: String,
    pub secure: bool,
    pub same_site: SameSite,
    pub domain: Option<String>,
    pub session_attrs: CookieAttrs,
    pub tokens_attrs: CookieAttrs,
    pub login_attrs: CookieAttrs,
    pub mode_attrs: CookieAttrs,
}

#[derive(Debug)]
pub struct Access {
    /// `public_paths`, `[[access.rules]]` and `required_groups` (`rules.otherwise`), in the order
    /// they are asked.
    pub rules: rules::Rules,
    pub groups_claim: String,
    /// First match wins; no match means [`Unauthenticated::Auto`].
    pub on_unauthenticated: Vec<(Vec<Pattern>, Unauthenticated)>,
    pub preflight: Preflight,
}

/// CORS preflights (`OPTIONS` with `Access-Control-Request-Method`) on protected paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preflight {
    /// Like any request: a session (and the rules) or the usual 401.
    #[default]
    Authenticate,
    /// To the origin unauthenticated, without the secret header, identity or body (opt-in: the
    /// origin must answer preflights without trusting them).
    Origin,
}

/// What a request without a session gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unauthenticated {
    /// Page navigations are sent to sign in; fetch/XHR, JSON and non-GET requests get 401.
    Auto,
    /// Always sent to sign in.
    Redirect,
    /// Always 401 (APIs).
    Status,
}

//! The `[origin]` table and its `[[origin.routes]]`: where content comes from, as written
//! (`RawOrigin`) and as checked ([`Origin`], [`Route`]).
//!
//! Owns the rule "exactly one of `dir`, `s3`, `http` per origin" and every check of an origin's
//! keys. It never resolves credentials from the environment or a credentials file: a missing
//! S3 key stays `None` here and the adapter's loader fills it in (or fails, naming the key).

use std::path::PathBuf;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use serde::Deserialize;

use super::value::{Resolver, duration, secret};
use super::{ConfigError, RawSecret, Secret};
use crate::path::Pattern;

/// One origin as written: the `[origin]` table itself (the default origin) or one of its
/// routes. `path` belongs to routes only, `routes` to the default origin only.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrigin {
    pub path: Option<String>,
    pub dir: Option<String>,
    pub s3: Option<RawS3>,
    pub http: Option<String>,
    /// Default: on for `dir` and `s3` (they have no index documents of their own), off for `http`.
    pub static_site: Option<bool>,
    #[serde(default)]
    pub spa: bool,
    /// `dir` only: bytes of small files kept in memory (default [`DEFAULT_FILE_CACHE`]).
    pub file_cache: Option<super::edge::RawSize>,
    /// `dir` only: `deny` (default) or `allow` names starting with `.`.
    pub hidden_files: Option<String>,
    /// `dir` only: `deny` (default) or `follow` symlinks.
    pub symlinks: Option<String>,
    pub connect_timeout: Option<String>,
    pub read_timeout: Option<String>,
    pub secret_header: Option<RawSecretHeader>,
    #[serde(default)]
    pub routes: Vec<RawOrigin>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawS3 {
    pub bucket: String,
    pub region: String,
    pub endpoint: Option<String>,
    #[serde(default)]
    pub path_style: bool,
    #[serde(default)]
    pub prefix: String,
    pub access_key_id: Option<RawSecret>,
    pub secret_access_key: Option<RawSecret>,
    pub session_token: Option<RawSecret>,
    /// Profile of the shared credentials file, when the keys come from there.
    pub profile: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecretHeader {
    pub name: String,
    pub value: RawSecret,
}

/// One checked origin.
#[derive(Debug)]
pub struct Origin {
    pub kind: OriginKind,
    /// A path ending in `/` is served from its `index.html`.
    pub static_site: bool,
    /// A navigation to nothing serves `/index.html`.
    pub spa: bool,
    /// `dir` only: how many bytes of small files the folder keeps in memory, checked against
    /// the file on every request; `0` keeps none.
    pub file_cache: u64,
    /// `dir` only: whether names starting with `.` are served.
    pub hidden_files: HiddenFiles,
    /// `dir` only: whether symlinks are followed.
    pub symlinks: Symlinks,
    /// Network origins only (S3, HTTP).
    pub timeouts: Timeouts,
    /// Sent to an HTTP origin on every request so that it can refuse anyone but authfront.
    pub secret_header: Option<SecretHeader>,
}

/// Names starting with `.` in a folder (`.git/`, `.env`, `.htpasswd`): things deployed by
/// accident far more often than on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HiddenFiles {
    /// `404`, except below `/.well-known/` (RFC 8615: meant to be served).
    #[default]
    Deny,
    Allow,
}

/// Symlinks inside a served folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Symlinks {
    /// Any symlink on the way is a `404`: what is served is what the rules saw.
    #[default]
    Deny,
    /// Followed when the target is inside the folder and the rules let this request see the
    /// target's own path.
    Follow,
}

#[derive(Debug, Clone)]
pub enum OriginKind {
    /// A folder on local disk.
    Dir(PathBuf),
    /// An S3 (or S3-compatible) bucket, every request SigV4-signed.
    S3(S3Origin),
    /// An HTTP(S) server.
    Http(HttpOrigin),
    /// No `[origin]`: forward-auth only (the proxy serves the site). A request the edge would
    /// forward gets a `404`.
    None,
}

#[derive(Debug, Clone)]
pub struct S3Origin {
    pub bucket: String,
    pub region: String,
    /// Scheme and authority, no trailing slash: `https://s3.eu-west-1.amazonaws.com`.
    pub endpoint: String,
    /// `{endpoint}/{bucket}/{key}` instead of `{bucket}.{endpoint host}/{key}`.
    pub path_style: bool,
    /// Put before every key: `site/` serves `/a.html` from `site/a.html`.
    pub prefix: String,
    /// `None` until the loader has looked in the environment and the credentials file.
    pub credentials: Option<AwsCredentials>,
    pub profile: Option<String>,
}

/// Static AWS credentials (a session token makes them temporary).
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct HttpOrigin {
    /// Scheme, authority and an optional base path without a trailing slash:
    /// `http://127.0.0.1:9800` or `https://backend.internal/site`.
    pub base: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Bound on opening a connection (TCP and TLS).
    pub connect: Duration,
    /// Bound on waiting for the response head, and then for each piece of the body.
    pub read: Duration,
}

#[derive(Debug, Clone)]
pub struct SecretHeader {
    pub name: HeaderName,
    /// Checked to be a valid header value; never logged.
    pub value: Secret,
}

/// `[[origin.routes]]`: paths matching `path` go to `origin`; the first match wins.
#[derive(Debug)]
pub struct Route {
    pub path: Pattern,
    pub origin: Origin,
}

const DEFAULT_CONNECT: Duration = Duration::from_secs(5);
/// Bytes of small files a `dir` origin keeps in memory unless `file_cache` says otherwise.
pub const DEFAULT_FILE_CACHE: u64 = 16 * 1024 * 1024;
const DEFAULT_READ: Duration = Duration::from_secs(30);

/// Checks `[origin]` (the default origin) and its routes.
/// No `[origin]` (forward-auth only): the defaults of a folder origin, serving nothing.
pub(super) fn none(resolve: &mut Resolver<'_>) -> Result<(Origin, Vec<Route>), ConfigError> {
    let raw = RawOrigin { dir: Some(".".to_owned()), ..RawOrigin::default() };
    let (mut origin, routes) = build(&raw, resolve)?;
    origin.kind = OriginKind::None;
    Ok((origin, routes))
}

pub(super) fn build(raw: &RawOrigin, resolve: &mut Resolver<'_>) -> Result<(Origin, Vec<Route>), ConfigError> {
    if raw.path.is_some() {
        return Err(ConfigError::new("origin.path", "belongs in `[[origin.routes]]`; `[origin]` is the default"));
    }
    let default = one("origin", raw, resolve)?;
    let mut routes = Vec::with_capacity(raw.routes.len());
    for (i, r) in raw.routes.iter().enumerate() {
        let key = format!("origin.routes[{i}]");
        let Some(p) = &r.path else {
            return Err(ConfigError::new(format!("{key}.path"), "is required: the paths this origin serves"));
        };
        let path = Pattern::parse(p).map_err(|e| ConfigError::new(format!("{key}.path"), e))?;
        if !r.routes.is_empty() {
            return Err(ConfigError::new(format!("{key}.routes"), "routes do not nest"));
        }
        routes.push(Route { path, origin: one(&key, r, resolve)? });
    }
    Ok((default, routes))
}

fn one(key: &str, raw: &RawOrigin, resolve: &mut Resolver<'_>) -> Result<Origin, ConfigError> {
    let given = [raw.dir.is_some(), raw.s3.is_some(), raw.http.is_some()].iter().filter(|g| **g).count();
    if given != 1 {
        let problem = if given == 0 {
            "needs an origin: `dir = \"./site\"`, `s3 = { bucket = …, region = … }` or `http = \"http://…\"`"
        } else {
            "give exactly one of `dir`, `s3` and `http`"
        };
        return Err(ConfigError::new(key, problem));
    }
    if raw.dir.is_some() {
        for (name, set) in
            [("connect_timeout", raw.connect_timeout.is_some()), ("read_timeout", raw.read_timeout.is_some())]
        {
            if set {
                return Err(ConfigError::new(format!("{key}.{name}"), "is for `s3` and `http` origins"));
            }
        }
    }
    if raw.secret_header.is_some() && raw.http.is_none() {
        return Err(ConfigError::new(format!("{key}.secret_header"), "is for `http` origins"));
    }
    let timeouts = Timeouts {
        connect: optional_duration(&format!("{key}.connect_timeout"), raw.connect_timeout.as_deref(), DEFAULT_CONNECT)?,
        read: optional_duration(&format!("{key}.read_timeout"), raw.read_timeout.as_deref(), DEFAULT_READ)?,
    };
    let kind = if let Some(d) = &raw.dir {
        if d.is_empty() {
            return Err(ConfigError::new(format!("{key}.dir"), "must not be empty"));
        }
        OriginKind::Dir(PathBuf::from(d))
    } else if let Some(s3) = &raw.s3 {
        OriginKind::S3(build_s3(&format!("{key}.s3"), s3, resolve)?)
    } else {
        OriginKind::Http(build_http(&format!("{key}.http"), raw.http.as_deref().unwrap_or_default())?)
    };
    let secret_header = match &raw.secret_header {
        Some(h) => Some(build_secret_header(&format!("{key}.secret_header"), h, resolve)?),
        None => None,
    };
    let static_site = raw.static_site.unwrap_or(!matches!(kind, OriginKind::Http(_)));
    let file_cache = match (&raw.file_cache, &kind) {
        (None, _) => DEFAULT_FILE_CACHE,
        (Some(size), OriginKind::Dir(_)) => super::edge::size(&format!("{key}.file_cache"), size)?,
        (Some(_), _) => return Err(ConfigError::new(format!("{key}.file_cache"), "is for `dir` origins")),
    };
    let is_dir = matches!(kind, OriginKind::Dir(_));
    let hidden_files = match raw.hidden_files.as_deref() {
        None => HiddenFiles::Deny,
        Some(_) if !is_dir => return Err(ConfigError::new(format!("{key}.hidden_files"), "is for `dir` origins")),
        Some("deny") => HiddenFiles::Deny,
        Some("allow") => HiddenFiles::Allow,
        Some(other) => {
            return Err(ConfigError::new(
                format!("{key}.hidden_files"),
                format!("`{other}` is not one of `deny`, `allow`"),
            ));
        }
    };
    let symlinks = match raw.symlinks.as_deref() {
        None => Symlinks::Deny,
        Some(_) if !is_dir => return Err(ConfigError::new(format!("{key}.symlinks"), "is for `dir` origins")),
        Some("deny") => Symlinks::Deny,
        Some("follow") => Symlinks::Follow,
        Some(other) => {
            return Err(ConfigError::new(
                format!("{key}.symlinks"),
                format!("`{other}` is not one of `deny`, `follow`"),
            ));
        }
    };
    Ok(Origin { kind, static_site, spa: raw.spa, file_cache, hidden_files, symlinks, timeouts, secret_header })
}

fn optional_duration(key: &str, text: Option<&str>, default: Duration) -> Result<Duration, ConfigError> {
    match text {
        None => Ok(default),
        Some(t) => {
            let d = duration(key, t)?;
            if d.is_zero() { Err(ConfigError::new(key, "must be more than zero")) } else { Ok(d) }
        }
    }
}

/// `http(s)://host[:port][/base]`, nothing else.
fn base_url(key: &str, text: &str) -> Result<url::Url, ConfigError> {
    let url = url::Url::parse(text).map_err(|e| ConfigError::new(key, format!("`{text}` is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::new(key, "must be an http:// or https:// URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::new(key, "must have no query, fragment or user"));
    }
    Ok(url)
}

fn build_http(key: &str, text: &str) -> Result<HttpOrigin, ConfigError> {
    let url = base_url(key, text)?;
    let base = format!("{}{}", url.origin().ascii_serialization(), url.path().trim_end_matches('/'));
    Ok(HttpOrigin { base })
}

fn build_s3(key: &str, raw: &RawS3, resolve: &mut Resolver<'_>) -> Result<S3Origin, ConfigError> {
    let dns_safe = |s: &str| s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if raw.bucket.is_empty() || !raw.bucket.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
        return Err(ConfigError::new(format!("{key}.bucket"), format!("`{}` is not a bucket name", raw.bucket)));
    }
    if raw.region.is_empty() || !dns_safe(&raw.region) {
        return Err(ConfigError::new(format!("{key}.region"), format!("`{}` is not a region name", raw.region)));
    }
    let endpoint = match &raw.endpoint {
        Some(e) => {
            let url = base_url(&format!("{key}.endpoint"), e)?;
            if url.path() != "/" {
                return Err(ConfigError::new(format!("{key}.endpoint"), "must be scheme, host and port only"));
            }
            url.origin().ascii_serialization()
        }
        None => format!("https://s3.{}.amazonaws.com", raw.region),
    };
    if !raw.path_style && !dns_safe(&raw.bucket) {
        return Err(ConfigError::new(
            format!("{key}.path_style"),
            format!("bucket `{}` is not a DNS name: set `path_style = true`", raw.bucket),
        ));
    }
    if raw.prefix.starts_with('/') || raw.prefix.contains("//") || raw.prefix.chars().any(char::is_control) {
        return Err(ConfigError::new(format!("{key}.prefix"), "must not start with `/` or contain `//`"));
    }
    let credentials = match (&raw.access_key_id, &raw.secret_access_key) {
        (Some(id), Some(sk)) => Some(AwsCredentials {
            access_key_id: secret(&format!("{key}.access_key_id"), id, resolve)?.expose().to_owned(),
            secret_access_key: secret(&format!("{key}.secret_access_key"), sk, resolve)?,
            session_token: match &raw.session_token {
                Some(t) => Some(secret(&format!("{key}.session_token"), t, resolve)?),
                None => None,
            },
        }),
        (None, None) if raw.session_token.is_none() => None,
        (None, None) => {
            return Err(ConfigError::new(
                format!("{key}.session_token"),
                "needs `access_key_id` and `secret_access_key` beside it",
            ));
        }
        (Some(_), None) => {
            return Err(ConfigError::new(format!("{key}.secret_access_key"), "is required with `access_key_id`"));
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(format!("{key}.access_key_id"), "is required with `secret_access_key`"));
        }
    };
    if credentials.is_some() && raw.profile.is_some() {
        return Err(ConfigError::new(format!("{key}.profile"), "give either keys or a profile, not both"));
    }
    Ok(S3Origin {
        bucket: raw.bucket.clone(),
        region: raw.region.clone(),
        endpoint,
        path_style: raw.path_style,
        prefix: raw.prefix.clone(),
        credentials,
        profile: raw.profile.clone(),
    })
}

/// Header names a secret header may not take: authfront sets or removes these itself.
const RESERVED_REQUEST_HEADERS: &[&str] = &[
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "cookie",
    "authorization",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
];

fn build_secret_header(
    key: &str,
    raw: &RawSecretHeader,
    resolve: &mut Resolver<'_>,
) -> Result<SecretHeader, ConfigError> {
    let name = HeaderName::try_from(raw.name.as_str())
        .map_err(|_| ConfigError::new(format!("{key}.name"), format!("`{}` is not a header name", raw.name)))?;
    if RESERVED_REQUEST_HEADERS.contains(&name.as_str()) {
        return Err(ConfigError::new(format!("{key}.name"), format!("`{name}` is set by authfront itself")));
    }
    let value = secret(&format!("{key}.value"), &raw.value, resolve)?;
    if HeaderValue::try_from(value.expose()).is_err() {
        return Err(ConfigError::new(format!("{key}.value"), "is not a valid header value"));
    }
    Ok(SecretHeader { name, value })
}

#[cfg(test)]
mod tests;

//! The boundary's own settings in `[server]`: how long a client may take and how much it may
//! hold (timeouts, connection and header caps), and the path and header rules that keep the
//! edge and every origin reading a request the same way.
//!
//! Owns their defaults and checks. The adapter applies the limits to its listeners; the rules
//! are applied in core (`path`, `decide`, `proxy`). Never reads the process's descriptor
//! limit: a `max_connections` left unset is derived from it by the adapter ([`Limits::connections`]).

use std::time::Duration;

use super::ConfigError;
use super::edge::size;
use super::raw::RawServer;
use super::value::duration;
use crate::path::Semicolons;

/// Limits of one listener (the main one and the admin one share them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The whole request head must arrive within this, and a kept-alive connection must start
    /// its next request within it (HTTP/1).
    pub header_read_timeout: Duration,
    /// A connection with no request in flight for this long is closed (HTTP/1 and HTTP/2).
    pub idle_timeout: Duration,
    /// Longest pause between two pieces of a request body (`408` after it).
    pub request_body_timeout: Duration,
    /// Most connections open at once; `None` derives it from the descriptor limit.
    pub max_connections: Option<usize>,
    /// Largest request head (HTTP/1 buffer, HTTP/2 header list).
    pub max_header_size: usize,
    /// Concurrent HTTP/2 streams per connection.
    pub http2_max_streams: u32,
}

/// Descriptors kept back from connections for everything else: origin connections, folder
/// files, the store, the provider client, logs.
const RESERVED_FDS: u64 = 64;
/// Fewest connections a derived cap allows, whatever the descriptor limit.
const MIN_CONNECTIONS: u64 = 16;
/// Smallest head limit accepted: hyper's HTTP/1 buffer cannot be smaller.
const MIN_HEADER_SIZE: u64 = 8 * 1024;

impl Limits {
    /// The connection cap: configured, else half the descriptors left after the ones reserved
    /// (each proxied request may hold an origin connection or a file beside its own socket).
    pub fn connections(&self, nofile: u64) -> usize {
        match self.max_connections {
            Some(n) => n,
            None => {
                let derived = (nofile.saturating_sub(RESERVED_FDS) / 2).max(MIN_CONNECTIONS);
                usize::try_from(derived).unwrap_or(usize::MAX)
            }
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_body_timeout: Duration::from_secs(30),
            max_connections: None,
            max_header_size: 64 * 1024,
            http2_max_streams: 100,
        }
    }
}

/// What to do with a request header that spells a protected name with `_` (`X_Auth_Request_User`),
/// which WSGI, PHP and CGI servers read as the protected header itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Underscores {
    /// `400 Bad Request`.
    #[default]
    Reject,
    /// Removed like the protected header; the request goes on.
    Strip,
}

/// The `[server]` keys of this module, checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Guard {
    pub limits: Limits,
    pub path_parameters: Semicolons,
    pub underscore_headers: Underscores,
}

pub(super) fn build(s: &RawServer) -> Result<Guard, ConfigError> {
    let d = Limits::default();
    let timeout = |key: &str, raw: &Option<String>, default: Duration| -> Result<Duration, ConfigError> {
        let Some(text) = raw else { return Ok(default) };
        let key = format!("server.{key}");
        let t = duration(&key, text)?;
        if t.is_zero() {
            return Err(ConfigError::new(key, "must be more than 0s"));
        }
        Ok(t)
    };
    let max_connections = match s.max_connections {
        Some(0) => return Err(ConfigError::new("server.max_connections", "must be at least 1")),
        Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        None => None,
    };
    let max_header_size = match &s.max_header_size {
        None => d.max_header_size,
        Some(raw) => {
            let n = size("server.max_header_size", raw)?;
            if !(MIN_HEADER_SIZE..=1 << 24).contains(&n) {
                return Err(ConfigError::new("server.max_header_size", "must be between 8KiB and 16MiB"));
            }
            usize::try_from(n).unwrap_or(usize::MAX)
        }
    };
    let http2_max_streams = match s.http2_max_streams {
        Some(0) => return Err(ConfigError::new("server.http2_max_streams", "must be at least 1")),
        Some(n) => n,
        None => d.http2_max_streams,
    };
    let path_parameters = match s.path_parameters.as_deref() {
        None | Some("reject") => Semicolons::Reject,
        Some("encode") => Semicolons::Encode,
        Some(other) => {
            return Err(ConfigError::new(
                "server.path_parameters",
                format!("`{other}` is not one of `reject`, `encode`"),
            ));
        }
    };
    let underscore_headers = match s.underscore_headers.as_deref() {
        None | Some("reject") => Underscores::Reject,
        Some("strip") => Underscores::Strip,
        Some(other) => {
            return Err(ConfigError::new(
                "server.underscore_headers",
                format!("`{other}` is not one of `reject`, `strip`"),
            ));
        }
    };
    Ok(Guard {
        limits: Limits {
            header_read_timeout: timeout("header_read_timeout", &s.header_read_timeout, d.header_read_timeout)?,
            idle_timeout: timeout("idle_timeout", &s.idle_timeout, d.idle_timeout)?,
            request_body_timeout: timeout("request_body_timeout", &s.request_body_timeout, d.request_body_timeout)?,
            max_connections,
            max_header_size,
            http2_max_streams,
        },
        path_parameters,
        underscore_headers,
    })
}

//! `[forward_auth]`: authfront answering another proxy's "may this request pass?" (nginx
//! `auth_request`, Traefik `forwardAuth`, Caddy `forward_auth`, Envoy `ext_authz` over HTTP).
//!
//! Owns which peers may describe the original request, how an unauthenticated answer looks, and
//! which other hosts a sign-in may return to.

use serde::Deserialize;

use super::ConfigError;
use crate::cloudfront::Cidr;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForwardAuth {
    /// Peers whose forwarding headers (`X-Original-URI`, `X-Forwarded-Uri`, …) are believed.
    pub trusted_proxies: Option<Vec<String>>,
    /// `status` (default: `401` for no session) or `redirect` (a navigation gets the `302`).
    pub mode: Option<String>,
    /// Hosts besides `server.public_url`'s that a sign-in may return to: `app.example.com` or
    /// `*.example.com` (any subdomain, not the parent itself).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Envoy `ext_authz` over gRPC (`envoy.service.auth.v3.Authorization/Check`) on this address.
    pub grpc_listen: Option<String>,
}

/// What an unauthenticated check answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `401` (nginx `auth_request`, which turns any other status into a `500`).
    Status,
    /// A browser navigation gets the `302` to the provider (proxies that relay the answer).
    Redirect,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "status" => Some(Mode::Status),
            "redirect" => Some(Mode::Redirect),
            _ => None,
        }
    }
}

/// A host a sign-in may return to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// `*.example.com`: kept as `.example.com`.
    Subdomains(String),
}

impl HostPattern {
    /// `host` is lower-case, without a port.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => h == host,
            HostPattern::Subdomains(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ForwardAuth {
    pub trusted_proxies: Vec<Cidr>,
    pub mode: Mode,
    pub hosts: Vec<HostPattern>,
    pub grpc_listen: Option<std::net::SocketAddr>,
}

pub(super) fn build(raw: Option<&RawForwardAuth>) -> Result<Option<ForwardAuth>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let trusted = raw.trusted_proxies.clone().unwrap_or_else(|| vec!["127.0.0.0/8".to_owned(), "::1/128".to_owned()]);
    let trusted_proxies = trusted
        .iter()
        .enumerate()
        .map(|(i, c)| Cidr::parse(c).map_err(|e| ConfigError::new(format!("forward_auth.trusted_proxies[{i}]"), e)))
        .collect::<Result<Vec<_>, _>>()?;
    let mode = match raw.mode.as_deref() {
        None => Mode::Status,
        Some(m) => Mode::parse(m)
            .ok_or_else(|| ConfigError::new("forward_auth.mode", format!("`{m}`: expected `status` or `redirect`")))?,
    };
    let hosts = raw
        .hosts
        .iter()
        .enumerate()
        .map(|(i, h)| host_pattern(h).map_err(|e| ConfigError::new(format!("forward_auth.hosts[{i}]"), e)))
        .collect::<Result<Vec<_>, _>>()?;
    let grpc_listen = match &raw.grpc_listen {
        None => None,
        Some(a) => Some(a.parse().map_err(|_| {
            ConfigError::new("forward_auth.grpc_listen", format!("`{a}` is not an address and port (`127.0.0.1:9091`)"))
        })?),
    };
    Ok(Some(ForwardAuth { trusted_proxies, mode, hosts, grpc_listen }))
}

pub(super) fn host_pattern(text: &str) -> Result<HostPattern, String> {
    let (wild, name) = match text.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.is_empty() || !name.split('.').all(label_ok) {
        return Err(format!("`{text}` is not a host name (`app.example.com` or `*.example.com`; no port, no scheme)"));
    }
    if wild && !name.contains('.') {
        return Err(format!("`{text}` would match every name under a top-level domain"));
    }
    let name = name.to_ascii_lowercase();
    Ok(if wild { HostPattern::Subdomains(format!(".{name}")) } else { HostPattern::Exact(name) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_patterns() {
        let p = host_pattern("*.Example.com").unwrap();
        assert!(p.matches("app.example.com"));
        assert!(p.matches("a.b.example.com"));
        assert!(!p.matches("example.com"));
        assert!(!p.matches("evilexample.com"));
        assert!(!p.matches(".example.com"));
        assert!(host_pattern("app.example.com").unwrap().matches("app.example.com"));
        assert!(!host_pattern("app.example.com").unwrap().matches("xapp.example.com"));
        for bad in ["", "*.", "*.com", "https://a.com", "a.com:8080", "a..com", "-a.com", "a b.com", "*"] {
            assert!(host_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_and_errors() {
        let raw: RawForwardAuth = toml::from_str("").unwrap();
        let fa = build(Some(&raw)).unwrap().unwrap();
        assert_eq!(fa.mode, Mode::Status);
        assert!(fa.trusted_proxies.iter().any(|c| c.contains("127.0.0.1".parse().unwrap())));
        assert!(fa.trusted_proxies.iter().any(|c| c.contains("::1".parse().unwrap())));
        assert!(!fa.trusted_proxies.iter().any(|c| c.contains("10.0.0.1".parse().unwrap())));
        let raw: RawForwardAuth = toml::from_str("mode = \"bounce\"").unwrap();
        assert_eq!(build(Some(&raw)).unwrap_err().key, "forward_auth.mode");
        let raw: RawForwardAuth = toml::from_str("trusted_proxies = [\"10.0.0.0/33\"]").unwrap();
        assert_eq!(build(Some(&raw)).unwrap_err().key, "forward_auth.trusted_proxies[0]");
        let raw: RawForwardAuth = toml::from_str("grpc_listen = \"localhost\"").unwrap();
        assert_eq!(build(Some(&raw)).unwrap_err().key, "forward_auth.grpc_listen");
        let raw: RawForwardAuth = toml::from_str("hosts = [\"ok.example.com\", \"*.com\"]").unwrap();
        assert_eq!(build(Some(&raw)).unwrap_err().key, "forward_auth.hosts[1]");
    }
}

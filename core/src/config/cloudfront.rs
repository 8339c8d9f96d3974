//! The `[cloudfront]` table: key groups, the paths where a CloudFront signed URL or signed
//! cookies stand in for a session, and CloudFront login mode (signed cookies after a login).
//!
//! Raw serde types (unknown keys refused) and their checked forms side by side, so that
//! everything CloudFront-specific in the config lives in one place. Keys are parsed here, once;
//! key material arrives through the adapter's resolver like every secret.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::value::{Resolver, duration_secs, secret};
use super::{ConfigError, RawSecret};
use crate::cloudfront::{HashAlgorithm, KeyGroup, PublicKey, SigningKey, sign, valid_key_id};
use crate::path::Pattern;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCloudFront {
    /// Key group name → (key id → public key PEM).
    #[serde(default)]
    pub key_groups: BTreeMap<String, BTreeMap<String, RawSecret>>,
    #[serde(default)]
    pub signed_paths: Vec<RawSignedPaths>,
    pub login_cookies: Option<RawLoginCookies>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSignedPaths {
    pub paths: Vec<String>,
    pub key_group: String,
    /// `"url"`, `"cookies"`, or both (the default).
    #[serde(default = "default_accept")]
    pub accept: Vec<String>,
}

fn default_accept() -> Vec<String> {
    vec!["url".to_owned(), "cookies".to_owned()]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoginCookies {
    pub key_pair_id: String,
    pub private_key: RawSecret,
    pub resource: String,
    /// Default: `session.lifetime`.
    pub lifetime: Option<String>,
    pub domain: Option<String>,
    #[serde(default = "default_path")]
    pub path: String,
    pub hash_algorithm: Option<String>,
}

fn default_path() -> String {
    "/".to_owned()
}

/// The checked `[cloudfront]` table; empty when absent.
#[derive(Debug, Default)]
pub struct CloudFront {
    /// Checked in order; the first rule whose pattern matches the path applies.
    pub signed_paths: Vec<SignedPaths>,
    pub login_cookies: Option<LoginCookies>,
}

/// Paths where a valid signed URL or signed cookies grant access without a session.
#[derive(Debug)]
pub struct SignedPaths {
    pub paths: Vec<Pattern>,
    /// The key group's name (for logs) and keys.
    pub key_group_name: String,
    pub key_group: KeyGroup,
    pub accept_url: bool,
    pub accept_cookies: bool,
}

/// CloudFront login mode: signed cookies set after every successful login.
#[derive(Debug)]
pub struct LoginCookies {
    pub key_pair_id: String,
    pub key: SigningKey,
    /// The custom policy's `Resource` (wildcards allowed), URL-encoded where needed.
    pub resource: String,
    pub lifetime_secs: u64,
    /// `Domain` attribute; `None`: host-only cookies for `server.public_url`'s host.
    pub domain: Option<String>,
    pub path: String,
    pub hash: HashAlgorithm,
}

pub(super) fn build(
    raw: &RawCloudFront,
    session_lifetime_secs: u64,
    resolve: &mut Resolver<'_>,
) -> Result<CloudFront, ConfigError> {
    let mut groups: BTreeMap<&str, KeyGroup> = BTreeMap::new();
    for (name, keys) in &raw.key_groups {
        let gkey = format!("cloudfront.key_groups.{name}");
        if keys.is_empty() {
            return Err(ConfigError::new(&gkey, "needs at least one `KEY_ID = { file = \"public.pem\" }`"));
        }
        let mut group = KeyGroup::new();
        for (id, source) in keys {
            let key = format!("{gkey}.{id}");
            key_id(&key, id)?;
            let pem = secret(&key, source, resolve)?;
            let public = PublicKey::from_pem(pem.expose()).map_err(|p| ConfigError::new(&key, p))?;
            group.insert(id, public);
        }
        groups.insert(name, group);
    }
    let mut signed_paths = Vec::new();
    for (i, rule) in raw.signed_paths.iter().enumerate() {
        let key = format!("cloudfront.signed_paths[{i}]");
        if rule.paths.is_empty() {
            return Err(ConfigError::new(
                format!("{key}.paths"),
                "needs at least one path pattern like `/downloads/*`",
            ));
        }
        let mut paths = Vec::new();
        for (j, p) in rule.paths.iter().enumerate() {
            paths.push(Pattern::parse(p).map_err(|e| ConfigError::new(format!("{key}.paths[{j}]"), e))?);
        }
        let group = groups.get(rule.key_group.as_str()).ok_or_else(|| {
            ConfigError::new(
                format!("{key}.key_group"),
                format!(
                    "`{}` is not a key group (define it in `[cloudfront.key_groups.{}]`)",
                    rule.key_group, rule.key_group
                ),
            )
        })?;
        let (mut url, mut cookies) = (false, false);
        for a in &rule.accept {
            match a.as_str() {
                "url" => url = true,
                "cookies" => cookies = true,
                other => {
                    return Err(ConfigError::new(
                        format!("{key}.accept"),
                        format!("`{other}` is not `url` or `cookies`"),
                    ));
                }
            }
        }
        if !url && !cookies {
            return Err(ConfigError::new(format!("{key}.accept"), "must name `url`, `cookies` or both"));
        }
        signed_paths.push(SignedPaths {
            paths,
            key_group_name: rule.key_group.clone(),
            key_group: group.clone(),
            accept_url: url,
            accept_cookies: cookies,
        });
    }
    let login_cookies = match &raw.login_cookies {
        Some(l) => Some(login_cookies(l, session_lifetime_secs, resolve)?),
        None => None,
    };
    Ok(CloudFront { signed_paths, login_cookies })
}

/// What works but is most likely a mistake.
pub(super) fn warnings(cf: &CloudFront, public_url: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(lc) = &cf.login_cookies
        && lc.domain.is_none()
        && !crate::cloudfront::login::covers(lc, &format!("{public_url}/"))
    {
        out.push(format!(
            "`cloudfront.login_cookies.resource` (`{}`) does not cover `server.public_url` ({public_url}): \
             CloudFront refuses those cookies for this site's pages (set `domain` if CloudFront serves another host)",
            lc.resource
        ));
    }
    out
}

/// How long login-mode cookies live unless configured: CloudFront checks them by itself, so
/// this is how long a signed-out (or revoked) user's copy keeps working there. authfront signs
/// them again while the session lives (`cloudfront::login`), so a short value costs nothing.
pub const DEFAULT_LOGIN_COOKIE_LIFETIME: u64 = 600;

fn login_cookies(
    l: &RawLoginCookies,
    session_lifetime_secs: u64,
    resolve: &mut Resolver<'_>,
) -> Result<LoginCookies, ConfigError> {
    const K: &str = "cloudfront.login_cookies";
    key_id(&format!("{K}.key_pair_id"), &l.key_pair_id)?;
    let pem = secret(&format!("{K}.private_key"), &l.private_key, resolve)?;
    let key = SigningKey::from_pem(pem.expose()).map_err(|p| ConfigError::new(format!("{K}.private_key"), p))?;
    let resource = sign::resource_for_signing(&l.resource).map_err(|p| ConfigError::new(format!("{K}.resource"), p))?;
    let lifetime_secs = match &l.lifetime {
        Some(t) => duration_secs(&format!("{K}.lifetime"), t)?,
        None => DEFAULT_LOGIN_COOKIE_LIFETIME.min(session_lifetime_secs),
    };
    if lifetime_secs < 60 {
        return Err(ConfigError::new(format!("{K}.lifetime"), "must be at least 1m"));
    }
    if let Some(d) = &l.domain
        && (d.is_empty() || !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
    {
        return Err(ConfigError::new(format!("{K}.domain"), format!("`{d}` is not a domain name")));
    }
    if !l.path.starts_with('/') || l.path.contains([';', ',', ' ']) || l.path.chars().any(char::is_control) {
        return Err(ConfigError::new(format!("{K}.path"), format!("`{}` is not a cookie path like `/`", l.path)));
    }
    let hash = match l.hash_algorithm.as_deref() {
        None => HashAlgorithm::Sha1,
        Some(h) => HashAlgorithm::parse(h).ok_or_else(|| {
            ConfigError::new(format!("{K}.hash_algorithm"), format!("`{h}` is not `SHA1` or `SHA256`"))
        })?,
    };
    Ok(LoginCookies {
        key_pair_id: l.key_pair_id.clone(),
        key,
        resource,
        lifetime_secs,
        domain: l.domain.clone(),
        path: l.path.clone(),
        hash,
    })
}

fn key_id(key: &str, id: &str) -> Result<(), ConfigError> {
    if !valid_key_id(id) {
        return Err(ConfigError::new(key, format!("`{id}` is not a key id like `K2JCJMDEHXQW5F`")));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;

//! CloudFront login mode: after a successful login, signed cookies that a CloudFront
//! distribution with a trusted key group checks on every request by itself.
//!
//! The cookies carry a custom policy for the configured resource pattern, valid for the
//! configured lifetime but never past the session's end, and the attributes of authfront's own
//! cookies (`HttpOnly`, `Secure`, `SameSite`) with the configured `Domain` and `Path`.

use std::net::IpAddr;

use http::HeaderMap;

use super::keys::{KeyGroup, SignError};
use super::policy::Policy;
use super::sign::sign;
use super::verify::{Params, verify};
use crate::config::{CookieSettings, LoginCookies};
use crate::cookies::{self, Lifetime};
use crate::session::Session;

/// The `Set-Cookie` values for `session`, signed at `now`.
pub fn set_cookies(
    lc: &LoginCookies,
    attrs: &CookieSettings,
    session: &Session,
    now: u64,
) -> Result<Vec<String>, SignError> {
    let expires = now.saturating_add(lc.lifetime_secs).min(session.exp);
    let policy = Policy { resource: Some(lc.resource.clone()), expires, starts: None, ip: None };
    let signed = sign(policy, &lc.key, &lc.key_pair_id, lc.hash)?;
    let attrs = CookieSettings { domain: lc.domain.clone(), ..attrs.clone() };
    let max_age = Lifetime::Seconds(expires.saturating_sub(now));
    Ok(signed
        .cookies()
        .into_iter()
        .map(|(name, value)| cookies::set(&attrs, name, &value, &lc.path, max_age))
        .collect())
}

/// True when the request already carries login-mode cookies that grant `url` now: if
/// CloudFront still refuses, signing again would only loop.
pub fn cookies_grant(lc: &LoginCookies, headers: &HeaderMap, url: &str, client: IpAddr, now: u64) -> bool {
    let params = Params::from_cookies(headers);
    if params.is_empty() {
        return false;
    }
    let mut own = KeyGroup::new();
    own.insert(&lc.key_pair_id, lc.key.public_key().clone());
    verify(&own, &params, url, client, now).is_ok()
}

/// True when the login cookies' resource pattern covers `url` at all.
pub fn covers(lc: &LoginCookies, url: &str) -> bool {
    Policy { resource: Some(lc.resource.clone()), expires: u64::MAX, starts: None, ip: None }.allows(url)
}

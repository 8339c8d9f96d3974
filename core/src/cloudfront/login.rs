//! CloudFront login mode: after a successful login, signed cookies that a CloudFront
//! distribution with a trusted key group checks on every request by itself.
//!
//! The cookies carry a custom policy for the configured resource pattern, valid for the
//! configured lifetime but never past the session's end, and the attributes of authfront's own
//! cookies (`HttpOnly`, `Secure`, `SameSite`) with the configured `Domain` and `Path`. They are
//! written with the session's cookies after a sign-in and after every refresh, and by the
//! `login` endpoint when CloudFront has sent a signed-in browser back (see `decide::endpoints`).

use std::net::IpAddr;

use http::HeaderMap;

use super::keys::{KeyGroup, SignError};
use super::policy::Policy;
use super::sign::sign;
use super::verify::{Params, verify};
use super::{COOKIE_EXPIRES, COOKIE_HASH_ALGORITHM, COOKIE_KEY_PAIR_ID, COOKIE_POLICY, COOKIE_SIGNATURE};
use crate::config::{CookieAttrs, LoginCookies};
use crate::cookies::{self, Lifetime};
use crate::session::Session;
use crate::site::Site;

/// The login-mode cookies a session gets: none when login mode is off or the rules do not let
/// this user in (CloudFront would then serve what authfront refuses).
pub fn for_session(site: &Site, session: &Session, now: u64) -> Result<Vec<String>, SignError> {
    match &site.config.cloudfront.login_cookies {
        Some(lc) if site.allows(session) => set_cookies(site, lc, session, now),
        _ => Ok(Vec::new()),
    }
}

/// The `Set-Cookie` values for `session`, signed at `now`.
pub fn set_cookies(site: &Site, lc: &LoginCookies, session: &Session, now: u64) -> Result<Vec<String>, SignError> {
    let expires = now.saturating_add(lc.lifetime_secs).min(session.exp);
    let policy = Policy { resource: Some(lc.resource.clone()), expires, starts: None, ip: None };
    let signed = sign(policy, &lc.key, &lc.key_pair_id, lc.hash)?;
    let attrs = attrs(lc);
    let life = Lifetime::Seconds(expires.saturating_sub(now));
    let settings = &site.config.session.cookie;
    Ok(signed
        .cookies()
        .into_iter()
        .map(|(name, value)| cookies::set(settings, &attrs, name, &value, life, true))
        .collect())
}

/// Whether a signed-in request passing through authfront should get fresh login-mode cookies:
/// login mode is on, the rules let the user in, and the browser's cookies are missing or past
/// half their lifetime (while the session lasts beyond them). So short cookie lifetimes cost no
/// trip to the provider; sign-out stops the renewals, and what CloudFront accepts after it is
/// bounded by `lifetime`. The policy is read, not verified: a forged one only stops renewal for
/// the browser that forged it.
pub fn renewal_due(site: &Site, headers: &HeaderMap, session: &Session, now: u64) -> bool {
    let Some(lc) = &site.config.cloudfront.login_cookies else { return false };
    if !site.allows(session) {
        return false;
    }
    let target = now.saturating_add(lc.lifetime_secs).min(session.exp);
    let current = Params::from_cookies(headers)
        .policy
        .and_then(|p| super::b64::decode(&p))
        .and_then(|json| Policy::parse(&json).ok())
        .map(|p| p.expires);
    match current {
        None => true,
        Some(expires) => expires < target && expires.saturating_sub(now) < lc.lifetime_secs / 2,
    }
}

/// `Set-Cookie` values that delete the login-mode cookies (at sign-out), if login mode is on.
pub fn clear(site: &Site) -> Vec<String> {
    let Some(lc) = &site.config.cloudfront.login_cookies else { return Vec::new() };
    let attrs = attrs(lc);
    let settings = &site.config.session.cookie;
    [COOKIE_POLICY, COOKIE_EXPIRES, COOKIE_SIGNATURE, COOKIE_KEY_PAIR_ID, COOKIE_HASH_ALGORITHM]
        .iter()
        .map(|name| cookies::set(settings, &attrs, name, "", Lifetime::Expired, true))
        .collect()
}

fn attrs(lc: &LoginCookies) -> CookieAttrs {
    CookieAttrs {
        path: Some(lc.path.clone()),
        domain: lc.domain.clone(),
        same_site: None,
        max_age_secs: None,
        http_only: None,
    }
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

#[cfg(test)]
mod tests;

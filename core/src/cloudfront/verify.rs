//! Verifying a signed URL or signed cookies the way CloudFront does.
//!
//! The signing parameters may come in any order and anywhere in the query string; they are
//! taken out of it, and what is left (order and bytes kept) is the URL that is matched, and the
//! query the origin and the cache see. The signature is checked over the policy *as sent* for
//! a custom policy (never re-serialised), and over the canned policy rebuilt from the request
//! URL and `Expires` otherwise. Only then is the policy read and its conditions checked.
//!
//! Every failure is a [`Refusal`]; none of them is "not signed": that is [`Params::is_empty`].

use std::net::IpAddr;

use http::HeaderMap;
use percent_encoding::percent_decode_str;

use super::keys::KeyGroup;
use super::policy::{MAX_POLICY, Policy, Unmet};
use super::{
    COOKIE_EXPIRES, COOKIE_HASH_ALGORITHM, COOKIE_KEY_PAIR_ID, COOKIE_POLICY, COOKIE_SIGNATURE, QUERY_EXPIRES,
    QUERY_HASH_ALGORITHM, QUERY_KEY_PAIR_ID, QUERY_POLICY, QUERY_SIGNATURE,
};
use super::{HashAlgorithm, b64};
use crate::cookies;

/// Why a presented signature does not grant access (always a 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("malformed signature: {0}")]
    Malformed(&'static str),
    #[error("no trusted public key has the id `{0}`")]
    UnknownKey(String),
    #[error("the signature does not match the policy")]
    BadSignature,
    #[error("expired at {expires} (Unix seconds)")]
    Expired { expires: u64 },
    #[error("not valid before {starts} (Unix seconds)")]
    NotYetValid { starts: u64 },
    #[error("the client address is outside the policy's IpAddress range")]
    WrongIp,
    #[error("the policy's Resource does not match the requested URL")]
    WrongResource,
}

/// Where the parameters came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    #[default]
    Query,
    Cookies,
}

/// The signing parameters a request carries (values decoded, unchecked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub source: Source,
    pub expires: Option<String>,
    pub policy: Option<String>,
    pub signature: Option<String>,
    pub key_pair_id: Option<String>,
    pub hash_algorithm: Option<String>,
    /// One of them appeared more than once: ambiguous, so refused.
    pub repeated: bool,
}

impl Params {
    /// True when the request carries none of the parameters: not a signed request at all.
    pub fn is_empty(&self) -> bool {
        self.expires.is_none()
            && self.policy.is_none()
            && self.signature.is_none()
            && self.key_pair_id.is_none()
            && self.hash_algorithm.is_none()
    }

    /// Takes the signing parameters out of a raw query string. Returns them and the rest of the
    /// query (`None` when nothing is left), each remaining pair exactly as it was.
    pub fn from_query(query: Option<&str>) -> (Params, Option<String>) {
        let mut p = Params { source: Source::Query, ..Params::default() };
        let Some(query) = query else { return (p, None) };
        let mut rest: Vec<&str> = Vec::new();
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match name {
                QUERY_EXPIRES => &mut p.expires,
                QUERY_POLICY => &mut p.policy,
                QUERY_SIGNATURE => &mut p.signature,
                QUERY_KEY_PAIR_ID => &mut p.key_pair_id,
                QUERY_HASH_ALGORITHM => &mut p.hash_algorithm,
                _ => {
                    rest.push(pair);
                    continue;
                }
            };
            p.repeated |= slot.is_some();
            // CloudFront's alphabet needs no encoding, but a client may have encoded `~` as `%7E`.
            *slot = Some(percent_decode_str(value).decode_utf8_lossy().into_owned());
        }
        let rest = rest.join("&");
        (p, (!rest.is_empty()).then_some(rest))
    }

    /// Reads the signed cookies from the request's `Cookie` headers.
    pub fn from_cookies(headers: &HeaderMap) -> Params {
        let get = |name: &str| cookies::find(headers, name).map(|v| v.trim_matches('"').to_owned());
        Params {
            source: Source::Cookies,
            expires: get(COOKIE_EXPIRES),
            policy: get(COOKIE_POLICY),
            signature: get(COOKIE_SIGNATURE),
            key_pair_id: get(COOKIE_KEY_PAIR_ID),
            hash_algorithm: get(COOKIE_HASH_ALGORITHM),
            repeated: false,
        }
    }
}

/// Verifies `params` for a request of `url` (scheme, host, path and the query *without* the
/// signing parameters) from `client` at `now`; on success, the policy that granted it.
pub fn verify(group: &KeyGroup, params: &Params, url: &str, client: IpAddr, now: u64) -> Result<Policy, Refusal> {
    verify_at(group, params, url, url, client, now)
}

/// [`verify`] for a request whose raw URL (`signed`: what a canned policy's signature covers,
/// as the signer wrote it) and whose normalised URL (`url`: what is served, and what every
/// policy's `Resource` must match) differ. A wildcard `Resource` is thus never matched against
/// dot segments or encodings that the origin would resolve elsewhere.
pub fn verify_at(
    group: &KeyGroup,
    params: &Params,
    signed: &str,
    url: &str,
    client: IpAddr,
    now: u64,
) -> Result<Policy, Refusal> {
    if params.repeated {
        return Err(Refusal::Malformed("a signing parameter appears more than once"));
    }
    let id = params.key_pair_id.as_deref().ok_or(Refusal::Malformed("no Key-Pair-Id"))?;
    let sig = params.signature.as_deref().ok_or(Refusal::Malformed("no Signature"))?;
    let hash = match params.hash_algorithm.as_deref() {
        None => HashAlgorithm::Sha1,
        Some(h) => HashAlgorithm::parse(h).ok_or(Refusal::Malformed("unknown Hash-Algorithm"))?,
    };
    let (signed, canned) = match (&params.expires, &params.policy) {
        (Some(e), None) => {
            // Digits only, no leading zero: one expiry has one spelling.
            if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) || (e.len() > 1 && e.starts_with('0')) {
                return Err(Refusal::Malformed("Expires is not Unix seconds"));
            }
            let expires = e.parse().map_err(|_| Refusal::Malformed("Expires is not Unix seconds"))?;
            let p = Policy::canned(signed, expires);
            (p.to_json().into_bytes(), Some(p))
        }
        (None, Some(p)) => {
            if p.len() > MAX_POLICY * 4 / 3 + 4 {
                return Err(Refusal::Malformed("the policy is too long"));
            }
            (b64::decode(p).ok_or(Refusal::Malformed("Policy is not CloudFront base64"))?, None)
        }
        (Some(_), Some(_)) => return Err(Refusal::Malformed("both Expires and Policy")),
        (None, None) => return Err(Refusal::Malformed("neither Expires nor Policy")),
    };
    let key = group.get(id).ok_or_else(|| Refusal::UnknownKey(id.to_owned()))?;
    let sig = b64::decode(sig).ok_or(Refusal::Malformed("Signature is not CloudFront base64"))?;
    if !key.verify(hash, &signed, &sig) {
        return Err(Refusal::BadSignature);
    }
    let policy = match canned {
        Some(p) => p,
        None => Policy::parse(&signed).map_err(Refusal::Malformed)?,
    };
    policy.check(url, client, now).map_err(|u| match u {
        Unmet::Expired { expires } => Refusal::Expired { expires },
        Unmet::NotYetValid { starts } => Refusal::NotYetValid { starts },
        Unmet::WrongIp => Refusal::WrongIp,
        Unmet::WrongResource => Refusal::WrongResource,
    })?;
    Ok(policy)
}

#[cfg(test)]
mod tests;

//! Signed URLs and signed cookies from a [`Policy`].
//!
//! The URL signed is the URL given, byte for byte (as botocore and the AWS CLI sign it): the
//! policy's resource must equal what the browser will send, and CloudFront compares it with
//! the URL as requested. The one change made is percent-encoding what cannot appear in a URL at
//! all (spaces, non-ASCII, `"<>\^`{|}` and controls), exactly as a browser encodes it on the
//! wire; `@aws-sdk/cloudfront-signer` re-encodes more than that (see docs/cloudfront.md).
//!
//! Parameters come in the order of the AWS documentation's examples: `Expires` or `Policy`,
//! `Signature`, `Key-Pair-Id`, then `Hash-Algorithm` when it is not SHA-1. Canned when the
//! policy is only an expiry for one URL, custom otherwise.

use super::keys::{SignError, SigningKey};
use super::policy::Policy;
use super::{
    COOKIE_EXPIRES, COOKIE_HASH_ALGORITHM, COOKIE_KEY_PAIR_ID, COOKIE_POLICY, COOKIE_SIGNATURE, QUERY_EXPIRES,
    QUERY_HASH_ALGORITHM, QUERY_KEY_PAIR_ID, QUERY_PARAMS, QUERY_POLICY, QUERY_SIGNATURE,
};
use super::{HashAlgorithm, b64};

/// A signed policy: everything a signed URL or signed cookies carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub policy: Policy,
    /// The exact JSON that was signed.
    pub policy_json: String,
    /// Sent as `Expires=` (CloudFront rebuilds the policy) rather than `Policy=`.
    pub canned: bool,
    /// CloudFront base64 of the signature.
    pub signature: String,
    pub key_pair_id: String,
    pub hash: HashAlgorithm,
}

/// Signs `policy` with `key`, announcing `key_pair_id` (the CloudFront public key ID).
pub fn sign(policy: Policy, key: &SigningKey, key_pair_id: &str, hash: HashAlgorithm) -> Result<Signed, SignError> {
    let policy_json = policy.to_json();
    let signature = b64::encode(&key.sign(hash, policy_json.as_bytes())?);
    Ok(Signed { canned: policy.is_canned(), policy, policy_json, signature, key_pair_id: key_pair_id.to_owned(), hash })
}

impl Signed {
    /// `(name, value)` of the signing query parameters, in the AWS documentation's order.
    pub fn query_params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(4);
        if self.canned {
            out.push((QUERY_EXPIRES, self.policy.expires.to_string()));
        } else {
            out.push((QUERY_POLICY, b64::encode(self.policy_json.as_bytes())));
        }
        out.push((QUERY_SIGNATURE, self.signature.clone()));
        out.push((QUERY_KEY_PAIR_ID, self.key_pair_id.clone()));
        if let Some(h) = self.hash.param() {
            out.push((QUERY_HASH_ALGORITHM, h.to_owned()));
        }
        out
    }

    /// `(name, value)` of the signed cookies, in the same order.
    pub fn cookies(&self) -> Vec<(&'static str, String)> {
        self.query_params()
            .into_iter()
            .map(|(n, v)| {
                let name = match n {
                    QUERY_EXPIRES => COOKIE_EXPIRES,
                    QUERY_POLICY => COOKIE_POLICY,
                    QUERY_SIGNATURE => COOKIE_SIGNATURE,
                    QUERY_KEY_PAIR_ID => COOKIE_KEY_PAIR_ID,
                    _ => COOKIE_HASH_ALGORITHM,
                };
                (name, v)
            })
            .collect()
    }

    /// `url` (as returned by [`url_for_signing`]) with the signing parameters appended.
    pub fn url(&self, url: &str) -> String {
        let mut out = String::with_capacity(url.len() + 400);
        out.push_str(url);
        let mut sep = if url.contains('?') { '&' } else { '?' };
        for (n, v) in self.query_params() {
            out.push(sep);
            out.push_str(n);
            out.push('=');
            out.push_str(&v);
            sep = '&';
        }
        out
    }
}

/// Checks that `url` can be signed (absolute `http(s)://` URL with a host, no fragment, no
/// signing parameters yet) and percent-encodes what cannot appear in a URL; every other byte
/// stays as given.
pub fn url_for_signing(url: &str) -> Result<String, String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err(format!("`{url}` is not an absolute http:// or https:// URL"));
    };
    if rest.is_empty() || rest.starts_with(['/', '?']) {
        return Err(format!("`{url}` has no host"));
    }
    if url.contains('#') {
        return Err(format!("`{url}` has a fragment (`#…`): browsers never send it, so it cannot be signed"));
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            let name = pair.split_once('=').map_or(pair, |(n, _)| n);
            if QUERY_PARAMS.contains(&name) {
                return Err(format!("`{url}` already has a `{name}` parameter: sign the URL without it"));
            }
        }
    }
    Ok(encode_unsafe(url))
}

/// A resource pattern for a custom policy (`--resource`): `http://`, `https://` or a leading
/// `*`, as the AWS documentation requires; encoded like a URL.
pub fn resource_for_signing(pattern: &str) -> Result<String, String> {
    let lower = pattern.get(..8).unwrap_or(pattern).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://") || pattern.starts_with('*')) {
        return Err(format!("`{pattern}` must begin with `http://`, `https://` or `*`"));
    }
    if pattern.contains('#') {
        return Err(format!("`{pattern}` has a fragment (`#…`), which no request URL has"));
    }
    Ok(encode_unsafe(pattern))
}

/// Percent-encodes (UTF-8, upper-case hex) every character that may not appear in a URL.
fn encode_unsafe(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let keep = c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
        if keep {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;

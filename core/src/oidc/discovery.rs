//! The provider's discovery document (OpenID Connect Discovery 1.0): where it lives, and the
//! checked subset of it authfront uses.
//!
//! Owns the rule that the document's `issuer` is exactly the configured one. It never fetches
//! the document and never guesses endpoints that the document does not name.

use serde::Deserialize;
use url::Url;

use super::printable;
use crate::error::Error;

/// What authfront needs from the provider's metadata, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
    pub end_session_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207): the callback then carries
    /// `iss`, which must be checked. Absent means false.
    pub iss_parameter_supported: bool,
    /// `code_challenge_methods_supported`; empty when the provider does not say.
    pub code_challenge_methods: Vec<String>,
    /// `prompt_values_supported`; empty when the provider does not say.
    pub prompt_values: Vec<String>,
}

/// Where the discovery document of `issuer` lives (Discovery §4): one terminating `/` of the
/// issuer is removed before `/.well-known/openid-configuration` is appended.
pub fn discovery_url(issuer: &str) -> String {
    let base = issuer.strip_suffix('/').unwrap_or(issuer);
    format!("{base}/.well-known/openid-configuration")
}

/// The document as sent. Every field is optional here so that a missing one gets a message
/// naming it rather than serde's.
#[derive(Deserialize)]
struct Raw {
    issuer: Option<String>,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    jwks_uri: Option<String>,
    userinfo_endpoint: Option<String>,
    end_session_endpoint: Option<String>,
    revocation_endpoint: Option<String>,
    authorization_response_iss_parameter_supported: Option<bool>,
    code_challenge_methods_supported: Option<Vec<String>>,
    prompt_values_supported: Option<Vec<String>>,
}

impl Discovery {
    /// Parses and checks a discovery document fetched for `expected_issuer`.
    ///
    /// The `issuer` must equal `expected_issuer` exactly, byte for byte (Discovery §4.3): not
    /// even a trailing `/` is forgiven. ID tokens' `iss` is compared exactly against the same
    /// configured value (Core §3.1.3.7), so a document that spells the issuer differently would
    /// only move the failure to every sign-in; and a document speaking for another issuer is
    /// how mix-up attacks start. Failing here names the problem at startup instead.
    pub fn parse(body: &[u8], expected_issuer: &str) -> Result<Discovery, Error> {
        let raw: Raw = serde_json::from_slice(body).map_err(|e| {
            Error::Discovery(format!("not a valid discovery document: {}", printable(&e.to_string(), 300)))
        })?;
        let issuer = raw.issuer.ok_or_else(|| missing("issuer"))?;
        if issuer != expected_issuer {
            return Err(Error::Discovery(format!(
                "the document's issuer `{}` is not the configured issuer `{}` (they must be identical)",
                printable(&issuer, 200),
                printable(expected_issuer, 200),
            )));
        }
        let required = |value: Option<String>, name: &'static str| {
            let value = value.ok_or_else(|| missing(name))?;
            endpoint(&value, name)?;
            Ok::<_, Error>(value)
        };
        let optional =
            |value: Option<String>, name: &'static str| value.map(|v| endpoint(&v, name).map(|()| v)).transpose();
        Ok(Discovery {
            authorization_endpoint: required(raw.authorization_endpoint, "authorization_endpoint")?,
            token_endpoint: required(raw.token_endpoint, "token_endpoint")?,
            jwks_uri: required(raw.jwks_uri, "jwks_uri")?,
            userinfo_endpoint: optional(raw.userinfo_endpoint, "userinfo_endpoint")?,
            end_session_endpoint: optional(raw.end_session_endpoint, "end_session_endpoint")?,
            revocation_endpoint: optional(raw.revocation_endpoint, "revocation_endpoint")?,
            iss_parameter_supported: raw.authorization_response_iss_parameter_supported.unwrap_or(false),
            code_challenge_methods: raw.code_challenge_methods_supported.unwrap_or_default(),
            prompt_values: raw.prompt_values_supported.unwrap_or_default(),
            issuer,
        })
    }
}

fn missing(name: &str) -> Error {
    Error::Discovery(format!("`{name}` is missing"))
}

/// An endpoint must be an absolute http(s) URL with a host: anything else would have the
/// adapter talk to something that is not the provider's web server (or nothing at all). Plain
/// http is allowed because development providers run on it; the issuer's own scheme is the
/// operator's choice.
fn endpoint(value: &str, name: &str) -> Result<(), Error> {
    let bad = |why: &str| Error::Discovery(format!("`{name}` ({}) {why}", printable(value, 200)));
    let url = Url::parse(value).map_err(|_| bad("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not an http(s) URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    // RFC 6749 §3.1-3.2: endpoints MUST NOT include a fragment; parameters would vanish into it.
    if url.fragment().is_some() {
        return Err(bad("has a fragment"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

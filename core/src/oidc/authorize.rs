//! The authorization request (OIDC Core §3.1.2.1): the URL the browser is redirected to.
//!
//! Owns the parameter set and its encoding. It never chooses `state`, `nonce` or the PKCE
//! verifier (random values come from the adapter) and never lets configured extra parameters
//! override the ones that make the flow safe.

use url::Url;
use url::form_urlencoded;

use crate::config;

/// Parameters authfront sets itself. The config refuses them in `auth_params` already; they
/// are skipped here too so that no caller can send a parameter twice (RFC 6749 §3.1: a
/// parameter MUST NOT appear more than once), whatever `Oidc` it builds.
pub(crate) const OWN_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// The authorization URL: `authorization_endpoint` with the code-flow parameters appended,
/// form-urlencoded, after any query the endpoint already has (RFC 6749 §3.1 says to keep it).
pub fn authorize_url(
    oidc: &config::Oidc,
    authorization_endpoint: &str,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    code_challenge: &str,
) -> String {
    let scope = oidc.scopes.join(" ");
    let own = [
        ("response_type", "code"),
        ("client_id", oidc.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("scope", scope.as_str()),
        ("state", state),
        ("nonce", nonce),
        ("code_challenge", code_challenge),
        ("code_challenge_method", "S256"),
    ];
    let extra = oidc
        .auth_params
        .iter()
        .filter(|(k, _)| !OWN_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()));
    let pairs = own.into_iter().chain(extra);
    match Url::parse(authorization_endpoint) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.into()
        }
        // Unreachable with an endpoint from `Discovery::parse`, which checked it is a URL.
        // Appending by hand still gives the provider the request rather than a panic.
        Err(_) => {
            let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            let sep = if authorization_endpoint.contains('?') { '&' } else { '?' };
            format!("{authorization_endpoint}{sep}{query}")
        }
    }
}

#[cfg(test)]
mod tests;

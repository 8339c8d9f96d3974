//! Token endpoint requests (code exchange and refresh, RFC 6749 §4.1.3 and §6) and their
//! responses.
//!
//! Owns client authentication and the reading of the provider's answer. It never sends the
//! request, and never lets a token, a code or the client secret reach an error message or a
//! `Debug` output.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderName, HeaderValue};
use serde_json::{Map, Value};
use url::form_urlencoded;

use super::printable;
use crate::config::{self, ClientAuth};
use crate::error::Error;

/// A POST for the adapter to send as is.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub url: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// `application/x-www-form-urlencoded`.
    pub body: String,
}

impl fmt::Debug for TokenRequest {
    /// The body carries the code, verifier, refresh token or client secret, and the
    /// `authorization` header the client secret: neither is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn shown((name, value): &(HeaderName, HeaderValue)) -> (&str, &str) {
            let redact = *name == AUTHORIZATION || value.is_sensitive();
            let value = if redact { "[redacted]" } else { value.to_str().unwrap_or("?") };
            (name.as_str(), value)
        }
        let headers: Vec<_> = self.headers.iter().map(shown).collect();
        f.debug_struct("TokenRequest")
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &"[redacted]")
            .finish()
    }
}

/// The authorization-code exchange, with PKCE's `code_verifier`.
pub fn code_request(
    oidc: &config::Oidc,
    token_endpoint: &str,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> TokenRequest {
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    request(oidc, token_endpoint, &params)
}

/// A refresh. No `scope`: the provider then grants the scopes of the original sign-in
/// (RFC 6749 §6), which is what the session was opened with.
pub fn refresh_request(oidc: &config::Oidc, token_endpoint: &str, refresh_token: &str) -> TokenRequest {
    let params = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    request(oidc, token_endpoint, &params)
}

/// Token revocation (RFC 7009) of a refresh token at sign-out, authenticated like the token
/// requests. The answer only matters for logs: the provider answers 200 even for unknown tokens.
pub fn revocation_request(oidc: &config::Oidc, revocation_endpoint: &str, refresh_token: &str) -> TokenRequest {
    let params = [("token", refresh_token), ("token_type_hint", "refresh_token")];
    request(oidc, revocation_endpoint, &params)
}

fn request(oidc: &config::Oidc, token_endpoint: &str, params: &[(&str, &str)]) -> TokenRequest {
    // The config requires a secret for both secret methods; should a hand-built `Oidc` lack
    // one, an empty secret makes the provider refuse visibly instead of authfront panicking.
    let secret = oidc.client_secret.as_ref().map_or("", |s| s.expose());
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(params);
    let mut headers = vec![
        (CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded")),
        (ACCEPT, HeaderValue::from_static("application/json")),
    ];
    match oidc.client_auth {
        ClientAuth::SecretBasic => headers.push((AUTHORIZATION, basic(&oidc.client_id, secret))),
        ClientAuth::SecretPost => {
            body.append_pair("client_id", &oidc.client_id);
            body.append_pair("client_secret", secret);
        }
        // A public client identifies itself; PKCE is its proof (RFC 6749 §4.1.3).
        ClientAuth::None => {
            body.append_pair("client_id", &oidc.client_id);
        }
    }
    TokenRequest { url: token_endpoint.to_owned(), headers, body: body.finish() }
}

/// `client_secret_basic`: both halves form-urlencoded BEFORE base64 (RFC 6749 §2.3.1), so a
/// `:` in the client id cannot move the split. Many clients forget this; many providers
/// decode it.
fn basic(client_id: &str, secret: &str) -> HeaderValue {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let credentials = STANDARD.encode(format!("{}:{}", encode(client_id), encode(secret)));
    let mut value = HeaderValue::try_from(format!("Basic {credentials}"))
        // Invariant: "Basic " and base64's alphabet are visible ASCII, always a valid value.
        .expect("base64 is a valid header value");
    // Keeps the secret out of HTTP/2 header compression tables.
    value.set_sensitive(true);
    value
}

/// A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Clone, PartialEq, Eq)]
pub struct TokenResponse {
    pub id_token: Option<String>,
    pub access_token: String,
    /// As sent; compare case-insensitively (`Bearer`, `bearer`). Empty when absent.
    pub token_type: String,
    pub expires_in: Option<u64>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |t: &Option<String>| t.as_ref().map(|_| "[redacted]");
        f.debug_struct("TokenResponse")
            .field("id_token", &redacted(&self.id_token))
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &redacted(&self.refresh_token))
            .field("scope", &self.scope)
            .finish()
    }
}

/// Judges the token endpoint's answer: a 2xx JSON object with an `access_token` is a
/// [`TokenResponse`]; anything else is [`Error::TokenEndpoint`]. The provider's own `error`
/// and `error_description` (RFC 6749 §5.2) are kept when it sends them; otherwise the error is
/// `invalid_response` with a short printable excerpt of a failed response's body. A
/// successful status's body is never quoted: it may hold tokens.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<TokenResponse, Error> {
    let ok = (200..300).contains(&status);
    let fail = |error: &str, description: String| Error::TokenEndpoint { status, error: error.to_owned(), description };
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ if ok => {
            return Err(fail("invalid_response", "the body is not a JSON object".to_owned()));
        }
        _ => return Err(fail("invalid_response", excerpt(body))),
    };
    if let Some(error) = object.get("error").and_then(Value::as_str) {
        // Even with a 2xx status: some providers answer errors with 200.
        let description = object.get("error_description").and_then(Value::as_str).unwrap_or("");
        return Err(fail(&printable(error, 100), printable(description, 200)));
    }
    if !ok {
        return Err(fail("invalid_response", excerpt(body)));
    }
    let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
    let access_token = text("access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| fail("invalid_response", "no `access_token` string in the response".to_owned()))?;
    Ok(TokenResponse {
        id_token: text("id_token"),
        access_token,
        token_type: text("token_type").unwrap_or_default(),
        expires_in: expires_in(&object),
        refresh_token: text("refresh_token"),
        scope: text("scope"),
    })
}

/// `expires_in` in seconds. Some providers send it as a string or a fraction; anything that
/// is not a non-negative number of seconds counts as absent (the token's lifetime is then
/// unknown, which callers already handle) rather than failing the sign-in.
fn expires_in(object: &Map<String, Value>) -> Option<u64> {
    match object.get("expires_in")? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A failed response's body, cut short and printable: enough to recognise a proxy's error
/// page or a provider's message in the log.
fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(4096)];
    let text = printable(&String::from_utf8_lossy(head), 200);
    if text.is_empty() { "(empty body)".to_owned() } else { text }
}

#[cfg(test)]
mod tests;

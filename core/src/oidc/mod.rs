//! OpenID Connect, the pure parts: discovery parsing, JWKS, PKCE, the authorization URL, the
//! token request and response, and complete ID-token verification against keys and `now`.
//!
//! Nothing here sends a request: functions build what the adapter sends and judge what it got
//! back.
//!
//! PLACEHOLDER: the real module replaces this file (see the helper's task).

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("malformed: {0}")]
    Malformed(String),
}

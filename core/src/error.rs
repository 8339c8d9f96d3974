//! Every way a request can fail, grouped by who is at fault, and the ONE function that maps a
//! failure to a status and a page ([`Error::page`]).
//!
//! Details meant for operators go to logs through `Display`; what a visitor sees is the page's
//! short text, always HTML-escaped by [`crate::page`].

use http::StatusCode;

use crate::cloudfront::Refusal;
use crate::oidc::IdTokenError;
use crate::path::PathError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    // ---- the client's fault (4xx)
    #[error("bad request path: {0}")]
    BadPath(#[from] PathError),
    /// A request the edge and an origin could read differently (framing, headers, `Host`).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("request body larger than proxy.max_request_body ({limit} bytes)")]
    PayloadTooLarge { limit: u64 },
    #[error("the client sent nothing for {secs}s while sending its request body")]
    RequestTimeout { secs: u64 },
    /// The callback's authorization response was redeemed already (RFC 9700 §4.5: usable once).
    #[error("this authorization response was used already")]
    CallbackReplayed,
    #[error("bad callback: {0}")]
    BadCallback(&'static str),
    #[error("the login state does not belong to this browser (missing or other login cookie)")]
    StateMismatch,
    #[error("the callback's `iss` ({got}) is not the configured issuer")]
    IssuerMismatch { got: String },
    #[error("{user} is not in a required group")]
    Forbidden { user: String },
    #[error("an `access.rules` deny rule matched")]
    Denied,
    #[error("CloudFront signature refused: {0}")]
    SignatureRefused(Refusal),
    #[error("CloudFront refused valid login cookies for {url} (does the distribution trust this key pair id?)")]
    CloudFrontRefused { url: String },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Also answers for what exists but may not be shown (outside the root, unreadable), so
    /// the two cannot be told apart.
    #[error("not found")]
    NotFound,
    #[error("the identity provider refused the sign-in: {error}: {description}")]
    ProviderRefused { error: String, description: String },

    // ---- the identity provider's fault (5xx)
    #[error("identity provider unreachable: {0}")]
    ProviderUnreachable(String),
    #[error("identity provider timed out: {0}")]
    ProviderTimeout(String),
    #[error("bad discovery document: {0}")]
    Discovery(String),
    #[error("bad JWKS: {0}")]
    Jwks(String),
    #[error("token endpoint answered HTTP {status}: {error}: {description}")]
    TokenEndpoint { status: u16, error: String, description: String },
    #[error("ID token rejected: {0}")]
    IdToken(#[from] IdTokenError),

    // ---- the origin's fault
    #[error("origin failed: {0}")]
    Origin(String),
    #[error("origin timed out: {0}")]
    OriginTimeout(String),

    // ---- ours
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a visitor is shown for a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: &'static str,
    /// Plain text (escaped when rendered); safe to show: no secrets, no tokens.
    pub message: String,
    /// Whether a "sign in again" link makes sense.
    pub retry: bool,
}

impl Error {
    /// A short stable name for the failure, for logs and metrics (`state_mismatch`, …).
    pub fn reason(&self) -> &'static str {
        use Error::*;
        match self {
            BadPath(_) => "bad_path",
            BadRequest(_) => "bad_request",
            PayloadTooLarge { .. } => "payload_too_large",
            RequestTimeout { .. } => "request_timeout",
            CallbackReplayed => "callback_replayed",
            BadCallback(_) => "bad_callback",
            StateMismatch => "state_mismatch",
            IssuerMismatch { .. } => "issuer_mismatch",
            Forbidden { .. } => "forbidden",
            Denied => "denied",
            SignatureRefused(_) => "signature_refused",
            CloudFrontRefused { .. } => "cloudfront_refused",
            MethodNotAllowed => "method_not_allowed",
            NotFound => "not_found",
            ProviderRefused { .. } => "provider_refused",
            ProviderUnreachable(_) => "provider_unreachable",
            ProviderTimeout(_) => "provider_timeout",
            Discovery(_) => "bad_discovery",
            Jwks(_) => "bad_jwks",
            TokenEndpoint { .. } => "token_endpoint",
            IdToken(_) => "id_token",
            Origin(_) => "origin",
            OriginTimeout(_) => "origin_timeout",
            Internal(_) => "internal",
        }
    }

    /// The one mapping from failure to status and page.
    pub fn page(&self) -> ErrorPage {
        use Error::*;
        let (status, title, message, retry) = match self {
            // The precise reason (`Display`) is for the log; a visitor gets words to act on.
            BadPath(_) => (
                StatusCode::BAD_REQUEST,
                "Bad request",
                "This web address is not valid here: it contains characters or parts that this site does not accept."
                    .to_owned(),
                false,
            ),
            BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                "Bad request",
                "The request was malformed, so it was not passed on.".to_owned(),
                false,
            ),
            PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What was sent is larger than this site accepts.".to_owned(),
                false,
            ),
            RequestTimeout { .. } => (
                StatusCode::REQUEST_TIMEOUT,
                "Request timeout",
                "The upload stalled, so it was stopped. Please try again.".to_owned(),
                false,
            ),
            CallbackReplayed => (
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                "This sign-in link was used already. Please sign in again.".to_owned(),
                true,
            ),
            BadCallback(_) => (
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                "The identity provider's answer was incomplete, so the sign-in could not finish.".to_owned(),
                true,
            ),
            StateMismatch => (
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                "This sign-in was started in another browser, or its cookie was lost. Please sign in again.".to_owned(),
                true,
            ),
            IssuerMismatch { .. } => (
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                "The sign-in response came from an unexpected identity provider.".to_owned(),
                true,
            ),
            Denied => (
                StatusCode::FORBIDDEN,
                "Access denied",
                "This page is not available to anyone through this site.".to_owned(),
                false,
            ),
            Forbidden { user } => (
                StatusCode::FORBIDDEN,
                "Access denied",
                format!("You are signed in as {user}, but this account is not allowed to see this page."),
                false,
            ),
            SignatureRefused(r) => {
                // Say what the holder of a genuine link can act on; nothing about tampering.
                let message = match r {
                    Refusal::Expired { .. } => "This signed link or cookie has expired.",
                    Refusal::NotYetValid { .. } => "This signed link or cookie is not valid yet.",
                    Refusal::WrongIp => "This signed link or cookie cannot be used from your network address.",
                    _ => "This signed link or cookie is not valid.",
                };
                (StatusCode::FORBIDDEN, "Access denied", message.to_owned(), false)
            }
            CloudFrontRefused { .. } => (
                StatusCode::FORBIDDEN,
                "Access denied",
                "You are signed in, but the content network did not accept your sign-in for this page. \
                 Please tell the site's administrators."
                    .to_owned(),
                false,
            ),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Method not allowed",
                "This method is not allowed here.".to_owned(),
                false,
            ),
            NotFound => (StatusCode::NOT_FOUND, "Not found", "There is nothing at this address.".to_owned(), false),
            ProviderRefused { error, description } => {
                let status = match error.as_str() {
                    "access_denied"
                    | "login_required"
                    | "consent_required"
                    | "interaction_required"
                    | "account_selection_required" => StatusCode::FORBIDDEN,
                    "server_error" | "temporarily_unavailable" => StatusCode::BAD_GATEWAY,
                    _ => StatusCode::BAD_REQUEST,
                };
                let msg = if description.is_empty() {
                    format!("The identity provider answered: {error}.")
                } else {
                    format!("The identity provider answered: {error} ({description}).")
                };
                (status, "Sign-in failed", msg, true)
            }
            ProviderUnreachable(_) | Discovery(_) | Jwks(_) => (
                StatusCode::BAD_GATEWAY,
                "Sign-in unavailable",
                "The identity provider could not be reached. Please try again in a moment.".to_owned(),
                true,
            ),
            ProviderTimeout(_) => (
                StatusCode::GATEWAY_TIMEOUT,
                "Sign-in unavailable",
                "The identity provider did not answer in time. Please try again in a moment.".to_owned(),
                true,
            ),
            TokenEndpoint { .. } => (
                StatusCode::BAD_GATEWAY,
                "Sign-in failed",
                "The identity provider did not accept the sign-in. Please try again.".to_owned(),
                true,
            ),
            IdToken(_) => (
                StatusCode::BAD_GATEWAY,
                "Sign-in failed",
                "The identity provider's answer could not be verified. Please try again.".to_owned(),
                true,
            ),
            Origin(_) => {
                (StatusCode::BAD_GATEWAY, "Bad gateway", "The site's content could not be fetched.".to_owned(), false)
            }
            OriginTimeout(_) => (
                StatusCode::GATEWAY_TIMEOUT,
                "Gateway timeout",
                "The site's content did not arrive in time.".to_owned(),
                false,
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "Something went wrong on our side.".to_owned(),
                false,
            ),
        };
        ErrorPage { status, title, message, retry }
    }
}

//! OpenID Connect, the pure parts: discovery parsing, JWKS, PKCE, the authorization URL, the
//! token request and response, and complete ID-token (and logout-token) verification against
//! keys and `now`.
//!
//! Nothing here sends a request, reads the clock or draws random bytes: functions build what the
//! adapter sends and judge what it got back; `now` and randomness are arguments. Nothing here
//! ever puts a token, a code or a client secret into an error or a `Debug` output.
//!
//! # Layout
//! - [`discovery`](Discovery): the provider's metadata document, checked against the issuer.
//! - [`jwks`](KeySet): the provider's signing keys, parsed once into ready verification keys.
//! - [`pkce`](challenge): code verifier and S256 challenge (RFC 7636).
//! - [`authorize`](authorize_url): the URL the browser is sent to.
//! - [`token`](TokenRequest): token endpoint requests and responses.
//! - [`idtoken`](verify_id_token): ID-token signature and claim checks.
//! - [`logout`](verify_logout_token): Back-Channel Logout tokens, checked with the same code.

mod authorize;
mod discovery;
mod idtoken;
mod jwks;
mod logout;
mod pkce;
mod token;

pub(crate) use authorize::OWN_PARAMS;
pub use authorize::authorize_url;
pub use discovery::{Discovery, discovery_url};
pub use idtoken::{IdClaims, IdTokenCheck, IdTokenError, verify_id_token};
pub use jwks::KeySet;
pub use logout::{BACKCHANNEL_LOGOUT_EVENT, LogoutCheck, LogoutClaims, verify_logout_token};
pub use pkce::{challenge, verifier};
pub use token::{TokenRequest, TokenResponse, code_request, parse_token_response, refresh_request, revocation_request};

/// `text` made safe for a log line or an error page: whitespace runs become one space, control
/// and bidirectional-override characters are dropped, and the result has at most `max_chars`
/// characters (ending in `…` when cut). Used for everything a provider or a token says about
/// itself before it is quoted.
fn printable(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = count > 0;
            continue;
        }
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            continue;
        }
        let add = usize::from(space) + 1;
        if count + add > max_chars {
            // Make room for the ellipsis so the result stays within `max_chars`.
            while count >= max_chars || out.ends_with(' ') {
                if out.pop().is_none() {
                    return out;
                }
                count -= 1;
            }
            out.push('…');
            return out;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        count += add;
    }
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

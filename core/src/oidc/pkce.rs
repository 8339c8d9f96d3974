//! PKCE (RFC 7636): the code verifier kept in the login state and its S256 challenge sent with
//! the authorization request.
//!
//! Owns the verifier's format. It never draws the random bytes (the adapter does) and never
//! offers the `plain` method, which would reveal the verifier in the browser's URL.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A code verifier from 32 random bytes: base64url without padding, 43 characters, which is
/// RFC 7636's minimum length and 256 bits of entropy (§4.1, §7.1).
pub fn verifier(random: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

/// The S256 code challenge of `verifier`: `BASE64URL(SHA256(ASCII(verifier)))` (§4.2).
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

#[cfg(test)]
mod tests;

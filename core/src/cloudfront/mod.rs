//! CloudFront signed URLs and signed cookies, exactly as CloudFront defines them: building and
//! signing policies, and verifying what a request presents.
//!
//! Pure like the rest of the core: time and the client address are arguments, keys arrive as
//! text, nothing here reads a clock, a file or a random source. Everything authfront signs,
//! CloudFront accepts; everything CloudFront accepts (RSA or ECDSA P-256 keys, SHA-1 or SHA-256,
//! canned or custom policies, parameters in any order, query string or cookies), authfront's edge
//! accepts, and nothing else.
//!
//! # Layout
//! - [`b64`]: CloudFront's URL-safe base64 (`+`→`-`, `=`→`_`, `/`→`~`).
//! - [`cidr`]: `AWS:SourceIp` ranges, IPv4 and IPv6.
//! - [`policy`]: the policy statement, written as the AWS documentation writes it, read strictly.
//! - [`keys`]: key groups (public keys by id) and the RSA signing key.
//! - [`sign`]: signed URLs and signed cookies from a policy.
//! - [`verify`]: finding the signature parameters in a request and checking them.
//! - [`when`]: the signing commands' `WHEN` (Unix seconds, RFC 3339, or a duration from now).
//! - [`login`]: the cookies authfront sets after a login in CloudFront login mode.

pub mod b64;
pub mod cidr;
pub mod keys;
pub mod login;
pub mod policy;
pub mod sign;
pub mod verify;
pub mod when;

use std::fmt;

pub use cidr::Cidr;
pub use keys::{KeyGroup, PublicKey, SignError, SigningKey};
pub use policy::Policy;
pub use sign::Signed;
pub use verify::{Params, Refusal};

/// The query parameters of a signed URL. A site's own parameters may not use these names.
pub const QUERY_EXPIRES: &str = "Expires";
pub const QUERY_POLICY: &str = "Policy";
pub const QUERY_SIGNATURE: &str = "Signature";
pub const QUERY_KEY_PAIR_ID: &str = "Key-Pair-Id";
pub const QUERY_HASH_ALGORITHM: &str = "Hash-Algorithm";
/// Every signing parameter: stripped before a URL is matched, forwarded or cached.
pub const QUERY_PARAMS: [&str; 5] =
    [QUERY_EXPIRES, QUERY_POLICY, QUERY_SIGNATURE, QUERY_KEY_PAIR_ID, QUERY_HASH_ALGORITHM];

/// The cookies of signed cookies (`CloudFront-` and the query parameter's name).
pub const COOKIE_EXPIRES: &str = "CloudFront-Expires";
pub const COOKIE_POLICY: &str = "CloudFront-Policy";
pub const COOKIE_SIGNATURE: &str = "CloudFront-Signature";
pub const COOKIE_KEY_PAIR_ID: &str = "CloudFront-Key-Pair-Id";
pub const COOKIE_HASH_ALGORITHM: &str = "CloudFront-Hash-Algorithm";

/// True for a plausible CloudFront public key ID: it travels in URLs and cookies unescaped, so
/// it must be a plain token (CloudFront's own look like `K2JCJMDEHXQW5F`).
pub fn valid_key_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The hash signed: SHA-1 unless `Hash-Algorithm=SHA256` says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashAlgorithm {
    /// CloudFront's default, and the only one botocore's signer knows.
    #[default]
    Sha1,
    /// Announced by `Hash-Algorithm=SHA256` (cookie `CloudFront-Hash-Algorithm=SHA256`).
    Sha256,
}

impl HashAlgorithm {
    /// Reads a `Hash-Algorithm` value (`SHA1` or `SHA256`, as CloudFront spells them).
    pub fn parse(text: &str) -> Option<HashAlgorithm> {
        match text {
            "SHA1" => Some(HashAlgorithm::Sha1),
            "SHA256" => Some(HashAlgorithm::Sha256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "SHA1",
            HashAlgorithm::Sha256 => "SHA256",
        }
    }

    /// The value to send, if any: SHA-1 goes without the parameter, as the reference signers
    /// and the AWS documentation write it.
    pub fn param(self) -> Option<&'static str> {
        match self {
            HashAlgorithm::Sha1 => None,
            HashAlgorithm::Sha256 => Some("SHA256"),
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;

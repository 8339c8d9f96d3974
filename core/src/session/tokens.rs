//! The provider's tokens that a session keeps: the refresh token (to refresh without the user
//! noticing) and the ID token (the `id_token_hint` of a sign-out). Sealed in their own cookie,
//! split across numbered cookies when large, and only opened on refresh or sign-out, never on
//! the per-request path. Bound to one session and one generation so that they cannot be mixed.

use serde::{Deserialize, Serialize};

use super::SessionId;
use crate::keyring::{Keyring, NONCE_LEN, Purpose};

const FORMAT: u8 = 1;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub session: SessionId,
    pub generation: u32,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("generation", &self.generation)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Tokens {
    pub fn is_empty(&self) -> bool {
        self.refresh_token.is_none() && self.id_token.is_none()
    }

    pub fn seal(&self, keys: &Keyring, nonce: [u8; NONCE_LEN]) -> String {
        // postcard serialisation into a Vec cannot fail for these plain types.
        let plain = postcard::to_allocvec(&(FORMAT, self)).unwrap_or_default();
        keys.seal(Purpose::Tokens, &plain, nonce)
    }

    /// Opens the tokens of `session` (any generation; the caller compares).
    pub fn open(keys: &Keyring, text: &str, session: &SessionId) -> Option<Tokens> {
        let plain = keys.open(Purpose::Tokens, text)?;
        let (format, t): (u8, Tokens) = postcard::from_bytes(&plain).ok()?;
        (format == FORMAT && &t.session == session).then_some(t)
    }
}

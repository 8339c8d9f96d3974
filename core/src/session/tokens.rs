//! The provider's tokens that a session keeps: the refresh token (to refresh without the user
//! noticing), the ID token (the `id_token_hint` of a sign-out) and, with
//! `proxy.pass_access_token` only, the access token (for the origin or the app behind a
//! forward-auth proxy). Sealed in their own cookie, split across numbered cookies when large,
//! and only opened on refresh or sign-out — or, with `pass_access_token`, per request allowed. Bound to one session and one generation so that they cannot be mixed.

use serde::{Deserialize, Serialize};

use super::SessionId;
use crate::keyring::{Keyring, NONCE_LEN, Purpose};

/// 2: with the access token. 1 (before it) still opens: a session sealed then keeps working.
const FORMAT: u8 = 2;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub session: SessionId,
    pub generation: u32,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    /// Kept only with `proxy.pass_access_token`.
    pub access_token: Option<String>,
}

/// The layout of format 1.
#[derive(Deserialize)]
struct TokensV1 {
    session: SessionId,
    generation: u32,
    refresh_token: Option<String>,
    id_token: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("generation", &self.generation)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("access_token", &self.access_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Tokens {
    pub fn is_empty(&self) -> bool {
        self.refresh_token.is_none() && self.id_token.is_none() && self.access_token.is_none()
    }

    pub fn seal(&self, keys: &Keyring, nonce: [u8; NONCE_LEN]) -> String {
        // postcard serialisation into a Vec cannot fail for these plain types.
        let plain = postcard::to_allocvec(&(FORMAT, self)).unwrap_or_default();
        keys.seal(Purpose::Tokens, &plain, nonce)
    }

    /// Opens the tokens of `session` (any generation; the caller compares).
    pub fn open(keys: &Keyring, text: &str, session: &SessionId) -> Option<Tokens> {
        let plain = keys.open(Purpose::Tokens, text)?;
        let (format, rest) = postcard::take_from_bytes::<u8>(&plain).ok()?;
        let t = match format {
            FORMAT => postcard::from_bytes::<Tokens>(rest).ok()?,
            1 => {
                let v1: TokensV1 = postcard::from_bytes(rest).ok()?;
                let TokensV1 { session, generation, refresh_token, id_token } = v1;
                Tokens { session, generation, refresh_token, id_token, access_token: None }
            }
            _ => return None,
        };
        (&t.session == session).then_some(t)
    }
}

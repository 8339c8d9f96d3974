//! The provider's tokens that a session keeps: the refresh token (to refresh without the user
//! noticing), the ID token (the `id_token_hint` of a sign-out) and, with
//! `proxy.pass_access_token` only, the access token (for the origin or the app behind a
//! forward-auth proxy). Sealed in their own cookie, split across numbered cookies when large,
//! and only opened on refresh or sign-out — or, with `pass_access_token`, per request allowed. Bound to one session and one generation so that they cannot be mixed.

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
    /// Kept only with `proxy.pass_access_token`.
    pub access_token: Option<String>,
}

/// The layout without an access token: what every session sealed before the access token was
/// kept carries, and what is still written when there is none (so those open, and seal again,
/// byte for byte as they were).
#[derive(Serialize, Deserialize)]
struct Short<'a> {
    session: SessionId,
    generation: u32,
    #[serde(borrow)]
    refresh_token: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    id_token: Option<std::borrow::Cow<'a, str>>,
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
        let plain = match self.access_token {
            None => postcard::to_allocvec(&(FORMAT, self.short())),
            Some(_) => postcard::to_allocvec(&(FORMAT, self)),
        }
        .unwrap_or_default();
        keys.seal(Purpose::Tokens, &plain, nonce)
    }

    /// Opens the tokens of `session` (any generation; the caller compares).
    pub fn open(keys: &Keyring, text: &str, session: &SessionId) -> Option<Tokens> {
        let plain = keys.open(Purpose::Tokens, text)?;
        let (format, rest) = postcard::take_from_bytes::<u8>(&plain).ok()?;
        if format != FORMAT {
            return None;
        }
        // the whole layout needs the access token's field: the short one ends before it
        let t = match postcard::from_bytes::<Tokens>(rest) {
            Ok(t) => t,
            Err(_) => {
                let s: Short<'_> = postcard::from_bytes(rest).ok()?;
                Tokens {
                    session: s.session,
                    generation: s.generation,
                    refresh_token: s.refresh_token.map(String::from),
                    id_token: s.id_token.map(String::from),
                    access_token: None,
                }
            }
        };
        (&t.session == session).then_some(t)
    }

    fn short(&self) -> Short<'_> {
        Short {
            session: self.session,
            generation: self.generation,
            refresh_token: self.refresh_token.as_deref().map(std::borrow::Cow::Borrowed),
            id_token: self.id_token.as_deref().map(std::borrow::Cow::Borrowed),
        }
    }
}

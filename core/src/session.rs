//! The session: what authfront remembers about a signed-in user, sealed into one small cookie.
//!
//! Holds only what the rules need (subject, email, name, the groups rules refer to), the
//! provider's session id (for back-channel logout) and its clocks: sign-in time, absolute end,
//! last activity (idle timeout), when the provider's tokens need refreshing. Encoded compactly
//! (postcard) and sealed with the [`Keyring`]. Opening is local and takes microseconds: no
//! provider call per request. Anything that does not open is simply "not signed in". The
//! provider's tokens live in a second cookie ([`tokens`]) that is only opened when needed.

pub mod tokens;

use serde::{Deserialize, Serialize};

use crate::keyring::{Keyring, NONCE_LEN, Purpose};

/// Format of the sealed plaintext; bumped when fields change so old cookies fail cleanly.
const FORMAT: u8 = 2;

/// Random id of one sign-in: names the session in revocations, refreshes and logs. Shown
/// (logs, `authfront revoke --session`) as 32 lowercase hex digits; sealed as its 16 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub [u8; 16]);

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionId({self})")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    /// The provider's subject identifier.
    pub sub: String,
    /// The provider's session id (`sid`), when it sends one.
    pub sid: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    /// Only the groups some rule refers to (keeps the cookie small whatever the provider sends).
    pub groups: Vec<String>,
    /// Unix seconds when the user signed in.
    pub iat: u64,
    /// Unix seconds after which the session is over, refreshed or not (absolute lifetime).
    pub exp: u64,
    /// Unix seconds of the last activity seen (idle timeout); updated at most once a minute.
    pub seen: u64,
    /// Unix seconds from which the provider's tokens should be refreshed; `None` when there is
    /// no refresh token.
    pub refresh_at: Option<u64>,
    /// Bumped by every refresh; the tokens cookie names the generation it belongs to.
    pub generation: u32,
}

#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    format: u8,
    #[serde(borrow)]
    body: SessionRef<'a>,
}

/// What [`Envelope`] decodes to when opened: postcard writes a `&str` and a `String` alike.
#[derive(Deserialize)]
struct OwnedEnvelope {
    format: u8,
    body: Session,
}

/// [`Session`], borrowed for sealing; the same fields in the same order.
#[derive(Serialize, Deserialize)]
struct SessionRef<'a> {
    id: SessionId,
    sub: &'a str,
    sid: Option<&'a str>,
    email: Option<&'a str>,
    name: Option<&'a str>,
    #[serde(borrow)]
    groups: Vec<&'a str>,
    iat: u64,
    exp: u64,
    seen: u64,
    refresh_at: Option<u64>,
    generation: u32,
}

impl Session {
    /// A name to show for this user: email, else name, else subject.
    pub fn display_name(&self) -> &str {
        self.email.as_deref().or(self.name.as_deref()).unwrap_or(&self.sub)
    }

    pub fn in_any_group(&self, groups: &[String]) -> bool {
        groups.iter().any(|g| self.groups.iter().any(|h| h == g))
    }

    /// The session id as text (logs, revocation commands).
    pub fn id_text(&self) -> String {
        self.id.to_string()
    }

    /// Seals the session into cookie text.
    pub fn seal(&self, keys: &Keyring, nonce: [u8; NONCE_LEN]) -> String {
        let env = Envelope {
            format: FORMAT,
            body: SessionRef {
                id: self.id,
                sub: &self.sub,
                sid: self.sid.as_deref(),
                email: self.email.as_deref(),
                name: self.name.as_deref(),
                groups: self.groups.iter().map(String::as_str).collect(),
                iat: self.iat,
                exp: self.exp,
                seen: self.seen,
                refresh_at: self.refresh_at,
                generation: self.generation,
            },
        };
        // postcard serialisation into a Vec cannot fail for these plain types.
        let plain = postcard::to_allocvec(&env).unwrap_or_default();
        keys.seal(Purpose::Session, &plain, nonce)
    }

    /// Opens cookie text; `None` when forged, tampered, of an old format, or past its absolute
    /// end at `now`. (Idle time and revocation are judged by the caller, who knows the rules.)
    pub fn open(keys: &Keyring, text: &str, now: u64) -> Option<Session> {
        let plain = keys.open(Purpose::Session, text)?;
        // straight into the owned session: the fields are `SessionRef`'s, in its order
        let env: OwnedEnvelope = postcard::from_bytes(&plain).ok()?;
        if env.format != FORMAT || now >= env.body.exp {
            return None;
        }
        Some(env.body)
    }
}

#[cfg(test)]
mod properties;
#[cfg(test)]
pub(crate) mod tests;

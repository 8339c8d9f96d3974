//! The session: what authfront remembers about a signed-in user, sealed into one small cookie.
//!
//! Holds only what the rules need (subject, email, name, the groups rules refer to, times),
//! encoded compactly (postcard) and sealed with the [`Keyring`]. Opening is local and takes
//! microseconds: no provider call per request. Anything that does not open, or has expired, is
//! simply "not signed in".

use serde::{Deserialize, Serialize};

use crate::keyring::{Keyring, NONCE_LEN, Purpose};

/// Format of the sealed plaintext; bumped when fields change so old cookies fail cleanly.
const FORMAT: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The provider's subject identifier.
    pub sub: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// Only the groups some rule refers to (keeps the cookie small whatever the provider sends).
    pub groups: Vec<String>,
    /// Unix seconds when the session began.
    pub iat: u64,
    /// Unix seconds after which the session is over.
    pub exp: u64,
}

#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    format: u8,
    #[serde(borrow)]
    body: SessionRef<'a>,
}

#[derive(Serialize, Deserialize)]
struct SessionRef<'a> {
    sub: &'a str,
    email: Option<&'a str>,
    name: Option<&'a str>,
    #[serde(borrow)]
    groups: Vec<&'a str>,
    iat: u64,
    exp: u64,
}

impl Session {
    /// A name to show for this user: email, else name, else subject.
    pub fn display_name(&self) -> &str {
        self.email.as_deref().or(self.name.as_deref()).unwrap_or(&self.sub)
    }

    pub fn in_any_group(&self, groups: &[String]) -> bool {
        groups.iter().any(|g| self.groups.iter().any(|h| h == g))
    }

    /// Seals the session into cookie text.
    pub fn seal(&self, keys: &Keyring, nonce: [u8; NONCE_LEN]) -> String {
        let env = Envelope {
            format: FORMAT,
            body: SessionRef {
                sub: &self.sub,
                email: self.email.as_deref(),
                name: self.name.as_deref(),
                groups: self.groups.iter().map(String::as_str).collect(),
                iat: self.iat,
                exp: self.exp,
            },
        };
        // postcard serialisation into a Vec cannot fail for these plain types.
        let plain = postcard::to_allocvec(&env).unwrap_or_default();
        keys.seal(Purpose::Session, &plain, nonce)
    }

    /// Opens cookie text; `None` when forged, tampered, of an old format, or expired at `now`.
    pub fn open(keys: &Keyring, text: &str, now: u64) -> Option<Session> {
        let plain = keys.open(Purpose::Session, text)?;
        let env: Envelope<'_> = postcard::from_bytes(&plain).ok()?;
        if env.format != FORMAT || now >= env.body.exp {
            return None;
        }
        let b = env.body;
        Some(Session {
            sub: b.sub.to_owned(),
            email: b.email.map(str::to_owned),
            name: b.name.map(str::to_owned),
            groups: b.groups.into_iter().map(str::to_owned).collect(),
            iat: b.iat,
            exp: b.exp,
        })
    }
}

#[cfg(test)]
mod tests;

//! Session keys: several at once so they can rotate; the first seals, all open.
//!
//! Owns authenticated encryption (AES-256-GCM) of everything authfront hands a browser to keep
//! (session cookie, login state). Each use gets its own sub-key (HKDF) so a value sealed for one
//! purpose never opens as another, and every seal authenticates the site it was made for (the
//! provider's issuer and the client id, in the additional data), so that two sites sharing a
//! key cannot accept each other's cookies. Nonces are random bytes passed in: the core has no
//! RNG.

use aws_lc_rs::{aead, digest, hkdf};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// What a sealed value is for; part of the key derivation and of the authenticated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Session,
    LoginState,
    /// The provider's tokens kept for refresh and sign-out.
    Tokens,
    /// The `state` of an RP-initiated logout.
    Logout,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Session => b"authfront session v1",
            Purpose::LoginState => b"authfront login state v1",
            Purpose::Tokens => b"authfront tokens v1",
            Purpose::Logout => b"authfront logout state v1",
        }
    }
}

/// Length of a key as `authfront keygen` prints it (before base64).
pub const KEY_LEN: usize = 32;
/// Random bytes each seal needs.
pub const NONCE_LEN: usize = aead::NONCE_LEN;
const KID_LEN: usize = 4;
const VERSION: u8 = 1;
/// Bytes a sealed value adds to its plaintext.
pub const OVERHEAD: usize = 1 + KID_LEN + NONCE_LEN + 16;

struct Key {
    kid: [u8; KID_LEN],
    /// One sub-key per [`Purpose`], in declaration order.
    keys: [aead::LessSafeKey; 4],
}

/// The configured keys, newest first, bound to one site.
pub struct Keyring {
    keys: Vec<Key>,
    /// Digest of the site (issuer, client id) every seal authenticates.
    site: [u8; SITE_LEN],
}

/// Bytes of the site digest in the additional data: collisions need 2^64 work, and nothing
/// an attacker controls goes into it.
const SITE_LEN: usize = 16;

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("keys", &self.keys.len()).finish()
    }
}

impl Keyring {
    /// Decodes one key as written in the config: 32 bytes in base64 (URL-safe or standard).
    pub fn decode_key(text: &str) -> Result<[u8; KEY_LEN], String> {
        let t = text.trim();
        let bytes = URL_SAFE_NO_PAD
            .decode(t.trim_end_matches('='))
            .or_else(|_| STANDARD.decode(t))
            .map_err(|_| "is not base64 (`authfront keygen` prints a valid key)".to_owned())?;
        bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("is {} bytes long; a key is {KEY_LEN} bytes (`authfront keygen`)", b.len()))
    }

    /// Encodes key bytes the way [`Keyring::decode_key`] reads them.
    pub fn encode_key(key: &[u8; KEY_LEN]) -> String {
        URL_SAFE_NO_PAD.encode(key)
    }

    /// Keys for the site of `issuer` and `client_id`: what they seal opens only for that site.
    pub fn for_site(keys: &[[u8; KEY_LEN]], issuer: &str, client_id: &str) -> Result<Self, String> {
        let mut k = Self::new(keys)?;
        let d = digest::digest(&digest::SHA256, format!("authfront site v1\0{issuer}\0{client_id}").as_bytes());
        k.site.copy_from_slice(&d.as_ref()[..SITE_LEN]);
        Ok(k)
    }

    /// Keys bound to no site in particular (tools and tests).
    pub fn new(keys: &[[u8; KEY_LEN]]) -> Result<Self, String> {
        let mut out: Vec<Key> = Vec::with_capacity(keys.len());
        for k in keys {
            let d = digest::digest(&digest::SHA256, &[b"authfront kid".as_slice(), k].concat());
            let mut kid = [0u8; KID_LEN];
            kid.copy_from_slice(&d.as_ref()[..KID_LEN]);
            if out.iter().any(|o| o.kid == kid) {
                return Err("the same key is listed twice".to_owned());
            }
            let keys = [Purpose::Session, Purpose::LoginState, Purpose::Tokens, Purpose::Logout].map(|p| derive(k, p));
            out.push(Key { kid, keys });
        }
        if out.is_empty() {
            return Err("needs at least one key".to_owned());
        }
        Ok(Self { keys: out, site: [0; SITE_LEN] })
    }

    /// Seals `plaintext` with the newest key; returns URL-safe base64 text.
    pub fn seal(&self, purpose: Purpose, plaintext: &[u8], nonce: [u8; NONCE_LEN]) -> String {
        let key = &self.keys[0];
        let mut buf = Vec::with_capacity(OVERHEAD + plaintext.len());
        buf.push(VERSION);
        buf.extend_from_slice(&key.kid);
        buf.extend_from_slice(&nonce);
        let head = buf.len();
        buf.extend_from_slice(plaintext);
        let mut body = buf.split_off(head);
        let aad = aad(purpose, &key.kid, &self.site);
        // Sealing only fails for inputs longer than GCM allows (64 GiB); ours are a few KiB.
        let sealed = key.for_purpose(purpose).seal_in_place_append_tag(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(&aad),
            &mut body,
        );
        if sealed.is_err() {
            return String::new();
        }
        buf.extend_from_slice(&body);
        URL_SAFE_NO_PAD.encode(&buf)
    }

    /// Opens a value sealed by any configured key; `None` for anything forged, tampered,
    /// truncated, sealed for another purpose or by an unknown key.
    pub fn open(&self, purpose: Purpose, text: &str) -> Option<Vec<u8>> {
        if text.len() > 16 * 1024 {
            return None;
        }
        let mut buf = URL_SAFE_NO_PAD.decode(text).ok()?;
        if buf.len() < OVERHEAD || buf[0] != VERSION {
            return None;
        }
        let kid: [u8; KID_LEN] = buf[1..1 + KID_LEN].try_into().ok()?;
        let key = self.keys.iter().find(|k| k.kid == kid)?;
        let nonce: [u8; NONCE_LEN] = buf[1 + KID_LEN..1 + KID_LEN + NONCE_LEN].try_into().ok()?;
        let aad = aad(purpose, &kid, &self.site);
        // decrypted where it lies and moved to the front: no second buffer on the request path
        let n = key
            .for_purpose(purpose)
            .open_within(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(&aad),
                &mut buf,
                1 + KID_LEN + NONCE_LEN..,
            )
            .ok()?
            .len();
        buf.truncate(n);
        Some(buf)
    }

    /// Id of the sealing key, for logs.
    pub fn current_kid(&self) -> String {
        self.keys[0].kid.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Key {
    fn for_purpose(&self, p: Purpose) -> &aead::LessSafeKey {
        &self.keys[p as usize]
    }
}

/// The additional data each seal authenticates: format version, key id, purpose, site.
fn aad(purpose: Purpose, kid: &[u8; KID_LEN], site: &[u8; SITE_LEN]) -> AadBytes {
    let label = purpose.label();
    let mut bytes = [0; AAD_MAX];
    bytes[0] = VERSION;
    bytes[1..1 + KID_LEN].copy_from_slice(kid);
    let end = 1 + KID_LEN + label.len();
    bytes[1 + KID_LEN..end].copy_from_slice(label);
    bytes[end..end + SITE_LEN].copy_from_slice(site);
    AadBytes { bytes, len: end + SITE_LEN }
}

/// Longest additional data: version, key id, the longest purpose label, the site.
const AAD_MAX: usize = 1 + KID_LEN + 32 + SITE_LEN;

/// Built on the stack: opening a cookie allocates only its decoded bytes.
struct AadBytes {
    bytes: [u8; AAD_MAX],
    len: usize,
}

impl AsRef<[u8]> for AadBytes {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

fn derive(key: &[u8; KEY_LEN], purpose: Purpose) -> aead::LessSafeKey {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"authfront keyring");
    let prk = salt.extract(key);
    let info = [purpose.label()];
    // expand() only fails when asked for more than 255 hash lengths; 32 bytes is one.
    let okm = prk.expand(&info, &aead::AES_256_GCM);
    let unbound: aead::UnboundKey = match okm {
        Ok(okm) => okm.into(),
        Err(_) => unreachable!("HKDF-SHA256 always yields 32 bytes"),
    };
    aead::LessSafeKey::new(unbound)
}

#[cfg(test)]
mod tests;

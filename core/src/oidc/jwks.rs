//! The provider's signing keys: a JWK Set (RFC 7517) turned into ready verification keys.
//!
//! Owns which published keys may verify ID tokens and which token algorithm fits which key.
//! Keys are decoded and checked once, when the set is parsed; verification never re-parses
//! them. It never fetches the set, and never keeps symmetric (`oct`) keys: HMAC-signed ID
//! tokens are refused outright, so such a key could only ever be misused.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, ED25519, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use super::printable;
use crate::error::Error;

/// JWK members are base64url without padding (RFC 7518 §2), but some providers pad them;
/// accepting both costs nothing and refuses no honest key.
const B64: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The RSA modulus sizes aws-lc verifies with (its `RSA_*_2048_8192_*` parameters). A key
/// outside them could never verify anything, so it is skipped with a reason instead.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// What kind of public key a JWK holds; decides which token algorithms it can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

/// One usable verification key.
#[derive(Debug, Clone)]
pub(super) struct Key {
    kid: Option<String>,
    /// The JWK's own `alg`, when it names one: the only algorithm it may then verify.
    alg: Option<String>,
    kind: Kind,
    decoding: DecodingKey,
}

impl Key {
    pub(super) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub(super) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Whether this key may verify a token whose header says `alg` (named `alg_name` there).
    ///
    /// This is what stops algorithm confusion: an RSA key never verifies an ECDSA signature,
    /// a P-256 key never an ES384 one, and a key that names its algorithm only that one.
    pub(super) fn fits(&self, alg: Algorithm, alg_name: &str) -> bool {
        use Algorithm::*;
        let kind_fits = match alg {
            RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => self.kind == Kind::Rsa,
            ES256 => self.kind == Kind::P256,
            ES384 => self.kind == Kind::P384,
            EdDSA => self.kind == Kind::Ed25519,
            // HMAC, and whatever future algorithms jsonwebtoken adds: no JWK here fits them.
            _ => false,
        };
        kind_fits
            && self.alg.as_deref().is_none_or(|a| {
                // RFC 9864's fully-specified name for the only EdDSA curve kept here.
                a == alg_name || (a == "Ed25519" && alg == EdDSA)
            })
    }
}

/// The verification keys of a JWK Set, in document order.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<Key>,
    skipped: Vec<String>,
}

impl KeySet {
    /// Parses a JWK Set document. Keys that cannot verify ID tokens (`use` other than `sig`,
    /// `key_ops` without `verify`, symmetric or unknown types and curves, malformed or
    /// too-small keys) are skipped, not fatal: a provider may publish encryption keys next to
    /// signing keys, and one odd key must not take sign-in down. [`KeySet::skipped`] says why.
    /// Only a document that is not a JWK Set at all is an error.
    pub fn parse(body: &[u8]) -> Result<KeySet, Error> {
        #[derive(Deserialize)]
        struct Doc {
            keys: Vec<serde_json::Value>,
        }
        let doc: Doc = serde_json::from_slice(body)
            .map_err(|e| Error::Jwks(format!("not a JWK Set: {}", printable(&e.to_string(), 300))))?;
        let mut set = KeySet::default();
        for (i, value) in doc.keys.into_iter().enumerate() {
            match serde_json::from_value::<RawJwk>(value) {
                Ok(raw) => match raw.key() {
                    Ok(key) => set.keys.push(key),
                    Err(why) => set.skipped.push(format!(
                        "key {i} (kid {}): {why}",
                        raw.kid.as_deref().map_or("(none)".to_owned(), |k| printable(k, 100)),
                    )),
                },
                Err(e) => set.skipped.push(format!("key {i}: not a JWK: {}", printable(&e.to_string(), 200))),
            }
        }
        Ok(set)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The `kid`s of the usable keys, in document order (keys without one are not listed).
    pub fn kids(&self) -> Vec<String> {
        self.keys.iter().filter_map(|k| k.kid.clone()).collect()
    }

    /// Why each skipped key was skipped, for the adapter's log.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    pub(super) fn keys(&self) -> &[Key] {
        &self.keys
    }
}

/// One JWK as sent; only the members authfront reads.
#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

impl RawJwk {
    /// The usable key, or why there is none.
    fn key(&self) -> Result<Key, String> {
        if let Some(u) = self.use_.as_deref().filter(|u| *u != "sig") {
            return Err(format!("`use` is `{}`, not `sig`", printable(u, 20)));
        }
        if let Some(ops) = &self.key_ops
            && !ops.iter().any(|op| op == "verify")
        {
            return Err("`key_ops` does not include `verify`".to_owned());
        }
        let (kind, decoding) = match (self.kty.as_str(), self.crv.as_deref()) {
            ("RSA", _) => (Kind::Rsa, self.rsa()?),
            ("EC", Some("P-256")) => (Kind::P256, self.ec(32)?),
            ("EC", Some("P-384")) => (Kind::P384, self.ec(48)?),
            ("OKP", Some("Ed25519")) => (Kind::Ed25519, self.ed25519()?),
            ("EC" | "OKP", crv) => {
                let crv = crv.map_or("(none)".to_owned(), |c| printable(c, 20));
                return Err(format!("unsupported curve {crv}"));
            }
            ("oct", _) => return Err("symmetric key (HMAC ID tokens are refused)".to_owned()),
            (kty, _) => return Err(format!("unsupported key type `{}`", printable(kty, 20))),
        };
        Ok(Key { kid: self.kid.clone(), alg: self.alg.clone(), kind, decoding })
    }

    fn rsa(&self) -> Result<DecodingKey, String> {
        let n = member(&self.n, "n")?;
        let e = member(&self.e, "e")?;
        // aws-lc wants both without leading zeros; some encoders add one to keep n positive.
        let (n, e) = (strip_zeros(&n), strip_zeros(&e));
        let bits = n.first().map_or(0, |top| n.len() * 8 - top.leading_zeros() as usize);
        if !RSA_BITS.contains(&bits) {
            return Err(format!("RSA modulus of {bits} bits (2048 to 8192 are verifiable)"));
        }
        RsaPublicKeyComponents { n, e }
            .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
            .map_err(|e| format!("invalid RSA key: {e}"))?;
        Ok(DecodingKey::from_rsa_raw_components(n, e))
    }

    fn ec(&self, coordinate_len: usize) -> Result<DecodingKey, String> {
        let x = member(&self.x, "x")?;
        let y = member(&self.y, "y")?;
        if x.len() != coordinate_len || y.len() != coordinate_len {
            return Err(format!("EC coordinates are not {coordinate_len} bytes"));
        }
        // The uncompressed SEC1 point, which is what the ECDSA verifier takes.
        let mut point = Vec::with_capacity(1 + 2 * coordinate_len);
        point.push(0x04);
        point.extend_from_slice(&x);
        point.extend_from_slice(&y);
        let alg = if coordinate_len == 32 { &ECDSA_P256_SHA256_FIXED } else { &ECDSA_P384_SHA384_FIXED };
        ParsedPublicKey::new(alg, &point).map_err(|e| format!("invalid EC key: {e}"))?;
        Ok(DecodingKey::from_ec_der(&point))
    }

    fn ed25519(&self) -> Result<DecodingKey, String> {
        let x = member(&self.x, "x")?;
        ParsedPublicKey::new(&ED25519, &x).map_err(|e| format!("invalid Ed25519 key: {e}"))?;
        Ok(DecodingKey::from_ed_der(&x))
    }
}

/// A required base64url member, decoded.
fn member(value: &Option<String>, name: &str) -> Result<Vec<u8>, String> {
    let text = value.as_deref().ok_or_else(|| format!("`{name}` is missing"))?;
    B64.decode(text).map_err(|_| format!("`{name}` is not base64url"))
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
mod tests;

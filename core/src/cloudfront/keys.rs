//! Keys: the public keys a CloudFront key group trusts (to verify), and the private key that
//! signs.
//!
//! Verification uses aws-lc-rs (RSA PKCS#1 v1.5 and ECDSA P-256, each with SHA-1 or SHA-256:
//! the key types and hash algorithms CloudFront accepts). Signing is RSA only and uses the
//! RustCrypto `rsa` crate: aws-lc-rs 1.19 verifies RSA-SHA1 signatures but offers no RSA-SHA1
//! *signing* (it only signs PKCS#1 v1.5 with SHA-256 and up), and CloudFront's default, the one
//! both reference signers use, is SHA-1. PKCS#1 v1.5 signatures are deterministic, so the
//! output is byte-identical to any other signer's. `rsa`'s private-key arithmetic is not
//! constant-time (RUSTSEC-2023-0071), so every signature is computed with blinding; the
//! blinding factor comes from a secret, per-message seed derived from the key itself, which
//! keeps this code free of randomness and the factor unpredictable to anyone without the key.
//!
//! Keys never print: `Debug` shows the kind and size only.

use std::fmt;

use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use rand_core::{CryptoRng, RngCore};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::HashAlgorithm;

/// RSA sizes accepted. CloudFront itself takes 2048-bit keys; larger ones are verified too.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// A public key a key group trusts, ready to verify either hash algorithm.
#[derive(Clone)]
pub struct PublicKey {
    kind: KeyKind,
    sha1: ParsedPublicKey,
    sha256: ParsedPublicKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa { bits: usize },
    EcdsaP256,
}

impl PublicKey {
    /// Reads a PEM public key (`BEGIN PUBLIC KEY`, the form CloudFront's console and API take,
    /// or `BEGIN RSA PUBLIC KEY`): RSA 2048 to 8192 bits, or ECDSA P-256.
    pub fn from_pem(text: &str) -> Result<PublicKey, String> {
        let der = pem(text, &["PUBLIC KEY", "RSA PUBLIC KEY"])?;
        PublicKey::from_der(&der)
    }

    /// From DER: `SubjectPublicKeyInfo`, or PKCS#1 `RSAPublicKey`.
    pub fn from_der(der: &[u8]) -> Result<PublicKey, String> {
        let rsa = RsaPublicKey::from_public_key_der(der)
            .or_else(|_| <RsaPublicKey as rsa::pkcs1::DecodeRsaPublicKey>::from_pkcs1_der(der));
        if let Ok(k) = rsa {
            let bits = k.n().bits();
            if !RSA_BITS.contains(&bits) {
                return Err(format!("an RSA key of {bits} bits; CloudFront keys are 2048 bits"));
            }
            return Ok(PublicKey {
                kind: KeyKind::Rsa { bits },
                sha1: parsed(&signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, der)?,
                sha256: parsed(&signature::RSA_PKCS1_2048_8192_SHA256, der)?,
            });
        }
        match (parsed(&signature::ECDSA_P256_SHA1_ASN1, der), parsed(&signature::ECDSA_P256_SHA256_ASN1, der)) {
            (Ok(sha1), Ok(sha256)) => Ok(PublicKey { kind: KeyKind::EcdsaP256, sha1, sha256 }),
            _ => Err("not an RSA or ECDSA P-256 public key".to_owned()),
        }
    }

    /// True when `signature` is this key's signature of `message` with `hash`.
    pub fn verify(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        let key = match hash {
            HashAlgorithm::Sha1 => &self.sha1,
            HashAlgorithm::Sha256 => &self.sha256,
        };
        key.verify_sig(message, signature).is_ok()
    }
}

fn parsed(alg: &'static dyn VerificationAlgorithm, der: &[u8]) -> Result<ParsedPublicKey, String> {
    ParsedPublicKey::new(alg, der).map_err(|e| format!("unusable public key ({e})"))
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            KeyKind::Rsa { bits } => write!(f, "PublicKey(RSA {bits})"),
            KeyKind::EcdsaP256 => f.write_str("PublicKey(ECDSA P-256)"),
        }
    }
}

/// A key group: the public keys whose signatures are accepted, each by its key id (CloudFront's
/// public key ID, sent as `Key-Pair-Id`). Several keys let a key rotate without a gap.
#[derive(Debug, Clone, Default)]
pub struct KeyGroup {
    keys: Vec<(String, PublicKey)>,
}

impl KeyGroup {
    pub fn new() -> KeyGroup {
        KeyGroup::default()
    }

    /// Adds (or replaces) the key for `id`.
    pub fn insert(&mut self, id: &str, key: PublicKey) {
        self.keys.retain(|(k, _)| k != id);
        self.keys.push((id.to_owned(), key));
    }

    /// The key for `id`, if the group trusts one.
    pub fn get(&self, id: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|(k, _)| k == id).map(|(_, key)| key)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(k, _)| k.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A private RSA key that signs policies.
#[derive(Clone)]
pub struct SigningKey {
    key: RsaPrivateKey,
    /// Secret input of the per-message blinding seed (see the module docs).
    blinding: [u8; 32],
    public: PublicKey,
}

/// Signing failed; with a key that passed [`SigningKey::from_pem`] this does not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("RSA signing failed: {0}")]
pub struct SignError(String);

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, what `openssl genpkey` and
    /// OpenSSL 3 `genrsa` write) or PKCS#1 (`BEGIN RSA PRIVATE KEY`). Encrypted keys are refused.
    pub fn from_pem(text: &str) -> Result<SigningKey, String> {
        if text.contains("BEGIN EC PRIVATE KEY") {
            return Err("an ECDSA key: authfront verifies ECDSA signatures but signs with RSA keys only".to_owned());
        }
        if text.contains("BEGIN ENCRYPTED PRIVATE KEY") {
            return Err("an encrypted private key: decrypt it first (`openssl pkey -in KEY -out PLAIN`)".to_owned());
        }
        let key = RsaPrivateKey::from_pkcs8_pem(text.trim())
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(text.trim()))
            .map_err(|_| "not a PEM RSA private key (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1 `BEGIN RSA PRIVATE KEY`)")?;
        let bits = key.n().bits();
        if !RSA_BITS.contains(&bits) {
            return Err(format!("an RSA key of {bits} bits; CloudFront keys are 2048 bits"));
        }
        let public_der =
            key.to_public_key().to_public_key_der().map_err(|e| format!("cannot encode its public key: {e}"))?;
        let public = PublicKey::from_der(public_der.as_bytes())?;
        let secret = key.to_pkcs8_der().map_err(|e| format!("cannot encode the key: {e}"))?;
        let mut h = Sha256::new();
        h.update(b"authfront cloudfront blinding v1\0");
        h.update(secret.as_bytes());
        Ok(SigningKey { key, blinding: h.finalize().into(), public })
    }

    /// The matching public key (to check this key's own signatures).
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// RSA PKCS#1 v1.5 signature of `message` with `hash`.
    pub fn sign(&self, hash: HashAlgorithm, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut seed = Sha256::new();
        seed.update(self.blinding);
        seed.update(message);
        let mut rng = BlindingRng::new(seed.finalize().into());
        let signed = match hash {
            HashAlgorithm::Sha1 => {
                self.key.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(message))
            }
            HashAlgorithm::Sha256 => {
                self.key.sign_with_rng(&mut rng, Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message))
            }
        };
        signed.map_err(|e| SignError(e.to_string()))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(RSA {}, [redacted])", self.key.n().bits())
    }
}

/// SHA-256 in counter mode over a secret seed: the blinding values `rsa` asks for. Only ever
/// used for blinding, where unpredictability (not freshness) is what matters.
struct BlindingRng {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl BlindingRng {
    fn new(seed: [u8; 32]) -> Self {
        BlindingRng { seed, counter: 0, block: [0; 32], used: 32 }
    }
}

impl RngCore for BlindingRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            if self.used == self.block.len() {
                let mut h = Sha256::new();
                h.update(self.seed);
                h.update(self.counter.to_be_bytes());
                self.block = h.finalize().into();
                self.counter += 1;
                self.used = 0;
            }
            *b = self.block[self.used];
            self.used += 1;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for BlindingRng {}

/// The DER inside the first PEM block with one of `labels`.
pub fn pem(text: &str, labels: &[&str]) -> Result<Vec<u8>, String> {
    for label in labels {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let Some(start) = text.find(&begin) else { continue };
        let body = &text[start + begin.len()..];
        let Some(stop) = body.find(&end) else {
            return Err(format!("the PEM block `{label}` has no END line"));
        };
        let b64: String = body[..stop].chars().filter(|c| !c.is_ascii_whitespace()).collect();
        use base64::Engine as _;
        return base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| format!("the PEM block `{label}` is not valid base64"));
    }
    Err(format!("no PEM block `BEGIN {}` found", labels.join("` or `BEGIN ")))
}

#[cfg(test)]
pub(crate) mod tests;

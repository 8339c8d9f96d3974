//! What the ID-token and logout-token targets share: tokens built from the input (raw, signed
//! for real with a test key, tampered, or forged), what each kind of token must get from the
//! verifier, and an independent signature check against the test keys.
//!
//! Input: one mode byte, then — raw: the token text; signed and tampered: a header choice, four
//! tampering bytes and the payload (JSON claims); forged: a forgery choice and the payload.

use std::sync::LazyLock;

use authfront_core::oidc::IdTokenError;
use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;

use crate::fixtures::{ALGS, JWKS, foreign_ed25519, signing_key};

/// The verifier under test: `Ok` after it has checked what an accepted token must satisfy.
pub type Verify<'a> = &'a dyn Fn(&str, &[Algorithm]) -> Result<(), IdTokenError>;

/// Headers a signed case may carry, the key that signs, and whether the header lets that
/// signature verify (`true`: only the claims may refuse it).
const HEADERS: &[(&str, &str, Algorithm, bool)] = &[
    (r#"{"alg":"EdDSA","kid":"ed25519"}"#, "ed25519", Algorithm::EdDSA, true),
    (r#"{"alg":"EdDSA"}"#, "ed25519", Algorithm::EdDSA, true),
    (r#"{"alg":"EdDSA","kid":"ed25519","typ":"JWT"}"#, "ed25519", Algorithm::EdDSA, true),
    (r#"{"typ":"logout+jwt","alg":"EdDSA","kid":"ed25519"}"#, "ed25519", Algorithm::EdDSA, true),
    (r#"{"alg":"EdDSA","kid":"ed25519","typ":"at+jwt"}"#, "ed25519", Algorithm::EdDSA, true),
    (
        r#"{"alg":"EdDSA","kid":"ed25519","jku":"https://evil.example/jwks","x5u":"https://evil.example/c"}"#,
        "ed25519",
        Algorithm::EdDSA,
        true,
    ),
    (r#"{"alg":"EdDSA","kid":"ed25519","crit":["exp"]}"#, "ed25519", Algorithm::EdDSA, false),
    (r#"{"alg":"EdDSA","kid":"rsa1"}"#, "ed25519", Algorithm::EdDSA, false),
    (r#"{"alg":"EdDSA","kid":"ec256"}"#, "ed25519", Algorithm::EdDSA, false),
    (r#"{"alg":"EdDSA","kid":"gone"}"#, "ed25519", Algorithm::EdDSA, false),
    (r#"{"alg":"RS256","kid":"ed25519"}"#, "ed25519", Algorithm::EdDSA, false),
    (r#"{"alg":"RS256","kid":"rsa1"}"#, "rsa1", Algorithm::RS256, true),
    (r#"{"alg":"PS256","kid":"rsa1"}"#, "rsa1", Algorithm::PS256, false),
];

/// Modes of the first input byte.
const RAW: u8 = 0;
const SIGNED: u8 = 1;
const TAMPERED: u8 = 2;

/// `ALGS` with HMAC listed too: it must be refused all the same.
static ALGS_AND_HMAC: LazyLock<Vec<Algorithm>> =
    LazyLock::new(|| ALGS.iter().copied().chain([Algorithm::HS256, Algorithm::HS384]).collect());

pub fn run(data: &[u8], verify: Verify<'_>) {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 4 {
        RAW => {
            let token = String::from_utf8_lossy(rest);
            let _ = verify(&token, ALGS);
            let _ = verify(&token, &ALGS_AND_HMAC);
        }
        SIGNED | TAMPERED => {
            let [choice, t0, t1, t2, t3, payload @ ..] = rest else { return };
            let (header, kid, alg, fits) = HEADERS[usize::from(*choice) % HEADERS.len()];
            let token = sign(header, payload, &signing_key(kid), alg);
            if mode % 4 == SIGNED {
                let result = verify(&token, ALGS);
                if let Err(e) = &result {
                    // errors quote what a token says about itself, never the token
                    let sig = token.rsplit('.').next().unwrap_or_default();
                    assert!(!e.to_string().contains(sig), "the error {e} quotes the signature");
                }
                match result {
                    Err(e) if fits => assert!(!signature_error(&e), "a genuine signature refused: {e:?} for {token}"),
                    Ok(()) if !fits => panic!("accepted with header {header}: {token}"),
                    _ => {}
                }
            } else {
                let bad = tamper(&token, [*t0, *t1, *t2, *t3]);
                assert!(verify(&bad, &ALGS_AND_HMAC).is_err(), "tampered token accepted: {bad} (from {token})");
            }
        }
        _ => {
            let [choice, payload @ ..] = rest else { return };
            let token = forge(*choice, payload);
            assert!(verify(&token, &ALGS_AND_HMAC).is_err(), "forged token accepted: {token}");
        }
    }
}

fn signature_error(e: &IdTokenError) -> bool {
    use IdTokenError::*;
    matches!(e, AlgNotAllowed(_) | UnknownKey(_) | KeyMismatch | BadSignature)
        || *e == Malformed("the signature is not base64url".into())
}

/// `header.payload.signature`, signed for real.
pub fn sign(header: &str, payload: &[u8], key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap_or_else(|e| panic!("signing: {e}"));
    format!("{input}.{sig}")
}

/// The token with one change: a character replaced, inserted or removed, or cut.
fn tamper(token: &str, [kind, hi, lo, byte]: [u8; 4]) -> String {
    let mut b = token.as_bytes().to_vec();
    let i = usize::from(u16::from_be_bytes([hi, lo])) % b.len();
    let c = if byte.is_ascii_graphic() { byte } else { b'A' + byte % 26 };
    match kind % 4 {
        0 => b[i] = if b[i] == c { if c == b'A' { b'B' } else { b'A' } } else { c },
        1 => b.insert(i, c),
        2 => {
            b.remove(i);
        }
        _ => b.truncate(i),
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// A token whose signature no test key made over its content.
fn forge(choice: u8, payload: &[u8]) -> String {
    let p = URL_SAFE_NO_PAD.encode(payload);
    let h = |json: &str| URL_SAFE_NO_PAD.encode(json);
    match choice % 5 {
        0 => format!("{}.{p}.", h(r#"{"alg":"none"}"#)),
        1 => format!("{}.{p}.{}", h(r#"{"alg":"none","kid":"rsa1"}"#), URL_SAFE_NO_PAD.encode(b"x")),
        2 => {
            // the classic confusion: HMAC keyed with the public key anyone can fetch
            let input = format!("{}.{p}", h(r#"{"alg":"HS256","kid":"rsa1"}"#));
            let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, JWKS.as_bytes());
            let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
        }
        3 => sign(r#"{"alg":"EdDSA","kid":"ed25519"}"#, payload, &foreign_ed25519(), Algorithm::EdDSA),
        _ => {
            // a genuine signature moved onto other content
            let real = sign(r#"{"alg":"EdDSA","kid":"ed25519"}"#, payload, &signing_key("ed25519"), Algorithm::EdDSA);
            let sig = real.rsplit('.').next().unwrap_or_default();
            let mut other = payload.to_vec();
            other.push(b' ');
            format!("{}.{}.{sig}", h(r#"{"alg":"EdDSA","kid":"ed25519"}"#), URL_SAFE_NO_PAD.encode(other))
        }
    }
}

/// The header and payload of a compact JWS, decoded (for checking what a verifier accepted).
pub fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let mut part = || {
        let bytes = URL_SAFE_NO_PAD.decode(it.next().unwrap_or_default()).unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    (part(), part())
}

/// JWK members, padded or not, as the JWKS parser reads them.
pub const B64: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Whether `token`'s signature is one a test key made, checked with aws-lc directly: the key is
/// the one the header's `kid` names (any key when it names none) and must fit the algorithm
/// (type, curve, the JWK's own `alg`).
pub fn signed_by_test_key(token: &str) -> bool {
    let (header, _) = parts(token);
    let Some((input, sig)) = token.rsplit_once('.') else { return false };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else { return false };
    let alg = header["alg"].as_str().unwrap_or_default();
    let jwks: Value = serde_json::from_str(JWKS).unwrap_or(Value::Null);
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    keys.iter().filter(|k| header.get("kid").is_none() || k.get("kid") == header.get("kid")).any(|k| {
        let m = |name: &str| B64.decode(k[name].as_str().unwrap_or_default()).unwrap_or_default();
        if k.get("alg").is_some_and(|a| a != alg) {
            return false;
        }
        let point = |x: Vec<u8>, y: Vec<u8>| [vec![4], x, y].concat();
        let ec = |a: &'static dyn VerificationAlgorithm| {
            UnparsedPublicKey::new(a, point(m("x"), m("y"))).verify(input.as_bytes(), &sig).is_ok()
        };
        let rsa = |a| RsaPublicKeyComponents { n: m("n"), e: m("e") }.verify(a, input.as_bytes(), &sig).is_ok();
        match (alg, k["kty"].as_str(), k["crv"].as_str()) {
            ("RS256", Some("RSA"), _) => rsa(&signature::RSA_PKCS1_2048_8192_SHA256),
            ("RS384", Some("RSA"), _) => rsa(&signature::RSA_PKCS1_2048_8192_SHA384),
            ("RS512", Some("RSA"), _) => rsa(&signature::RSA_PKCS1_2048_8192_SHA512),
            ("PS256", Some("RSA"), _) => rsa(&signature::RSA_PSS_2048_8192_SHA256),
            ("PS384", Some("RSA"), _) => rsa(&signature::RSA_PSS_2048_8192_SHA384),
            ("PS512", Some("RSA"), _) => rsa(&signature::RSA_PSS_2048_8192_SHA512),
            ("ES256", Some("EC"), Some("P-256")) => ec(&signature::ECDSA_P256_SHA256_FIXED),
            ("ES384", Some("EC"), Some("P-384")) => ec(&signature::ECDSA_P384_SHA384_FIXED),
            ("EdDSA", Some("OKP"), Some("Ed25519")) => {
                UnparsedPublicKey::new(&signature::ED25519, m("x")).verify(input.as_bytes(), &sig).is_ok()
            }
            _ => false,
        }
    })
}

/// Seeds of the signed, tampered and forged modes for `claims` (raw tokens are the targets').
pub fn mode_seeds(name: &str, claims: &Value) -> crate::Seeds {
    let payload = claims.to_string().into_bytes();
    let mut out = Vec::new();
    for (i, choice) in [0u8, 1, 3, 7, 11].into_iter().enumerate() {
        out.push((format!("{name}-signed-{i}"), [&[SIGNED, choice, 0, 0, 0, 0][..], &payload].concat()));
    }
    out.push((format!("{name}-tampered-sig"), [&[TAMPERED, 0, 0, 0xff, 0xf0, b'x'][..], &payload].concat()));
    out.push((format!("{name}-tampered-payload"), [&[TAMPERED, 0, 1, 0, 40, b'x'][..], &payload].concat()));
    for f in 0..5u8 {
        out.push((format!("{name}-forged-{f}"), [&[3, f][..], &payload].concat()));
    }
    out
}

/// A raw-mode seed.
pub fn raw_seed(name: &str, token: &str) -> (String, Vec<u8>) {
    (name.to_owned(), [&[RAW][..], token.as_bytes()].concat())
}

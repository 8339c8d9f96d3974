use super::*;
use crate::cloudfront::b64;

pub(crate) fn rsa_key() -> SigningKey {
    SigningKey::from_pem(include_str!("../testdata/rsa2048.pem")).unwrap()
}

pub(crate) fn rsa_public() -> PublicKey {
    PublicKey::from_pem(include_str!("../testdata/rsa2048.pub.pem")).unwrap()
}

#[test]
fn reads_the_key_forms_cloudfront_users_have() {
    let pkcs8 = rsa_key();
    let pkcs1 = SigningKey::from_pem(include_str!("../testdata/rsa2048.pkcs1.pem")).unwrap();
    for h in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
        assert_eq!(pkcs8.sign(h, b"m").unwrap(), pkcs1.sign(h, b"m").unwrap());
    }
    assert_eq!(format!("{:?}", rsa_public()), "PublicKey(RSA 2048)");
    let ec = PublicKey::from_pem(include_str!("../testdata/ec256.pub.pem")).unwrap();
    assert_eq!(format!("{ec:?}"), "PublicKey(ECDSA P-256)");
}

#[test]
fn refuses_what_cloudfront_would() {
    assert!(SigningKey::from_pem(include_str!("../testdata/rsa1024.pem")).unwrap_err().contains("1024 bits"));
    assert!(PublicKey::from_pem(include_str!("../testdata/rsa1024.pub.pem")).unwrap_err().contains("1024 bits"));
    assert!(SigningKey::from_pem(include_str!("../testdata/ec256.pem")).unwrap_err().contains("RSA keys only"));
    assert!(SigningKey::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\n").unwrap_err().contains("encrypted"));
    assert!(SigningKey::from_pem("hello").is_err());
    assert!(PublicKey::from_pem("hello").unwrap_err().contains("no PEM block"));
    assert!(
        PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----")
            .unwrap_err()
            .contains("base64")
    );
    assert!(PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err());
    // a private key where a public one belongs is not silently accepted
    assert!(PublicKey::from_pem(include_str!("../testdata/rsa2048.pem")).is_err());
}

#[test]
fn signatures_verify_with_the_matching_key_and_hash_only() {
    let key = rsa_key();
    let other = PublicKey::from_pem(include_str!("../testdata/other2048.pub.pem")).unwrap();
    for h in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
        let sig = key.sign(h, b"policy").unwrap();
        assert_eq!(sig.len(), 256);
        assert!(rsa_public().verify(h, b"policy", &sig));
        assert!(key.public_key().verify(h, b"policy", &sig));
        assert!(!rsa_public().verify(h, b"policy!", &sig));
        assert!(!other.verify(h, b"policy", &sig));
    }
    let sha1 = key.sign(HashAlgorithm::Sha1, b"policy").unwrap();
    assert!(!rsa_public().verify(HashAlgorithm::Sha256, b"policy", &sha1), "the hash is part of the signature");
    // PKCS#1 v1.5 is deterministic, blinding or not
    assert_eq!(sha1, key.sign(HashAlgorithm::Sha1, b"policy").unwrap());
}

#[test]
fn ecdsa_signatures_from_openssl_verify() {
    let ec = PublicKey::from_pem(include_str!("../testdata/ec256.pub.pem")).unwrap();
    let policy = include_bytes!("../testdata/ec-policy.json");
    let sha1 = b64::decode(include_str!("../testdata/ec-sha1.sig").trim()).unwrap();
    let sha256 = b64::decode(include_str!("../testdata/ec-sha256.sig").trim()).unwrap();
    assert!(ec.verify(HashAlgorithm::Sha1, policy, &sha1));
    assert!(ec.verify(HashAlgorithm::Sha256, policy, &sha256));
    assert!(!ec.verify(HashAlgorithm::Sha256, policy, &sha1));
    assert!(!ec.verify(HashAlgorithm::Sha1, b"{}", &sha1));
    assert!(!rsa_public().verify(HashAlgorithm::Sha1, policy, &sha1));
}

#[test]
fn key_groups_find_keys_by_id() {
    let mut g = KeyGroup::new();
    assert!(g.is_empty());
    g.insert("K1", rsa_public());
    g.insert("K2", PublicKey::from_pem(include_str!("../testdata/other2048.pub.pem")).unwrap());
    g.insert("K1", rsa_public());
    assert_eq!(g.ids().collect::<Vec<_>>(), ["K2", "K1"]);
    assert!(g.get("K1").is_some() && g.get("k1").is_none() && g.get("K3").is_none());
}

#[test]
fn secrets_do_not_print() {
    let d = format!("{:?}", rsa_key());
    assert_eq!(d, "SigningKey(RSA 2048, [redacted])");
}

#[test]
fn blinding_rng_is_deterministic_per_seed() {
    let mut a = BlindingRng::new([1; 32]);
    let mut b = BlindingRng::new([1; 32]);
    let mut c = BlindingRng::new([2; 32]);
    let (mut x, mut y, mut z) = ([0u8; 100], [0u8; 100], [0u8; 100]);
    a.fill_bytes(&mut x);
    b.fill_bytes(&mut y);
    c.fill_bytes(&mut z);
    assert_eq!(x, y);
    assert_ne!(x, z);
    assert_ne!(x[..32], x[32..64]);
}

use super::*;

fn ring(keys: &[[u8; 32]]) -> Keyring {
    Keyring::new(keys).unwrap()
}

#[test]
fn round_trip() {
    let r = ring(&[[1; 32]]);
    let s = r.seal(Purpose::Session, b"hello", [7; 12]);
    assert_eq!(r.open(Purpose::Session, &s).unwrap(), b"hello");
}

#[test]
fn purpose_separates() {
    let r = ring(&[[1; 32]]);
    let s = r.seal(Purpose::Session, b"hello", [7; 12]);
    assert!(r.open(Purpose::LoginState, &s).is_none());
}

#[test]
fn rotation_old_keys_open_new_key_seals() {
    let old = ring(&[[1; 32]]);
    let sealed_old = old.seal(Purpose::Session, b"x", [0; 12]);
    let rotated = ring(&[[2; 32], [1; 32]]);
    assert_eq!(rotated.open(Purpose::Session, &sealed_old).unwrap(), b"x");
    let sealed_new = rotated.seal(Purpose::Session, b"y", [0; 12]);
    assert!(old.open(Purpose::Session, &sealed_new).is_none());
    let only_new = ring(&[[2; 32]]);
    assert!(only_new.open(Purpose::Session, &sealed_old).is_none());
}

#[test]
fn tampering_fails() {
    let r = ring(&[[1; 32]]);
    let s = r.seal(Purpose::Session, b"hello world", [7; 12]);
    let mut bytes = URL_SAFE_NO_PAD.decode(&s).unwrap();
    for i in 0..bytes.len() {
        bytes[i] ^= 1;
        assert!(r.open(Purpose::Session, &URL_SAFE_NO_PAD.encode(&bytes)).is_none(), "byte {i}");
        bytes[i] ^= 1;
    }
    assert!(r.open(Purpose::Session, "").is_none());
    assert!(r.open(Purpose::Session, "!!!").is_none());
    assert!(r.open(Purpose::Session, &s[..s.len() - 2]).is_none());
}

#[test]
fn key_text() {
    let k = [9u8; 32];
    assert_eq!(Keyring::decode_key(&Keyring::encode_key(&k)).unwrap(), k);
    assert!(Keyring::decode_key("c2hvcnQ").unwrap_err().contains("bytes long"));
    assert!(Keyring::decode_key("not base64 !").is_err());
    assert!(Keyring::new(&[k, k]).is_err());
}

#[test]
fn a_seal_opens_only_for_the_site_it_was_made_for() {
    let keys = [[9; 32]];
    let a = Keyring::for_site(&keys, "https://login.example.com", "docs").unwrap();
    let sealed = a.seal(Purpose::Session, b"alice", [1; NONCE_LEN]);
    assert_eq!(a.open(Purpose::Session, &sealed).as_deref(), Some(&b"alice"[..]));
    let same = Keyring::for_site(&keys, "https://login.example.com", "docs").unwrap();
    assert_eq!(same.open(Purpose::Session, &sealed).as_deref(), Some(&b"alice"[..]));
    for (issuer, client) in [
        ("https://login.example.com", "wiki"),
        ("https://other.example.com", "docs"),
        // the separator keeps the two fields apart
        ("https://login.example.com\0d", "ocs"),
    ] {
        let other = Keyring::for_site(&keys, issuer, client).unwrap();
        assert_eq!(other.open(Purpose::Session, &sealed), None, "{issuer} {client}");
    }
    assert_eq!(Keyring::new(&keys).unwrap().open(Purpose::Session, &sealed), None);
}

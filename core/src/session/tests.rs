use super::*;

fn keys() -> Keyring {
    Keyring::new(&[[3; 32]]).unwrap()
}

fn alice() -> Session {
    Session {
        sub: "alice".into(),
        email: Some("alice@example.test".into()),
        name: Some("Alice".into()),
        groups: vec!["staff".into()],
        iat: 1000,
        exp: 2000,
    }
}

#[test]
fn seal_open() {
    let text = alice().seal(&keys(), [1; 12]);
    assert_eq!(Session::open(&keys(), &text, 1500), Some(alice()));
    assert!(text.len() < 200, "{}", text.len());
}

#[test]
fn expiry_is_exclusive() {
    let text = alice().seal(&keys(), [1; 12]);
    assert!(Session::open(&keys(), &text, 1999).is_some());
    assert!(Session::open(&keys(), &text, 2000).is_none());
}

#[test]
fn other_key_or_garbage_is_not_signed_in() {
    let text = alice().seal(&keys(), [1; 12]);
    let other = Keyring::new(&[[4; 32]]).unwrap();
    assert!(Session::open(&other, &text, 1500).is_none());
    assert!(Session::open(&keys(), "garbage", 1500).is_none());
    let mut t = text.into_bytes();
    let last = t.len() - 1;
    t[last] = if t[last] == b'A' { b'B' } else { b'A' };
    assert!(Session::open(&keys(), std::str::from_utf8(&t).unwrap(), 1500).is_none());
}

#[test]
fn login_state_cannot_pass_as_session() {
    let plain =
        postcard::to_allocvec(&(FORMAT, "alice", None::<&str>, None::<&str>, Vec::<&str>::new(), 0u64, u64::MAX))
            .unwrap();
    let sealed = keys().seal(Purpose::LoginState, &plain, [0; 12]);
    assert!(Session::open(&keys(), &sealed, 1).is_none());
}

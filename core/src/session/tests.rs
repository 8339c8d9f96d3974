use super::tokens::Tokens;
use super::*;

fn keys() -> Keyring {
    Keyring::new(&[[3; 32]]).unwrap()
}

pub(crate) fn alice() -> Session {
    Session {
        id: SessionId([9; 16]),
        sub: "alice".into(),
        sid: Some("op-session".into()),
        email: Some("alice@example.test".into()),
        name: Some("Alice".into()),
        groups: vec!["staff".into()],
        iat: 1000,
        exp: 2000,
        seen: 1000,
        refresh_at: Some(1300),
        generation: 0,
    }
}

#[test]
fn seal_open() {
    let text = alice().seal(&keys(), [1; 12]);
    assert_eq!(Session::open(&keys(), &text, 1500), Some(alice()));
    assert!(text.len() < 220, "{}", text.len());
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
fn other_purposes_cannot_pass_as_session() {
    let plain = postcard::to_allocvec(&(FORMAT, alice())).unwrap();
    for p in [Purpose::LoginState, Purpose::Tokens, Purpose::Logout] {
        let sealed = keys().seal(p, &plain, [0; 12]);
        assert!(Session::open(&keys(), &sealed, 1).is_none());
    }
}

#[test]
fn tokens_are_bound_to_their_session() {
    let t = Tokens {
        session: SessionId([9; 16]),
        generation: 2,
        refresh_token: Some("rt".into()),
        id_token: Some("it".into()),
        access_token: None,
    };
    let sealed = t.seal(&keys(), [2; 12]);
    assert_eq!(Tokens::open(&keys(), &sealed, &SessionId([9; 16])), Some(t.clone()));
    assert_eq!(Tokens::open(&keys(), &sealed, &SessionId([8; 16])), None);
    assert!(Session::open(&keys(), &sealed, 1).is_none());
    assert!(!format!("{t:?}").contains("rt\""));
}

#[test]
fn tokens_sealed_before_the_access_token_was_kept_open_and_seal_the_same() {
    use crate::keyring::Purpose;
    let id = SessionId([9; 16]);
    let before = (1u8, (id, 3u32, Some("rt".to_owned()), Some("it".to_owned())));
    let sealed = keys().seal(Purpose::Tokens, &postcard::to_allocvec(&before).unwrap(), [4; 12]);
    let t = Tokens::open(&keys(), &sealed, &id).expect("the layout before opens");
    assert_eq!((t.generation, t.refresh_token.as_deref(), t.id_token.as_deref()), (3, Some("rt"), Some("it")));
    assert_eq!(t.access_token, None);
    // without an access token, byte for byte what was sealed before it existed
    assert_eq!(t.seal(&keys(), [4; 12]), sealed);
    // with one, it opens with it
    let with = Tokens { access_token: Some("at".into()), ..t };
    assert_eq!(Tokens::open(&keys(), &with.seal(&keys(), [5; 12]), &id), Some(with));
    // an unknown format does not open
    let other = (9u8, (id, 3u32, Some("rt".to_owned()), Some("it".to_owned()), None::<String>));
    let sealed = keys().seal(Purpose::Tokens, &postcard::to_allocvec(&other).unwrap(), [4; 12]);
    assert_eq!(Tokens::open(&keys(), &sealed, &id), None);
}

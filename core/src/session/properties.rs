//! Property tests of sealed cookies: `open(seal(x)) == x` for sessions, tokens and raw keyring
//! values, and no tampered text (a character changed, the text cut or extended, a sealed bit
//! flipped) ever opens. The fuzz targets `sealed` and `cookies` (docs/fuzzing.md) check the
//! same on arbitrary input.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;

use super::tokens::Tokens;
use super::*;

fn keys() -> Keyring {
    Keyring::new(&[[3; 32]]).unwrap()
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,24}", "[a-z0-9@.-]{0,40}"]
}

fn session() -> impl Strategy<Value = Session> {
    (
        any::<[u8; 16]>(),
        text(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::vec(text(), 0..6),
        (any::<u64>(), 1..u64::MAX, any::<u64>(), prop::option::of(any::<u64>()), any::<u32>()),
    )
        .prop_map(|(id, sub, sid, email, name, groups, (iat, exp, seen, refresh_at, generation))| Session {
            id: SessionId(id),
            sub,
            sid,
            email,
            name,
            groups,
            iat,
            exp,
            seen,
            refresh_at,
            generation,
        })
}

fn tokens() -> impl Strategy<Value = Tokens> {
    (any::<[u8; 16]>(), any::<u32>(), prop::option::of(text()), prop::option::of(".{0,300}"), prop::option::of(text()))
        .prop_map(|(session, generation, refresh_token, id_token, access_token)| Tokens {
            session: SessionId(session),
            generation,
            refresh_token,
            id_token,
            access_token,
        })
}

/// How a sealed text is damaged: which kind, where, with what.
#[derive(Debug, Clone)]
enum Damage {
    /// The character at (index mod length) replaced by another.
    Replace(usize, char),
    /// Cut to (index mod length) characters.
    Truncate(usize),
    /// A non-empty tail added.
    Extend(String),
    /// One bit of the sealed bytes flipped, re-encoded.
    FlipBit(usize, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), any::<char>()).prop_map(|(i, c)| Damage::Replace(i, c)),
        any::<usize>().prop_map(Damage::Truncate),
        ".{1,8}".prop_map(Damage::Extend),
        (any::<usize>(), 0..8u8).prop_map(|(i, b)| Damage::FlipBit(i, b)),
    ]
}

fn apply(text: &str, d: &Damage) -> String {
    match d {
        Damage::Replace(i, c) => {
            let mut chars: Vec<char> = text.chars().collect();
            let i = i % chars.len();
            chars[i] = if chars[i] == *c { if *c == 'A' { 'B' } else { 'A' } } else { *c };
            chars.into_iter().collect()
        }
        Damage::Truncate(i) => text[..i % text.len()].to_owned(),
        Damage::Extend(tail) => format!("{text}{tail}"),
        Damage::FlipBit(i, b) => {
            let mut bytes = URL_SAFE_NO_PAD.decode(text).unwrap();
            let i = i % bytes.len();
            bytes[i] ^= 1 << b;
            URL_SAFE_NO_PAD.encode(bytes)
        }
    }
}

proptest! {
    #[test]
    fn a_session_opens_as_sealed(s in session(), nonce in any::<[u8; 12]>()) {
        let text = s.seal(&keys(), nonce);
        prop_assert_eq!(Session::open(&keys(), &text, s.exp - 1), Some(s.clone()));
        prop_assert_eq!(Session::open(&keys(), &text, s.exp), None);
        prop_assert_eq!(Tokens::open(&keys(), &text, &s.id), None);
    }

    #[test]
    fn a_tampered_session_never_opens(s in session(), nonce in any::<[u8; 12]>(), d in damage()) {
        let text = s.seal(&keys(), nonce);
        let bad = apply(&text, &d);
        prop_assert_ne!(&bad, &text);
        prop_assert_eq!(Session::open(&keys(), &bad, 0), None, "{:?}", d);
    }

    #[test]
    fn tokens_open_as_sealed_for_their_session_only(t in tokens(), nonce in any::<[u8; 12]>(), d in damage()) {
        let text = t.seal(&keys(), nonce);
        prop_assert_eq!(Tokens::open(&keys(), &text, &t.session), Some(t.clone()));
        let mut other = t.session;
        other.0[15] ^= 0x80;
        prop_assert_eq!(Tokens::open(&keys(), &text, &other), None);
        prop_assert_eq!(Session::open(&keys(), &text, 0), None);
        prop_assert_eq!(Tokens::open(&keys(), &apply(&text, &d), &t.session), None, "{:?}", d);
    }

    #[test]
    fn keyring_values_open_for_their_purpose_only(
        plain in prop::collection::vec(any::<u8>(), 0..512),
        nonce in any::<[u8; 12]>(),
        d in damage(),
    ) {
        let all = [Purpose::Session, Purpose::LoginState, Purpose::Tokens, Purpose::Logout];
        for sealed_for in all {
            let text = keys().seal(sealed_for, &plain, nonce);
            for p in all {
                let want = (p == sealed_for).then(|| plain.clone());
                prop_assert_eq!(keys().open(p, &text), want);
            }
            prop_assert_eq!(Keyring::new(&[[4; 32]]).unwrap().open(sealed_for, &text), None);
            prop_assert_eq!(keys().open(sealed_for, &apply(&text, &d)), None, "{:?}", d);
        }
    }
}

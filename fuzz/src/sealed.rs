//! Target `sealed`: what authfront seals for browsers, built from the input and sealed for real.
//!
//! Invariants: `open(seal(x)) == x` for sessions (before their end), tokens (for their session)
//! and raw keyring values of every purpose, as long as the text is within what `open` reads
//! (16 KiB); the text opens for no other purpose, session or key; a session never opens at or
//! after its end; and any tampering (a character changed, inserted, the text cut or extended, a
//! bit of the sealed bytes flipped) never opens.

use arbitrary::{Result, Unstructured};
use authfront_core::keyring::Purpose;
use authfront_core::login;
use authfront_core::session::tokens::Tokens;
use authfront_core::session::{Session, SessionId};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::fixtures::{keyring, keys, other_client_keys, other_keys, site, site_key};

/// Longest text `Keyring::open` reads.
const MAX_TEXT: usize = 16 * 1024;
const PURPOSES: [Purpose; 4] = [Purpose::Session, Purpose::LoginState, Purpose::Tokens, Purpose::Logout];

pub fn run(data: &[u8]) {
    // running out of input ends the case early; what was checked by then stands
    let _ = check(&mut Unstructured::new(data));
}

fn check(u: &mut Unstructured<'_>) -> Result<()> {
    let s = Session {
        id: SessionId(u.arbitrary()?),
        sub: u.arbitrary()?,
        sid: u.arbitrary()?,
        email: u.arbitrary()?,
        name: u.arbitrary()?,
        groups: u.arbitrary()?,
        iat: u.arbitrary()?,
        exp: u.arbitrary()?,
        seen: u.arbitrary()?,
        refresh_at: u.arbitrary()?,
        generation: u.arbitrary()?,
    };
    let text = s.seal(keys(), u.arbitrary()?);
    let fits = text.len() <= MAX_TEXT;
    if let Some(before_end) = s.exp.checked_sub(1) {
        assert_eq!(Session::open(keys(), &text, before_end), fits.then(|| s.clone()), "open(seal(x)) != x");
    }
    assert_eq!(Session::open(keys(), &text, s.exp), None, "a session opened at its end");
    assert_eq!(Session::open(other_keys(), &text, 0), None, "another site's key opened a session");
    assert_eq!(Tokens::open(keys(), &text, &s.id), None, "a session opened as tokens");
    assert!(login::open_state(site(), &text, None, 0).is_err(), "a session opened as a login state");
    let bad = tamper(u, &text)?;
    assert_eq!(Session::open(keys(), &bad, 0), None, "tampered {bad:?} opened");

    let t = Tokens {
        session: SessionId(u.arbitrary()?),
        generation: u.arbitrary()?,
        refresh_token: u.arbitrary()?,
        id_token: u.arbitrary()?,
        access_token: u.arbitrary()?,
    };
    let text = t.seal(keys(), u.arbitrary()?);
    let fits = text.len() <= MAX_TEXT;
    assert_eq!(Tokens::open(keys(), &text, &t.session), fits.then(|| t.clone()), "open(seal(x)) != x");
    let mut other = t.session;
    other.0[0] ^= 1;
    assert_eq!(Tokens::open(keys(), &text, &other), None, "tokens opened for another session");
    assert_eq!(Tokens::open(other_keys(), &text, &t.session), None, "another site's key opened tokens");
    assert_eq!(Session::open(keys(), &text, 0), None, "tokens opened as a session");
    let bad = tamper(u, &text)?;
    assert_eq!(Tokens::open(keys(), &bad, &t.session), None, "tampered {bad:?} opened");

    let purpose = PURPOSES[u.choose_index(PURPOSES.len())?];
    let plain: Vec<u8> = u.arbitrary()?;
    let text = keys().seal(purpose, &plain, u.arbitrary()?);
    let fits = text.len() <= MAX_TEXT;
    for p in PURPOSES {
        let want = (p == purpose && fits).then(|| plain.clone());
        assert_eq!(keys().open(p, &text), want, "{purpose:?} sealed, {p:?} opened");
    }
    assert_eq!(other_keys().open(purpose, &text), None);
    assert_eq!(other_client_keys().open(purpose, &text), None, "the same key for another client opened it");
    let bad = tamper(u, &text)?;
    assert_eq!(keys().open(purpose, &bad), None, "tampered {bad:?} opened");
    check_rotation(u, purpose, &plain)
}

/// A keyring with the site's key second still opens the site's values; one without it does not.
fn check_rotation(u: &mut Unstructured<'_>, purpose: Purpose, plain: &[u8]) -> Result<()> {
    let text = keys().seal(purpose, plain, u.arbitrary()?);
    if text.len() > MAX_TEXT {
        return Ok(());
    }
    let newest: [u8; 32] = u.arbitrary()?;
    let site_key = site_key();
    if newest == site_key {
        return Ok(());
    }
    let rotated = keyring(&[newest, site_key]);
    assert_eq!(rotated.open(purpose, &text).as_deref(), Some(plain), "an older key no longer opens");
    let sealed_new = rotated.seal(purpose, plain, [0; 12]);
    let only_new = keyring(&[newest]);
    assert_eq!(only_new.open(purpose, &text), None, "a key that never sealed it opened it");
    if sealed_new.len() <= MAX_TEXT {
        assert_eq!(only_new.open(purpose, &sealed_new).as_deref(), Some(plain));
    }
    Ok(())
}

/// `text` changed in one of the ways an attacker or a broken proxy would; never `text` itself.
fn tamper(u: &mut Unstructured<'_>, text: &str) -> Result<String> {
    let mut chars: Vec<char> = text.chars().collect();
    Ok(match u.choose_index(5)? {
        0 if !chars.is_empty() => {
            let i = u.choose_index(chars.len())?;
            let c: char = u.arbitrary()?;
            chars[i] = if c == chars[i] { if c == 'A' { 'B' } else { 'A' } } else { c };
            chars.into_iter().collect()
        }
        1 => {
            let i = u.choose_index(chars.len() + 1)?;
            chars.insert(i, u.arbitrary()?);
            chars.into_iter().collect()
        }
        2 if !text.is_empty() => text[..u.choose_index(text.len())?].to_owned(),
        3 => {
            let tail: String = u.arbitrary()?;
            format!("{text}{}", if tail.is_empty() { "A" } else { &tail })
        }
        _ => {
            let mut bytes = URL_SAFE_NO_PAD.decode(text).unwrap_or_default();
            if bytes.is_empty() {
                return Ok(format!("{text}A"));
            }
            let i = u.choose_index(bytes.len())?;
            bytes[i] ^= 1 << u.choose_index(8)?;
            URL_SAFE_NO_PAD.encode(bytes)
        }
    })
}

/// Seeds: byte patterns that make short and long sessions, tokens and values.
pub fn seeds() -> crate::Seeds {
    let mut out = Vec::new();
    for (name, fill, len) in [("zeros", 0u8, 200), ("ones", 1, 600), ("mixed", 0x5a, 1500), ("ff", 0xff, 300)] {
        let bytes: Vec<u8> = (0..len).map(|i| fill.wrapping_add((i % 7) as u8)).collect();
        out.push((name.to_owned(), bytes));
    }
    out
}

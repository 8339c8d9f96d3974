//! Target `cookies`: `Cookie` header parsing and opening what it carries — the session, the
//! provider's tokens and the login state — with the fixed site's keyring.
//!
//! Input: `Cookie` header lines separated by `\n` (a pseudo-cookie `state=` stands for the
//! callback's `state` parameter). Invariants: `cookies::find` agrees with the reference lookup
//! and its value holds no `;`; a chunked value starts with its first part; whatever opens is
//! exactly what sealing it again with the same nonce gives (so no other text opens: a changed,
//! cut or extended cookie never does), a session opens only before its end and never with
//! another site's key, a text opens for one purpose at most, tokens only for their session, and
//! a login state only with its browser's binding and with a local return path.

use authfront_core::cookies::{self, MAX_CHUNKS};
use authfront_core::keyring::NONCE_LEN;
use authfront_core::login::{self, LoginRandom, Opened};
use authfront_core::oidc::Discovery;
use authfront_core::session::tokens::Tokens;
use authfront_core::session::{Session, SessionId};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

use crate::fixtures::{ISSUER, SESSION_ID, SESSION_NOW, keys, other_keys, site};
use crate::reference;

/// The pseudo-cookie that carries a login `state` in this target's input.
const STATE: &str = "state";

pub fn run(data: &[u8]) {
    let mut headers = HeaderMap::new();
    let mut lines: Vec<&[u8]> = Vec::new();
    for line in data.split(|b| *b == b'\n') {
        if let Ok(v) = HeaderValue::from_bytes(line) {
            headers.append(COOKIE, v);
            lines.push(line);
        }
    }
    let c = &site().config.session.cookie;
    for name in [c.name.as_str(), &c.tokens_name, &c.login_name, STATE, "pref"] {
        check_find(&headers, &lines, name);
    }
    let binding = cookies::find(&headers, &c.login_name);
    let mut texts: Vec<String> = Vec::new();
    texts.extend(cookies::find_chunked(&headers, &c.name));
    texts.extend(cookies::find_chunked(&headers, &c.tokens_name));
    texts.extend(cookies::find(&headers, STATE).map(str::to_owned));
    texts.push(String::from_utf8_lossy(data).into_owned());
    for t in &texts {
        check_open(t, binding);
    }
}

fn check_find(headers: &HeaderMap, lines: &[&[u8]], name: &str) {
    let got = cookies::find(headers, name);
    assert_eq!(got.map(str::to_owned), reference::find_cookie(lines, name), "find({name:?})");
    let present = cookies::chunks_present(headers, name);
    assert!(present <= MAX_CHUNKS);
    match (got, cookies::find_chunked(headers, name)) {
        (None, None) => assert_eq!(present, 0),
        (Some(first), Some(all)) => {
            assert!(!first.contains(';') && first.trim_end() == first, "{first:?}");
            assert!(all.starts_with(first) && present >= 1, "{all:?} / {first:?}");
        }
        (first, all) => panic!("find {first:?} but find_chunked {all:?}"),
    }
}

/// The nonce a sealed text was sealed with (its bytes 5..17), if it is base64url at all.
fn nonce_of(text: &str) -> Option<[u8; NONCE_LEN]> {
    URL_SAFE_NO_PAD.decode(text).ok()?.get(5..5 + NONCE_LEN)?.try_into().ok()
}

fn check_open(text: &str, binding: Option<&str>) {
    let mut opened = 0;
    if let Some(s) = Session::open(keys(), text, SESSION_NOW) {
        opened += 1;
        assert!(SESSION_NOW < s.exp, "a session past its end opened");
        assert!(Session::open(keys(), text, s.exp).is_none(), "a session opened at its end");
        assert!(Session::open(other_keys(), text, SESSION_NOW).is_none(), "another site's key opened it");
        let nonce = nonce_of(text).unwrap_or_else(|| panic!("{text:?} opened but is not base64url"));
        assert_eq!(s.seal(keys(), nonce), text, "a session opened from a text sealing does not give");
    }
    if let Some(t) = Tokens::open(keys(), text, &SESSION_ID) {
        opened += 1;
        assert_eq!(t.session, SESSION_ID);
        assert!(Tokens::open(keys(), text, &SessionId([0; 16])).is_none(), "tokens opened for another session");
        assert!(Tokens::open(other_keys(), text, &SESSION_ID).is_none(), "another site's key opened them");
        let nonce = nonce_of(text).unwrap_or_else(|| panic!("{text:?} opened but is not base64url"));
        assert_eq!(t.seal(keys(), nonce), text, "tokens opened from a text sealing does not give");
    }
    if let Ok(state) = login::open_state(site(), text, binding, SESSION_NOW) {
        opened += 1;
        assert!(binding.is_some(), "a login state opened without its binding cookie");
        let return_to = match &state {
            Opened::Ready(p) => {
                assert!(!p.verifier.is_empty() && !p.nonce.is_empty());
                &p.return_to
            }
            Opened::Expired { return_to } => return_to,
        };
        let local =
            return_to.starts_with('/') && !return_to.starts_with("//") && !return_to.contains(['\\', '\r', '\n']);
        assert!(local, "return path {return_to:?} leaves the site");
        assert!(login::open_state(site(), text, None, SESSION_NOW).is_err());
    }
    assert!(opened <= 1, "{text:?} opened for {opened} purposes");
}

/// A session as the corpus carries it: signed in at 1000, valid until 2000.
pub fn alice(groups: usize) -> Session {
    Session {
        id: SESSION_ID,
        sub: "alice".into(),
        sid: Some("op-session".into()),
        email: Some("alice@example.test".into()),
        name: Some("Alice".into()),
        groups: (0..groups).map(|i| format!("group-{i:04}")).chain(["staff".to_owned()]).collect(),
        iat: 1000,
        exp: 2000,
        seen: 1000,
        refresh_at: Some(1300),
        generation: 0,
    }
}

/// Seeds: real cookies of the fixed site (session, chunked session, tokens, login binding and
/// state), with the neighbours browsers send along.
pub fn seeds() -> crate::Seeds {
    let c = &site().config.session.cookie;
    let session = alice(0).seal(keys(), [1; 12]);
    let big = alice(400).seal(keys(), [2; 12]);
    let settings = &c.session_attrs;
    let parts: Vec<String> = cookies::set_chunked(c, settings, &c.name, &big, cookies::Lifetime::Seconds(60), 0)
        .iter()
        .map(|sc| sc.split(';').next().unwrap_or_default().to_owned())
        .collect();
    let tokens = Tokens {
        session: SESSION_ID,
        generation: 0,
        refresh_token: Some("8xLOxBtZp8".into()),
        id_token: Some("eyJhbGciOiJSUzI1NiJ9.e30.c2ln".into()),
        access_token: None,
    }
    .seal(keys(), [3; 12]);
    let (state, binding) = login_start("/docs/guide.html?x=1");
    let (far_state, _) = login_start("//evil.example/x");
    let name = &c.name;
    let cases = [
        ("session", format!("{name}={session}")),
        ("session-among-others", format!("theme=dark; {name}={session}; _ga=GA1.2.3")),
        ("session-non-ascii-neighbour", format!("pref=Jos\u{e9}; {name}={session}")),
        ("session-two-lines", format!("a=1\n{name}={session}")),
        ("session-quoted", format!("{name}=\"{session}\"")),
        ("session-chunked", parts.join("; ")),
        ("tokens", format!("{}={tokens}; {name}={session}", c.tokens_name)),
        ("login", format!("{}={binding}; {STATE}={state}", c.login_name)),
        ("login-far-return", format!("{}={binding}; {STATE}={far_state}", c.login_name)),
        ("login-wrong-binding", format!("{}=AAAAAAAAAAAAAAAAAAAAAA; {STATE}={state}", c.login_name)),
        ("empty-values", format!("{name}=; {name}.1=; =x; ;;")),
        ("bare", session.clone()),
    ];
    cases.into_iter().map(|(n, v)| (n.to_owned(), v.into_bytes())).collect()
}

/// `(state, binding cookie value)` of a login started for `return_to` at 1000.
fn login_start(return_to: &str) -> (String, String) {
    let doc = format!(
        r#"{{"issuer":"{ISSUER}","authorization_endpoint":"{ISSUER}/auth","token_endpoint":"{ISSUER}/token","jwks_uri":"{ISSUER}/jwks"}}"#
    );
    let disc = Discovery::parse(doc.as_bytes(), ISSUER).unwrap_or_else(|e| panic!("discovery: {e}"));
    let rnd = LoginRandom { binding: [5; 16], verifier: [6; 32], nonce: [7; 16], seal: [8; 12] };
    let r = login::begin(site(), &disc, return_to, None, 1000, &rnd);
    let header = |n: &str| {
        r.headers.iter().find(|(k, _)| k == n).and_then(|(_, v)| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    let location = header("location");
    let state = location.split(['?', '&']).find_map(|kv| kv.strip_prefix("state=")).unwrap_or_default().to_owned();
    let binding =
        header("set-cookie").split(';').next().and_then(|kv| kv.split_once('=')).unwrap_or_default().1.to_owned();
    (state, binding)
}

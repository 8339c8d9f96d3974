//! Starting a login and finishing it, statelessly and tab-safe.
//!
//! The PKCE verifier, nonce, return path and start time travel inside `state`, sealed with the
//! keyring; `state` is bound to this browser by one long-lived login cookie holding a random
//! binding id. Any number of tabs can log in at once (each has its own `state`, all share the
//! one cookie), and nothing piles up. The return path is always a path on this site.

use aws_lc_rs::constant_time;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::cookies::{self, Lifetime};
use crate::error::Error;
use crate::keyring::{NONCE_LEN, Purpose};
use crate::oidc::{self, Discovery, IdClaims, IdTokenCheck, IdTokenError, KeySet, TokenResponse};
use crate::path::NormPath;
use crate::refresh;
use crate::reply::Reply;
use crate::session::tokens::Tokens;
use crate::session::{Session, SessionId};
use crate::session_cookies::{RawTokens, raw_tokens, rule_groups};
use crate::site::Site;

pub use crate::prompt::Prompt;

/// Random bytes one login start needs; the adapter fills them from a CSPRNG.
#[derive(Debug, Clone)]
pub struct LoginRandom {
    pub binding: [u8; 16],
    pub verifier: [u8; 32],
    pub nonce: [u8; 16],
    pub seal: [u8; NONCE_LEN],
}

/// Longest return path (with query) carried through a login; longer ones lose their query
/// (then fall back to `/`) so that `state` stays well inside URL limits at every provider.
pub const MAX_RETURN: usize = 2048;
const FORMAT: u8 = 1;

#[derive(Serialize, Deserialize)]
struct State {
    format: u8,
    binding: [u8; 16],
    verifier: String,
    nonce: String,
    return_to: String,
    issued: u64,
}

/// What the callback recovered from `state`: enough to redeem the code and land the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub verifier: String,
    pub nonce: String,
    /// A same-site path with query, e.g. `/docs/guide.html?section=intro`.
    pub return_to: String,
    /// The name this authorization response is remembered by once used (RFC 9700 §4.5: it
    /// is usable once), and until when (Unix seconds: the state is refused after that anyway).
    pub once: Once,
}

/// What makes one authorization response single-use: a key derived from its sign-in's nonce
/// (unique per login, sealed in `state`, so only the browser holding the state can use it)
/// and how long it must be remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Once {
    /// 32 hex characters.
    pub key: String,
    pub until: u64,
}

impl Once {
    fn of(nonce: &str, until: u64) -> Once {
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, format!("authfront once v1\0{nonce}").as_bytes());
        Once { key: d.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect(), until }
    }
}

/// The answer to an authorization response used a second time (a replayed callback URL, the
/// back button): nothing is redeemed. A browser already signed in goes on to its page; any
/// other gets the "used already" page.
pub fn replayed(site: &Site, pending: &Pending, signed_in: bool) -> Reply {
    let page = site.url_for(&pending.return_to);
    if signed_in { Reply::redirect(&page, &[]) } else { Reply::error(&Error::CallbackReplayed, Some(&page)) }
}

/// A return path fit to carry: a local path (never `//host` or `/\host`), query kept when short.
pub fn return_path(path: &str, query: Option<&str>) -> String {
    let safe = |p: &str| p.starts_with('/') && !p.starts_with("//") && !p.contains(['\\', '\r', '\n']);
    if !safe(path) || path.len() > MAX_RETURN {
        return "/".to_owned();
    }
    match query {
        Some(q) if !q.is_empty() && path.len() + 1 + q.len() <= MAX_RETURN && !q.contains(['\r', '\n']) => {
            format!("{path}?{q}")
        }
        _ => path.to_owned(),
    }
}

/// The return path for a request of `path` with `query` (the one rule, for every endpoint).
pub fn return_to(path: &NormPath, query: Option<&str>) -> String {
    return_path(&path.encoded(), query)
}

/// Starts a login: `302` to the provider's authorization endpoint with a fresh sealed `state`,
/// and the binding cookie set (reused when this browser already has one).
pub fn begin(
    site: &Site,
    disc: &Discovery,
    return_to: &str,
    binding_cookie: Option<&str>,
    now: u64,
    rnd: &LoginRandom,
) -> Reply {
    begin_with(site, disc, return_to, None, binding_cookie, now, rnd)
}

/// [`begin`], asking the provider for `prompt` (it replaces a `prompt` of `oidc.auth_params`:
/// the visitor asked for this one sign-in).
pub fn begin_with(
    site: &Site,
    disc: &Discovery,
    return_to: &str,
    prompt: Option<Prompt>,
    binding_cookie: Option<&str>,
    now: u64,
    rnd: &LoginRandom,
) -> Reply {
    let cfg = &site.config;
    let binding = binding_cookie.and_then(decode_binding).unwrap_or(rnd.binding);
    let verifier = oidc::verifier(&rnd.verifier);
    let nonce = URL_SAFE_NO_PAD.encode(rnd.nonce);
    let state = State {
        format: FORMAT,
        binding,
        verifier: verifier.clone(),
        nonce: nonce.clone(),
        return_to: return_or_home(site, return_to),
        issued: now,
    };
    // postcard into a Vec cannot fail for these plain types.
    let plain = postcard::to_allocvec(&state).unwrap_or_default();
    let sealed = cfg.session.keys.seal(Purpose::LoginState, &plain, rnd.seal);
    let url = oidc::authorize_url(
        &cfg.oidc,
        &disc.authorization_endpoint,
        &site.redirect_uri,
        &sealed,
        &nonce,
        &oidc::challenge(&verifier),
    );
    let url = match prompt {
        Some(p) => with_prompt(url, p.for_provider(&disc.prompt_values)),
        None => url,
    };
    let c = &cfg.session.cookie;
    // Path=/ (the default) so that a login started from any page reuses this browser's binding.
    let cookie = cookies::set(
        c,
        &c.login_attrs,
        &c.login_name,
        &URL_SAFE_NO_PAD.encode(binding),
        Lifetime::Seconds(cfg.oidc.login_timeout_secs),
        true,
    );
    Reply::redirect(&url, &[cookie])
}

/// `url` with its `prompt` parameter (if any) replaced by `prompt`.
fn with_prompt(url: String, prompt: Prompt) -> String {
    let Ok(mut u) = url::Url::parse(&url) else { return url };
    let kept: Vec<(String, String)> =
        u.query_pairs().filter(|(k, _)| k != "prompt").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    u.query_pairs_mut().clear().extend_pairs(kept).append_pair("prompt", prompt.as_str());
    u.into()
}

fn decode_binding(text: &str) -> Option<[u8; 16]> {
    URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()
}

/// Where a sign-in (or sign-out) may return: a same-site path (query kept when short), or an
/// absolute URL on a host [`Site::may_return_to`] allows (`forward_auth.hosts`). Anything else —
/// another site, `//host`, a scheme the site does not use — is `None`: the caller goes home.
pub fn return_checked(site: &Site, p: &str) -> Option<String> {
    if p.starts_with('/') {
        let (path, query) = match p.split_once('?') {
            Some((path, q)) => (path, Some(q)),
            None => (p, None),
        };
        let checked = return_path(path, query);
        // return_path falls back to "/" for anything off-site; only keep what was asked for.
        return (checked != "/" || path == "/").then_some(checked);
    }
    if p.len() > MAX_RETURN || p.contains(['\\', '\r', '\n']) {
        return None;
    }
    let url = url::Url::parse(p).ok()?;
    site.may_return_to(&url).then(|| url.to_string())
}

/// [`return_checked`], or home (`/`) for anything it refuses.
pub fn return_or_home(site: &Site, p: &str) -> String {
    return_checked(site, p).unwrap_or_else(|| "/".to_owned())
}

/// What opening `state` at the callback found.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// Valid, bound to this browser, in time.
    Ready(Pending),
    /// Valid and bound, but older than the login timeout: start again for the same page.
    Expired { return_to: String },
}

/// Opens `state` and checks it belongs to this browser (the binding cookie) and is in time.
pub fn open_state(site: &Site, state: &str, binding_cookie: Option<&str>, now: u64) -> Result<Opened, Error> {
    let plain = site
        .config
        .session
        .keys
        .open(Purpose::LoginState, state)
        .ok_or(Error::BadCallback("unknown or damaged state"))?;
    let s: State = postcard::from_bytes(&plain).map_err(|_| Error::BadCallback("unknown or damaged state"))?;
    if s.format != FORMAT {
        return Err(Error::BadCallback("unknown or damaged state"));
    }
    let bound = binding_cookie
        .and_then(decode_binding)
        .is_some_and(|b| constant_time::verify_slices_are_equal(&b, &s.binding).is_ok());
    if !bound {
        return Err(Error::StateMismatch);
    }
    let return_to = return_or_home(site, &s.return_to);
    if now > s.issued.saturating_add(site.config.oidc.login_timeout_secs) {
        return Ok(Opened::Expired { return_to });
    }
    let once = Once::of(&s.nonce, s.issued.saturating_add(site.config.oidc.login_timeout_secs));
    Ok(Opened::Ready(Pending { verifier: s.verifier, nonce: s.nonce, return_to, once }))
}

/// RFC 9207: an `iss` on the callback must be our issuer; when the provider says it always
/// sends one, it must be there.
pub fn check_iss(site: &Site, iss: Option<&str>, provider_sends_iss: bool) -> Result<(), Error> {
    match iss {
        Some(i) if i == site.config.oidc.issuer => Ok(()),
        Some(i) => Err(Error::IssuerMismatch { got: i.to_owned() }),
        None if provider_sends_iss => Err(Error::IssuerMismatch { got: "(missing)".to_owned() }),
        None => Ok(()),
    }
}

/// Verifies the ID token completely for this login.
pub fn verify(
    site: &Site,
    pending: &Pending,
    id_token: &str,
    keys: &KeySet,
    now: u64,
) -> Result<IdClaims, IdTokenError> {
    verify_id_token(site, id_token, keys, Some(&pending.nonce), now)
}

/// Verifies an ID token completely against this site's provider and client: with the login's
/// `nonce`, or none (a refreshed ID token).
pub fn verify_id_token(
    site: &Site,
    id_token: &str,
    keys: &KeySet,
    nonce: Option<&str>,
    now: u64,
) -> Result<IdClaims, IdTokenError> {
    let o = &site.config.oidc;
    let check = IdTokenCheck {
        issuer: &o.issuer,
        client_id: &o.client_id,
        trusted_audiences: &o.trusted_audiences,
        algs: &o.id_token_algs,
        skew_secs: o.clock_skew_secs,
        nonce,
        now,
    };
    oidc::verify_id_token(id_token, keys, &check)
}

/// The session a verified ID token earns, the provider tokens it keeps, and the raw tokens the
/// cookie modes hand to the page. `id` is a fresh random session id.
pub fn session_from(
    site: &Site,
    claims: &IdClaims,
    tokens: &TokenResponse,
    id: SessionId,
    now: u64,
) -> (Session, Tokens, RawTokens) {
    let cfg = &site.config.session;
    let keep_refresh = cfg.refresh && tokens.refresh_token.is_some();
    let session = Session {
        id,
        sub: claims.sub.clone(),
        sid: claims.sid.clone(),
        email: claims.email.clone(),
        name: claims.name.clone().or_else(|| claims.preferred_username.clone()),
        groups: rule_groups(site, claims),
        iat: now,
        exp: now.saturating_add(cfg.lifetime_secs),
        seen: now,
        refresh_at: if keep_refresh {
            refresh::refresh_at(site, now, tokens.expires_in, Some(claims.exp))
        } else {
            None
        },
        generation: 0,
    };
    let kept = Tokens {
        session: id,
        generation: 0,
        refresh_token: if keep_refresh { tokens.refresh_token.clone() } else { None },
        id_token: tokens.id_token.clone(),
        access_token: crate::session_cookies::kept_access_token(site, &tokens.access_token),
    };
    (session, kept, raw_tokens(claims, tokens))
}

/// Finishes a login: the session's cookies, and `302` back to the page first asked for.
pub fn finish(site: &Site, pending: &Pending, cookies: &[String]) -> Reply {
    Reply::redirect(&site.url_for(&pending.return_to), cookies)
}

#[cfg(test)]
pub(crate) mod tests;

//! The cookies a session is carried in, written after sign-in and refresh and cleared at
//! sign-out: the sealed session, the sealed provider tokens (split when large), the seeds'
//! cookie modes (raw tokens for the page's script) and the configured additional cookies.

use http::HeaderMap;

use crate::config::CookieMode;
use crate::cookies::{self, Lifetime};
use crate::keyring::NONCE_LEN;
use crate::oidc::{IdClaims, TokenResponse};
use crate::session::Session;
use crate::session::tokens::Tokens;
use crate::site::Site;

/// Provider tokens as received, for the cookie modes that hand them to the page's script.
#[derive(Clone, Default)]
pub struct RawTokens {
    pub id_token: Option<String>,
    pub access_token: Option<String>,
    pub scope: Option<String>,
    /// The user name the modes key their cookies by (`cognito:username`, else
    /// `preferred_username`, else `sub`).
    pub username: String,
}

impl std::fmt::Debug for RawTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawTokens").field("username", &self.username).finish_non_exhaustive()
    }
}

/// What the cookie modes need from a token response.
pub(crate) fn raw_tokens(claims: &IdClaims, tokens: &TokenResponse) -> RawTokens {
    let username = claims
        .raw
        .get("cognito:username")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or_else(|| claims.preferred_username.clone())
        .unwrap_or_else(|| claims.sub.clone());
    RawTokens {
        id_token: tokens.id_token.clone(),
        access_token: Some(tokens.access_token.clone()).filter(|t| !t.is_empty()),
        scope: tokens.scope.clone(),
        username,
    }
}

/// The access token to keep sealed: only with `proxy.pass_access_token`.
pub(crate) fn kept_access_token(site: &Site, token: &str) -> Option<String> {
    site.config.proxy.access_token_header.as_ref().and(Some(token.to_owned())).filter(|t| !t.is_empty())
}

/// The access token of `user`'s session from the request's tokens cookie, with
/// `proxy.pass_access_token` (`None` without: the cookie is then never opened per request).
/// Only the tokens of the session's current generation: an older cookie's token is stale.
pub fn access_token(site: &Site, req: &HeaderMap, user: &Session) -> Option<String> {
    site.config.proxy.access_token_header.as_ref()?;
    let cfg = &site.config.session;
    let sealed = crate::cookies::find_chunked(req, &cfg.cookie.tokens_name)?;
    Tokens::open(&cfg.keys, &sealed, &user.id).filter(|t| t.generation == user.generation)?.access_token
}

/// The groups of `claims` that some rule refers to.
pub(crate) fn rule_groups(site: &Site, claims: &IdClaims) -> Vec<String> {
    let groups = claims.groups(&site.config.access.groups_claim);
    groups.into_iter().filter(|g| site.rule_groups.contains(g)).collect()
}

/// Random bytes for sealing one session's cookies.
#[derive(Debug, Clone, Copy)]
pub struct SealNonces {
    pub session: [u8; NONCE_LEN],
    pub tokens: [u8; NONCE_LEN],
}

/// Every `Set-Cookie` a new or refreshed session needs. `req` is the request being answered
/// (to remove token parts left over from a larger earlier value).
pub fn write(
    site: &Site,
    req: &HeaderMap,
    session: &Session,
    tokens: &Tokens,
    raw: &RawTokens,
    nonces: SealNonces,
    now: u64,
) -> Vec<String> {
    let cfg = &site.config.session;
    let c = &cfg.cookie;
    let life = Lifetime::Seconds(session.exp.saturating_sub(now));
    let mut out =
        vec![cookies::set(c, &c.session_attrs, &c.name, &session.seal(&cfg.keys, nonces.session), life, true)];
    let present = cookies::chunks_present(req, &c.tokens_name);
    if tokens.is_empty() {
        if present > 0 {
            out.extend(cookies::clear_chunked(c, &c.tokens_attrs, &c.tokens_name, present));
        }
    } else {
        let sealed = tokens.seal(&cfg.keys, nonces.tokens);
        out.extend(cookies::set_chunked(c, &c.tokens_attrs, &c.tokens_name, &sealed, life, present));
    }
    for (name, value) in mode_cookies(site, raw) {
        out.push(cookies::set(c, &c.mode_attrs, &name, &value, life, false));
    }
    out
}

/// The session cookie again with the last-activity time moved to `now` (idle timeout).
pub fn touch(site: &Site, u: &Session, now: u64, nonce: [u8; NONCE_LEN]) -> String {
    let cfg = &site.config.session;
    let mut s = u.clone();
    s.seen = now;
    let c = &cfg.cookie;
    cookies::set(
        c,
        &c.session_attrs,
        &c.name,
        &s.seal(&cfg.keys, nonce),
        Lifetime::Seconds(s.exp.saturating_sub(now)),
        true,
    )
}

/// The additional cookies, set once after sign-in.
pub fn additional(site: &Site) -> Vec<String> {
    let c = &site.config.session.cookie;
    site.config
        .session
        .additional_cookies
        .iter()
        .map(|x| {
            cookies::set(c, &x.attrs, &x.name, &x.value, Lifetime::Seconds(site.config.session.lifetime_secs), false)
        })
        .collect()
}

/// Removals of every cookie authfront may have set, for sign-out (the login cookie stays:
/// it only binds logins to this browser and holds nothing).
pub fn clear(site: &Site, req: &HeaderMap) -> Vec<String> {
    let cfg = &site.config.session;
    let c = &cfg.cookie;
    let mut out = vec![cookies::set(c, &c.session_attrs, &c.name, "", Lifetime::Expired, true)];
    out.extend(cookies::clear_chunked(
        c,
        &c.tokens_attrs,
        &c.tokens_name,
        cookies::chunks_present(req, &c.tokens_name),
    ));
    for name in mode_cookie_names_in(site, req) {
        out.push(cookies::set(c, &c.mode_attrs, &name, "", Lifetime::Expired, false));
    }
    for x in &cfg.additional_cookies {
        out.push(cookies::set(c, &x.attrs, &x.name, "", Lifetime::Expired, false));
    }
    out.extend(crate::cloudfront::login::clear(site));
    out
}

const AMPLIFY: &str = "CognitoIdentityServiceProvider";

/// The seeds' cookie modes. Amplify: the names Amplify's `Auth` reads (keyed by client id and
/// user name); Elasticsearch: the names Amazon Elasticsearch/OpenSearch with Cognito uses.
/// Refresh tokens are never written here: they are kept only sealed, and authfront refreshes
/// for the page.
fn mode_cookies(site: &Site, raw: &RawTokens) -> Vec<(String, String)> {
    let client = &site.config.oidc.client_id;
    let mut out = Vec::new();
    match site.config.session.mode {
        CookieMode::Sealed => {}
        CookieMode::Amplify => {
            let user = cookie_safe(&raw.username);
            out.push((format!("{AMPLIFY}.{client}.LastAuthUser"), user.clone()));
            if let Some(t) = &raw.id_token {
                out.push((format!("{AMPLIFY}.{client}.{user}.idToken"), t.clone()));
            }
            if let Some(t) = &raw.access_token {
                out.push((format!("{AMPLIFY}.{client}.{user}.accessToken"), t.clone()));
            }
            if let Some(s) = &raw.scope {
                out.push((format!("{AMPLIFY}.{client}.{user}.tokenScopesString"), cookie_safe(s)));
            }
            out.push(("amplify-signin-with-hostedUI".to_owned(), "true".to_owned()));
        }
        CookieMode::Elasticsearch => {
            if let Some(t) = &raw.id_token {
                out.push(("ID-TOKEN".to_owned(), t.clone()));
            }
            if let Some(t) = &raw.access_token {
                out.push(("ACCESS-TOKEN".to_owned(), t.clone()));
            }
            out.push(("COGNITO-ENABLED".to_owned(), "True".to_owned()));
        }
    }
    out
}

/// Names of mode cookies present in the request (their names depend on the user).
fn mode_cookie_names_in(site: &Site, req: &HeaderMap) -> Vec<String> {
    let mut names = Vec::new();
    match site.config.session.mode {
        CookieMode::Sealed => {}
        CookieMode::Amplify => {
            let prefix = format!("{AMPLIFY}.{}.", site.config.oidc.client_id);
            for (name, _) in cookies::pairs(req) {
                if let Ok(name) = std::str::from_utf8(name)
                    && name.starts_with(&prefix)
                {
                    names.push(name.to_owned());
                }
            }
            names.push("amplify-signin-with-hostedUI".to_owned());
        }
        CookieMode::Elasticsearch => {
            names.extend(["ID-TOKEN", "ACCESS-TOKEN", "COGNITO-ENABLED"].map(str::to_owned));
        }
    }
    names
}

/// Cookie names and values may only hold RFC 6265 token characters; anything else in a user name
/// or scope string is percent-encoded (Amplify's cookie storage decodes it).
fn cookie_safe(s: &str) -> String {
    const NOT_TOKEN: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'\'')
        .remove(b'*')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, NOT_TOKEN).to_string()
}

#[cfg(test)]
mod tests;

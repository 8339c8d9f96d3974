//! `[session]` → [`Session`]: keys, lifetimes, refresh, cookie names, modes and attributes; and
//! the warning when the cookies could outgrow common 8 KB header limits.

use super::raw::{RawConfig, RawCookieAttrs};
use super::value::{Resolver, duration_secs, secret};
use super::{ConfigError, CookieAttrs, CookieMode, CookieSettings, ExtraCookie, SameSite, Session};
use crate::keyring::Keyring;

pub(super) fn build(raw: &RawConfig, resolve: &mut Resolver<'_>) -> Result<Session, ConfigError> {
    let s = &raw.session;
    if s.keys.is_empty() {
        return Err(ConfigError::new("session.keys", "needs at least one key (`authfront keygen` prints one)"));
    }
    let mut material = Vec::new();
    for (i, k) in s.keys.iter().enumerate() {
        let key = format!("session.keys[{i}]");
        let value = secret(&key, k, resolve)?;
        material.push(Keyring::decode_key(value.expose()).map_err(|p| ConfigError::new(&key, p))?);
    }
    let keys = Keyring::for_site(&material, &raw.oidc.issuer, &raw.oidc.client_id)
        .map_err(|p| ConfigError::new("session.keys", p))?;
    let lifetime_secs = duration_secs("session.lifetime", &s.lifetime)?;
    if lifetime_secs < 60 {
        return Err(ConfigError::new("session.lifetime", "must be at least 1m"));
    }
    let idle_timeout_secs = match &s.idle_timeout {
        Some(t) => {
            let secs = duration_secs("session.idle_timeout", t)?;
            if secs < 60 {
                return Err(ConfigError::new("session.idle_timeout", "must be at least 1m"));
            }
            Some(secs)
        }
        None => None,
    };
    let same_site = same_site("session.same_site", &s.same_site)?;
    if same_site == SameSite::None && !s.secure {
        return Err(ConfigError::new(
            "session.same_site",
            "`none` needs `session.secure = true` (browsers refuse it otherwise)",
        ));
    }
    let names = [
        ("session.cookie_name", &s.cookie_name),
        ("session.login_cookie_name", &s.login_cookie_name),
        ("session.tokens_cookie_name", &s.tokens_cookie_name),
    ];
    for (i, (key, name)) in names.iter().enumerate() {
        cookie_name(key, name, s.secure, s.domain.is_some())?;
        if names[..i].iter().any(|(_, other)| other == name) {
            return Err(ConfigError::new(*key, format!("`{name}` is already the name of another authfront cookie")));
        }
    }
    if let Some(d) = &s.domain {
        domain("session.domain", d)?;
    }
    let mode = match s.cookie_mode.as_str() {
        "sealed" => CookieMode::Sealed,
        "amplify" => CookieMode::Amplify,
        "elasticsearch" => CookieMode::Elasticsearch,
        other => {
            return Err(ConfigError::new(
                "session.cookie_mode",
                format!("`{other}` is not one of `sealed`, `amplify`, `elasticsearch`"),
            ));
        }
    };
    let mut attrs = [CookieAttrs::default(), CookieAttrs::default(), CookieAttrs::default(), CookieAttrs::default()];
    for (kind, a) in &s.cookies {
        let key = format!("session.cookies.{kind}");
        let slot = match kind.as_str() {
            "session" => 0,
            "tokens" => 1,
            "login" => 2,
            "mode" => 3,
            _ => return Err(ConfigError::new(&key, "is not one of `session`, `tokens`, `login`, `mode`")),
        };
        attrs[slot] = cookie_attrs(&key, a)?;
        // The sealed cookies carry the session: page scripts have no business reading them.
        if slot < 3 && attrs[slot].http_only == Some(false) {
            return Err(ConfigError::new(format!("{key}.http_only"), "authfront's sealed cookies are always HttpOnly"));
        }
        if attrs[slot].domain.is_some() && names[slot.min(2)].1.starts_with("__Host-") {
            return Err(ConfigError::new(format!("{key}.domain"), "a `__Host-` cookie cannot have a domain"));
        }
    }
    let [session_attrs, tokens_attrs, login_attrs, mode_attrs] = attrs;
    let mut additional_cookies = Vec::new();
    for (i, c) in s.additional_cookies.iter().enumerate() {
        let key = format!("session.additional_cookies[{i}]");
        cookie_name(&format!("{key}.name"), &c.name, s.secure, c.domain.is_some())?;
        if names.iter().any(|(_, n)| **n == c.name) {
            return Err(ConfigError::new(format!("{key}.name"), "is the name of one of authfront's own cookies"));
        }
        if c.value.chars().any(|ch| ch.is_control() || matches!(ch, ';' | ',' | ' ' | '"' | '\\')) {
            return Err(ConfigError::new(format!("{key}.value"), "may not contain spaces, quotes, `;`, `,` or `\\`"));
        }
        let raw_attrs = RawCookieAttrs {
            path: c.path.clone(),
            domain: c.domain.clone(),
            same_site: c.same_site.clone(),
            max_age: c.max_age.clone(),
            http_only: Some(c.http_only),
        };
        additional_cookies.push(ExtraCookie {
            name: c.name.clone(),
            value: c.value.clone(),
            attrs: cookie_attrs(&key, &raw_attrs)?,
        });
    }
    Ok(Session {
        keys,
        lifetime_secs,
        idle_timeout_secs,
        refresh: s.refresh,
        refresh_margin_secs: duration_secs("session.refresh_margin", &s.refresh_margin)?,
        refresh_grace_secs: duration_secs("session.refresh_grace", &s.refresh_grace)?,
        refresh_retry_secs: duration_secs("session.refresh_retry", &s.refresh_retry)?.max(1),
        cookie: CookieSettings {
            name: s.cookie_name.clone(),
            login_name: s.login_cookie_name.clone(),
            tokens_name: s.tokens_cookie_name.clone(),
            secure: s.secure,
            same_site,
            domain: s.domain.clone(),
            session_attrs,
            tokens_attrs,
            login_attrs,
            mode_attrs,
        },
        mode,
        additional_cookies,
    })
}

fn same_site(key: &str, text: &str) -> Result<SameSite, ConfigError> {
    match text.to_ascii_lowercase().as_str() {
        "lax" => Ok(SameSite::Lax),
        "strict" => Ok(SameSite::Strict),
        "none" => Ok(SameSite::None),
        other => Err(ConfigError::new(key, format!("`{other}` is not lax, strict or none"))),
    }
}

fn domain(key: &str, d: &str) -> Result<(), ConfigError> {
    if d.is_empty() || !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        return Err(ConfigError::new(key, format!("`{d}` is not a domain name")));
    }
    Ok(())
}

fn cookie_attrs(key: &str, a: &RawCookieAttrs) -> Result<CookieAttrs, ConfigError> {
    if let Some(p) = &a.path
        && (!p.starts_with('/') || p.chars().any(|c| c.is_control() || c == ';'))
    {
        return Err(ConfigError::new(format!("{key}.path"), format!("`{p}` is not a cookie path")));
    }
    if let Some(d) = &a.domain {
        domain(&format!("{key}.domain"), d)?;
    }
    Ok(CookieAttrs {
        path: a.path.clone(),
        domain: a.domain.clone(),
        same_site: a.same_site.as_deref().map(|s| same_site(&format!("{key}.same_site"), s)).transpose()?,
        max_age_secs: a.max_age.as_deref().map(|m| duration_secs(&format!("{key}.max_age"), m)).transpose()?,
        http_only: a.http_only,
    })
}

pub(super) fn cookie_name(key: &str, name: &str, secure: bool, has_domain: bool) -> Result<(), ConfigError> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(ConfigError::new(key, format!("`{name}` is not a valid cookie name")));
    }
    if name.starts_with("__Host-") && (!secure || has_domain) {
        return Err(ConfigError::new(key, "a `__Host-` cookie needs `session.secure = true` and no `session.domain`"));
    }
    if name.starts_with("__Secure-") && !secure {
        return Err(ConfigError::new(key, "a `__Secure-` cookie needs `session.secure = true`"));
    }
    Ok(())
}

/// Common request-header limits (nginx's default `large_client_header_buffers`, S3 and
/// CloudFront) are about 8 KB; the `Cookie` header alone should stay well under that.
const HEADER_BUDGET: usize = 8 * 1024;
/// Sizes assumed for a provider's tokens when estimating: large but common (Entra, Cognito).
const ID_TOKEN_GUESS: usize = 1600;
const ACCESS_TOKEN_GUESS: usize = 1600;
const REFRESH_TOKEN_GUESS: usize = 1800;

/// Warns when the cookies authfront may set could add up to more than common header limits.
pub(super) fn warnings(raw: &RawConfig, s: &Session) -> Vec<String> {
    // session cookie: sealed identity (~300 with groups); tokens cookie: sealed, base64 (4/3)
    let mut total = 400 + (ID_TOKEN_GUESS + if s.refresh { REFRESH_TOKEN_GUESS } else { 0 }) * 4 / 3 + 100;
    if raw.proxy.pass_access_token {
        total += ACCESS_TOKEN_GUESS * 4 / 3;
    }
    if s.mode != CookieMode::Sealed {
        total += ID_TOKEN_GUESS + ACCESS_TOKEN_GUESS + 300;
    }
    total += s.additional_cookies.iter().map(|c| c.name.len() + c.value.len() + 3).sum::<usize>();
    let rule_groups = raw.access.rules.iter().flat_map(|r| r.groups.iter().chain(&r.all_groups));
    let groups = raw.access.required_groups.iter().chain(rule_groups).map(|g| g.len() + 2).sum::<usize>();
    total += groups;
    if total > HEADER_BUDGET * 3 / 4 {
        vec![format!(
            "the cookies authfront sets may reach about {} bytes with large provider tokens; common request-header \
             limits are 8 KB (nginx, S3, CloudFront). Consider `session.cookie_mode = \"sealed\"`, fewer \
             `additional_cookies`, or `session.refresh = false`",
            total
        )]
    } else {
        Vec::new()
    }
}

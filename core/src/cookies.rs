//! Reading the request's `Cookie` headers and writing `Set-Cookie` values.
//!
//! Cookie values authfront writes are base64url text, so no quoting or escaping is needed; a
//! value read from a request is only ever handed to a sealed-value opener that refuses
//! anything it did not make.

use http::HeaderMap;
use http::header::COOKIE;

use crate::config::CookieSettings;

/// The value of the first cookie called `name` in the request's `Cookie` headers.
pub fn find<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    for h in headers.get_all(COOKIE) {
        let Ok(s) = h.to_str() else { continue };
        for pair in s.split(';') {
            let pair = pair.trim_start();
            if let Some(v) = pair.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')) {
                return Some(v.trim_end());
            }
        }
    }
    None
}

/// How long a cookie lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// `Max-Age` in seconds.
    Seconds(u64),
    /// Deletes the cookie.
    Expired,
}

/// A `Set-Cookie` value with the configured attributes (`HttpOnly` always).
pub fn set(settings: &CookieSettings, name: &str, value: &str, path: &str, life: Lifetime) -> String {
    let mut s = String::with_capacity(name.len() + value.len() + 96);
    s.push_str(name);
    s.push('=');
    s.push_str(value);
    s.push_str("; Path=");
    s.push_str(path);
    match life {
        Lifetime::Seconds(n) => {
            s.push_str("; Max-Age=");
            s.push_str(&n.to_string());
        }
        Lifetime::Expired => s.push_str("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
    }
    if let Some(d) = &settings.domain {
        s.push_str("; Domain=");
        s.push_str(d);
    }
    s.push_str("; HttpOnly");
    if settings.secure {
        s.push_str("; Secure");
    }
    s.push_str("; SameSite=");
    s.push_str(settings.same_site.as_str());
    s
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;
    use crate::config::SameSite;

    #[test]
    fn finds_exact_names_across_headers() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; authfront_sessionx=no"));
        h.append(COOKIE, HeaderValue::from_static("x=2;authfront_session=yes ; y=3"));
        assert_eq!(find(&h, "authfront_session"), Some("yes"));
        assert_eq!(find(&h, "a"), Some("1"));
        assert_eq!(find(&h, "missing"), None);
    }

    #[test]
    fn set_cookie_attributes() {
        let s = CookieSettings {
            name: "n".into(),
            login_name: "l".into(),
            secure: true,
            same_site: SameSite::Lax,
            domain: None,
        };
        assert_eq!(
            set(&s, "n", "v", "/", Lifetime::Seconds(60)),
            "n=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax"
        );
        assert!(set(&s, "n", "", "/", Lifetime::Expired).contains("Max-Age=0"));
    }
}

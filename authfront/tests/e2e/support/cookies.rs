//! `Set-Cookie` parsing and a browser's cookie jar, with RFC 6265 path rules.

use super::*;

/// One `Set-Cookie` header, parsed.
#[derive(Debug, Clone)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    /// Attributes in order, names as sent; flags have no value.
    pub attrs: Vec<(String, Option<String>)>,
}

impl SetCookie {
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let attrs = parts
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| match a.split_once('=') {
                Some((k, v)) => (k.trim().to_owned(), Some(v.trim().to_owned())),
                None => (a.to_owned(), None),
            })
            .collect();
        Some(Self { name: name.trim().to_owned(), value: value.trim().to_owned(), attrs })
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_deref())
    }

    pub fn has_flag(&self, name: &str) -> bool {
        self.attrs.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    }

    /// True when this header deletes the cookie (`Max-Age<=0` or an `Expires` in the past).
    pub fn is_removal(&self) -> bool {
        if let Some(age) = self.attr("Max-Age") {
            return !matches!(age.parse::<i64>(), Ok(a) if a > 0);
        }
        if let Some(exp) = self.attr("Expires") {
            return httpdate::parse_http_date(exp).is_ok_and(|t| t <= SystemTime::now());
        }
        false
    }
}

/// All `Set-Cookie` headers of a response.
pub fn set_cookies(headers: &HeaderMap) -> Vec<SetCookie> {
    headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).filter_map(SetCookie::parse).collect()
}

/// The `Set-Cookie` of `name` that sets (not deletes) it.
pub fn cookie_set<'a>(cookies: &'a [SetCookie], name: &str) -> Option<&'a SetCookie> {
    cookies.iter().find(|c| c.name == name && !c.is_removal())
}

/// A browser's cookies for one origin, with RFC 6265 path rules (a cookie scoped to
/// `/_authfront/callback` is not sent to `/docs/`), replacement by name and path, and deletion.
#[derive(Debug, Clone, Default)]
pub struct Jar {
    cookies: Vec<(String, String, String)>, // name, path, value
}

impl Jar {
    /// Stores the `Set-Cookie` headers of a response to `url`.
    pub fn store(&mut self, url: &Url, headers: &HeaderMap) {
        for c in set_cookies(headers) {
            let path = match c.attr("Path") {
                Some(p) if p.starts_with('/') => p.to_owned(),
                _ => default_path(url.path()),
            };
            self.cookies.retain(|(n, p, _)| !(n == &c.name && p == &path));
            if !c.is_removal() {
                self.cookies.push((c.name, path, c.value));
            }
        }
    }

    /// The `Cookie` header a browser would send to `url`, if any.
    pub fn header_for(&self, url: &Url) -> Option<String> {
        let mut matching: Vec<&(String, String, String)> =
            self.cookies.iter().filter(|(_, p, _)| path_matches(url.path(), p)).collect();
        matching.sort_by_key(|(_, p, _)| std::cmp::Reverse(p.len()));
        let header = matching.iter().map(|(n, _, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
        (!header.is_empty()).then_some(header)
    }

    /// Values of every cookie called `name` (whatever its path).
    pub fn values(&self, name: &str) -> Vec<String> {
        self.cookies.iter().filter(|(n, _, _)| n == name).map(|(_, _, v)| v.clone()).collect()
    }

    /// The one value of `name`; panics when there is none or several.
    pub fn value(&self, name: &str) -> String {
        let v = self.values(name);
        assert_eq!(v.len(), 1, "expected exactly one `{name}` cookie in the jar, found {v:?}");
        v[0].clone()
    }

    /// Replaces the value of every cookie called `name` (e.g. to tamper with it).
    pub fn replace(&mut self, name: &str, value: &str) {
        for c in self.cookies.iter_mut().filter(|(n, _, _)| n == name) {
            c.2 = value.to_owned();
        }
    }
}

fn default_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request_path[..i].to_owned(),
    }
}

fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request.as_bytes().get(cookie.len()) == Some(&b'/')))
}

/// One user's browser: authfront's cookies and the provider's, kept apart.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub app: Jar,
    pub op: Jar,
}

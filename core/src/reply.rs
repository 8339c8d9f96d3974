//! [`Reply`]: a complete answer authfront gives by itself (redirects, its own pages, health),
//! built by the core and written out unchanged by the server. Every one is `no-store`.

use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderName, HeaderValue, StatusCode};

use crate::error::Error;
use crate::page;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: String,
}

const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

impl Reply {
    /// `302 Found` to `location` (an absolute URL this code built), with cookies to set.
    pub fn redirect(location: &str, cookies: &[String]) -> Reply {
        let mut headers = Vec::with_capacity(2 + cookies.len());
        // Locations are built from validated parts; a value that still is not a valid header
        // falls back to the site root rather than failing the request.
        let loc = HeaderValue::try_from(location).unwrap_or(HeaderValue::from_static("/"));
        headers.push((LOCATION, loc));
        headers.push((CACHE_CONTROL, NO_STORE));
        for c in cookies {
            if let Ok(v) = HeaderValue::try_from(c.as_str()) {
                headers.push((SET_COOKIE, v));
            }
        }
        Reply { status: StatusCode::FOUND, headers, body: String::new() }
    }

    /// The page for a failure; `retry` is a same-site URL for "Try again".
    pub fn error(err: &Error, retry: Option<&str>) -> Reply {
        Reply::error_with(err, &page::Nav { retry: retry.map(str::to_owned), ..page::Nav::default() })
    }

    /// The page for a failure, with the next steps `nav` makes possible (e.g. sign out).
    pub fn error_with(err: &Error, nav: &page::Nav) -> Reply {
        Reply::page(&page::error(&err.page(), nav))
    }

    /// One of authfront's pages, rendered with the one template.
    pub fn page(p: &page::Page) -> Reply {
        Reply::html(p.status, page::render(p))
    }

    /// One of authfront's own HTML pages.
    pub fn html(status: StatusCode, body: String) -> Reply {
        Reply {
            status,
            headers: vec![
                (CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (CACHE_CONTROL, NO_STORE),
                (CONTENT_SECURITY_POLICY, HeaderValue::from_static(page::PAGE_CSP)),
                (HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff")),
                (HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY")),
                (HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer")),
            ],
            body,
        }
    }

    /// A short plain-text answer (health checks).
    pub fn text(status: StatusCode, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![
                (CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
                (CACHE_CONTROL, NO_STORE),
            ],
            body: body.to_owned(),
        }
    }

    /// Adds a header (e.g. `Allow`, `Set-Cookie`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Reply {
        self.headers.push((name, value));
        self
    }
}

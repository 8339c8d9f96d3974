//! Responses read whole, and GET with a jar.

use super::*;

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub url: Url,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Url {
        let loc =
            self.headers.get(LOCATION).unwrap_or_else(|| panic!("{} {}: no Location header", self.status, self.url));
        let loc = loc.to_str().expect("ASCII Location");
        self.url.join(loc).unwrap_or_else(|e| panic!("bad Location {loc:?}: {e}"))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn cookies(&self) -> Vec<SetCookie> {
        set_cookies(&self.headers)
    }

    /// Panics unless `Cache-Control` says `no-store`.
    pub fn assert_no_store(&self) {
        let cc =
            self.headers.get_all(CACHE_CONTROL).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ");
        assert!(
            cc.to_ascii_lowercase().contains("no-store"),
            "{} {}: Cache-Control is {cc:?}, expected no-store",
            self.status,
            self.url
        );
    }

    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.body.contains(needle),
            "{} {}: body lacks {needle:?}:\n{}",
            self.status,
            self.url,
            excerpt(&self.body)
        );
    }
}

pub(crate) fn excerpt(body: &str) -> &str {
    let end = body.char_indices().nth(2000).map_or(body.len(), |(i, _)| i);
    &body[..end]
}

/// GET `url` with the jar's cookies; stores the response's cookies in the jar.
pub async fn get(client: &reqwest::Client, jar: &mut Jar, url: &Url) -> Page {
    get_with(client, jar, url, &[]).await
}

/// GET `url` with the jar's cookies and extra request headers; stores the response's cookies.
pub async fn get_with(client: &reqwest::Client, jar: &mut Jar, url: &Url, headers: &[(&str, &str)]) -> Page {
    let mut req = client.get(url.clone());
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    send(req, jar, url, "GET").await
}

/// POST a form with the jar's cookies; stores the response's cookies.
pub async fn post_form(client: &reqwest::Client, jar: &mut Jar, url: &Url, fields: &[(&str, &str)]) -> Page {
    send(client.post(url.clone()).form(fields), jar, url, "POST").await
}

async fn send(mut req: reqwest::RequestBuilder, jar: &mut Jar, url: &Url, method: &str) -> Page {
    if let Some(c) = jar.header_for(url) {
        req = req.header(COOKIE, c);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status();
    let headers = resp.headers().clone();
    jar.store(url, &headers);
    let body = resp.text().await.unwrap_or_else(|e| panic!("{method} {url}: reading the body: {e}"));
    Page { url: url.clone(), status, headers, body }
}

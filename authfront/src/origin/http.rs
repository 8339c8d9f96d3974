//! The HTTP(S) origin: requests go to `{base}{path}?{query}` over the pooled client, with the
//! headers [`authfront_core::proxy`] decides (identity, `X-Forwarded-*`, secret header, no
//! authfront cookies), bodies streamed both ways.
//!
//! It applies the static-site index rewrite and the SPA fallback like every origin, rewrites a
//! `Location` pointing into the origin to point at the site, and passes everything else of
//! the answer on as it is (the origin's own error pages included). It never buffers a body.

use std::sync::Arc;

use authfront_core::config::{self, SecretHeader};
use authfront_core::error::Error;
use authfront_core::{path, proxy, route};
use http::header::{HOST, LOCATION};
use http::{HeaderValue, Method, Request, Response, StatusCode};

use super::Fetch;
use super::client::Client;
use crate::body::{self, Body};

/// What every HTTP origin's requests share: the proxy rules and where the site is.
#[derive(Debug)]
pub struct Shared {
    pub proxy: config::Proxy,
    /// Client headers that never pass, in any spelling.
    pub protected: authfront_core::screen::Protected,
    pub own_cookies: proxy::OwnCookies,
    pub public_url: String,
}

#[derive(Debug)]
pub struct Http {
    /// `scheme://authority[/base]`, no trailing slash.
    base: String,
    /// The `Host` the origin expects: its own authority.
    host: HeaderValue,
    client: Client,
    static_site: bool,
    spa: bool,
    secret: Option<SecretHeader>,
    shared: Arc<Shared>,
}

impl Http {
    pub fn new(origin: &config::Origin, http: &config::HttpOrigin, shared: Arc<Shared>) -> Result<Http, String> {
        let authority = http.base.split_once("://").map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
        let host = HeaderValue::try_from(authority).map_err(|e| format!("host of {}: {e}", http.base))?;
        Ok(Http {
            base: http.base.clone(),
            host,
            client: Client::new(origin.timeouts)?,
            static_site: origin.static_site,
            spa: origin.spa,
            secret: origin.secret_header.clone(),
            shared,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn fetch(&self, f: Fetch, body: Option<Body>) -> Result<Response<Body>, Error> {
        let object = route::object_path(&f.path, self.static_site);
        let resp = self.send(&f, &object, body).await?;
        let safe = f.method == Method::GET || f.method == Method::HEAD;
        if resp.status() == StatusCode::NOT_FOUND && self.spa && safe && route::is_navigation(&f.path, &f.headers) {
            return self.send(&f, &route::spa_path(), None).await;
        }
        Ok(resp)
    }

    async fn send(&self, f: &Fetch, object: &str, body: Option<Body>) -> Result<Response<Body>, Error> {
        let mut uri = format!("{}{}", self.base, path::encode(object));
        if let Some(q) = &f.query {
            uri.push('?');
            uri.push_str(q);
        }
        let ctx = proxy::Context {
            proxy: &self.shared.proxy,
            protected: &self.shared.protected,
            own_cookies: &self.shared.own_cookies,
            user: f.user.as_ref(),
            access_token: f.access_token.as_deref(),
            client_ip: f.client_ip,
            public_url: &self.shared.public_url,
            // a preflight let through unauthenticated must not look like authfront's own request
            secret: self.secret.as_ref().filter(|_| !f.preflight).map(|s| (&s.name, s.value.expose())),
        };
        let mut headers = proxy::request_headers(&f.headers, &ctx, f.keep_conditions);
        for (n, v) in &f.extra {
            headers.insert(n.clone(), v.clone());
        }
        headers.insert(HOST, self.host.clone());
        let mut req = Request::builder()
            .method(f.method.clone())
            .uri(&uri)
            .body(body.unwrap_or_else(body::empty))
            .map_err(|e| Error::Internal(format!("request to {uri}: {e}")))?;
        *req.headers_mut() = headers;
        let what = format!("{} {uri}", f.method);
        let resp = self.client.send(req, &what).await?;
        let (mut parts, body) = resp.into_parts();
        parts.headers = proxy::response_headers(&parts.headers);
        if let Some(loc) = parts.headers.get(LOCATION).and_then(|v| v.to_str().ok())
            && let Some(to) = proxy::rewrite_location(loc, &self.base, &self.shared.public_url)
            && let Ok(v) = HeaderValue::try_from(to)
        {
            parts.headers.insert(LOCATION, v);
        }
        Ok(Response::from_parts(parts, body))
    }
}

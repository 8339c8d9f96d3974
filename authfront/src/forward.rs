//! The forward step, for a request the core allowed (`Action::Forward`): route → cache → origin →
//! compression → response headers. The server calls [`forward`] and knows nothing of what
//! happens here or which origin kind answers.
//!
//! Cacheability, freshness, compression and conditional judgements are the core's; this module
//! only carries them out. It never stores anything the core did not allow, and it adds the
//! configured security headers to every origin answer (never to authfront's own pages, which
//! carry their own).

use std::net::IpAddr;
use std::sync::Arc;

use authfront_core::cache::{self, CacheStatus, Key, Use};
use authfront_core::compress::{self as rules, Encoding};
use authfront_core::conditional::{self, Outcome};
use authfront_core::error::Error;
use authfront_core::path::NormPath;
use authfront_core::proxy;
use authfront_core::reply::Reply;
use authfront_core::session::Session;
use bytes::Bytes;
use http::header::{AGE, CONTENT_LENGTH, RANGE};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};

use crate::app::App;
use crate::body::{self, Body};
use crate::cache::Entry;
use crate::cache::fill::Served;
use crate::compress;
use crate::origin::Fetch;
use crate::upload;

const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// Serves an allowed request for `path` and `query` (what the core allowed: the normalised
/// path, the query without signing parameters) from the cache or its origin; `user` is the
/// signed-in user, if any; `client` the peer (for `X-Forwarded-For`). Never fails: errors
/// become pages.
pub async fn forward(app: &App, parts: &Parts, target: Target<'_>, body: Option<Body>) -> Response<Body> {
    let head = parts.method == Method::HEAD;
    let server = &app.site.config.server.guard.limits;
    let limit = app.site.config.proxy.max_request_body;
    // an unauthenticated preflight carries nothing of the client's beyond its head
    let (body, upload) = if target.preflight {
        (None, upload::none(limit, server.request_body_timeout))
    } else {
        upload::body(body, limit, server.request_body_timeout)
    };
    let served = serve(app, &target, parts, body).await;
    // an upload the client broke, stalled or overfilled is the client's error, not the origin's,
    // even when the origin answered before reading it all
    upload.settle().await;
    let served = match upload.blame() {
        Some(e) => Err(e),
        None => served,
    };
    match served {
        Ok(mut resp) => {
            let h = resp.headers_mut();
            // one growth of the map, not one per header
            h.reserve(app.site.config.headers.len() + 1);
            if let Some(cc) = proxy::protected_cache_control(h, target.public) {
                h.insert(http::header::CACHE_CONTROL, cc);
            }
            for (n, v) in &app.site.config.headers {
                h.insert(n.clone(), v.clone());
            }
            resp
        }
        Err(e) => {
            crate::report::error(&e, parts.uri.path());
            body::reply(Reply::error(&e, None), head)
        }
    }
}

/// What the core allowed, and who asks.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The normalised path the rules allowed.
    pub path: &'a NormPath,
    /// The query without signing parameters.
    pub query: Option<&'a str>,
    /// The signed-in user, if any (public paths too).
    pub user: Option<&'a Session>,
    /// `user`'s access token, with `proxy.pass_access_token`.
    pub access_token: Option<&'a str>,
    /// The peer (for `X-Forwarded-For`).
    pub client: IpAddr,
    /// Served because the path is public (otherwise a protected answer, kept by no cache in
    /// between unless the origin says so).
    pub public: bool,
    /// An unauthenticated CORS preflight (`access.preflight = "origin"`): no body, no
    /// identity, no secret header.
    pub preflight: bool,
    /// The request's clock reading (Unix seconds), taken once when it arrived.
    pub now: u64,
}

async fn serve(app: &App, t: &Target<'_>, parts: &Parts, body: Option<Body>) -> Result<Response<Body>, Error> {
    let origin = app.origins.select(&app.site.config, t.path);
    let now = t.now;
    // Built only when the origin is asked: a cache hit copies no header, path or session.
    let fetch = || Fetch {
        method: parts.method.clone(),
        path: t.path.clone(),
        query: t.query.map(str::to_owned),
        headers: parts.headers.clone(),
        keep_conditions: true,
        extra: Vec::new(),
        user: t.user.cloned(),
        access_token: t.access_token.map(str::to_owned),
        client_ip: Some(t.client),
        preflight: t.preflight,
        now,
    };
    // a range is of the identity bytes; compressing it would change what it counts
    let want = if parts.headers.contains_key(RANGE) { Encoding::Identity } else { rules::negotiate(&parts.headers) };
    if !origin.cached() || !app.cache.enabled() {
        let may_see = |p: &NormPath| authfront_core::decide::may_see(&app.site, p, t.user);
        let resp = origin.pass(parts, t.path, t.query, &may_see, fetch, body).await?;
        return Ok(streamed(app, parts, resp, want, None));
    }
    let key = Key::new(t.path, t.query);
    let cfg = &app.site.config;
    // the origin is told who asks: its answer may be this user's own
    let personal = origin.identifies() && proxy::identifies(&cfg.proxy, t.user);
    match cache::usage(&cfg.cache, key.path(), &parts.method, &parts.headers, body.is_some(), personal) {
        Use::Bypass => {
            let resp = origin.fetch(fetch(), body).await?;
            if cache::invalidates(&parts.method, resp.status()) {
                app.cache.invalidate_path(key.path());
            }
            Ok(streamed(app, parts, resp, want, Some(CacheStatus::Bypass)))
        }
        Use::HitOnly => {
            let stored = app.cache.get(&key);
            if let Some(e) = stored.as_ref().filter(|e| e.freshness.is_fresh(now)) {
                return Ok(from_entry(app, &key, e, CacheStatus::Hit, parts, want, now).await);
            }
            match origin.fetch(fetch(), body).await {
                Ok(resp) => Ok(streamed(app, parts, resp, want, Some(CacheStatus::Bypass))),
                // a range or HEAD while the origin fails: the stored copy, if still allowed
                Err(e @ (Error::Origin(_) | Error::OriginTimeout(_))) => {
                    match stored.filter(|s| s.freshness.usable_on_error(now)) {
                        Some(s) => Ok(from_entry(app, &key, &s, CacheStatus::Stale, parts, want, now).await),
                        None => Err(e),
                    }
                }
                Err(e) => Err(e),
            }
        }
        Use::Fill => match app.cache.fetch(&key, origin, fetch, now).await? {
            Served::Entry(e, status) => Ok(from_entry(app, &key, &e, status, parts, want, now).await),
            Served::Passed(resp) => Ok(streamed(app, parts, judged(resp, parts), want, Some(CacheStatus::Miss))),
        },
    }
}

/// An origin response that was fetched without the client's conditions, judged against them
/// here: `304`/`412` drop the body.
fn judged(resp: Response<Body>, parts: &Parts) -> Response<Body> {
    if resp.status() != StatusCode::OK {
        return resp;
    }
    let validators = cache::validators(resp.headers());
    let len =
        resp.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|s| s.parse().ok()).unwrap_or(0);
    match conditional::evaluate(&parts.method, &parts.headers, &validators, len) {
        // a range is not judged here: the whole `200` is a valid answer to it
        outcome @ (Outcome::NotModified | Outcome::PreconditionFailed) => {
            let mut headers = resp.into_parts().0.headers;
            let sent = conditional::answer(outcome, StatusCode::OK, len);
            sent.headers(&mut headers);
            with_status(sent.status, headers)
        }
        _ => resp,
    }
}

/// A streamed response on its way out: compressed if the core says so, `X-Cache` added.
fn streamed(
    app: &App,
    parts: &Parts,
    resp: Response<Body>,
    want: Encoding,
    x_cache: Option<CacheStatus>,
) -> Response<Body> {
    let (mut head, mut body) = resp.into_parts();
    if rules::eligible(&app.site.config.compression, head.status, &head.headers) {
        compress::headers(&mut head.headers, want, None);
        if want != Encoding::Identity && parts.method != Method::HEAD {
            body = compress::stream(body, want);
        }
    }
    if let Some(s) = x_cache {
        head.headers.insert(X_CACHE, HeaderValue::from_static(s.as_str()));
    }
    Response::from_parts(head, body)
}

/// A response from a stored entry: in the wanted encoding (compressed once, then kept as a
/// variant), judged against the request's conditions and range.
async fn from_entry(
    app: &App,
    key: &Key,
    entry: &Arc<Entry>,
    status: CacheStatus,
    parts: &Parts,
    want: Encoding,
    now: u64,
) -> Response<Body> {
    let mut headers = entry.headers.clone();
    let mut bytes = entry.body.clone();
    let mut encoding = Encoding::Identity;
    if rules::eligible(&app.site.config.compression, entry.status, &entry.headers) {
        if let Some(b) = variant(app, key, entry, want).await {
            bytes = b;
            encoding = want;
        }
        compress::headers(&mut headers, encoding, Some(bytes.len() as u64));
    }
    headers.insert(AGE, HeaderValue::from(entry.freshness.age(now)));
    let len = bytes.len() as u64;
    let outcome = if entry.status == StatusCode::OK {
        // the stored validators, parsed at fill time, unless compression weakened the ETag
        let weakened;
        let validators = if encoding == Encoding::Identity {
            &entry.validators
        } else {
            weakened = cache::validators(&headers);
            &weakened
        };
        conditional::evaluate(&parts.method, &parts.headers, validators, len)
    } else {
        Outcome::Full
    };
    // Content-Length and the range's headers are the answer's (one insert each)
    let sent = conditional::answer(outcome, entry.status, len);
    sent.headers(&mut headers);
    headers.insert(X_CACHE, HeaderValue::from_static(status.as_str()));
    let mut resp = with_status(sent.status, headers);
    // start + count ≤ len = bytes.len(), so the casts and the slice are in range
    if let Some((start, count)) = sent.bytes.filter(|_| parts.method != Method::HEAD) {
        *resp.body_mut() = body::full(bytes.slice(start as usize..(start + count) as usize));
    }
    resp
}

/// `entry`'s body in `want`: the stored variant, or compressed now and stored.
async fn variant(app: &App, key: &Key, entry: &Entry, want: Encoding) -> Option<Bytes> {
    if want == Encoding::Identity {
        return None;
    }
    if let Some(b) = app.cache.variant(key, want, entry) {
        return Some(b);
    }
    match compress::bytes(entry.body.clone(), want).await {
        Ok(b) => {
            app.cache.insert_variant(key, want, entry, b.clone());
            Some(b)
        }
        Err(e) => {
            tracing::warn!(path = %key.path(), error = %e, "compression failed; sending identity");
            None
        }
    }
}

fn with_status(status: StatusCode, headers: HeaderMap) -> Response<Body> {
    let mut r = Response::new(body::empty());
    *r.status_mut() = status;
    *r.headers_mut() = headers;
    r
}

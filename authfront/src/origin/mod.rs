//! Where content comes from: `enum Origin` — a closed set, one file each (folder, S3, HTTP) —
//! and [`Fetch`], the one request shape they all take.
//!
//! Every origin answers a [`Fetch`] with a response (status, headers, streaming body) or a core
//! [`Error`]; the forward step above does routing, caching, compression and headers the same
//! way for all of them and never looks inside an origin.

pub mod client;
pub mod folder;
pub mod http;
pub mod s3;

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use ::http::request::Parts;
use ::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response};
use authfront_core::config::{self, OriginKind};
use authfront_core::error::Error;
use authfront_core::path::NormPath;
use authfront_core::route;
use authfront_core::session::Session;

use crate::body::Body;

/// One request to an origin, owned (a cache fill outlives the request that started it), without
/// its body (which is not `Sync`, and only a pass-through has one).
#[derive(Debug)]
pub struct Fetch {
    pub method: Method,
    /// The normalised path the access rules allowed.
    pub path: NormPath,
    pub query: Option<String>,
    /// The client's request headers; each origin takes what its rules allow.
    pub headers: HeaderMap,
    /// Pass the client's conditions and `Range` on (a pass-through), or leave them out (a cache
    /// fill: the whole representation is wanted, the cache judges the conditions).
    pub keep_conditions: bool,
    /// Added by the cache: the validators of a revalidation.
    pub extra: Vec<(HeaderName, HeaderValue)>,
    pub user: Option<Session>,
    /// `user`'s access token, with `proxy.pass_access_token`.
    pub access_token: Option<String>,
    pub client_ip: Option<IpAddr>,
    /// An unauthenticated CORS preflight: sent without the origin's secret header.
    pub preflight: bool,
    /// The request's clock reading (Unix seconds): the time an S3 request is signed at.
    pub now: u64,
}

/// Every configured origin, by route position: `0` the default, `i + 1` `origin.routes[i]`.
#[derive(Debug)]
pub struct Origins {
    list: Vec<Arc<Origin>>,
}

impl Origins {
    /// Builds the default origin and every route's. Blocking (folders are checked once).
    pub fn build(config: &config::Config, shared: &Arc<http::Shared>) -> Result<Origins, String> {
        let mut list = vec![Arc::new(Origin::build(&config.origin, shared).map_err(|e| format!("origin: {e}"))?)];
        for (i, r) in config.routes.iter().enumerate() {
            let o = Origin::build(&r.origin, shared).map_err(|e| format!("origin.routes[{i}]: {e}"))?;
            list.push(Arc::new(o));
        }
        Ok(Origins { list })
    }

    /// The origin serving `path` ([`route::select`]).
    pub fn select(&self, config: &config::Config, path: &NormPath) -> &Arc<Origin> {
        let (i, _) = route::select(config, path);
        // `build` made one origin per route plus the default, from the same config
        &self.list[i.min(self.list.len() - 1)]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Origin>> {
        self.list.iter()
    }
}

/// `Content-Type` from a file or object name (not a symlink target's): what browsers expect.
/// For folders, and for S3 objects stored without one.
pub fn content_type(name: &Path) -> HeaderValue {
    let mime = mime_guess::from_path(name).first_raw().unwrap_or("application/octet-stream");
    let (kind, sub) = mime.split_once('/').unwrap_or((mime, ""));
    let textual = kind == "text"
        || matches!(sub, "javascript" | "ecmascript" | "json" | "xml")
        || sub.ends_with("+xml")
        || sub.ends_with("+json");
    if textual {
        // web sites are UTF-8; without a charset browsers guess, and sometimes guess wrong
        if let Ok(v) = HeaderValue::try_from(format!("{mime}; charset=utf-8")) {
            return v;
        }
    }
    HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

#[derive(Debug)]
pub enum Origin {
    Folder(folder::Folder),
    S3(s3::S3),
    Http(http::Http),
    /// No `[origin]` (forward-auth only): every request forwarded here is a `404`.
    Nothing,
}

impl Origin {
    /// Builds one configured origin. Blocking for a folder (it checks the directory once).
    pub fn build(origin: &config::Origin, shared: &Arc<http::Shared>) -> Result<Origin, String> {
        Ok(match &origin.kind {
            OriginKind::Dir(dir) => Origin::Folder(
                folder::Folder::new(dir, origin.static_site, origin.spa, origin.file_cache)
                    .map_err(|e| format!("{}: {e}", dir.display()))?
                    .with_rules(origin.hidden_files, origin.symlinks),
            ),
            OriginKind::S3(bucket) => Origin::S3(s3::S3::new(origin, bucket)?),
            OriginKind::Http(h) => Origin::Http(http::Http::new(origin, h, shared.clone())?),
            OriginKind::None => Origin::Nothing,
        })
    }

    /// Whether the edge cache stands in front of it: not for a local folder, which the
    /// operating system's page cache already keeps in memory.
    pub fn cached(&self) -> bool {
        !matches!(self, Origin::Folder(_) | Origin::Nothing)
    }

    /// Whether requests to it carry the user's identity (HTTP origins' identity headers).
    pub fn identifies(&self) -> bool {
        matches!(self, Origin::Http(_))
    }

    /// For logs: `folder /srv/site`, `s3 site`, `http http://127.0.0.1:9800`.
    pub fn describe(&self) -> String {
        match self {
            Origin::Folder(f) => format!("folder {}", f.root().display()),
            Origin::S3(s) => format!("s3 {}", s.bucket()),
            Origin::Http(h) => format!("http {}", h.base()),
            Origin::Nothing => "none (forward-auth only)".to_owned(),
        }
    }

    /// Answers a request passed through as it is, with no cache in between: a folder reads the
    /// request's own head (`path` and `query` being what the core allowed; `may_see`, whether
    /// the rules let this request see a symlink's target); the other kinds are sent the owned
    /// [`Fetch`] that `fetch` builds.
    pub async fn pass(
        &self,
        parts: &Parts,
        path: &NormPath,
        query: Option<&str>,
        may_see: folder::MaySee<'_>,
        fetch: impl FnOnce() -> Fetch,
        body: Option<Body>,
    ) -> Result<Response<Body>, Error> {
        match self {
            Origin::Folder(folder) => folder.serve(path, query, parts, may_see).await,
            Origin::S3(_) | Origin::Http(_) => self.fetch(fetch(), body).await,
            Origin::Nothing => Err(Error::NotFound),
        }
    }

    /// Answers `f`. `body` is the request body, for methods that have one (only HTTP origins
    /// accept those; it is streamed, never buffered).
    pub async fn fetch(&self, f: Fetch, body: Option<Body>) -> Result<Response<Body>, Error> {
        match self {
            Origin::Folder(folder) => {
                let mut req = Request::new(());
                *req.method_mut() = f.method.clone();
                *req.headers_mut() = f.headers;
                let (parts, ()) = req.into_parts();
                // without the rules at hand, no symlink target is served (a folder is never
                // behind the cache, which is what calls this)
                folder.serve(&f.path, f.query.as_deref(), &parts, &|_| false).await
            }
            Origin::S3(s3) => s3.fetch(f).await,
            Origin::Http(http) => http.fetch(f, body).await,
            Origin::Nothing => Err(Error::NotFound),
        }
    }
}

/// The static-site directory redirect ([`route::directory_redirect`]), as a response.
fn redirect(path: &NormPath, query: Option<&str>) -> Result<Response<Body>, Error> {
    let (status, headers) = route::directory_redirect(path, query)
        .ok_or_else(|| Error::Internal(format!("redirect for {}: the query is not a header value", path.as_str())))?;
    let mut res = Response::new(crate::body::empty());
    *res.status_mut() = status;
    *res.headers_mut() = headers;
    Ok(res)
}

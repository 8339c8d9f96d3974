//! The admin endpoint, off unless `[admin]` is configured (and meant for loopback): `POST
//! /purge` empties the cache entries whose path matches a pattern, `GET /stats` tells the
//! cache's size; both need `Authorization: Bearer <admin.token>`. Also the client side of
//! `authfront purge`, which calls a running instance's endpoint.
//!
//! It never serves the site and never shows the token; a wrong or missing token is a `401`
//! whatever the path.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use authfront_core::config::Config;
use authfront_core::path::Pattern;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use tokio::net::TcpListener;

use crate::app::App;
use crate::body::{self, Body};

/// Longest purge request body read: a pattern is a path.
const MAX_BODY: usize = 4096;

/// Serves the admin endpoint on `listener` for as long as the process runs.
pub async fn serve(app: Arc<App>, listener: TcpListener) {
    let limits = app.site.config.server.guard.limits;
    let handler = move |req, _client| {
        let app = app.clone();
        async move { handle(&app, req).await }
    };
    // it holds no request state worth draining: it ends with the process
    crate::listener::serve(listener, limits, "admin", handler, std::future::pending(), Duration::ZERO).await;
}

async fn handle(app: &App, req: Request<Incoming>) -> Response<Body> {
    let Some(admin) = &app.site.config.admin else {
        return text(StatusCode::NOT_FOUND, "no admin endpoint\n");
    };
    if !authorized(req.headers(), admin.token.expose()) {
        let mut r = text(StatusCode::UNAUTHORIZED, "a bearer token is required\n");
        r.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"authfront-admin\""));
        return r;
    }
    match (req.method().clone(), req.uri().path()) {
        (Method::POST, "/purge") => {
            let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return text(StatusCode::PAYLOAD_TOO_LARGE, "the pattern is too long\n"),
            };
            let text_pattern = String::from_utf8_lossy(&body).trim().to_owned();
            match Pattern::parse(&text_pattern) {
                Ok(p) => {
                    let purged = app.cache.purge(&p);
                    tracing::info!(pattern = %p.as_str(), purged, "cache purged");
                    json(&serde_json::json!({ "pattern": p.as_str(), "purged": purged }))
                }
                Err(e) => text(StatusCode::BAD_REQUEST, &format!("{e}\n")),
            }
        }
        (Method::GET, "/stats") => {
            let mut stats = serde_json::to_value(app.cache.stats()).unwrap_or_default();
            // revocations the store has not taken yet (they are in force here meanwhile)
            stats["revocations_pending"] = app.revoker.waiting().into();
            json(&stats)
        }
        _ => text(StatusCode::NOT_FOUND, "POST /purge or GET /stats\n"),
    }
}

/// Constant-time comparison of the bearer token, so its bytes cannot be found by timing.
fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    aws_lc_rs::constant_time::verify_slices_are_equal(given.trim().as_bytes(), token.as_bytes()).is_ok()
}

fn text(status: StatusCode, msg: &str) -> Response<Body> {
    let mut r = Response::new(body::full(Bytes::from(msg.to_owned())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn json(v: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(body::full(Bytes::from(format!("{v}\n"))));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// `authfront purge`: asks the instance running with `config` to drop the entries matching
/// `pattern`; returns how many it dropped.
pub async fn purge(config: &Config, pattern: &str) -> Result<u64, String> {
    let admin = config.admin.as_ref().ok_or("`[admin]` is not configured; purging needs the admin endpoint")?;
    Pattern::parse(pattern)?;
    let mut addr = admin.listen;
    if addr.ip().is_unspecified() {
        let loopback = if addr.is_ipv4() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { IpAddr::V6(Ipv6Addr::LOCALHOST) };
        addr.set_ip(loopback);
    }
    let url = format!("http://{addr}/purge");
    let client =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| format!("HTTP client: {e}"))?;
    let resp = client
        .post(&url)
        .bearer_auth(admin.token.expose())
        .body(pattern.to_owned())
        .send()
        .await
        .map_err(|e| format!("{url}: {e} (is authfront running with this config?)"))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| format!("{url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{url} answered {status}: {}", body.trim()));
    }
    let v: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("{url}: unexpected answer ({e})"))?;
    v["purged"].as_u64().ok_or_else(|| format!("{url}: unexpected answer {body}"))
}

//! A scriptable HTTP origin for the in-process cache tests: canned answers per path (status,
//! headers, body, delay), a count of requests per path, the last request's headers, `304` for
//! a matching `If-None-Match`, and a switch that makes it fail every request (connections are
//! dropped without an answer, as a crashed origin would). The e2e suite uses real nginx.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Default)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub delay: Duration,
}

impl Canned {
    pub fn ok(body: impl Into<Bytes>, headers: &[(&str, &str)]) -> Canned {
        Canned {
            status: 200,
            headers: headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn delayed(mut self, d: Duration) -> Canned {
        self.delay = d;
        self
    }
}

#[derive(Debug, Default)]
pub struct OriginState {
    pub canned: HashMap<String, Canned>,
    /// Requests per path (including those answered `304`).
    pub hits: HashMap<String, usize>,
    /// `304`s sent per path.
    pub not_modified: HashMap<String, usize>,
    pub last_headers: Option<HeaderMap>,
    pub last_body: Option<Bytes>,
    /// Every request fails (the connection is dropped).
    pub down: bool,
}

pub struct TestOrigin {
    pub url: String,
    pub state: Arc<Mutex<OriginState>>,
    _stop: oneshot::Sender<()>,
}

impl TestOrigin {
    pub async fn start() -> TestOrigin {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(OriginState::default()));
        let (stop, mut stopped) = oneshot::channel::<()>();
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    r = listener.accept() => r.unwrap(),
                    _ = &mut stopped => return,
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let st = st.clone();
                        async move { answer(req, &st).await }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        TestOrigin { url, state, _stop: stop }
    }

    pub fn set(&self, path: &str, canned: Canned) {
        self.state.lock().unwrap().canned.insert(path.to_owned(), canned);
    }

    pub fn hits(&self, path: &str) -> usize {
        self.state.lock().unwrap().hits.get(path).copied().unwrap_or(0)
    }

    pub fn not_modified(&self, path: &str) -> usize {
        self.state.lock().unwrap().not_modified.get(path).copied().unwrap_or(0)
    }

    pub fn down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    pub fn last_headers(&self) -> HeaderMap {
        self.state.lock().unwrap().last_headers.clone().unwrap()
    }

    pub fn last_body(&self) -> Bytes {
        self.state.lock().unwrap().last_body.clone().unwrap_or_default()
    }
}

/// Ends a connection without an answer.
#[derive(Debug)]
struct Down;

impl std::fmt::Display for Down {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("origin is down")
    }
}

impl std::error::Error for Down {}

async fn answer(req: Request<Incoming>, st: &Mutex<OriginState>) -> Result<Response<Full<Bytes>>, Down> {
    let path = req.uri().path().to_owned();
    let headers = req.headers().clone();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let canned = {
        let mut s = st.lock().unwrap();
        if s.down {
            return Err(Down);
        }
        *s.hits.entry(path.clone()).or_default() += 1;
        s.last_headers = Some(headers.clone());
        s.last_body = Some(body);
        s.canned.get(&path).cloned()
    };
    let Some(c) = canned else {
        return Ok(Response::builder().status(404).body(Full::new(Bytes::from_static(b"no such thing\n"))).unwrap());
    };
    if !c.delay.is_zero() {
        tokio::time::sleep(c.delay).await;
    }
    let etag = c.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("etag")).map(|(_, v)| v.clone());
    let inm = headers.get("if-none-match").and_then(|v| v.to_str().ok());
    let mut b = Response::builder();
    for (n, v) in &c.headers {
        b = b.header(n, v);
    }
    if etag.is_some() && inm == etag.as_deref() {
        *st.lock().unwrap().not_modified.entry(path).or_default() += 1;
        return Ok(b.status(304).body(Full::new(Bytes::new())).unwrap());
    }
    Ok(b.status(c.status).body(Full::new(c.body)).unwrap())
}

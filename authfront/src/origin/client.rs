//! The pooled HTTP(S) client of the network origins (S3 and HTTP): keep-alive connections,
//! bodies streamed both ways, a connect timeout, and a read timeout on the response head and
//! then on every piece of the body.
//!
//! It never buffers a body and never retries: a failed request is reported, and the cache
//! decides whether something stale may stand in.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use authfront_core::config::Timeouts;
use authfront_core::error::Error;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::time::{Instant, Sleep};

use crate::body::Body;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// How long an idle pooled connection is kept: long enough to be reused under steady load,
/// short enough to be dropped before most servers close it on their side.
const POOL_IDLE: Duration = Duration::from_secs(30);

/// One origin's connection pool and timeouts.
#[derive(Debug, Clone)]
pub struct Client {
    pool: Pool<Connector, Body>,
    read_timeout: Duration,
}

impl Client {
    pub fn new(timeouts: Timeouts) -> Result<Client, String> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(timeouts.connect));
        http.set_nodelay(true);
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .try_with_platform_verifier()
            .map_err(|e| format!("TLS set-up: {e}"))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let pool = Pool::builder(TokioExecutor::new()).pool_idle_timeout(POOL_IDLE).build(https);
        Ok(Client { pool, read_timeout: timeouts.read })
    }

    /// Sends `req`; `what` names the request in errors (`GET http://…`). The response body
    /// fails with a timeout error when a piece takes longer than the read timeout.
    pub async fn send(&self, req: Request<Body>, what: &str) -> Result<Response<Body>, Error> {
        let sent = tokio::time::timeout(self.read_timeout, self.pool.request(req)).await;
        let resp = match sent {
            Err(_) => {
                return Err(Error::OriginTimeout(format!(
                    "{what}: no response within {}",
                    humanize(self.read_timeout)
                )));
            }
            Ok(Err(e)) => return Err(Error::Origin(format!("{what}: {}", chain(&e)))),
            Ok(Ok(resp)) => resp,
        };
        let timeout = self.read_timeout;
        Ok(resp.map(|body| Idle::new(body, timeout).boxed_unsync()))
    }
}

/// An error and its causes on one line (hyper's own message is terse: "client error (Connect)").
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

fn humanize(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{}s", d.as_secs()) } else { format!("{}ms", d.as_millis()) }
}

/// A response body that fails when the next piece is later than `timeout`.
struct Idle {
    inner: Incoming,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl Idle {
    fn new(inner: Incoming, timeout: Duration) -> Idle {
        Idle { inner, timeout, deadline: Box::pin(tokio::time::sleep(timeout)) }
    }
}

impl hyper::body::Body for Idle {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.deadline.as_mut().reset(Instant::now() + this.timeout);
            return Poll::Ready(frame.map(|r| r.map_err(io::Error::other)));
        }
        ready!(this.deadline.as_mut().poll(cx));
        let msg = format!("origin sent nothing for {}", humanize(this.timeout));
        Poll::Ready(Some(Err(io::Error::new(io::ErrorKind::TimedOut, msg))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

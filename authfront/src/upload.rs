//! A client's request body on its way to an origin: streamed (never buffered), bounded by
//! `proxy.max_request_body`, cut off when the client pauses longer than
//! `server.request_body_timeout`, and able to tell afterwards why it stopped, so that the
//! answer is the client's `413`/`408`/`400` rather than a `502` blamed on the origin.
//!
//! The body is handed on with its exact size when the client declared one, so the origin
//! request is framed by hyper from what is really sent; the client's own `Content-Length` or
//! `Transfer-Encoding` never reach the origin (`authfront_core::proxy`).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use authfront_core::error::Error;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::body::Body;

/// Why an upload stopped early; read after the origin request failed.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicU8>);

const RUNNING: u8 = 0;
const TOO_LARGE: u8 = 1;
const BROKEN: u8 = 2;
const STALLED: u8 = 3;

impl Stop {
    fn set(&self, why: u8) {
        let _ = self.0.compare_exchange(RUNNING, why, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The client's fault that ended the upload, if one did: it replaces the origin error that
    /// followed from it.
    pub fn blame(&self, limit: u64, timeout: Duration) -> Option<Error> {
        match self.0.load(Ordering::Relaxed) {
            TOO_LARGE => Some(Error::PayloadTooLarge { limit }),
            BROKEN => Some(Error::BadRequest("the request body was malformed or cut short")),
            STALLED => Some(Error::RequestTimeout { secs: timeout.as_secs() }),
            _ => None,
        }
    }
}

/// The request body for an origin, or `None` when the request has none (nothing is then sent,
/// and no length either).
pub fn body(incoming: Incoming, limit: u64, timeout: Duration) -> (Option<Body>, Stop) {
    let stop = Stop::default();
    if incoming.is_end_stream() {
        return (None, stop);
    }
    let upload = Upload {
        inner: incoming,
        left: limit,
        timeout,
        deadline: Box::pin(tokio::time::sleep(timeout)),
        stop: stop.clone(),
    };
    (Some(upload.boxed_unsync()), stop)
}

struct Upload {
    inner: Incoming,
    /// Bytes still allowed.
    left: u64,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    stop: Stop,
}

impl Upload {
    fn fail(&self, why: u8, msg: &'static str) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.stop.set(why);
        Poll::Ready(Some(Err(io::Error::other(msg))))
    }
}

impl hyper::body::Body for Upload {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.deadline.as_mut().reset(Instant::now() + this.timeout);
                if let Some(data) = frame.data_ref() {
                    let n = data.len() as u64;
                    if n > this.left {
                        return this.fail(TOO_LARGE, "request body larger than proxy.max_request_body");
                    }
                    this.left -= n;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(_))) => this.fail(BROKEN, "the client's request body broke off"),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => this.fail(STALLED, "the client stopped sending its request body"),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        // the client's declared length (checked against the limit by the core), so that the
        // origin request carries the same `Content-Length`, counted by hyper
        self.inner.size_hint()
    }
}

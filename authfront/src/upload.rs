//! A client's request body on its way to an origin: streamed (never buffered), bounded by
//! `proxy.max_request_body`, cut off when the client pauses longer than
//! `server.request_body_timeout`, and able to tell afterwards why it stopped, so that the
//! answer is the client's `413`/`408`/`400` rather than a `502` blamed on the origin.
//!
//! The body is handed on with its exact size when the client declared one, so the origin
//! request is framed by hyper from what is really sent; the client's own `Content-Length` or
//! `Transfer-Encoding` never reach the origin (`authfront_core::proxy`). An origin may answer
//! before it has read the body (or without reading it at all: some servers ignore chunked
//! bodies); what is left of the body is then read here and discarded, up to the limit, so that
//! an oversized upload is a `413` whatever the origin did ([`Watch::settle`]).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use authfront_core::error::Error;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::{Body as _, Frame, SizeHint};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

use crate::body::Body;

const RUNNING: u8 = 0;
const DONE: u8 = 1;
const TOO_LARGE: u8 = 2;
const BROKEN: u8 = 3;
const STALLED: u8 = 4;
/// Dropped by the origin request before its end; the rest waits in `leftover`.
const LEFT: u8 = 5;

/// How long an upload still being sent may make no progress before the answer goes out anyway.
const QUIET: Duration = Duration::from_millis(500);

/// What became of one upload, shared by the body on its way and the request that waits.
#[derive(Debug)]
struct State {
    how: AtomicU8,
    /// Bytes still allowed.
    left: AtomicU64,
    /// What the origin request did not read, handed back when it dropped the body.
    leftover: Mutex<Option<Body>>,
    settled: Notify,
}

/// The waiting side of an upload.
#[derive(Debug, Clone)]
pub struct Watch {
    state: Option<Arc<State>>,
    limit: u64,
    timeout: Duration,
}

impl Watch {
    fn end(&self, how: u8) {
        if let Some(s) = &self.state
            && s.how.compare_exchange(RUNNING, how, Ordering::AcqRel, Ordering::Acquire).is_ok()
        {
            s.settled.notify_waiters();
            s.settled.notify_one();
        }
    }

    /// Waits until the upload has ended (sent whole, refused, broken, or dropped), reading
    /// and discarding what the origin left unread (bounded by the body timeout per piece).
    /// While the origin request is still sending it, waits only as long as it progresses: a
    /// client that waits for the answer before sending more gets the answer after half a second.
    pub async fn settle(&self) {
        let Some(s) = &self.state else { return };
        loop {
            let notified = s.settled.notified();
            let before = s.left.load(Ordering::Acquire);
            match s.how.load(Ordering::Acquire) {
                RUNNING => {}
                LEFT => break,
                _ => return,
            }
            let woke = tokio::time::timeout(QUIET, notified).await.is_ok();
            if !woke && s.how.load(Ordering::Acquire) == RUNNING && s.left.load(Ordering::Acquire) == before {
                return;
            }
        }
        let rest = lock(&s.leftover).take();
        if let Some(mut rest) = rest {
            s.how.store(RUNNING, Ordering::Release);
            loop {
                match tokio::time::timeout(self.timeout, rest.frame()).await {
                    Err(_) => return s.how.store(STALLED, Ordering::Release),
                    Ok(None) => return s.how.store(DONE, Ordering::Release),
                    Ok(Some(Err(_))) => return s.how.store(BROKEN, Ordering::Release),
                    Ok(Some(Ok(frame))) => {
                        let n = frame.data_ref().map_or(0, |d| d.len() as u64);
                        if !take(&s.left, n) {
                            return s.how.store(TOO_LARGE, Ordering::Release);
                        }
                    }
                }
            }
        }
    }

    /// The client's fault that ended the upload, if one did: it replaces the origin's answer
    /// or error.
    pub fn blame(&self) -> Option<Error> {
        match self.state.as_ref()?.how.load(Ordering::Acquire) {
            TOO_LARGE => Some(Error::PayloadTooLarge { limit: self.limit }),
            BROKEN => Some(Error::BadRequest("the request body was malformed or cut short")),
            STALLED => Some(Error::RequestTimeout { secs: self.timeout.as_secs() }),
            _ => None,
        }
    }
}

/// Takes `n` of the bytes still allowed; false when there are not that many.
fn take(left: &AtomicU64, n: u64) -> bool {
    left.fetch_update(Ordering::AcqRel, Ordering::Acquire, |l| l.checked_sub(n)).is_ok()
}

/// The request body for an origin, or `None` when the request has none (nothing is then sent,
/// and no length either), and the watch that tells how the upload went.
pub fn body(incoming: Option<Body>, limit: u64, timeout: Duration) -> (Option<Body>, Watch) {
    let Some(incoming) = incoming.filter(|b| !b.is_end_stream()) else {
        return (None, Watch { state: None, limit, timeout });
    };
    let state = Arc::new(State {
        how: AtomicU8::new(RUNNING),
        left: AtomicU64::new(limit),
        leftover: Mutex::new(None),
        settled: Notify::new(),
    });
    let watch = Watch { state: Some(state), limit, timeout };
    let upload = Upload {
        inner: Some(incoming),
        timeout,
        deadline: Box::pin(tokio::time::sleep(timeout)),
        watch: watch.clone(),
    };
    (Some(upload.boxed_unsync()), watch)
}

/// No upload at all (an unauthenticated preflight's body is never read).
pub fn none(limit: u64, timeout: Duration) -> Watch {
    Watch { state: None, limit, timeout }
}

struct Upload {
    /// `None` once ended or handed back.
    inner: Option<Body>,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    watch: Watch,
}

impl Upload {
    fn fail(&mut self, how: u8, msg: &'static str) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.inner = None;
        self.watch.end(how);
        Poll::Ready(Some(Err(io::Error::other(msg))))
    }
}

impl hyper::body::Body for Upload {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else { return Poll::Ready(None) };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.deadline.as_mut().reset(Instant::now() + this.timeout);
                let n = frame.data_ref().map_or(0, |d| d.len() as u64);
                let allowed = this.watch.state.as_ref().is_none_or(|s| take(&s.left, n));
                if !allowed {
                    return this.fail(TOO_LARGE, "request body larger than proxy.max_request_body");
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(_))) => this.fail(BROKEN, "the client's request body broke off"),
            Poll::Ready(None) => {
                this.inner = None;
                this.watch.end(DONE);
                Poll::Ready(None)
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => this.fail(STALLED, "the client stopped sending its request body"),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        // the client's declared length (checked against the limit by the core), so that the
        // origin request carries the same `Content-Length`, counted by hyper
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // dropped before its end (the origin answered without reading it all): the rest goes
        // back to the request, which reads it to know whether it was within the limit
        if let (Some(rest), Some(s)) = (self.inner.take(), self.watch.state.as_ref()) {
            *lock(&s.leftover) = Some(rest);
            self.watch.end(LEFT);
        }
    }
}

// A poisoned lock means a panic while holding a plain value; carry on with it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

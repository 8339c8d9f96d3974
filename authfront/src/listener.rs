//! Serving connections within limits, for the main listener and the admin one alike: a cap on
//! open connections, a header read timeout, an idle timeout, HTTP/2 stream and header-list
//! limits, and a drain on shutdown.
//!
//! The header read timeout is the connection's own: an HTTP/1 connection with nothing in flight
//! (a request is in flight from its whole head to its answer's end) is closed once it has been
//! so for `header_read_timeout` (or `idle_timeout` if shorter), measured from the last answer's
//! end or the connection's start — so a head that trickles in (slowloris) and a silent
//! kept-alive connection are cut off alike, by one timer per connection instead of one per
//! request.
//!
//! Past the cap, new connections wait (the first one accepted, the rest in the kernel's accept
//! backlog, costing this process no descriptor) while the idle ones — no request in flight —
//! are closed, least recently used first, one for each connection that waits, so that a crowd
//! of idle or slow clients cannot keep a health check out. A connection
//! is "in flight" from a request's arrival until its response body has been sent or dropped.
//! It never looks inside a request: that is the handler's.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use authfront_core::config::Limits;
use bytes::Bytes;
use http::{Request, Response};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;

use crate::body::Body;

/// Serves `listener` with `handler` (request and TCP peer in, response out) until `shutdown`
/// resolves, then lets requests in flight finish for at most `grace`. `name` is for logs.
pub async fn serve<H, F>(
    listener: TcpListener,
    limits: Limits,
    name: &'static str,
    handler: H,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) where
    H: Fn(Request<Incoming>, IpAddr) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let cap = limits.connections(descriptor_limit());
    tracing::debug!(listener = name, max_connections = cap, "accepting connections");
    let builder = Arc::new(builder(&limits));
    let conns = Arc::new(Conns::new(cap));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // out of file descriptors and the like: wait a moment instead of spinning
                    tracing::warn!(listener = name, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let permit = match conns.permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                // at the cap, with someone waiting: make room by closing the connection idle
                // longest, then wait for its slot (the connections behind this one wait in
                // the kernel's backlog meanwhile)
                if !conns.evict_idle() {
                    tracing::warn!(
                        listener = name,
                        max_connections = cap,
                        "connection cap reached; new connections wait"
                    );
                }
                tokio::select! {
                    p = conns.permits.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        // the TCP peer, as IP rules see it (an IPv4 client on a dual-stack socket arrives as
        // `::ffff:a.b.c.d`)
        let client = peer.ip().to_canonical();
        let state = conns.register();
        let service = {
            let (state, handler) = (state.clone(), handler.clone());
            hyper::service::service_fn(move |req: Request<Incoming>| {
                if req.version() == http::Version::HTTP_2 {
                    state.h2.store(true, Ordering::Relaxed);
                }
                let flight = Flight::start(&state);
                let answer = handler(req, client);
                async move { Ok::<_, Infallible>(answer.await.map(|b| Tracked { inner: b, _flight: flight })) }
            })
        };
        let (builder, conns, mut stop) = (builder.clone(), conns.clone(), stop_rx.clone());
        let (idle_timeout, head) = (limits.idle_timeout, limits.header_read_timeout);
        tokio::spawn(async move {
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let mut draining = false;
            loop {
                let check = state.idle_deadline(state.quiet_limit(idle_timeout, head));
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(%peer, error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    () = tokio::time::sleep_until(check), if !draining => {
                        // the limit as it is now (the connection may have turned out HTTP/2)
                        if state.idle_for() >= Some(state.quiet_limit(idle_timeout, head)) {
                            // nothing in flight: nothing is lost by closing
                            break;
                        }
                    }
                    () = state.close.notified() => {
                        if state.idle_for().is_some() {
                            break;
                        }
                    }
                    r = stop.changed(), if !draining => {
                        draining = true;
                        if r.is_ok() {
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
            conns.unregister(state.id);
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // every connection holds one permit until it ends: all of them back means all closed
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    tokio::select! {
        _ = conns.permits.acquire_many(all) => tracing::info!(listener = name, "all connections closed"),
        () = tokio::time::sleep(grace) => tracing::warn!(listener = name, "shutdown grace period over; dropping open connections"),
    }
}

/// The protocol settings of every connection.
fn builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut b = auto::Builder::new(TokioExecutor::new());
    let header_list = u32::try_from(limits.max_header_size).unwrap_or(u32::MAX);
    // No hyper `header_read_timeout`: it arms a timer for every request head (a quarter of
    // the CPU of a cache hit, measured); the connection's own quiet limit (`quiet_limit`)
    // gives the same bound without a per-request timer. Hand-written for that reason only.
    b.http1().header_read_timeout(None::<Duration>).max_buf_size(limits.max_header_size);
    b.http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.http2_max_streams)
        .max_header_list_size(header_list);
    b
}

/// The soft limit on open descriptors of this process, raised to the hard limit first (as
/// nginx's `worker_rlimit_nofile` and Go's runtime do): the connection cap is derived from it.
#[cfg(target_os = "linux")]
fn descriptor_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut l = getrlimit(Resource::Nofile);
    if let (Some(cur), Some(max)) = (l.current, l.maximum)
        && cur < max
    {
        let raised = rustix::process::Rlimit { current: Some(max), maximum: Some(max) };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            l = getrlimit(Resource::Nofile);
        }
    }
    l.current.unwrap_or(1024)
}

#[cfg(not(target_os = "linux"))]
fn descriptor_limit() -> u64 {
    1024
}

/// Every open connection of one listener, and the permits that cap them.
struct Conns {
    permits: Arc<Semaphore>,
    open: Mutex<HashMap<u64, Arc<ConnState>>>,
    next: AtomicU64,
    /// Where `last_end` times count from.
    epoch: Instant,
}

impl Conns {
    fn new(cap: usize) -> Conns {
        let cap = cap.clamp(1, Semaphore::MAX_PERMITS);
        Conns {
            permits: Arc::new(Semaphore::new(cap)),
            open: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    fn register(&self) -> Arc<ConnState> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnState {
            id,
            epoch: self.epoch,
            in_flight: AtomicUsize::new(0),
            last_end: AtomicU64::new(millis_since(self.epoch)),
            close: Notify::new(),
            h2: AtomicBool::new(false),
        });
        lock(&self.open).insert(id, state.clone());
        state
    }

    fn unregister(&self, id: u64) {
        lock(&self.open).remove(&id);
    }

    /// Asks the connection idle longest to close; false when none is idle.
    fn evict_idle(&self) -> bool {
        let open = lock(&self.open);
        let idlest =
            open.values().filter(|c| c.in_flight.load(Ordering::Relaxed) == 0).min_by_key(|c| (c.last_end(), c.id));
        match idlest {
            Some(c) => {
                c.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// One connection as the cap and the idle timer see it.
struct ConnState {
    id: u64,
    epoch: Instant,
    /// Requests whose response is not yet sent.
    in_flight: AtomicUsize,
    /// When the last response was done (or the connection opened), in ms since `epoch`.
    last_end: AtomicU64,
    /// Asked to close (the cap needs room).
    close: Notify,
    /// It has carried an HTTP/2 request: its idle time is only `idle_timeout`'s.
    h2: AtomicBool,
}

impl ConnState {
    fn last_end(&self) -> u64 {
        self.last_end.load(Ordering::Relaxed)
    }

    /// How long the connection may have nothing in flight before it is closed. HTTP/1: the
    /// next request's head must be whole within `head` (`server.header_read_timeout`) of the
    /// last response's end or the connection's start, and a quiet connection lasts at most
    /// `idle` — so the shorter of the two (a slow head and a silent client alike). HTTP/2,
    /// whose streams are not heads on the connection: `idle` only.
    fn quiet_limit(&self, idle: Duration, head: Duration) -> Duration {
        if self.h2.load(Ordering::Relaxed) { idle } else { idle.min(head) }
    }

    /// How long the connection has had nothing in flight; `None` while a request is.
    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        Some(Duration::from_millis(millis_since(self.epoch).saturating_sub(self.last_end())))
    }

    /// When to look again whether the connection has been idle for `idle` (while a request
    /// is in flight, a full `idle` from now: a connection is closed at most `2 × idle` after
    /// its last response).
    fn idle_deadline(&self, idle: Duration) -> Instant {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Instant::now() + idle;
        }
        self.epoch + Duration::from_millis(self.last_end()) + idle
    }
}

fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A request in flight on a connection: counted from its arrival until its response body is
/// done or dropped.
struct Flight {
    state: Arc<ConnState>,
}

impl Flight {
    fn start(state: &Arc<ConnState>) -> Flight {
        state.in_flight.fetch_add(1, Ordering::Relaxed);
        Flight { state: state.clone() }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.state.last_end.store(millis_since(self.state.epoch), Ordering::Relaxed);
        self.state.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that keeps its request counted as in flight until it is done.
struct Tracked {
    inner: Body,
    _flight: Flight,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

// A poisoned lock means a panic while holding a map of plain values; carry on with them.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

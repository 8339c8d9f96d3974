//! Refreshing sessions with the provider, one refresh at a time per session (single flight),
//! and a short grace window in which requests still carrying the previous cookies get the new
//! ones without another call (rotated refresh tokens are single-use: a second refresh with the
//! old one would be refused and sign the user out).
//!
//! A slow or absent provider costs little: each attempt runs in a task of its own, requests
//! wait for it until at most [`WAIT`] after it started and are otherwise served with the session
//! they have (valid until its own end, whatever the provider's tokens say), the outcome is kept
//! for the session's next request, and after a failed attempt the session is not tried again for
//! `session.refresh_retry` (one slow attempt per session per interval).
//!
//! What a refresh produces, and whether a failure means "sign in again", is decided by
//! `core::flow::refresh`, and the exchange is driven by [`crate::login::refresh`]; this module
//! only runs attempts one at a time, waits and remembers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::future::Future;

pub use authfront_core::flow::refresh::Fresh;
use authfront_core::session::{Session, SessionId};
use tokio::sync::watch;

/// How a refresh went.
#[derive(Debug, Clone)]
pub enum Outcome {
    Fresh(Arc<Fresh>),
    /// The provider refused the refresh token (or it is missing): sign in again.
    Refused,
    /// The provider could not be reached or failed: keep the session for now, try again later.
    Transient,
}

/// Longest a request waits for a refresh before it is served with the session it has: long
/// enough for a provider that answers at all, short enough that a hung one is barely noticed.
pub const WAIT: Duration = Duration::from_secs(2);

/// How long a refused refresh is remembered for the session's later requests (those still
/// carrying the old cookies: the first one cleared them).
const REFUSED_FOR: Duration = Duration::from_secs(600);

/// An attempt under way: when it started (requests wait for it until [`WAIT`] after that, not
/// after their own arrival) and where its outcome will be.
type Cell = (Instant, watch::Receiver<Option<Outcome>>);

/// A refresh just done: when, the generation it started from, and what it produced.
#[derive(Debug)]
struct Recent {
    at: Instant,
    from: u32,
    fresh: Arc<Fresh>,
}

#[derive(Debug, Default)]
pub struct Refresher {
    inflight: Mutex<HashMap<SessionId, Cell>>,
    recent: Mutex<HashMap<SessionId, Recent>>,
    /// Sessions whose last attempt failed for want of the provider, and when.
    failed: Mutex<HashMap<SessionId, Instant>>,
    /// Sessions whose refresh the provider refused, and when.
    refused: Mutex<HashMap<SessionId, Instant>>,
    /// How many refreshes were sent to the provider (tests and metrics).
    sent: std::sync::atomic::AtomicU64,
}

impl Refresher {
    pub fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Counts a refresh sent to the provider.
    pub fn note_sent(&self) {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Refreshes `s` with `attempt` (the provider exchange, [`crate::login::refresh`]), or
    /// joins the refresh already under way; waits for it at most [`WAIT`] (then `Transient`:
    /// serve the session as it is). `grace`: how long a fresh outcome is handed to the
    /// session's requests still carrying the old cookies; `retry`: how long after a failed
    /// attempt the session is not tried again.
    pub async fn refresh<F, A>(self: &Arc<Self>, s: &Session, grace: Duration, retry: Duration, attempt: F) -> Outcome
    where
        F: FnOnce() -> A,
        A: Future<Output = Outcome> + Send + 'static,
    {
        if let Some(fresh) = self.recent_for(s, grace) {
            return Outcome::Fresh(fresh);
        }
        if lock(&self.refused).get(&s.id).is_some_and(|at| at.elapsed() < REFUSED_FOR) {
            return Outcome::Refused;
        }
        if lock(&self.failed).get(&s.id).is_some_and(|at| at.elapsed() < retry) {
            return Outcome::Transient;
        }
        let (started, mut cell) = {
            let mut map = lock(&self.inflight);
            match map.get(&s.id) {
                Some(cell) => cell.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    let started = Instant::now();
                    map.insert(s.id, (started, rx.clone()));
                    // in a task of its own: it completes, and its outcome is kept, even when
                    // no request waits for it any more
                    let (me, session, attempt) = (self.clone(), s.clone(), attempt());
                    tokio::spawn(async move {
                        let outcome = attempt.await;
                        me.settle(&session, &outcome, grace);
                        let _ = tx.send(Some(outcome));
                    });
                    (started, rx)
                }
            }
        };
        // one slow attempt costs one wait: later requests of the session are served at once
        let wait = WAIT.saturating_sub(started.elapsed());
        match tokio::time::timeout(wait, cell.wait_for(Option::is_some)).await {
            Ok(Ok(outcome)) => outcome.clone().unwrap_or(Outcome::Transient),
            // the attempt's task ended without a word, or it takes too long: as it is, for now
            Ok(Err(_)) | Err(_) => Outcome::Transient,
        }
    }

    /// Remembers what an attempt for `s` came to, for the session's next requests.
    fn settle(&self, s: &Session, outcome: &Outcome, grace: Duration) {
        match outcome {
            Outcome::Fresh(f) => {
                let mut recent = lock(&self.recent);
                recent.retain(|_, r| r.at.elapsed() < grace);
                recent.insert(s.id, Recent { at: Instant::now(), from: s.generation, fresh: f.clone() });
                lock(&self.failed).remove(&s.id);
            }
            Outcome::Transient => {
                let mut failed = lock(&self.failed);
                failed.retain(|_, at| at.elapsed() < REFUSED_FOR);
                failed.insert(s.id, Instant::now());
            }
            Outcome::Refused => {
                let mut refused = lock(&self.refused);
                refused.retain(|_, at| at.elapsed() < REFUSED_FOR);
                refused.insert(s.id, Instant::now());
            }
        }
        lock(&self.inflight).remove(&s.id);
    }

    fn recent_for(&self, s: &Session, grace: Duration) -> Option<Arc<Fresh>> {
        let recent = lock(&self.recent);
        let r = recent.get(&s.id)?;
        (r.from == s.generation && r.at.elapsed() < grace).then(|| r.fresh.clone())
    }
}

// A poisoned lock means a panic while holding a map of plain values; carry on with them.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

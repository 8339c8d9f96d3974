//! The revocation list, kept in a store and mirrored in memory: an append-only file in a folder
//! ([`file`](mod@file), the default, survives restarts) or a Redis sorted set
//! ([`redis`](mod@redis), shared by every instance behind a load balancer).
//!
//! The request path only ever reads an in-memory snapshot ([`Revoker::snapshot`]: one atomic
//! load, no lock, no I/O). A background task re-reads the store every `store.sync_interval`, so a
//! revocation made by another process (the `authfront revoke` command, another instance) stops
//! the sessions it names here within about that long. A revocation made here is applied to the
//! snapshot at once and written to the store. Entries older than the longest session lifetime
//! can revoke nothing any more and are dropped. This module never decides what a revocation
//! means: that is [`authfront_core::revocation`].
//!
//! When the store cannot be read, the last snapshot stays in force (logged once per outage):
//! sessions keep working as they did. A revocation the store cannot take is never dropped: it
//! waits in a local durable queue ([`queue`], `store.queue_path`; in memory when even that
//! cannot be written), is in force here meanwhile, and is retried at every sync until the store
//! takes it. Used authorization responses (a callback is usable once) are remembered here too
//! ([`once`]).

pub mod file;
pub mod once;
pub mod queue;
pub mod redis;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;
use authfront_core::config::{Store, StoreKind};
use authfront_core::revocation::{Entry, Revocations};

pub use self::once::First;
use self::once::Used;
pub use self::queue::Durable;
use self::queue::Queue;
use crate::clock::unix_now;

/// Why the store could not be used. Every message names the config key to look at.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store.path {}: {what}: {source}", path.display())]
    File {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("store.queue_path {}: {what}: {source}", path.display())]
    Queue {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("store.redis_url {url}: {what}: {source}")]
    Redis {
        /// The URL without its password.
        url: String,
        what: &'static str,
        #[source]
        source: ::redis::RedisError,
    },
    #[error("store.redis_url {url}: not connected (the store was opened but not started)")]
    NotConnected { url: String },
    #[error(
        "the store cannot take the revocation now; it waits in store.queue_path {queue} for an instance to store it"
    )]
    NotStored { queue: String },
}

/// Where the entries live.
#[derive(Debug)]
enum Backend {
    File(file::FileStore),
    /// Boxed: a Redis client is large, and a revoker holds exactly one backend.
    Redis(Box<redis::RedisStore>),
}

/// The revocation list of one authfront process: store, snapshot and sync task.
#[derive(Debug)]
pub struct Revoker {
    backend: Backend,
    /// What requests read; replaced whole on every change.
    current: ArcSwap<Revocations>,
    /// The list being built; held only for in-memory work, never across I/O.
    master: Mutex<Revocations>,
    /// Entries older than this are dropped: no session lives longer (`session.lifetime`).
    keep_secs: u64,
    sync_interval: Duration,
    /// False while the store cannot be read, so an outage is logged once, not every second.
    healthy: AtomicBool,
    /// `jti`s of logout tokens acted on, with when they may be forgotten (replay defence).
    seen_jti: Mutex<HashMap<String, u64>>,
    /// Revocations waiting for the store.
    queue: Queue,
    /// False while revocations wait, so that the wait is logged once, not every second.
    drained: AtomicBool,
    /// Authorization responses already used.
    used: Used,
}

impl Revoker {
    /// Opens the store without network I/O: the embedded folder is created if missing,
    /// compacted and loaded; a Redis URL is only parsed (see [`Revoker::start`]). `keep_secs`
    /// is the longest session lifetime.
    pub fn open(cfg: &Store, keep_secs: u64) -> Result<Revoker, StoreError> {
        let keep_from = unix_now().saturating_sub(keep_secs);
        let mut master = Revocations::default();
        let (queue, waiting) = Queue::open(&cfg.queue_path, keep_from)?;
        for e in &waiting {
            master.apply(e);
        }
        if !waiting.is_empty() {
            tracing::warn!(queue = %queue.dir().display(), waiting = waiting.len(), "revocations: entries from an earlier run still wait for the store; in force here");
        }
        let used = Used::new(match &cfg.kind {
            StoreKind::Embedded(dir) => Some(dir.as_path()),
            StoreKind::Redis(_) => None,
        });
        let backend = match &cfg.kind {
            StoreKind::Embedded(dir) => {
                let (store, entries) = file::FileStore::open(dir, keep_from)?;
                for e in &entries {
                    master.apply(e);
                }
                tracing::info!(path = %store.path().display(), entries = master.len(), "revocations: embedded store");
                Backend::File(store)
            }
            StoreKind::Redis(url) => Backend::Redis(Box::new(redis::RedisStore::open(url.expose())?)),
        };
        Ok(Revoker {
            backend,
            current: ArcSwap::from_pointee(master.clone()),
            master: Mutex::new(master),
            keep_secs,
            sync_interval: Duration::from_secs(cfg.sync_interval_secs.max(1)),
            healthy: AtomicBool::new(true),
            seen_jti: Mutex::new(HashMap::new()),
            drained: AtomicBool::new(waiting.is_empty()),
            queue,
            used,
        })
    }

    /// Opens and starts the store (see [`Revoker::start`]).
    pub async fn open_and_start(cfg: &Store, keep_secs: u64) -> Result<Arc<Revoker>, StoreError> {
        let r = Arc::new(Revoker::open(cfg, keep_secs)?);
        r.start().await?;
        Ok(r)
    }

    /// Connects to Redis and loads its entries (the embedded store is ready after `open`), then
    /// spawns the task that re-reads the store every `sync_interval` for as long as this
    /// revoker lives. Fails when Redis cannot be reached at start.
    pub async fn start(self: &Arc<Self>) -> Result<(), StoreError> {
        self.connect().await?;
        let weak = Arc::downgrade(self);
        tokio::spawn(sync_task(weak, self.sync_interval));
        Ok(())
    }

    /// Connects (Redis) and loads what the store holds, without a sync task (the admin command).
    pub async fn connect(&self) -> Result<(), StoreError> {
        if let Backend::Redis(r) = &self.backend {
            r.connect().await?;
            r.prune(unix_now().saturating_sub(self.keep_secs)).await?;
            let entries = r.load_if_changed(unix_now().saturating_sub(self.keep_secs)).await?.unwrap_or_default();
            self.merge(&entries);
            tracing::info!(url = %r.url(), entries = self.snapshot().len(), "revocations: redis store");
        }
        self.retry_waiting().await;
        Ok(())
    }

    /// The revocations in force: what a request is judged against. Lock-free.
    pub fn snapshot(&self) -> Arc<Revocations> {
        self.current.load_full()
    }

    /// Revokes at once here and writes the entry to the store, where the other instances (and
    /// this one after a restart) find it. When the store cannot take it, the entry waits in the
    /// local queue (`Queued`) and is retried at every sync; `Err` only when it could not be made
    /// durable anywhere (then it waits in memory, in force here, and is still retried).
    pub async fn revoke(&self, e: Entry) -> Result<Durable, StoreError> {
        self.merge(std::slice::from_ref(&e));
        let Err(store_error) = self.write(&e).await else { return Ok(Durable::Stored) };
        self.drained.store(false, Ordering::Relaxed);
        match self.queue.hold(&e).await {
            Ok(d) => {
                tracing::error!(error = %store_error, queue = %self.queue.dir().display(), waiting = self.queue.len(),
                    "revocation not stored; queued on disk, in force here, retried until the store takes it");
                Ok(d)
            }
            Err(queue_error) => {
                tracing::error!(error = %store_error, queue_error = %queue_error, waiting = self.queue.len(),
                    "revocation not stored, nor queued on disk: in force here (memory only) and retried");
                Err(store_error)
            }
        }
    }

    async fn write(&self, e: &Entry) -> Result<(), StoreError> {
        match &self.backend {
            Backend::File(f) => f.append(e).await,
            Backend::Redis(r) => r.append(e).await,
        }
    }

    /// How many revocations wait for the store (admin `/stats`).
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    /// Retries what waits for the store, oldest first; stops at the first failure.
    async fn retry_waiting(&self) {
        if self.queue.is_empty() && self.drained.load(Ordering::Relaxed) {
            return;
        }
        let waiting = match self.queue.waiting().await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "revocations: cannot read the local queue");
                return;
            }
        };
        let mut done = Vec::new();
        for e in &waiting {
            if self.write(e).await.is_err() {
                break;
            }
            done.push(e.clone());
        }
        // entries other processes queued apply here too
        self.merge(&waiting);
        if let Err(e) = self.queue.stored(&done).await {
            tracing::warn!(error = %e, "revocations: stored, but the local queue could not be rewritten; they will be written again");
        }
        if !done.is_empty() && self.queue.is_empty() {
            self.drained.store(true, Ordering::Relaxed);
            tracing::info!(stored = done.len(), store = %self.location(), "revocations: every waiting revocation is stored now");
        }
    }

    /// Whether this authorization response (`key`, its state valid until `until`) is used for
    /// the first time; it is used from now on. Remembered in the store (the embedded folder or
    /// Redis) so that other instances and later runs agree; memory alone when the store fails.
    pub async fn first_use(&self, key: &str, until: u64, now: u64) -> First {
        if self.used.in_memory(key, until, now) == First::No {
            return First::No;
        }
        let shared = match &self.backend {
            Backend::File(_) => self.used.on_disk(key, until).map_err(|e| e.to_string()),
            Backend::Redis(r) => r
                .first_use(key, until.saturating_sub(now))
                .await
                .map(|first| if first { First::Yes } else { First::No })
                .map_err(|e| e.to_string()),
        };
        shared.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "used logins: the store cannot record this one; this instance remembers it");
            First::Yes
        })
    }

    /// Where the entries live, for messages: a file path or the Redis URL without password.
    pub fn location(&self) -> String {
        match &self.backend {
            Backend::File(f) => f.path().display().to_string(),
            Backend::Redis(r) => r.url().to_owned(),
        }
    }

    pub fn sync_interval(&self) -> Duration {
        self.sync_interval
    }

    /// True the first time a logout token's `jti` is seen (until `forget_at`, Unix seconds);
    /// false for a replay. Remembered in memory: a replay reaching another instance is stopped
    /// there by the token's short age limit instead.
    pub fn first_sight(&self, jti: &str, forget_at: u64, now: u64) -> bool {
        let mut seen = self.seen_jti.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, until| *until > now);
        match seen.get(jti) {
            Some(_) => false,
            None => {
                seen.insert(jti.to_owned(), forget_at);
                true
            }
        }
    }

    /// Forgets a `jti` (its revocation could not be stored, so a retry must act again).
    pub fn forget_jti(&self, jti: &str) {
        self.seen_jti.lock().unwrap_or_else(|p| p.into_inner()).remove(jti);
    }

    /// Reads what is new in the store and drops what is too old to matter.
    pub async fn sync(&self) {
        let keep_from = unix_now().saturating_sub(self.keep_secs);
        let result = match &self.backend {
            Backend::File(f) => f.read_new().await,
            Backend::Redis(r) => r.load_if_changed(keep_from).await.map(Option::unwrap_or_default),
        };
        match result {
            Ok(entries) => {
                if !self.healthy.swap(true, Ordering::Relaxed) {
                    tracing::info!(store = %self.location(), "revocations: store readable again");
                }
                if !entries.is_empty() {
                    tracing::debug!(new = entries.len(), "revocations: synced");
                }
                self.merge(&entries);
            }
            Err(e) => {
                if self.healthy.swap(false, Ordering::Relaxed) {
                    tracing::error!(error = %e, "revocations: cannot read the store; the last list stays in force");
                }
            }
        }
        self.prune(keep_from);
        self.retry_waiting().await;
        self.used.prune(unix_now());
        if let Backend::Redis(r) = &self.backend
            && let Err(e) = r.prune_now_and_then(keep_from).await
        {
            tracing::debug!(error = %e, "revocations: pruning redis failed");
        }
    }

    /// Adds entries to the list and publishes a new snapshot if any came.
    fn merge(&self, entries: &[Entry]) {
        if entries.is_empty() {
            return;
        }
        let mut master = self.master.lock().unwrap_or_else(|p| p.into_inner());
        for e in entries {
            master.apply(e);
        }
        self.current.store(Arc::new(master.clone()));
    }

    fn prune(&self, keep_from: u64) {
        let mut master = self.master.lock().unwrap_or_else(|p| p.into_inner());
        let before = master.len();
        master.prune(keep_from);
        if master.len() != before {
            self.current.store(Arc::new(master.clone()));
        }
    }
}

async fn sync_task(weak: Weak<Revoker>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is immediate; the store was just loaded
    loop {
        tick.tick().await;
        let Some(revoker) = weak.upgrade() else { return };
        revoker.sync().await;
    }
}

#[cfg(test)]
mod tests;

//! Revocations the store could not take yet (Redis down, a full or read-only disk), kept until
//! it can: first in a local durable queue (an append-only file like the embedded store's, in
//! `store.queue_path`), else, when even that cannot be written, in memory. Every sync retries
//! them, oldest first; the local queue survives restarts and is loaded at start, so a signed-out
//! cookie stays refused here meanwhile.
//!
//! It never decides what an entry means, and never drops one that is not stored: an entry
//! leaves the queue only once the store has acknowledged it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use authfront_core::revocation::Entry;

use super::StoreError;
use super::file::FileStore;

/// Where an entry was made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durable {
    /// In the store itself: every instance sees it within `store.sync_interval`.
    Stored,
    /// In the local queue: in force here, and stored when the store is back.
    Queued,
}

#[derive(Debug)]
pub struct Queue {
    dir: PathBuf,
    /// Opened when first needed (or at start when it holds entries).
    file: Mutex<Option<FileStore>>,
    /// Entries neither the store nor the queue file could take.
    memory: Mutex<Vec<Entry>>,
    /// Entries in the queue file, as far as this process knows.
    queued: Mutex<Vec<Entry>>,
}

impl Queue {
    /// The queue in `dir`, and the entries it still holds from an earlier run (made at or
    /// after `keep_from`). Creates nothing when the folder does not exist.
    pub fn open(dir: &Path, keep_from: u64) -> Result<(Queue, Vec<Entry>), StoreError> {
        let q = Queue {
            dir: dir.to_path_buf(),
            file: Mutex::new(None),
            memory: Mutex::new(Vec::new()),
            queued: Mutex::new(Vec::new()),
        };
        if !dir.exists() {
            return Ok((q, Vec::new()));
        }
        let (store, entries) = FileStore::open(dir, keep_from).map_err(|e| queue_error(dir, e))?;
        *lock(&q.file) = Some(store);
        lock(&q.queued).clone_from(&entries);
        Ok((q, entries))
    }

    /// The folder, for messages.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many entries wait for the store.
    pub fn len(&self) -> usize {
        lock(&self.memory).len() + lock(&self.queued).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps `e` until the store takes it: in the queue file if it can be written (then
    /// `Queued`), else in memory (then the queue file's error).
    pub async fn hold(&self, e: &Entry) -> Result<Durable, StoreError> {
        let written = match self.file().await {
            Ok(f) => f.append(e).await,
            Err(err) => Err(err),
        };
        match written {
            Ok(()) => {
                lock(&self.queued).push(e.clone());
                Ok(Durable::Queued)
            }
            Err(err) => {
                lock(&self.memory).push(e.clone());
                Err(err)
            }
        }
    }

    /// The queue file, opened (and its folder created) if it was not yet.
    async fn file(&self) -> Result<FileStore, StoreError> {
        if let Some(f) = lock(&self.file).as_ref() {
            return Ok(f.clone());
        }
        let dir = self.dir.clone();
        let (f, _) = tokio::task::spawn_blocking(move || FileStore::open(&dir, 0))
            .await
            .map_err(|e| StoreError::Queue {
                path: self.dir.clone(),
                what: "queue task failed",
                source: std::io::Error::other(e),
            })?
            .map_err(|e| queue_error(&self.dir, e))?;
        *lock(&self.file) = Some(f.clone());
        Ok(f)
    }

    /// Everything waiting, oldest first: in memory, then in the queue file (read again: other
    /// processes sharing the folder may have queued entries too).
    pub async fn waiting(&self) -> Result<Vec<Entry>, StoreError> {
        let mut all = lock(&self.memory).clone();
        let file = lock(&self.file).clone();
        if let Some(f) = file {
            let queued = f.read_all().await?;
            lock(&self.queued).clone_from(&queued);
            all.extend(queued);
        }
        Ok(all)
    }

    /// `done` (entries the store took) leave the queue: from memory, and from the queue file,
    /// which is rewritten without them (entries other processes queued meanwhile stay).
    pub async fn stored(&self, done: &[Entry]) -> Result<(), StoreError> {
        if done.is_empty() {
            return Ok(());
        }
        lock(&self.memory).retain(|e| !done.contains(e));
        let file = lock(&self.file).clone();
        let in_file = lock(&self.queued).iter().any(|e| done.contains(e));
        if let Some(f) = file
            && in_file
        {
            let left = f.remove(done.to_vec()).await?;
            *lock(&self.queued) = left;
        }
        Ok(())
    }
}

/// A file-store error about the queue's folder, named by its own key.
fn queue_error(dir: &Path, e: StoreError) -> StoreError {
    match e {
        StoreError::File { what, source, .. } => StoreError::Queue { path: dir.to_path_buf(), what, source },
        other => other,
    }
}

// A poisoned lock means a panic while holding a list of plain values; carry on with them.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

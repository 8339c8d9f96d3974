//! The edge cache's store: whole responses in memory, shared by all users, bounded by bytes
//! (moka, weighed by body, headers and key), each kept as long as core's
//! [`Freshness::keep_for`] says, plus compressed variants derived from them.
//!
//! It holds what [`authfront_core::cache`] said may be stored and nothing else; it never
//! decides cacheability or freshness itself. Filling on a miss — one origin fetch for many
//! simultaneous misses, revalidation, stale-if-error — is in [`fill`]; purging and stats from
//! outside, in [`crate::admin`].
//!
//! [`Freshness::keep_for`]: authfront_core::cache::Freshness::keep_for

pub mod fill;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authfront_core::cache::{Freshness, Key};
use authfront_core::compress::Encoding;
use authfront_core::conditional::Validators;
use authfront_core::config::CacheSettings;
use authfront_core::path::Pattern;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use moka::sync::Cache as Moka;
use tokio::sync::watch;

/// What each entry costs beyond its bytes (moka's node, the `Arc`, the maps): counted so that
/// many tiny entries cannot exceed the bound unseen.
const ENTRY_OVERHEAD: usize = 256;

/// A stored response: status, headers as stored, the whole body, and its timing.
#[derive(Debug)]
pub struct Entry {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub freshness: Freshness,
    pub validators: Validators,
    /// Which fill produced the body; a compressed variant is valid for the same generation only.
    /// A revalidation keeps the generation (the bytes did not change).
    pub generation: u64,
}

impl Entry {
    fn keep(&self) -> Duration {
        let has_validators = self.validators.etag.is_some() || self.validators.last_modified.is_some();
        Duration::from_secs(self.freshness.keep_for(has_validators))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Slot {
    key: Key,
    encoding: Encoding,
}

#[derive(Debug, Clone)]
enum Value {
    Object(Arc<Entry>),
    /// The body of `Object` at `generation`, compressed; its headers are derived when served.
    Variant {
        generation: u64,
        body: Bytes,
        keep: Duration,
    },
}

impl Value {
    fn keep(&self) -> Duration {
        match self {
            Value::Object(e) => e.keep(),
            Value::Variant { keep, .. } => *keep,
        }
    }
}

struct KeepFor;

impl moka::Expiry<Slot, Value> for KeepFor {
    fn expire_after_create(&self, _: &Slot, value: &Value, _: std::time::Instant) -> Option<Duration> {
        Some(value.keep())
    }
    fn expire_after_update(
        &self,
        _: &Slot,
        value: &Value,
        _: std::time::Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.keep())
    }
}

fn weight(slot: &Slot, value: &Value) -> u32 {
    let bytes = match value {
        Value::Object(e) => e.body.len() + e.headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 8).sum::<usize>(),
        Value::Variant { body, .. } => body.len(),
    };
    u32::try_from(bytes + slot.key.weight() + ENTRY_OVERHEAD).unwrap_or(u32::MAX)
}

/// Sizes for the admin `stats` endpoint and tests.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Stats {
    pub entries: u64,
    pub bytes: u64,
    pub max_bytes: u64,
}

pub struct Cache {
    store: Moka<Slot, Value>,
    /// Fills under way, by key: later misses of the same key wait for the first one.
    inflight: Mutex<HashMap<Key, watch::Receiver<Option<fill::Shared>>>>,
    generation: AtomicU64,
    pub settings: CacheSettings,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("stats", &self.stats()).finish_non_exhaustive()
    }
}

impl Cache {
    pub fn new(settings: CacheSettings) -> Cache {
        let store = Moka::builder()
            .name("authfront-edge-cache")
            .max_capacity(settings.max_size)
            .weigher(weight)
            .expire_after(KeepFor)
            .build();
        Cache { store, inflight: Mutex::new(HashMap::new()), generation: AtomicU64::new(1), settings }
    }

    /// `cache.max_size = 0` turns the cache off.
    pub fn enabled(&self) -> bool {
        self.settings.max_size > 0
    }

    /// The stored response for `key`, fresh or not.
    pub fn get(&self, key: &Key) -> Option<Arc<Entry>> {
        match self.store.get(&Slot { key: key.clone(), encoding: Encoding::Identity })? {
            Value::Object(e) => Some(e),
            Value::Variant { .. } => None,
        }
    }

    /// The body of `entry` in `encoding`, if it was compressed since `entry` was filled.
    pub fn variant(&self, key: &Key, encoding: Encoding, entry: &Entry) -> Option<Bytes> {
        match self.store.get(&Slot { key: key.clone(), encoding })? {
            Value::Variant { generation, body, .. } if generation == entry.generation => Some(body),
            _ => None,
        }
    }

    pub fn insert_variant(&self, key: &Key, encoding: Encoding, entry: &Entry, body: Bytes) {
        let value = Value::Variant { generation: entry.generation, body, keep: entry.keep() };
        self.store.insert(Slot { key: key.clone(), encoding }, value);
    }

    /// Stores `entry` for `key` unless its body is above `cache.max_object_size`. Only for what
    /// [`authfront_core::cache::storable`] allowed (fills do that; benchmarks and tests too).
    pub fn insert(&self, key: &Key, entry: Arc<Entry>) {
        if entry.body.len() as u64 <= self.settings.max_object_size {
            self.store.insert(Slot { key: key.clone(), encoding: Encoding::Identity }, Value::Object(entry));
        }
    }

    fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed)
    }

    /// Drops every entry whose path matches `pattern` (all queries, all encodings); returns
    /// how many were dropped.
    pub fn purge(&self, pattern: &Pattern) -> usize {
        self.remove_where(|slot| pattern.matches_str(slot.key.path()))
    }

    /// Drops what is stored for `path` (any query, any encoding): an unsafe request changed it.
    pub fn invalidate_path(&self, path: &str) -> usize {
        self.remove_where(|slot| slot.key.path() == path)
    }

    fn invalidate_key(&self, key: &Key) -> usize {
        self.remove_where(|slot| slot.key == *key)
    }

    fn remove_where(&self, pred: impl Fn(&Slot) -> bool) -> usize {
        let doomed: Vec<Arc<Slot>> = self.store.iter().map(|(k, _)| k).filter(|k| pred(k)).collect();
        for slot in &doomed {
            self.store.invalidate(slot.as_ref());
        }
        doomed.len()
    }

    pub fn stats(&self) -> Stats {
        self.store.run_pending_tasks();
        Stats {
            entries: self.store.entry_count(),
            bytes: self.store.weighted_size(),
            max_bytes: self.settings.max_size,
        }
    }
}

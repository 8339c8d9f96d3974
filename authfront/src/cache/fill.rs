//! Filling the cache on a miss or a stale hit: one origin fetch per key however many requests
//! miss at once (request coalescing), revalidation of stale entries with their validators,
//! and stale-if-error when the origin fails.
//!
//! The first request for a key leads: its fetch runs in a task of its own (so it completes
//! and stores even if that client goes away), and the others wait for its outcome. What may
//! be stored, and for how long, is [`authfront_core::cache::storable`]'s decision; bodies larger
//! than `cache.max_object_size` are never buffered — they stream to the leader, and each
//! waiting request fetches for itself. Waiting requests are given the leader's answer only when
//! it may be reused without asking the origin (fresh, or stale because the origin failed);
//! anything else was the leader's own answer, and each of them fetches for itself.

use std::sync::Arc;

use authfront_core::cache::{self, CacheStatus, Key};
use authfront_core::error::Error;
use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, CONTENT_LENGTH};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use http_body_util::BodyExt;
use tokio::sync::watch;

use super::{Cache, Entry};
use crate::body::{self, Body};
use crate::origin::{Fetch, Origin};

/// What waiting requests learn from the leader.
#[derive(Debug, Clone)]
pub enum Shared {
    /// Serve this (fresh, revalidated or stale) entry.
    Stored(Arc<Entry>, CacheStatus),
    /// The answer could not be stored: fetch for yourself.
    NotStored,
    /// The origin failed and nothing stale could stand in.
    Failed(Error),
}

/// The answer to one request through the cache.
#[derive(Debug)]
pub enum Served {
    /// From the store; the request's own conditions and range are still to be judged.
    Entry(Arc<Entry>, CacheStatus),
    /// The origin's response, not stored; the client's conditions were not sent with it.
    Passed(Response<Body>),
}

enum Role {
    Lead(watch::Sender<Option<Shared>>),
    Follow(watch::Receiver<Option<Shared>>),
}

impl Cache {
    /// Answers a whole-object `GET` for `key` from the cache, filling it from `origin` when
    /// the entry is missing or stale. `fetch` builds the origin request, only when one is sent
    /// (a hit builds nothing); it goes without the client's conditions.
    pub async fn fetch(
        self: &Arc<Self>,
        key: &Key,
        origin: &Arc<Origin>,
        fetch: impl FnOnce() -> Fetch,
        now: u64,
    ) -> Result<Served, Error> {
        let stale = match self.get(key) {
            Some(e) if e.freshness.is_fresh(now) => return Ok(Served::Entry(e, CacheStatus::Hit)),
            other => other,
        };
        let mut fetch = fetch();
        fetch.keep_conditions = false;
        let role = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match inflight.get(key) {
                Some(rx) => Role::Follow(rx.clone()),
                None => {
                    let (tx, rx) = watch::channel(None);
                    inflight.insert(key.clone(), rx);
                    Role::Lead(tx)
                }
            }
        };
        match role {
            Role::Lead(tx) => {
                let task = tokio::spawn(lead(self.clone(), key.clone(), origin.clone(), fetch, stale, now, tx));
                task.await.map_err(|e| Error::Internal(format!("cache fill task: {e}")))?
            }
            Role::Follow(mut rx) => {
                let shared = rx.wait_for(Option::is_some).await.ok().and_then(|v| v.clone());
                match shared {
                    // only what may be reused without asking the origin (RFC 9111 §4): a
                    // response that must be revalidated was the leader's answer alone
                    Some(Shared::Stored(e, status)) if status == CacheStatus::Stale || e.freshness.is_fresh(now) => {
                        Ok(Served::Entry(e, status))
                    }
                    Some(Shared::Failed(e)) => Err(e),
                    // not storable, not fresh, or the leader's task died without a word: fetch alone
                    Some(Shared::Stored(..) | Shared::NotStored) | None => {
                        origin.fetch(fetch, None).await.map(Served::Passed)
                    }
                }
            }
        }
    }
}

async fn lead(
    cache: Arc<Cache>,
    key: Key,
    origin: Arc<Origin>,
    mut fetch: Fetch,
    stale: Option<Arc<Entry>>,
    now: u64,
    tx: watch::Sender<Option<Shared>>,
) -> Result<Served, Error> {
    // all of the request that storability depends on
    let mut request = HeaderMap::new();
    if let Some(auth) = fetch.headers.get(AUTHORIZATION) {
        request.insert(AUTHORIZATION, auth.clone());
    }
    if let Some(s) = &stale {
        fetch.extra = cache::revalidation(&s.validators);
    }
    let inflight = Inflight { cache: &cache, key: &key };
    let result = origin.fetch(fetch, None).await;
    let (served, shared) = settle(&cache, &key, stale, result, &request, now).await;
    drop(inflight);
    let _ = tx.send(Some(shared));
    served
}

/// Removes the key from the fills under way when the leader is done — or panics, so that later
/// misses do not wait on a fill that will never report.
struct Inflight<'a> {
    cache: &'a Cache,
    key: &'a Key,
}

impl Drop for Inflight<'_> {
    fn drop(&mut self) {
        self.cache.inflight.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(self.key);
    }
}

/// Whether the origin failed (stale-if-error may stand in), as opposed to answering: a missing
/// object or a refused method is the current truth about the key.
fn origin_failed(e: &Error) -> bool {
    matches!(e, Error::Origin(_) | Error::OriginTimeout(_) | Error::Internal(_))
}

async fn settle(
    cache: &Cache,
    key: &Key,
    stale: Option<Arc<Entry>>,
    result: Result<Response<Body>, Error>,
    request: &HeaderMap,
    now: u64,
) -> (Result<Served, Error>, Shared) {
    let resp = match result {
        Ok(resp) => resp,
        Err(e) if origin_failed(&e) => return failed(key, stale, e, now),
        Err(e) => {
            // e.g. the object was deleted: what was stored is no longer true
            if stale.is_some() {
                cache.invalidate_key(key);
            }
            return (Err(e.clone()), Shared::Failed(e));
        }
    };
    let status = resp.status();
    if status.is_server_error() && stale.as_ref().is_some_and(|s| s.freshness.usable_on_error(now)) {
        return failed(key, stale, Error::Origin(format!("origin answered HTTP {status}")), now);
    }
    if status == StatusCode::NOT_MODIFIED
        && let Some(s) = &stale
    {
        return revalidated(cache, key, s, resp.headers(), request, now);
    }
    // an answer that is not stored still supersedes what was stored for the key
    let passed = |resp| {
        if stale.is_some() {
            cache.invalidate_key(key);
        }
        (Ok(Served::Passed(resp)), Shared::NotStored)
    };
    let settings = &cache.settings;
    let Ok(freshness) = cache::storable(settings, key.path(), request, status, resp.headers(), now) else {
        return passed(resp);
    };
    let declared = resp.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|s| s.parse::<u64>().ok());
    if declared.is_some_and(|l| l > settings.max_object_size) {
        return passed(resp);
    }
    let (parts, body) = resp.into_parts();
    // the bound was checked to fit a u32 when the config was read
    let limit = usize::try_from(settings.max_object_size).unwrap_or(usize::MAX);
    // the declared length sizes the buffer once: no doubling, no spare capacity kept in memory
    let expect = declared.and_then(|l| usize::try_from(l).ok()).unwrap_or(0).min(limit);
    match read_up_to(body, limit, expect).await {
        Err(e) => failed(key, stale, Error::Origin(format!("reading the origin's body: {e}")), now),
        Ok(Read::TooLarge(prefix, rest)) => passed(Response::from_parts(parts, body::prefixed(prefix, rest))),
        Ok(Read::Whole(bytes)) => {
            let validators = cache::validators(&parts.headers);
            // an origin that ignores conditions (some S3 implementations) answers a
            // revalidation with the same object: it still confirms the stored one
            let same = stale.as_ref().filter(|s| {
                s.body.len() == bytes.len() && s.validators.etag.is_some() && s.validators.etag == validators.etag
            });
            let (generation, status_seen) = match same {
                Some(s) => (s.generation, CacheStatus::Revalidated),
                None => (cache.next_generation(), CacheStatus::Miss),
            };
            let entry = Arc::new(Entry {
                status,
                headers: detached(cache::stored_headers(&parts.headers)),
                body: bytes,
                freshness,
                validators,
                generation,
            });
            cache.insert(key, entry.clone());
            (Ok(Served::Entry(entry.clone(), status_seen)), Shared::Stored(entry, status_seen))
        }
    }
}

/// A `304` to a revalidation: the stored body is current; its headers and timing are renewed.
fn revalidated(
    cache: &Cache,
    key: &Key,
    stale: &Entry,
    not_modified: &HeaderMap,
    request: &HeaderMap,
    now: u64,
) -> (Result<Served, Error>, Shared) {
    let headers = detached(cache::merge_not_modified(&stale.headers, not_modified));
    let storable = cache::storable(&cache.settings, key.path(), request, stale.status, &headers, now);
    let entry = Arc::new(Entry {
        status: stale.status,
        validators: cache::validators(&headers),
        freshness: storable.unwrap_or(cache::Freshness {
            stored_at: now,
            initial_age: 0,
            lifetime: 0,
            stale_if_error: 0,
        }),
        headers,
        body: stale.body.clone(),
        generation: stale.generation,
    });
    if storable.is_ok() {
        cache.insert(key, entry.clone());
        (Ok(Served::Entry(entry.clone(), CacheStatus::Revalidated)), Shared::Stored(entry, CacheStatus::Revalidated))
    } else {
        // the origin no longer allows storing it: this once, then never again
        cache.invalidate_key(key);
        (Ok(Served::Entry(entry, CacheStatus::Revalidated)), Shared::NotStored)
    }
}

/// Headers an answer from a stored entry may add to it (see [`detached`]): `Content-Length`,
/// `Age`, `X-Cache`, `Cache-Control`, `Vary`/`Content-Encoding` and about six security headers.
/// More only costs the stored map's spare slots (about 100 bytes each), fewer a rehash per hit.
const SERVED_ROOM: usize = 12;

/// `headers` with values of their own. hyper's client hands out header values as slices of its
/// read buffer (no copy), and each slice keeps that whole buffer alive: a stored entry would pin
/// up to hundreds of KiB it does not use (the buffer the body was read through, too) for as long
/// as it is kept, memory the cache's byte bound cannot see.
///
/// The map has room for what every answer from the entry adds (`Content-Length`, `Age`,
/// `X-Cache`, `Cache-Control`, compression's, the configured security headers): its clone per
/// hit keeps that room, where growing it would rehash every header on every hit.
fn detached(headers: HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len() + SERVED_ROOM);
    let mut last = None;
    for (name, value) in headers {
        // `None` repeats the previous name (a header with several values)
        let Some(name) = name.or(last.take()) else { continue };
        let sensitive = value.is_sensitive();
        let mut copy = HeaderValue::from_bytes(value.as_bytes()).unwrap_or(value);
        copy.set_sensitive(sensitive);
        out.append(name.clone(), copy);
        last = Some(name);
    }
    out
}

/// The origin failed: a stale entry stands in if stale-if-error allows, else the error.
fn failed(key: &Key, stale: Option<Arc<Entry>>, e: Error, now: u64) -> (Result<Served, Error>, Shared) {
    match stale.filter(|s| s.freshness.usable_on_error(now)) {
        Some(s) => {
            tracing::warn!(path = %key.path(), error = %e, age = s.freshness.age(now), "origin failed; serving a stale copy");
            (Ok(Served::Entry(s.clone(), CacheStatus::Stale)), Shared::Stored(s, CacheStatus::Stale))
        }
        None => (Err(e.clone()), Shared::Failed(e)),
    }
}

enum Read {
    Whole(Bytes),
    /// Over the limit: what was read, and the rest still to stream.
    TooLarge(Bytes, Body),
}

/// Reads `body` whole unless it exceeds `limit`; `expect` is the length it declared (0 unknown).
async fn read_up_to(mut body: Body, limit: usize, expect: usize) -> Result<Read, std::io::Error> {
    let mut buf = BytesMut::with_capacity(expect);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            buf.extend_from_slice(&data);
            if buf.len() > limit {
                return Ok(Read::TooLarge(buf.freeze(), body));
            }
        }
    }
    // A body of unknown length grew by doubling: what the cache keeps, it keeps at its size
    // (the bound counts bytes of bodies, so spare capacity would be memory it cannot see).
    if buf.capacity() - buf.len() > buf.len() / 8 {
        return Ok(Read::Whole(Bytes::copy_from_slice(&buf)));
    }
    Ok(Read::Whole(buf.freeze()))
}

#[cfg(test)]
mod tests;

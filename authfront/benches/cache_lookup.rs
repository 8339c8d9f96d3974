//! The edge cache on the request path, measured: the key of a request and a lookup in the
//! store (moka) for an entry that is there (a hit), one that is not (a miss), and the same hit
//! from many keys (a store with 10,000 entries). Run with `cargo bench -p authfront --bench
//! cache_lookup`; criterion prints lookups per second (`thrpt`). A benchmark, never a timed test.

use std::hint::black_box;
use std::sync::Arc;

use authfront::cache::{Cache, Entry};
use authfront_core::cache::{Freshness, Key};
use authfront_core::conditional::Validators;
use authfront_core::config::CacheSettings;
use authfront_core::path::normalize;
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::header::{CONTENT_TYPE, ETAG};
use http::{HeaderMap, HeaderValue, StatusCode};

const NOW: u64 = 1_800_000_000;

fn cache() -> Cache {
    Cache::new(CacheSettings {
        max_size: 256 << 20,
        max_object_size: 8 << 20,
        default_ttl: 3600,
        stale_if_error: 3600,
        rules: Vec::new(),
    })
}

fn entry(body: usize) -> Arc<Entry> {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(ETAG, HeaderValue::from_static("\"400-5f3a1b2c\""));
    Arc::new(Entry {
        status: StatusCode::OK,
        headers,
        body: Bytes::from(vec![7u8; body]),
        freshness: Freshness { stored_at: NOW, initial_age: 0, lifetime: 3600, stale_if_error: 0 },
        validators: Validators { etag: Some("\"400-5f3a1b2c\"".into()), last_modified: None },
        generation: 1,
    })
}

fn lookup(c: &mut Criterion) {
    let store = cache();
    let path = normalize("/cached/1k.bin").expect("a valid path");
    store.insert(&Key::new(&path, None), entry(1024));
    let missing = normalize("/cached/none.bin").expect("a valid path");
    let mut g = c.benchmark_group("cache");
    g.throughput(Throughput::Elements(1));
    g.bench_function("key_and_hit", |b| {
        b.iter(|| {
            let key = Key::new(black_box(&path), black_box(None));
            store.get(&key).filter(|e| e.freshness.is_fresh(NOW)).is_some()
        })
    });
    g.bench_function("key_and_miss", |b| {
        b.iter(|| store.get(&Key::new(black_box(&missing), black_box(Some("v=2")))).is_some())
    });
    let big = cache();
    let paths: Vec<_> = (0..10_000).map(|i| normalize(&format!("/assets/{i}.js")).expect("a valid path")).collect();
    for p in &paths {
        big.insert(&Key::new(p, None), entry(64));
    }
    let mut i = 0;
    g.bench_function("hit_among_10000", |b| {
        b.iter(|| {
            i = (i + 7919) % paths.len();
            big.get(&Key::new(&paths[i], None)).is_some()
        })
    });
    g.finish();
}

criterion_group!(benches, lookup);
criterion_main!(benches);

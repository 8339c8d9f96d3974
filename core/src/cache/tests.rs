use http::HeaderValue;

use super::*;
use crate::config::CacheRule;
use crate::path::{Pattern, normalize};

const NOW: u64 = 1_700_000_000;

fn settings() -> CacheSettings {
    CacheSettings {
        max_size: 1 << 20,
        max_object_size: 1 << 16,
        default_ttl: 0,
        stale_if_error: 3600,
        rules: vec![
            CacheRule { path: Pattern::parse("/assets/*").unwrap(), default_ttl: Some(86400), shared: false },
            CacheRule { path: Pattern::parse("/static/*").unwrap(), default_ttl: None, shared: true },
        ],
    }
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in pairs {
        h.append(HeaderName::try_from(*n).unwrap(), HeaderValue::try_from(*v).unwrap());
    }
    h
}

fn store(path: &str, status: u16, resp: &[(&str, &str)]) -> Result<Freshness, NoStore> {
    storable(&settings(), path, &HeaderMap::new(), StatusCode::from_u16(status).unwrap(), &headers(resp), NOW)
}

fn date(secs: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

#[test]
fn key_is_path_and_query_only() {
    let k = Key::new(&normalize("/a/../b%20c").unwrap(), Some("x=1"));
    assert_eq!((k.path(), k.query()), ("/b c", Some("x=1")));
    assert_eq!(Key::new(&normalize("/b").unwrap(), Some("")), Key::new(&normalize("/b").unwrap(), None));
    assert_ne!(Key::new(&normalize("/b").unwrap(), Some("x=1")), Key::new(&normalize("/b").unwrap(), Some("x=2")));
    // a decoded `?` in the path is not a query
    let (with_q, split) =
        (Key::new(&normalize("/a%3Fb").unwrap(), None), Key::new(&normalize("/a").unwrap(), Some("b")));
    assert_eq!((with_q.path(), with_q.query()), ("/a?b", None));
    assert_eq!((split.path(), split.query()), ("/a", Some("b")));
    assert_ne!(with_q, split);
}

fn plain_usage(method: &Method, h: &HeaderMap) -> Use {
    usage(&settings(), "/a", method, h, false, false)
}

#[test]
fn usage_by_method_and_range() {
    assert_eq!(plain_usage(&Method::GET, &HeaderMap::new()), Use::Fill);
    assert_eq!(plain_usage(&Method::GET, &headers(&[("range", "bytes=0-1")])), Use::HitOnly);
    assert_eq!(plain_usage(&Method::HEAD, &HeaderMap::new()), Use::HitOnly);
    assert_eq!(plain_usage(&Method::POST, &HeaderMap::new()), Use::Bypass);
    assert!(invalidates(&Method::POST, StatusCode::CREATED));
    assert!(!invalidates(&Method::POST, StatusCode::INTERNAL_SERVER_ERROR));
    assert!(!invalidates(&Method::GET, StatusCode::OK));
}

#[test]
fn a_body_or_a_personal_answer_bypasses_the_cache() {
    let s = settings();
    let none = HeaderMap::new();
    assert_eq!(usage(&s, "/a", &Method::GET, &none, true, false), Use::Bypass, "a GET with a body");
    assert_eq!(usage(&s, "/a", &Method::GET, &none, false, true), Use::Bypass, "identity headers sent");
    assert_eq!(usage(&s, "/assets/x", &Method::HEAD, &none, false, true), Use::Bypass, "a rule without shared");
    // the operator says the answers here do not depend on who asks
    assert_eq!(usage(&s, "/static/x", &Method::GET, &none, false, true), Use::Fill);
    assert_eq!(usage(&s, "/static/x", &Method::GET, &none, true, true), Use::Bypass, "bodies never");
    // a rule without a default_ttl leaves the global one
    assert_eq!(default_ttl(&s, "/static/x"), 0);
}

#[test]
fn nothing_is_shared_that_is_stale_on_arrival_without_a_validator() {
    // the default config (default_ttl 0s, stale_if_error 1h) and an origin that says nothing:
    // not stored, so neither coalesced nor served stale to someone else
    assert_eq!(store("/a", 200, &[]), Err(NoStore::NotReusable));
    assert_eq!(store("/a", 200, &[("cache-control", "max-age=0")]), Err(NoStore::NotReusable));
    assert_eq!(store("/a", 200, &[("cache-control", "no-cache")]), Err(NoStore::NotReusable));
    assert_eq!(store("/a", 200, &[("cache-control", "max-age=60"), ("age", "60")]), Err(NoStore::NotReusable));
    // a validator makes it reusable after a revalidation; freshness or a default TTL at once
    assert!(store("/a", 200, &[("etag", "\"e\"")]).is_ok());
    assert!(store("/a", 200, &[("last-modified", &date(NOW - 60))]).is_ok());
    assert!(store("/a", 200, &[("cache-control", "max-age=1")]).is_ok());
    assert!(store("/assets/x.css", 200, &[]).is_ok());
}

#[test]
fn lifetime_precedence_s_maxage_max_age_expires_default() {
    let f = store("/a", 200, &[("cache-control", "max-age=60, s-maxage=600")]).unwrap();
    assert_eq!(f.lifetime, 600);
    assert_eq!(store("/a", 200, &[("cache-control", "public, max-age=60")]).unwrap().lifetime, 60);
    let expires = [("date", date(NOW - 10)), ("expires", date(NOW + 110))];
    let f = store("/a", 200, &expires.iter().map(|(n, v)| (*n, v.as_str())).collect::<Vec<_>>()).unwrap();
    assert_eq!(f.lifetime, 120, "Expires counts from the origin's Date");
    assert_eq!(store("/a", 200, &[("expires", "0"), ("etag", "\"e\"")]).unwrap().lifetime, 0, "invalid = expired");
    // nothing said: the path's default TTL
    assert_eq!(store("/assets/x.css", 200, &[]).unwrap().lifetime, 86400);
    assert_eq!(store("/other", 200, &[("etag", "\"e\"")]).unwrap().lifetime, 0);
    // no-cache: stored, but always revalidated
    assert_eq!(store("/a", 200, &[("cache-control", "no-cache, max-age=600"), ("etag", "\"e\"")]).unwrap().lifetime, 0);
}

#[test]
fn never_stored() {
    assert_eq!(store("/a", 200, &[("set-cookie", "a=b"), ("cache-control", "max-age=60")]), Err(NoStore::SetCookie));
    assert_eq!(store("/a", 200, &[("cache-control", "no-store")]), Err(NoStore::NoStoreDirective));
    assert_eq!(store("/a", 200, &[("cache-control", "private, max-age=60")]), Err(NoStore::Private));
    assert_eq!(store("/a", 200, &[("cache-control", "private=\"x\", max-age=60")]), Err(NoStore::Private));
    assert_eq!(store("/a", 200, &[("vary", "Cookie"), ("cache-control", "max-age=60")]), Err(NoStore::Vary));
    assert_eq!(store("/a", 200, &[("vary", "*"), ("cache-control", "max-age=60")]), Err(NoStore::Vary));
    assert!(store("/a", 200, &[("vary", "accept-encoding"), ("cache-control", "max-age=60")]).is_ok());
    assert_eq!(store("/a", 206, &[("cache-control", "max-age=60")]), Err(NoStore::Status));
    assert_eq!(store("/a", 500, &[("cache-control", "max-age=60")]), Err(NoStore::Status));
    assert_eq!(store("/a", 302, &[("cache-control", "max-age=60")]), Err(NoStore::Status));
    assert_eq!(
        store("/a", 200, &[("content-range", "bytes 0-1/2"), ("cache-control", "max-age=60")]),
        Err(NoStore::Partial)
    );
    // a 404 only with an explicit lifetime; a 200 with no lifetime, no validators and no
    // stale-if-error is useless
    assert_eq!(store("/assets/gone", 404, &[]), Err(NoStore::Status));
    assert_eq!(store("/a", 404, &[("cache-control", "max-age=10")]).unwrap().lifetime, 10);
    let mut s = settings();
    s.stale_if_error = 0;
    let r = storable(&s, "/a", &HeaderMap::new(), StatusCode::OK, &HeaderMap::new(), NOW);
    assert_eq!(r, Err(NoStore::NotReusable));
}

#[test]
fn authorization_needs_an_explicit_share() {
    let req = headers(&[("authorization", "Bearer x")]);
    let resp = headers(&[("cache-control", "max-age=60")]);
    assert_eq!(storable(&settings(), "/a", &req, StatusCode::OK, &resp, NOW), Err(NoStore::Authorization));
    let resp = headers(&[("cache-control", "public, max-age=60")]);
    assert!(storable(&settings(), "/a", &req, StatusCode::OK, &resp, NOW).is_ok());
}

#[test]
fn freshness_age_and_stale_if_error() {
    let f = store("/a", 200, &[("cache-control", "max-age=100"), ("age", "30")]).unwrap();
    assert_eq!(f.age(NOW), 30);
    assert!(f.is_fresh(NOW + 69));
    assert!(!f.is_fresh(NOW + 70));
    assert!(f.usable_on_error(NOW + 70 + 3599));
    assert!(!f.usable_on_error(NOW + 70 + 3600));
    assert_eq!(f.keep_for(false), 70 + 3600);
    let f = store("/a", 200, &[("cache-control", "max-age=100, stale-if-error=5")]).unwrap();
    assert!(!f.usable_on_error(NOW + 105));
    let f = store("/a", 200, &[("cache-control", "max-age=100, must-revalidate"), ("etag", "\"e\"")]).unwrap();
    assert!(!f.usable_on_error(NOW + 100));
    assert_eq!(f.keep_for(true), 100 + REVALIDATE_WINDOW, "kept a while for a cheap 304");
}

#[test]
fn directives_parse_quoted_lists_and_bad_numbers() {
    let d = Directives::parse(&headers(&[
        ("cache-control", "no-cache=\"set-cookie, x\", max-age=abc"),
        ("cache-control", "No-Transform"),
    ]));
    assert!(d.no_cache && d.no_transform);
    assert_eq!(d.max_age, Some(0));
    assert!(!d.private);
}

#[test]
fn revalidation_sends_validators_and_merges_304() {
    let stored = headers(&[
        ("etag", "\"v1\""),
        ("last-modified", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ("content-type", "text/plain"),
        ("content-length", "5"),
        ("cache-control", "max-age=1"),
    ]);
    let v = validators(&stored);
    assert_eq!(v.etag.as_deref(), Some("\"v1\""));
    assert_eq!(v.last_modified, Some(1_700_000_000));
    let r = revalidation(&v);
    assert_eq!(r[0], (IF_NONE_MATCH, HeaderValue::from_static("\"v1\"")));
    assert_eq!(r[1], (IF_MODIFIED_SINCE, HeaderValue::from_static("Tue, 14 Nov 2023 22:13:20 GMT")));
    let merged = merge_not_modified(
        &stored,
        &headers(&[("cache-control", "max-age=60"), ("content-length", "0"), ("date", "x"), ("x-new", "1")]),
    );
    assert_eq!(merged["cache-control"], "max-age=60");
    assert_eq!(merged["content-length"], "5");
    assert_eq!(merged["x-new"], "1");
    assert!(!merged.contains_key("date"));
}

#[test]
fn stored_headers_drop_per_message_ones() {
    let h = stored_headers(&headers(&[("age", "3"), ("date", "x"), ("x-cache", "hit"), ("etag", "\"e\"")]));
    assert_eq!(h.len(), 1);
}

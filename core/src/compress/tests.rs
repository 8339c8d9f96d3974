use http::HeaderName;

use super::*;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in pairs {
        h.append(HeaderName::try_from(*n).unwrap(), HeaderValue::try_from(*v).unwrap());
    }
    h
}

fn accept(v: &str) -> Encoding {
    negotiate(&headers(&[("accept-encoding", v)]))
}

const ON: Compression = Compression { enabled: true, min_size: 256 };

#[test]
fn negotiation_prefers_brotli_and_honours_q() {
    assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
    assert_eq!(accept("gzip, deflate, br"), Encoding::Brotli);
    assert_eq!(accept("gzip"), Encoding::Gzip);
    assert_eq!(accept("br;q=0.5, gzip"), Encoding::Gzip);
    assert_eq!(accept("br;q=0, gzip;q=0"), Encoding::Identity);
    assert_eq!(accept("*"), Encoding::Brotli);
    assert_eq!(accept("*;q=0.1, br;q=0"), Encoding::Gzip);
    assert_eq!(accept("identity"), Encoding::Identity);
    assert_eq!(accept("gzip;q=1.5"), Encoding::Gzip, "a malformed q counts as 1");
    assert_eq!(accept("GZIP;Q=0.8, br;q=0.7"), Encoding::Gzip);
}

#[test]
fn compressible_types() {
    for t in ["text/html; charset=utf-8", "application/json", "image/svg+xml", "application/ld+json", "font/ttf"] {
        assert!(compressible_type(t), "{t}");
    }
    for t in ["image/png", "application/octet-stream", "video/mp4", "text/event-stream", "application/zip", ""] {
        assert!(!compressible_type(t), "{t}");
    }
}

#[test]
fn eligibility() {
    let ok = headers(&[("content-type", "text/css"), ("content-length", "1000")]);
    assert!(eligible(&ON, StatusCode::OK, &ok));
    assert!(!eligible(&Compression { enabled: false, ..ON }, StatusCode::OK, &ok));
    assert!(!eligible(&ON, StatusCode::PARTIAL_CONTENT, &ok));
    assert!(!eligible(&ON, StatusCode::NOT_MODIFIED, &ok));
    let small = headers(&[("content-type", "text/css"), ("content-length", "100")]);
    assert!(!eligible(&ON, StatusCode::OK, &small));
    let unknown_len = headers(&[("content-type", "text/css")]);
    assert!(eligible(&ON, StatusCode::OK, &unknown_len));
    let encoded = headers(&[("content-type", "text/css"), ("content-encoding", "gzip")]);
    assert!(!eligible(&ON, StatusCode::OK, &encoded));
    let keep = headers(&[("content-type", "text/css"), ("cache-control", "public, no-transform")]);
    assert!(!eligible(&ON, StatusCode::OK, &keep));
    let binary = headers(&[("content-type", "image/png")]);
    assert!(!eligible(&ON, StatusCode::OK, &binary));
}

#[test]
fn etags_weaken_and_vary_is_added_once() {
    assert_eq!(weak_etag("\"a\""), "W/\"a\"");
    assert_eq!(weak_etag("W/\"a\""), "W/\"a\"");
    let mut h = headers(&[("vary", "Origin")]);
    add_vary(&mut h);
    add_vary(&mut h);
    let all: Vec<_> = h.get_all(VARY).iter().collect();
    assert_eq!(all, ["Origin", "Accept-Encoding"]);
    let mut h = headers(&[("vary", "accept-encoding, origin")]);
    add_vary(&mut h);
    assert_eq!(h.get_all(VARY).iter().count(), 1);
}

// A test's panic is its failure report; the workspace's no-unwrap rule is for server code.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use http::header::{CACHE_CONTROL, ETAG, VARY};

use super::*;

#[test]
fn stored_headers_own_their_bytes() {
    // as hyper's client parses them: values sliced out of one big read buffer
    let buffer = Bytes::from(vec![b'x'; 256 * 1024]);
    let mut h = HeaderMap::new();
    h.insert(ETAG, HeaderValue::from_maybe_shared(buffer.slice(0..8)).unwrap());
    h.append(VARY, HeaderValue::from_static("accept-encoding"));
    h.append(VARY, HeaderValue::from_static("origin"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("max-age=60"));
    let out = detached(h.clone());
    assert_eq!(out, h);
    assert_eq!(out.get_all(VARY).iter().collect::<Vec<_>>(), ["accept-encoding", "origin"]);
    // the copy does not point into the buffer, so dropping it frees the buffer
    let etag = out.get(ETAG).unwrap().as_bytes().as_ptr_range();
    assert!(!buffer.as_ptr_range().contains(&etag.start));
}

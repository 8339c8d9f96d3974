//! HTTP/1.1 requests without `Host` (issue 10, finding 14): RFC 9112 §3.2 says a server
//! answers them `400`. An HTTP/1.0 request may omit it (and is served).

use super::port;
use super::raw::exchange;
use crate::support::{App, Setup, op_issuer};

#[tokio::test]
#[ignore = "end-to-end: needs the provider; scripts/test.sh runs it"]
async fn http11_without_host_is_400() {
    let app = App::start(Setup::new(op_issuer())).await;
    let old = exchange(port(&app), b"GET /public/ HTTP/1.0\r\n\r\n").await.unwrap();
    assert_eq!(old.status, 200, "HTTP/1.0 needs no Host");
    assert!(old.has("id=\"public\""), "{}", old.text());
    for req in [
        &b"GET /public/ HTTP/1.1\r\nConnection: close\r\n\r\n"[..],
        b"HEAD /public/ HTTP/1.1\r\nConnection: close\r\n\r\n",
    ] {
        let r = exchange(port(&app), req).await;
        assert!(
            matches!(&r, Ok(r) if r.status == 400),
            "{:?}: expected 400, got {:?}",
            String::from_utf8_lossy(req),
            r.as_ref().map(|r| (r.status, r.text()))
        );
    }
}

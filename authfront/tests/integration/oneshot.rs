//! The server's request handler called directly, without a socket: the whole sign-in, a
//! protected page, `HEAD`, and bodies given as plain in-memory values.

use bytes::Bytes;
use http::header::{COOKIE, LOCATION, SET_COOKIE};
use http::{Method, Request, StatusCode};
use http_body_util::Full;

use crate::support::{Edge, FakeIdp};

fn request(method: Method, path: &str, cookie: Option<&str>, body: &'static str) -> Request<Full<Bytes>> {
    let mut b = Request::builder().method(method).uri(path).header("host", "127.0.0.1");
    if let Some(c) = cookie {
        b = b.header(COOKIE, c);
    }
    b.body(Full::new(Bytes::from_static(body.as_bytes()))).unwrap()
}

/// `name=value` of the `Set-Cookie` for `name` in `h`.
fn cookie(h: &http::HeaderMap, name: &str) -> Option<String> {
    h.get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|p| p.starts_with(&format!("{name}="))).map(str::to_owned))
}

#[tokio::test]
async fn a_whole_sign_in_through_handle_alone() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;

    let (r, body) = edge.oneshot(request(Method::GET, "/docs/page.html", None, "")).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let auth = url::Url::parse(r.headers[LOCATION].to_str().unwrap()).unwrap();
    assert!(auth.as_str().starts_with(&idp.issuer), "{auth}");
    assert!(cookie(&r.headers, "authfront_session").is_none(), "{body:?}");
    let login = cookie(&r.headers, "authfront_login").expect("the login cookie");
    let q: std::collections::HashMap<String, String> = auth.query_pairs().into_owned().collect();
    idp.with(|s| s.nonce = Some(q["nonce"].clone()));

    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let callback = format!("/_authfront/callback?code=c0de&state={}&iss={}", enc(&q["state"]), enc(&idp.issuer));
    let (r, _) = edge.oneshot(request(Method::GET, &callback, Some(&login), "")).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.headers[LOCATION].to_str().unwrap(), format!("{}/docs/page.html", edge.url));
    let session = cookie(&r.headers, "authfront_session").expect("the session cookie");

    let (r, body) = edge.oneshot(request(Method::GET, "/docs/page.html", Some(&session), "")).await;
    assert_eq!((r.status, &body[..]), (StatusCode::OK, &b"page"[..]));
    let (r, body) = edge.oneshot(request(Method::HEAD, "/docs/page.html", Some(&session), "")).await;
    assert_eq!((r.status, body.len(), r.headers["content-length"].to_str().unwrap()), (StatusCode::OK, 0, "4"));

    // the same callback again: nothing is redeemed a second time, and no new session
    let redeemed = idp.with(|s| s.token_hits);
    let (r, _) = edge.oneshot(request(Method::GET, &callback, Some(&login), "")).await;
    assert!(cookie(&r.headers, "authfront_session").is_none(), "a replayed callback set a session");
    assert_eq!(idp.with(|s| s.token_hits), redeemed, "a replayed callback reached the token endpoint");
}

#[tokio::test]
async fn a_body_given_in_memory_is_read_as_the_socket_s_would_be() {
    let idp = FakeIdp::start().await;
    let edge = Edge::start(&idp.issuer, "").await;
    // a back-channel logout post with a form body that holds no logout token: refused, in JSON
    let mut req = request(Method::POST, "/_authfront/backchannel-logout", None, "logout_token=not-a-jwt");
    req.headers_mut().insert("content-type", "application/x-www-form-urlencoded".parse().unwrap());
    let (r, body) = edge.oneshot(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"], "invalid_request", "{json}");
    // a GET with a body to a public-or-not page: the body is never what decides
    let (r, _) = edge.oneshot(request(Method::GET, "/docs/page.html", None, "GET /secret HTTP/1.1\r\n\r\n")).await;
    assert_eq!(r.status, StatusCode::FOUND, "anonymous: sent to sign in, body or not");
}

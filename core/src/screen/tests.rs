use http::{Request, StatusCode};

use super::*;
use crate::config::parse;
use crate::config::tests::minimal;

fn config(extra: &str) -> Config {
    let text = format!("{}\n{extra}", minimal());
    parse(&text, &mut |_| Err("none".into())).unwrap()
}

fn head(version: Version, headers: &[(&str, &[u8])]) -> Parts {
    let mut b = Request::builder().method("GET").uri("/x").version(version);
    for (n, v) in headers {
        b = b.header(*n, http::HeaderValue::from_bytes(v).unwrap());
    }
    b.body(()).unwrap().into_parts().0
}

fn check(config: &Config, req: &Parts) -> Result<(), Error> {
    screen(config, &Protected::new(config), req)
}

#[test]
fn a_plain_request_passes() {
    let c = config("");
    assert_eq!(check(&c, &head(Version::HTTP_11, &[("host", b"a.test")])), Ok(()));
    // HTTP/1.0 may leave Host out; HTTP/2 carries the authority in its pseudo-headers
    assert_eq!(check(&c, &head(Version::HTTP_10, &[])), Ok(()));
    assert_eq!(check(&c, &head(Version::HTTP_2, &[])), Ok(()));
}

#[test]
fn http_1_1_needs_exactly_one_host() {
    let c = config("");
    for req in [head(Version::HTTP_11, &[]), head(Version::HTTP_11, &[("host", b"a.test"), ("host", b"b.test")])] {
        let e = check(&c, &req).unwrap_err();
        assert!(matches!(e, Error::BadRequest(_)), "{e:?}");
        assert_eq!(e.page().status, StatusCode::BAD_REQUEST);
    }
}

#[test]
fn protected_names_are_recognised_in_every_spelling() {
    let mut c = config("[proxy.identity_headers]\nuser = \"X-User\"\nname = \"\"");
    c.origin.secret_header = Some(crate::config::SecretHeader {
        name: http::HeaderName::from_static("x-origin-verify"),
        value: crate::config::Secret::new("s".into()),
    });
    let p = Protected::new(&c);
    let covered = [
        "x-user",
        "x_user",
        // the defaults stay protected when renamed, or turned off with ""
        "x-auth-request-user",
        "x_auth_request_user",
        "x-auth-request-name",
        "x-auth-request-access-token",
        "x-origin-verify",
        "x_origin_verify",
        "x-forwarded-for",
        "x_forwarded_host",
        "x-forwarded-prefix",
        "forwarded",
        "x-real-ip",
        "true-client-ip",
        "x-original-url",
        "x-rewrite-url",
        "remote-user",
        "remote_user",
        "x-http-method-override",
    ];
    for n in covered {
        assert!(p.covers(&http::HeaderName::from_static(n)), "{n}");
    }
    for n in ["x-custom", "x_custom", "user-agent", "accept", "x-userx", "authorization", "x-forwardedfor"] {
        assert!(!p.covers(&http::HeaderName::from_static(n)), "{n}");
    }
}

#[test]
fn an_underscore_spelling_of_a_protected_name_is_refused_unless_stripping() {
    let req = head(Version::HTTP_11, &[("host", b"a.test"), ("x_auth_request_user", b"admin")]);
    let e = check(&config(""), &req).unwrap_err();
    assert!(matches!(e, Error::BadRequest(_)), "{e:?}");
    let mut stripping = config("");
    stripping.server.guard.underscore_headers = Underscores::Strip;
    assert_eq!(check(&stripping, &req), Ok(()));
    // other underscore names are the application's business
    let other = head(Version::HTTP_11, &[("host", b"a.test"), ("x_custom", b"1")]);
    assert_eq!(check(&config(""), &other), Ok(()));
    // the hyphen spelling is not refused: it is removed before it reaches an origin
    let hyphen = head(Version::HTTP_11, &[("host", b"a.test"), ("x-auth-request-user", b"admin")]);
    assert_eq!(check(&config(""), &hyphen), Ok(()));
}

#[test]
fn a_declared_body_above_the_limit_is_refused() {
    let c = config("[proxy]\nmax_request_body = 10");
    let ok = head(Version::HTTP_11, &[("host", b"a.test"), ("content-length", b"10")]);
    assert_eq!(check(&c, &ok), Ok(()));
    let big = head(Version::HTTP_11, &[("host", b"a.test"), ("content-length", b"11")]);
    let e = check(&c, &big).unwrap_err();
    assert_eq!(e, Error::PayloadTooLarge { limit: 10 });
    assert_eq!(e.page().status, StatusCode::PAYLOAD_TOO_LARGE);
}

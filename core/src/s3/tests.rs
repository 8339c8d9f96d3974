use super::*;

fn origin(path_style: bool, endpoint: &str) -> S3Origin {
    S3Origin {
        bucket: "site".into(),
        region: "us-east-1".into(),
        endpoint: endpoint.into(),
        path_style,
        prefix: "pub/".into(),
        credentials: None,
        profile: None,
    }
}

#[test]
fn keys_and_urls() {
    let key = object_key("pub/", "/docs/a b+c ü.html");
    assert_eq!(key, "pub/docs/a b+c ü.html");
    assert_eq!(
        object_url(&origin(true, "http://127.0.0.1:9700"), &key),
        "http://127.0.0.1:9700/site/pub/docs/a%20b%2Bc%20%C3%BC.html"
    );
    assert_eq!(
        object_url(&origin(false, "https://s3.us-east-1.amazonaws.com"), "index.html"),
        "https://site.s3.us-east-1.amazonaws.com/index.html"
    );
    assert_eq!(object_key("", "/"), "");
}

#[test]
fn only_conditions_cross_and_only_on_pass_through() {
    let mut h = HeaderMap::new();
    h.insert("cookie", HeaderValue::from_static("authfront_session=x"));
    h.insert("range", HeaderValue::from_static("bytes=0-9"));
    h.insert("if-none-match", HeaderValue::from_static("\"e\""));
    assert!(request_headers(&h, false).is_empty());
    let kept: Vec<_> = request_headers(&h, true).into_iter().map(|(n, _)| n).collect();
    assert!(kept.contains(&http::header::RANGE) && kept.contains(&http::header::IF_NONE_MATCH));
    assert_eq!(kept.len(), 2);
}

#[test]
fn response_headers_drop_amz() {
    let mut h = HeaderMap::new();
    h.insert("x-amz-request-id", HeaderValue::from_static("1"));
    h.insert("x-amz-meta-owner", HeaderValue::from_static("bob"));
    h.insert("server", HeaderValue::from_static("s3s"));
    h.insert("etag", HeaderValue::from_static("\"e\""));
    let out = response_headers(&h);
    assert_eq!(out.len(), 1);
}

#[test]
fn errors_are_classified_without_their_xml() {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match &amp; so on</Message><RequestId>1</RequestId></Error>"#;
    let e = S3Error::parse(StatusCode::FORBIDDEN, xml);
    assert_eq!(e.code, "SignatureDoesNotMatch");
    assert_eq!(e.failure(), Failure::Denied);
    assert!(e.reason().contains("does not match & so on"), "{}", e.reason());
    assert!(!e.reason().contains('<'));
    let e = S3Error::parse(StatusCode::NOT_FOUND, b"<Error><Code>NoSuchKey</Code></Error>");
    assert_eq!(e.failure(), Failure::Missing);
    let e = S3Error::parse(StatusCode::NOT_FOUND, b"<Error><Code>NoSuchBucket</Code></Error>");
    assert_eq!(e.failure(), Failure::Other);
    let head = S3Error::parse(StatusCode::NOT_FOUND, b"");
    assert_eq!(head.failure(), Failure::Missing);
    assert_eq!(S3Error::parse(StatusCode::FORBIDDEN, b"").reason(), "HTTP 403 (no error body)");
    assert_eq!(S3Error::parse(StatusCode::SERVICE_UNAVAILABLE, b"").failure(), Failure::Other);
    assert!(is_answer(StatusCode::NOT_MODIFIED) && !is_answer(StatusCode::NOT_FOUND));
}

#[test]
fn shared_credentials_file() {
    let text = "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n# comment\n[site]\naws_access_key_id=AKIASITE\naws_secret_access_key=s\naws_session_token = t\n";
    let c = parse_credentials_file(text, "site").unwrap();
    assert_eq!(c.access_key_id, "AKIASITE");
    assert_eq!(c.secret_access_key.expose(), "s");
    assert_eq!(c.session_token.unwrap().expose(), "t");
    let d = parse_credentials_file(text, "default").unwrap();
    assert!(d.session_token.is_none());
    assert!(parse_credentials_file(text, "missing").is_none());
}

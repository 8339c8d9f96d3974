#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::*;
use crate::config::Secret;
use crate::oidc::testutil::oidc;

const ENDPOINT: &str = "https://idp.example.com/token";
const REDIRECT: &str = "https://app.example.com/_authfront/callback";

fn code(auth: ClientAuth) -> TokenRequest {
    code_request(&oidc(auth), ENDPOINT, "c0de/+=", REDIRECT, "v3rifier")
}

fn header<'a>(r: &'a TokenRequest, name: &HeaderName) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.to_str().unwrap())
}

const CODE_BODY: &str = "grant_type=authorization_code&code=c0de%2F%2B%3D\
    &redirect_uri=https%3A%2F%2Fapp.example.com%2F_authfront%2Fcallback&code_verifier=v3rifier";

#[test]
fn code_request_client_secret_basic() {
    let r = code(ClientAuth::SecretBasic);
    assert_eq!(r.url, ENDPOINT);
    assert_eq!(r.body, CODE_BODY);
    assert_eq!(header(&r, &CONTENT_TYPE), Some("application/x-www-form-urlencoded"));
    assert_eq!(header(&r, &ACCEPT), Some("application/json"));
    let basic = format!("Basic {}", STANDARD.encode("authfront-client:s3cret"));
    assert_eq!(header(&r, &AUTHORIZATION), Some(basic.as_str()));
    assert_eq!(r.headers.len(), 3);
}

#[test]
fn code_request_client_secret_post() {
    let r = code(ClientAuth::SecretPost);
    assert_eq!(r.body, format!("{CODE_BODY}&client_id=authfront-client&client_secret=s3cret"));
    assert_eq!(header(&r, &AUTHORIZATION), None);
    assert_eq!(header(&r, &CONTENT_TYPE), Some("application/x-www-form-urlencoded"));
}

#[test]
fn code_request_public_client() {
    let r = code(ClientAuth::None);
    assert_eq!(r.body, format!("{CODE_BODY}&client_id=authfront-client"));
    assert_eq!(header(&r, &AUTHORIZATION), None);
    assert_eq!(r.headers.len(), 2);
}

fn awkward(auth: ClientAuth) -> config::Oidc {
    let mut o = oidc(auth);
    o.client_id = "my:client id+%".to_owned();
    o.client_secret = Some(Secret::new("p@ss:w+rd %".to_owned()));
    o
}

#[test]
fn basic_credentials_are_form_urlencoded_before_base64() {
    let r = code_request(&awkward(ClientAuth::SecretBasic), ENDPOINT, "c", REDIRECT, "v");
    let value = header(&r, &AUTHORIZATION).unwrap();
    let decoded = STANDARD.decode(value.strip_prefix("Basic ").unwrap()).unwrap();
    // RFC 6749 §2.3.1: the `:` inside the id is escaped, so the split is unambiguous.
    assert_eq!(String::from_utf8(decoded).unwrap(), "my%3Aclient+id%2B%25:p%40ss%3Aw%2Brd+%25");
    let (_, v) = r.headers.iter().find(|(k, _)| k == AUTHORIZATION).unwrap();
    assert!(v.is_sensitive());
}

#[test]
fn post_credentials_are_form_urlencoded() {
    let r = code_request(&awkward(ClientAuth::SecretPost), ENDPOINT, "c", REDIRECT, "v");
    assert!(r.body.ends_with("&client_id=my%3Aclient+id%2B%25&client_secret=p%40ss%3Aw%2Brd+%25"), "{}", r.body);
    let r = code_request(&awkward(ClientAuth::None), ENDPOINT, "c", REDIRECT, "v");
    assert!(r.body.ends_with("&client_id=my%3Aclient+id%2B%25"), "{}", r.body);
}

#[test]
fn refresh_request_for_each_client_auth() {
    let body = "grant_type=refresh_token&refresh_token=rt%2B1";
    let r = refresh_request(&oidc(ClientAuth::SecretBasic), ENDPOINT, "rt+1");
    assert_eq!(r.body, body);
    assert!(header(&r, &AUTHORIZATION).unwrap().starts_with("Basic "));
    let r = refresh_request(&oidc(ClientAuth::SecretPost), ENDPOINT, "rt+1");
    assert_eq!(r.body, format!("{body}&client_id=authfront-client&client_secret=s3cret"));
    let r = refresh_request(&oidc(ClientAuth::None), ENDPOINT, "rt+1");
    assert_eq!(r.body, format!("{body}&client_id=authfront-client"));
    assert!(!r.body.contains("scope"));
}

#[test]
fn request_debug_hides_secrets() {
    for auth in [ClientAuth::SecretBasic, ClientAuth::SecretPost] {
        let shown = format!("{:?}", code(auth));
        assert!(!shown.contains("s3cret") && !shown.contains("c0de") && !shown.contains("v3rifier"));
        assert!(!shown.contains(&STANDARD.encode("authfront-client:s3cret")), "{shown}");
        assert!(shown.contains(ENDPOINT) && shown.contains("application/json"), "{shown}");
    }
}

fn body(v: serde_json::Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

#[test]
fn parses_a_successful_response() {
    let r = parse_token_response(
        200,
        &body(json!({
            "access_token": "at-1", "token_type": "Bearer", "expires_in": 300,
            "refresh_token": "rt-1", "id_token": "a.b.c", "scope": "openid email",
        })),
    )
    .unwrap();
    assert_eq!(
        r,
        TokenResponse {
            id_token: Some("a.b.c".to_owned()),
            access_token: "at-1".to_owned(),
            token_type: "Bearer".to_owned(),
            expires_in: Some(300),
            refresh_token: Some("rt-1".to_owned()),
            scope: Some("openid email".to_owned()),
        }
    );
    let shown = format!("{r:?}");
    assert!(!shown.contains("at-1") && !shown.contains("rt-1") && !shown.contains("a.b.c"), "{shown}");
}

#[test]
fn minimal_and_lenient_successful_responses() {
    let r = parse_token_response(201, &body(json!({"access_token": "at", "token_type": "bearer"}))).unwrap();
    assert_eq!((r.id_token, r.refresh_token, r.expires_in, r.scope), (None, None, None, None));
    assert_eq!(r.token_type, "bearer");
    let r = parse_token_response(200, &body(json!({"access_token": "at"}))).unwrap();
    assert_eq!(r.token_type, "");
    for (given, expected) in [
        (json!("3600"), Some(3600)),
        (json!(59.9), Some(59)),
        (json!(-5), None),
        (json!("soon"), None),
        (json!(null), None),
    ] {
        let r = parse_token_response(200, &body(json!({"access_token": "at", "expires_in": given}))).unwrap();
        assert_eq!(r.expires_in, expected);
    }
}

fn endpoint_error(e: Error) -> (u16, String, String) {
    match e {
        Error::TokenEndpoint { status, error, description } => (status, error, description),
        other => panic!("not a token endpoint error: {other:?}"),
    }
}

#[test]
fn provider_errors_are_kept() {
    let e = parse_token_response(400, &body(json!({"error": "invalid_grant", "error_description": "Code not valid"})))
        .unwrap_err();
    assert_eq!(endpoint_error(e), (400, "invalid_grant".to_owned(), "Code not valid".to_owned()));
    let e = parse_token_response(401, &body(json!({"error": "invalid_client"}))).unwrap_err();
    assert_eq!(endpoint_error(e), (401, "invalid_client".to_owned(), String::new()));
    // Some providers answer errors with 200.
    let e = parse_token_response(200, &body(json!({"error": "invalid_grant"}))).unwrap_err();
    assert_eq!(endpoint_error(e).1, "invalid_grant");
    let long = format!("bad\n{}", "x".repeat(1000));
    let e = parse_token_response(400, &body(json!({"error": "e", "error_description": long}))).unwrap_err();
    let (_, _, description) = endpoint_error(e);
    assert!(description.starts_with("bad x") && description.chars().count() <= 200);
}

#[test]
fn html_and_empty_error_bodies() {
    let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\n</body>\n</html>";
    let e = parse_token_response(502, html).unwrap_err();
    let (status, error, description) = endpoint_error(e);
    assert_eq!((status, error.as_str()), (502, "invalid_response"));
    assert_eq!(description, "<html> <head><title>502 Bad Gateway</title></head> <body> </body> </html>");
    let big = format!("<p>{}</p>", "\u{1b}[31mred ".repeat(5000));
    let (_, _, description) = endpoint_error(parse_token_response(500, big.as_bytes()).unwrap_err());
    assert!(description.chars().count() <= 200 && !description.contains('\u{1b}'), "{description}");
    let (_, _, description) = endpoint_error(parse_token_response(401, b"").unwrap_err());
    assert_eq!(description, "(empty body)");
    let (_, error, description) =
        endpoint_error(parse_token_response(500, &body(json!({"message": "boom"}))).unwrap_err());
    assert_eq!((error.as_str(), description.as_str()), ("invalid_response", r#"{"message":"boom"}"#));
    let (_, _, description) = endpoint_error(parse_token_response(503, &[0xff, 0xfe, b'x']).unwrap_err());
    assert!(description.ends_with('x'), "{description}");
}

#[test]
fn bad_successful_responses_never_quote_the_body() {
    for bad in [
        b"access_token=at-secret&token_type=bearer".to_vec(),
        body(json!({"id_token": "id-secret", "token_type": "Bearer"})),
        body(json!({"access_token": 5, "refresh_token": "rt-secret"})),
        body(json!({"access_token": "", "refresh_token": "rt-secret"})),
        body(json!(["at-secret"])),
    ] {
        let e = parse_token_response(200, &bad).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(endpoint_error(e).1, "invalid_response");
    }
}

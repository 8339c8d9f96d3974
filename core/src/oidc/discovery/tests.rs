#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use serde_json::{Value, json};

use super::*;

const ISSUER: &str = "https://idp.example.com/realms/main";

fn doc() -> Value {
    json!({
        "issuer": ISSUER,
        "authorization_endpoint": "https://idp.example.com/realms/main/auth",
        "token_endpoint": "https://idp.example.com/realms/main/token",
        "jwks_uri": "https://idp.example.com/realms/main/certs",
        "userinfo_endpoint": "https://idp.example.com/realms/main/userinfo",
        "end_session_endpoint": "https://idp.example.com/realms/main/logout",
        "revocation_endpoint": "https://idp.example.com/realms/main/revoke",
        "authorization_response_iss_parameter_supported": true,
        "code_challenge_methods_supported": ["plain", "S256"],
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
}

fn parse(doc: &Value) -> Result<Discovery, Error> {
    Discovery::parse(doc.to_string().as_bytes(), ISSUER)
}

fn without(name: &str) -> Value {
    let mut d = doc();
    d.as_object_mut().unwrap().remove(name);
    d
}

fn message(e: Error) -> String {
    match e {
        Error::Discovery(m) => m,
        other => panic!("not a discovery error: {other:?}"),
    }
}

#[test]
fn url_of_the_document() {
    let expected = "https://idp.example.com/realms/main/.well-known/openid-configuration";
    assert_eq!(discovery_url(ISSUER), expected);
    assert_eq!(discovery_url(&format!("{ISSUER}/")), expected);
    assert_eq!(
        discovery_url("https://accounts.example.com"),
        "https://accounts.example.com/.well-known/openid-configuration"
    );
}

#[test]
fn parses_a_full_document() {
    let d = parse(&doc()).unwrap();
    assert_eq!(
        d,
        Discovery {
            issuer: ISSUER.to_owned(),
            authorization_endpoint: "https://idp.example.com/realms/main/auth".to_owned(),
            token_endpoint: "https://idp.example.com/realms/main/token".to_owned(),
            jwks_uri: "https://idp.example.com/realms/main/certs".to_owned(),
            userinfo_endpoint: Some("https://idp.example.com/realms/main/userinfo".to_owned()),
            end_session_endpoint: Some("https://idp.example.com/realms/main/logout".to_owned()),
            revocation_endpoint: Some("https://idp.example.com/realms/main/revoke".to_owned()),
            iss_parameter_supported: true,
            code_challenge_methods: vec!["plain".to_owned(), "S256".to_owned()],
            prompt_values: vec![],
        }
    );
}

#[test]
fn optional_members_default() {
    let mut d = doc();
    for name in [
        "userinfo_endpoint",
        "end_session_endpoint",
        "revocation_endpoint",
        "authorization_response_iss_parameter_supported",
        "code_challenge_methods_supported",
    ] {
        d.as_object_mut().unwrap().remove(name);
    }
    let d = parse(&d).unwrap();
    assert_eq!((d.userinfo_endpoint, d.end_session_endpoint, d.revocation_endpoint), (None, None, None));
    assert!(!d.iss_parameter_supported);
    assert!(d.code_challenge_methods.is_empty());
    // Plain http is allowed (development providers).
    let mut local = doc();
    local["token_endpoint"] = json!("http://localhost:8080/token");
    parse(&local).unwrap();
}

#[test]
fn issuer_must_be_identical() {
    for other in [
        format!("{ISSUER}/"),
        "https://idp.example.com/realms/other".to_owned(),
        "https://IDP.example.com/realms/main".to_owned(),
    ] {
        let mut d = doc();
        d["issuer"] = json!(other);
        let m = message(parse(&d).unwrap_err());
        assert!(m.contains("is not the configured issuer") && m.contains(&other), "{m}");
    }
}

#[test]
fn missing_required_members() {
    for name in ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"] {
        let m = message(parse(&without(name)).unwrap_err());
        assert_eq!(m, format!("`{name}` is missing"));
    }
}

#[test]
fn endpoints_must_be_http_urls() {
    for (name, value) in [
        ("authorization_endpoint", "javascript:alert(1)"),
        ("token_endpoint", "/relative/token"),
        ("jwks_uri", "file:///etc/passwd"),
        ("userinfo_endpoint", "ftp://idp.example.com/userinfo"),
        ("end_session_endpoint", "not a url"),
        ("revocation_endpoint", "https://"),
        ("authorization_endpoint", "https://idp.example.com/auth#frag"),
    ] {
        let mut d = doc();
        d[name] = json!(value);
        let m = message(parse(&d).unwrap_err());
        assert!(m.starts_with(&format!("`{name}`")), "{name}: {m}");
    }
}

#[test]
fn not_json_or_wrong_types() {
    for body in [&b"<html>502</html>"[..], b"", b"[]"] {
        assert!(matches!(Discovery::parse(body, ISSUER), Err(Error::Discovery(_))));
    }
    let mut d = doc();
    d["authorization_response_iss_parameter_supported"] = json!("yes");
    assert!(matches!(parse(&d), Err(Error::Discovery(_))));
}

use super::*;
use crate::config::parse;
use crate::config::tests::minimal;
use crate::session::SessionId;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in pairs {
        h.append(HeaderName::try_from(*n).unwrap(), HeaderValue::try_from(*v).unwrap());
    }
    h
}

fn config() -> Config {
    config_with("")
}

fn config_with(session: &str) -> Config {
    let text = format!(
        "{}\n[proxy]\nstrip_cookies = [\"tracking\"]\n",
        minimal().replace("[session]", &format!("[session]\n{session}"))
    );
    parse(&text, &mut |_| Err("none".into())).unwrap()
}

fn user() -> Session {
    Session {
        id: SessionId([1; 16]),
        sub: "alice-sub".into(),
        sid: None,
        email: Some("alice@example.test".into()),
        name: Some("Zoë 100%".into()),
        groups: vec!["staff".into(), "a,b".into()],
        iat: 0,
        exp: 1,
        seen: 0,
        refresh_at: None,
        generation: 0,
    }
}

fn build(client: &HeaderMap, user: Option<&Session>, keep: bool) -> HeaderMap {
    let c = config();
    let own = OwnCookies::new(&c);
    let name = HeaderName::from_static("x-origin-verify");
    let protected = crate::screen::Protected::new(&c);
    let ctx = Context {
        proxy: &c.proxy,
        protected: &protected,
        own_cookies: &own,
        user,
        access_token: None,
        client_ip: Some("127.0.0.9".parse().unwrap()),
        public_url: "https://docs.example.com",
        secret: Some((&name, "s3cret")),
    };
    request_headers(client, &ctx, keep)
}

#[test]
fn spoofed_identity_forwarded_and_secret_headers_are_replaced() {
    let client = headers(&[
        ("x-auth-request-user", "mallory"),
        ("X-Auth-Request-Groups", "admins"),
        ("x-forwarded-for", "10.0.0.1"),
        ("x-forwarded-host", "evil.example"),
        ("forwarded", "for=10.0.0.1"),
        ("x-origin-verify", "guess"),
        ("user-agent", "t"),
    ]);
    let h = build(&client, Some(&user()), false);
    assert_eq!(h["x-auth-request-user"], "alice-sub");
    assert_eq!(h["x-auth-request-email"], "alice@example.test");
    assert_eq!(h["x-auth-request-name"], "Zo%C3%AB 100%25");
    assert_eq!(h["x-auth-request-groups"], "staff,a%2Cb");
    assert_eq!(h.get_all("x-auth-request-user").iter().count(), 1);
    assert_eq!(h["x-forwarded-for"], "127.0.0.9");
    assert_eq!(h["x-forwarded-proto"], "https");
    assert_eq!(h["x-forwarded-host"], "docs.example.com");
    assert!(!h.contains_key("forwarded"));
    assert_eq!(h["x-origin-verify"], "s3cret");
    assert_eq!(h["user-agent"], "t");
    // signed out (a public path): the spoofed identity is still removed
    let h = build(&client, None, false);
    assert!(!h.contains_key("x-auth-request-user") && !h.contains_key("x-auth-request-groups"));
}

#[test]
fn the_client_never_frames_the_body_an_origin_reads() {
    // a GET's Content-Length with no body sent would make the origin read the next pooled
    // request as this one's body (request smuggling): the body's framing is never copied
    let client = headers(&[("content-length", "42"), ("transfer-encoding", "chunked"), ("user-agent", "t")]);
    let h = build(&client, None, true);
    assert!(!h.contains_key("content-length") && !h.contains_key("transfer-encoding"), "{h:?}");
    assert_eq!(h["user-agent"], "t");
}

#[test]
fn protected_names_never_pass_in_any_spelling() {
    let client = headers(&[
        ("x_auth_request_user", "admin"),
        ("X-Auth-Request-Access-Token", "forged"),
        ("x-original-url", "/admin"),
        ("x-rewrite-url", "/admin"),
        ("x-forwarded-prefix", "/evil"),
        ("x-forwarded-port", "1"),
        ("remote-user", "admin"),
        ("x-http-method-override", "DELETE"),
        ("x-real-ip", "10.0.0.1"),
        ("x_origin_verify", "guess"),
        ("x-app", "kept"),
    ]);
    let h = build(&client, None, true);
    let names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
    assert_eq!(
        names,
        ["x-app", "accept-encoding", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-origin-verify"]
    );
    assert_eq!(h["x-origin-verify"], "s3cret");
}

#[test]
fn a_non_ascii_cookie_is_only_itself() {
    let mut client = HeaderMap::new();
    client.append("cookie", HeaderValue::from_bytes("pref=José; authfront_session=s; theme=dark".as_bytes()).unwrap());
    let h = build(&client, None, false);
    assert_eq!(h["cookie"].as_bytes(), "pref=José; theme=dark".as_bytes());
}

#[test]
fn own_cookies_never_leave() {
    let client = headers(&[("cookie", "authfront_session=s; theme=dark"), ("cookie", "authfront_login=l; tracking=1")]);
    let h = build(&client, None, false);
    assert_eq!(h.get_all("cookie").iter().collect::<Vec<_>>(), ["theme=dark"]);
    let h = build(&headers(&[("cookie", "authfront_session=s")]), None, false);
    assert!(!h.contains_key("cookie"));
}

#[test]
fn own_cookies_include_token_chunks_and_mode_cookies() {
    let own = OwnCookies::new(&config());
    for name in [
        "authfront_session",
        "authfront_login",
        "authfront_tokens",
        "authfront_tokens.1",
        "authfront_tokens.12",
        "tracking",
    ] {
        assert!(own.contains(name), "{name}");
    }
    for name in ["authfront_tokens.x", "authfront_tokens.", "authfront_sessionx", "theme", "ID-TOKEN"] {
        assert!(!own.contains(name), "{name}");
    }
    let amplify = OwnCookies::new(&config_with("cookie_mode = \"amplify\""));
    assert!(amplify.contains("CognitoIdentityServiceProvider.authfront-confidential.alice.idToken"));
    assert!(amplify.contains("amplify-signin-with-hostedUI"));
    assert!(!amplify.contains("CognitoIdentityServiceProvider.other-client.alice.idToken"));
    let es = OwnCookies::new(&config_with("cookie_mode = \"elasticsearch\""));
    assert!(es.contains("ID-TOKEN") && es.contains("ACCESS-TOKEN") && es.contains("COGNITO-ENABLED"));
}

#[test]
fn hop_by_hop_host_encoding_and_conditions() {
    let client = headers(&[
        ("host", "docs.example.com"),
        ("connection", "keep-alive, x-private"),
        ("x-private", "1"),
        ("te", "trailers"),
        ("accept-encoding", "br"),
        ("if-none-match", "\"a\""),
        ("range", "bytes=0-1"),
        ("content-length", "3"),
    ]);
    let h = build(&client, None, false);
    for gone in ["host", "connection", "x-private", "te", "if-none-match", "range"] {
        assert!(!h.contains_key(gone), "{gone}");
    }
    assert_eq!(h["accept-encoding"], "identity");
    // the body's length is the client-for-origins' to write, from the body it really sends
    assert!(!h.contains_key("content-length"));
    let h = build(&client, None, true);
    assert_eq!(h["if-none-match"], "\"a\"");
    assert_eq!(h["range"], "bytes=0-1");
}

#[test]
fn response_hop_by_hop_removed() {
    let h = response_headers(&headers(&[
        ("connection", "close, x-hop"),
        ("x-hop", "1"),
        ("transfer-encoding", "chunked"),
        ("set-cookie", "a=b"),
        ("keep-alive", "timeout=5"),
    ]));
    assert_eq!(h.len(), 1);
    assert_eq!(h["set-cookie"], "a=b");
}

#[test]
fn locations_into_the_origin_point_at_the_site() {
    let site = "https://docs.example.com";
    assert_eq!(
        rewrite_location("http://127.0.0.1:9800/dir/", "http://127.0.0.1:9800", site).unwrap(),
        "https://docs.example.com/dir/"
    );
    assert_eq!(
        rewrite_location("http://127.0.0.1:9800", "http://127.0.0.1:9800", site).unwrap(),
        "https://docs.example.com/"
    );
    assert_eq!(rewrite_location("http://127.0.0.1:98001/x", "http://127.0.0.1:9800", site), None);
    assert_eq!(rewrite_location("/dir/", "http://127.0.0.1:9800", site), None, "relative stays");
    assert_eq!(
        rewrite_location("/base/dir/", "http://b.internal/base", site).unwrap(),
        "https://docs.example.com/dir/"
    );
    assert_eq!(rewrite_location("https://elsewhere.example/", "http://b.internal", site), None);
}

#[test]
fn a_protected_answer_without_cache_headers_is_kept_by_no_one_else() {
    let none = HeaderMap::new();
    assert_eq!(protected_cache_control(&none, false).unwrap(), "private, no-cache");
    assert_eq!(protected_cache_control(&none, true), None, "public paths are the origin's business");
    let said = headers(&[("cache-control", "max-age=60")]);
    assert_eq!(protected_cache_control(&said, false), None, "the origin's own word stands");
}

#[test]
fn the_access_token_goes_to_the_origin_only_when_asked() {
    let text = format!("{}\n[proxy]\npass_access_token = true\n", minimal());
    let c = parse(&text, &mut |_| Err("none".into())).unwrap();
    let own = OwnCookies::new(&c);
    let protected = crate::screen::Protected::new(&c);
    let client = headers(&[("x-auth-request-access-token", "forged"), ("X-AUTH-REQUEST-ACCESS-TOKEN", "again")]);
    let u = user();
    let ctx = |access_token| Context {
        proxy: &c.proxy,
        protected: &protected,
        own_cookies: &own,
        user: Some(&u),
        access_token,
        client_ip: None,
        public_url: "https://docs.example.com",
        secret: None,
    };
    let h = request_headers(&client, &ctx(Some("at-1")), false);
    assert_eq!(h.get_all("x-auth-request-access-token").iter().collect::<Vec<_>>(), ["at-1"]);
    // no token for this session (or one that is not a header value): the client's never passes
    let h = request_headers(&client, &ctx(None), false);
    assert!(!h.contains_key("x-auth-request-access-token"));
    let h = request_headers(&client, &ctx(Some("bad\nvalue")), false);
    assert!(!h.contains_key("x-auth-request-access-token"));
    // not asked: the header name is not an identity header, and no token is ever sent
    assert!(config().proxy.access_token_header.is_none());
    let e = parse(
        &format!("{}\n[proxy]\npass_access_token = true\nidentity_headers.access_token = \"\"\n", minimal()),
        &mut |_| Err("none".into()),
    )
    .unwrap_err();
    assert!(e.to_string().contains("proxy.identity_headers.access_token"), "{e}");
}

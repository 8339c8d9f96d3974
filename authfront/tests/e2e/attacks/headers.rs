//! Header hygiene (issue 10, findings 6 and 8): WSGI, CGI and PHP servers map `X_Auth_Request_User`
//! and `X-Auth-Request-User` to the same `HTTP_X_AUTH_REQUEST_USER`, so a client header is
//! judged by its name lower-cased with `_` read as `-`. A name that then equals an identity
//! header (configured or default, even configured to `""`), the secret header, a forwarding or
//! a routing-override header is removed; spelled with `_` the request is refused (400) unless
//! `server.underscore_headers = "strip"`. Seen from the WSGI app, which shows what arrived.

use serde_json::Value;

use super::raw::{self, RawResponse};
use super::{WSGI_SECRET, assert_none, cookie_line, nonce, port, signed_in, wsgi_seen, wsgi_setup};
use crate::support::App;

/// Client headers with `_`, the CGI variable each lands in, and what the origin may see there
/// for an anonymous request (authfront's own value, or nothing).
fn underscored(app: &App) -> Vec<(&'static str, &'static str, Option<String>)> {
    let host = app.url("/").authority().to_owned();
    vec![
        ("X_Auth_Request_User: admin", "HTTP_X_AUTH_REQUEST_USER", None),
        ("x_auth_request_groups: admins", "HTTP_X_AUTH_REQUEST_GROUPS", None),
        ("X_Auth_Request_Email: admin@evil.example", "HTTP_X_AUTH_REQUEST_EMAIL", None),
        ("X_Auth-Request_Name: Admin", "HTTP_X_AUTH_REQUEST_NAME", None),
        ("X_Origin_Verify: guessed", "HTTP_X_ORIGIN_VERIFY", Some(WSGI_SECRET.to_owned())),
        ("X_Forwarded_For: 6.6.6.6", "HTTP_X_FORWARDED_FOR", Some("127.0.0.1".to_owned())),
        ("X_Forwarded_Host: evil.example", "HTTP_X_FORWARDED_HOST", Some(host)),
        ("X_Real_IP: 6.6.6.6", "HTTP_X_REAL_IP", None),
        ("Remote_User: admin", "HTTP_REMOTE_USER", None),
        ("X_Original_URL: /admin", "HTTP_X_ORIGINAL_URL", None),
        ("X_HTTP_Method_Override: DELETE", "HTTP_X_HTTP_METHOD_OVERRIDE", None),
    ]
}

async fn get(app: &App, path: &str, headers: &[String]) -> Result<RawResponse, String> {
    raw::get(port(app), path, headers).await
}

fn seen(path: &str) -> Option<Value> {
    wsgi_seen(path).into_iter().next()
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn underscore_spellings_of_protected_headers_are_refused() {
    let app = App::start(wsgi_setup()).await;
    let alice = signed_in(&app, "alice", "/").await;
    let n = nonce();
    let mut problems = Vec::new();
    for (i, (line, var, _)) in underscored(&app).into_iter().enumerate() {
        let path = format!("/public/us-{i}-{n}");
        let r = get(&app, &path, &[line.to_owned()]).await;
        if !matches!(&r, Ok(r) if r.status == 400) {
            let arrived = seen(&path).map(|s| s["headers"][var].clone());
            problems
                .push(format!("{line:?}: {:?}, expected 400; the origin saw {var} = {arrived:?}", r.map(|r| r.status)));
        }
    }
    let path = format!("/us-alice-{n}");
    let r = get(&app, &path, &["X_Auth_Request_User: admin".to_owned(), cookie_line(&app, &alice)]).await;
    if !matches!(&r, Ok(r) if r.status == 400) {
        let arrived = seen(&path).map(|s| s["user"].clone());
        problems.push(format!(
            "alice with X_Auth_Request_User: admin -> {:?}; the origin's user: {arrived:?}",
            r.map(|r| r.status)
        ));
    }
    assert_none("underscore header spellings (server.underscore_headers = \"reject\")", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn underscore_headers_strip_removes_them() {
    let app = App::start(wsgi_setup().server_extra("underscore_headers = \"strip\"")).await;
    let alice = signed_in(&app, "alice", "/").await;
    let n = nonce();
    let mut problems = Vec::new();
    for (i, (line, var, want)) in underscored(&app).into_iter().enumerate() {
        let path = format!("/public/strip-{i}-{n}");
        let r = get(&app, &path, &[line.to_owned()]).await.unwrap();
        let got = seen(&path).map(|s| s["headers"][var].as_str().map(str::to_owned));
        if r.status != 200 || got != Some(want.clone()) {
            problems.push(format!("{line:?}: {} and the origin saw {var} = {got:?}, expected {want:?}", r.status));
        }
    }
    let path = format!("/strip-alice-{n}");
    let r = get(&app, &path, &["X_Auth_Request_User: admin".to_owned(), cookie_line(&app, &alice)]).await.unwrap();
    let user = seen(&path).map(|s| s["user"].clone());
    if r.status != 200 || user != Some(Value::from("alice")) {
        problems.push(format!("alice with X_Auth_Request_User: admin -> {}, the origin's user {user:?}", r.status));
    }
    assert_none("server.underscore_headers = \"strip\"", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn identity_headers_renamed_or_off_are_still_stripped() {
    let names = "[proxy.identity_headers]\nuser = \"\"\nemail = \"X-Webauth-Email\"";
    let app = App::start(wsgi_setup().extra(names)).await;
    let alice = signed_in(&app, "alice", "/").await;
    let n = nonce();
    let mut problems = Vec::new();
    for (i, (line, var)) in [
        ("X-Auth-Request-User: admin", "HTTP_X_AUTH_REQUEST_USER"),
        ("X-Auth-Request-Email: admin@evil.example", "HTTP_X_AUTH_REQUEST_EMAIL"),
        ("X-Webauth-Email: admin@evil.example", "HTTP_X_WEBAUTH_EMAIL"),
    ]
    .into_iter()
    .enumerate()
    {
        let path = format!("/public/idoff-{i}-{n}");
        let r = get(&app, &path, &[line.to_owned()]).await.unwrap();
        let got = seen(&path).map(|s| s["headers"][var].clone());
        if r.status != 200 || got != Some(Value::Null) {
            problems.push(format!("anonymous {line:?}: {} and the origin saw {var} = {got:?}", r.status));
        }
    }
    for (i, line) in ["X_Webauth_Email: admin@evil.example", "X_Auth_Request_User: admin"].into_iter().enumerate() {
        let path = format!("/public/idoff-us-{i}-{n}");
        let r = get(&app, &path, &[line.to_owned()]).await;
        if !matches!(&r, Ok(r) if r.status == 400) {
            problems.push(format!("anonymous {line:?}: {:?}, expected 400", r.map(|r| r.status)));
        }
    }
    let path = format!("/idoff-alice-{n}");
    let r = get(&app, &path, &["X-Auth-Request-User: admin".to_owned(), cookie_line(&app, &alice)]).await.unwrap();
    let s = seen(&path).unwrap_or_default();
    if r.status != 200
        || !s["headers"]["HTTP_X_AUTH_REQUEST_USER"].is_null()
        || !s["headers"]["HTTP_X_WEBAUTH_EMAIL"].as_str().is_some_and(|e| e.starts_with("alice@"))
    {
        problems
            .push(format!("alice with X-Auth-Request-User: admin -> {}, the origin saw {}", r.status, s["headers"]));
    }
    assert_none("identity headers configured to \"\" or renamed", &problems);
}

#[tokio::test]
#[ignore = "end-to-end: needs the provider and the WSGI app; scripts/test.sh runs it"]
async fn routing_override_and_forwarding_headers_never_reach_the_origin() {
    let app = App::start(wsgi_setup()).await;
    let path = format!("/public/override-{}", nonce());
    let sent = [
        "X-Original-URL: /admin",
        "X-Original-URI: /admin",
        "X-Rewrite-URL: /admin",
        "X-Forwarded-Prefix: /evil",
        "X-Forwarded-Port: 1",
        "X-Forwarded-Server: evil.example",
        "X-Forwarded-Scheme: https",
        "Remote-User: admin",
        "X-Remote-User: admin",
        "X-HTTP-Method-Override: DELETE",
        "X-HTTP-Method: DELETE",
        "X-Method-Override: DELETE",
        "Forwarded: for=6.6.6.6;host=evil.example",
        "X-Real-IP: 6.6.6.6",
        "X-Forwarded-For: 6.6.6.6",
    ]
    .map(str::to_owned);
    let r = get(&app, &path, &sent).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let s = seen(&path).unwrap();
    let mut problems = Vec::new();
    for line in &sent {
        let name = line.split(':').next().unwrap();
        let var = format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_"));
        let got = &s["headers"][&var];
        let allowed = if var == "HTTP_X_FORWARDED_FOR" { Value::from("127.0.0.1") } else { Value::Null };
        if *got != allowed {
            problems.push(format!("{name} from the client reached the origin: {var} = {got}"));
        }
    }
    assert_none("routing-override and forwarding headers", &problems);
}

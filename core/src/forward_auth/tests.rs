use std::net::IpAddr;

use http::{Request, StatusCode};

use super::*;
use crate::config::tests::minimal;
use crate::revocation::Revocations;
use crate::session::SessionId;
use crate::testkit::site_from;

const NOW: u64 = 1_000_000;
const PROXY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn site() -> Site {
    site_from(&format!(
        "{}\n[forward_auth]\nhosts = [\"*.apps.example.com\"]\n[[access.on_unauthenticated]]\npaths = [\"/api/*\"]\naction = \"status\"\n",
        minimal()
    ))
}

fn user(groups: &[&str]) -> Session {
    Session {
        id: SessionId([1; 16]),
        sub: "alice".into(),
        sid: None,
        email: Some("alice@example.test".into()),
        name: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: 0,
        exp: NOW + 3600,
        seen: NOW,
        refresh_at: None,
        generation: 0,
    }
}

fn cookie(site: &Site, u: &Session) -> String {
    format!("{}={}", site.config.session.cookie.name, u.seal(&site.config.session.keys, [5; 12]))
}

/// A check as nginx sends it: `X-Original-URI`, `X-Forwarded-Host`.
fn nginx(uri: &str, host: &str, extra: &[(&str, &str)]) -> Parts {
    let b = Request::builder()
        .method("GET")
        .uri("/_authfront/auth")
        .header("host", "127.0.0.1:8080")
        .header("x-original-uri", uri)
        .header("x-forwarded-host", host)
        .header("x-forwarded-proto", "https");
    with(b, extra)
}

/// The check's head: `b` with the `extra` headers.
fn with(mut b: http::request::Builder, extra: &[(&str, &str)]) -> Parts {
    for (n, v) in extra {
        b = b.header(*n, *v);
    }
    b.body(()).unwrap().into_parts().0
}

fn run(site: &Site, req: &Parts, peer: IpAddr) -> Check {
    check(site, req, &Ctx { now: NOW, revocations: &Revocations::default(), client: peer })
}

fn status(c: &Check) -> StatusCode {
    match c {
        Check::Respond(r) | Check::Refuse { reply: r, .. } => r.status,
        Check::Allow(_) | Check::Refresh(_) => StatusCode::OK,
        Check::Login { .. } => StatusCode::FOUND,
    }
}

#[test]
fn signed_in_and_allowed_passes_with_identity() {
    let site = site();
    let u = user(&["staff"]);
    let req = nginx("/reports/q3.html", "app.apps.example.com", &[("cookie", &cookie(&site, &u))]);
    let Check::Allow(f) = run(&site, &req, PROXY) else { panic!("allowed") };
    assert_eq!(f.path.as_str(), "/reports/q3.html");
    let reply = allow(&site, f.user.as_ref(), f.access_token.as_deref());
    assert_eq!(reply.status, StatusCode::OK);
    let h = |n: &str| reply.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.to_str().unwrap().to_owned());
    assert_eq!(h("x-auth-request-user").as_deref(), Some("alice"));
    assert_eq!(h("x-auth-request-email").as_deref(), Some("alice@example.test"));
    assert_eq!(h("x-auth-request-groups").as_deref(), Some("staff"));
    assert_eq!(h("cache-control").as_deref(), Some("no-store"));
}

#[test]
fn denied_user_is_403_and_no_session_is_401_with_an_absolute_way_back() {
    let site = site();
    let outsider = user(&["visitors"]);
    let req = nginx("/x", "app.apps.example.com", &[("cookie", &cookie(&site, &outsider))]);
    assert_eq!(status(&run(&site, &req, PROXY)), StatusCode::FORBIDDEN);
    let req = nginx("/x?a=1", "app.apps.example.com", &[("accept", "text/html")]);
    let Check::Respond(r) = run(&site, &req, PROXY) else { panic!("401") };
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("rd=https%3A%2F%2Fapp.apps.example.com%2Fx%3Fa%3D1"), "{}", r.body);
    let sign_in = r.headers.iter().find(|(n, _)| n == SIGN_IN).map(|(_, v)| v.to_str().unwrap()).unwrap();
    assert_eq!(sign_in, "http://127.0.0.1:8080/_authfront/login?rd=https%3A%2F%2Fapp.apps.example.com%2Fx%3Fa%3D1");
}

#[test]
fn redirect_mode_sends_navigations_to_sign_in_and_scripts_get_401() {
    let site = site();
    let mut req = nginx("/x", "app.apps.example.com", &[("accept", "text/html")]);
    req.uri = "/_authfront/auth?mode=redirect".parse().unwrap();
    let Check::Login { return_to } = run(&site, &req, PROXY) else { panic!("login") };
    assert_eq!(return_to, "https://app.apps.example.com/x");
    let mut api = nginx("/api/items", "app.apps.example.com", &[("accept", "text/html")]);
    api.uri = "/_authfront/auth?mode=redirect".parse().unwrap();
    assert_eq!(status(&run(&site, &api, PROXY)), StatusCode::UNAUTHORIZED);
}

#[test]
fn public_paths_pass_without_identity() {
    let site = site();
    let req = nginx("/public/logo.png", "app.apps.example.com", &[]);
    let Check::Allow(f) = run(&site, &req, PROXY) else { panic!("public") };
    assert!(f.public && f.user.is_none());
    // every identity header is there, empty: a proxy copying them replaces a client's own
    let reply = allow(&site, None, None);
    let identity: Vec<_> = reply.headers.iter().filter(|(n, _)| n.as_str().starts_with("x-auth-request")).collect();
    assert_eq!(identity.len(), 4, "{identity:?}");
    assert!(identity.iter().all(|(_, v)| v.is_empty()), "{identity:?}");
}

#[test]
fn forwarding_headers_from_an_untrusted_peer_are_never_believed() {
    let site = site();
    let stranger: IpAddr = "192.0.2.7".parse().unwrap();
    // even a request that would be public, or carries a valid session, is refused: the
    // stranger's description of the request is not taken at all
    for uri in ["/public/x", "/reports"] {
        let u = user(&["staff"]);
        let req = nginx(uri, "app.apps.example.com", &[("cookie", &cookie(&site, &u))]);
        let c = run(&site, &req, stranger);
        assert!(matches!(c, Check::Refuse { .. }), "{c:?}");
        assert_eq!(status(&c), StatusCode::BAD_REQUEST);
    }
}

#[test]
fn the_edge_normalisation_applies_to_the_original_path() {
    let site = site();
    // bypasses the edge refuses: `..` out of a public path, encoded dots, `;` parameters, NUL
    for uri in [
        "/public/../secret.html",
        "/public/%2e%2e/secret.html",
        "/public/..;/secret.html",
        "/public/..%3b/secret.html",
        "/public/%2e%2e%2fsecret.html",
        "/public/x%00",
        "/public\\..\\secret",
    ] {
        let c = run(&site, &nginx(uri, "app.apps.example.com", &[]), PROXY);
        match &c {
            Check::Allow(f) => assert!(!f.public && f.user.is_some(), "{uri}: let through as {f:?}"),
            other => assert_ne!(status(other), StatusCode::OK, "{uri}"),
        }
        // and in status mode never anything nginx would turn into a 500
        assert!(matches!(status(&c), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN), "{uri}: {c:?}");
    }
}

#[test]
fn ambiguous_or_missing_descriptions_are_refused() {
    let site = site();
    let cases: Vec<Parts> = vec![
        // no original URI at all
        Request::builder().uri("/_authfront/auth").header("host", "a").body(()).unwrap().into_parts().0,
        // two of them that disagree
        nginx("/public/x", "app.apps.example.com", &[("x-forwarded-uri", "/reports")]),
        // the same header twice
        nginx("/public/x", "app.apps.example.com", &[("x-original-uri", "/reports")]),
        // not a path
        nginx("https://evil.example/public/x", "app.apps.example.com", &[]),
        // a fragment: the path before it is not what the app is sent (found by fuzzing)
        nginx("/public/x#/../../reports", "app.apps.example.com", &[]),
        nginx("/public/..%4fdo#s/", "app.apps.example.com", &[]),
        // a host that is not served
        nginx("/public/x", "evil.example", &[]),
        nginx("/public/x", "apps.example.com", &[]),
        nginx("/public/x", "app.apps.example.com.evil.example", &[]),
        // authfront's own endpoints are routed to it, not checked
        nginx("/_authfront/auth", "app.apps.example.com", &[]),
        nginx("/_authfront/callback?code=x", "app.apps.example.com", &[]),
        nginx("/public/../_authfront/signout", "app.apps.example.com", &[]),
    ];
    for req in cases {
        let c = run(&site, &req, PROXY);
        assert!(matches!(c, Check::Refuse { .. }), "{req:?}: {c:?}");
        assert_eq!(status(&c), StatusCode::FORBIDDEN, "{req:?}");
    }
    let mut bad_proto = nginx("/public/x", "app.apps.example.com", &[]);
    bad_proto.headers.insert("x-forwarded-proto", "gopher".parse().unwrap());
    assert!(matches!(run(&site, &bad_proto, PROXY), Check::Refuse { .. }));
}

#[test]
fn the_original_method_is_the_one_decided() {
    let site = site();
    // an anonymous POST to a protected page is a 401, never a redirect
    let mut req = nginx("/reports", "app.apps.example.com", &[("x-original-method", "POST"), ("accept", "text/html")]);
    req.uri = "/_authfront/auth?mode=redirect".parse().unwrap();
    assert_eq!(status(&run(&site, &req, PROXY)), StatusCode::UNAUTHORIZED);
}

#[test]
fn spoofed_identity_headers_never_pass_as_identity() {
    let site = site();
    let req = nginx("/public/x", "app.apps.example.com", &[("x-auth-request-user", "admin")]);
    // the client's own identity header is refused by the same screen as at the edge, or
    // dropped; it never comes back as the answer's identity
    match run(&site, &req, PROXY) {
        Check::Allow(f) => assert!(f.user.is_none()),
        other => assert_ne!(status(&other), StatusCode::OK),
    }
}

#[test]
fn without_forward_auth_the_endpoint_is_an_ordinary_404() {
    let site = site_from(&minimal());
    let req = nginx("/public/x", "127.0.0.1:8080", &[]);
    let a = crate::decide::decide(&site, &req, &Ctx { now: NOW, revocations: &Revocations::default(), client: PROXY });
    assert!(matches!(a, Action::Respond(ref r) if r.status == StatusCode::NOT_FOUND), "{a:?}");
}

#[test]
fn sign_in_may_return_only_to_allowed_hosts() {
    let site = site();
    let ok = ["https://app.apps.example.com/x?y=1", "http://127.0.0.1:8080/z", "/local"];
    for to in ok {
        assert!(crate::login::return_checked(&site, to).is_some(), "{to}");
    }
    let bad = [
        "https://evil.example/",
        "https://apps.example.com/",
        "https://app.apps.example.com.evil.example/",
        "https://user:pw@app.apps.example.com/",
        "javascript:alert(1)",
        "//evil.example/",
        "/\\evil.example",
        "ftp://app.apps.example.com/",
    ];
    for to in bad {
        assert_eq!(crate::login::return_checked(&site, to), None, "{to}");
    }
    // a plain-HTTP return on an HTTPS site is refused (the cookie would travel in clear)
    let https = site_from(&format!(
        "{}\n[forward_auth]\nhosts = [\"app.example.com\"]\n",
        minimal().replace("public_url = \"http://127.0.0.1:8080\"", "public_url = \"https://auth.example.com\"")
    ));
    assert!(crate::login::return_checked(&https, "https://app.example.com/").is_some());
    assert_eq!(crate::login::return_checked(&https, "http://app.example.com/"), None);
}

/// Envoy's HTTP ext_authz service: `{prefix}/auth` + the request's own path, its own method.
fn envoy(method: &str, target: &str, extra: &[(&str, &str)]) -> Parts {
    let b = Request::builder()
        .method(method)
        .uri(format!("/_authfront/auth{target}"))
        .header("host", "app.apps.example.com");
    with(b, extra)
}

#[test]
fn envoy_http_service_describes_the_request_by_its_own_path_and_method() {
    let site = site();
    let u = user(&["staff"]);
    let a = |req: &Parts| {
        crate::decide::decide(&site, req, &Ctx { now: NOW, revocations: &Revocations::default(), client: PROXY })
    };
    let req = envoy("GET", "/reports/q?x=1", &[("cookie", &cookie(&site, &u))]);
    assert!(matches!(a(&req), Action::ForwardAuth));
    let Check::Allow(f) = run(&site, &req, PROXY) else { panic!("allowed") };
    assert_eq!((f.path.as_str(), f.query.as_deref()), ("/reports/q", Some("x=1")));
    // the request's own query is not the check's: `mode=redirect` there changes nothing
    let nav = envoy("GET", "/reports/?mode=redirect", &[("accept", "text/html")]);
    assert_eq!(status(&run(&site, &nav, PROXY)), StatusCode::UNAUTHORIZED);
    // anonymous POST: the request's own method decides (401, never a redirect)
    let redirect_site = site_from(&format!("{}\n[forward_auth]\nmode = \"redirect\"\n", minimal()));
    let mut post = envoy("POST", "/reports/", &[("accept", "text/html")]);
    post.headers.insert("host", "127.0.0.1:8080".parse().unwrap());
    assert_eq!(status(&run(&redirect_site, &post, PROXY)), StatusCode::UNAUTHORIZED);
    let mut get = envoy("GET", "/reports/", &[("accept", "text/html")]);
    get.headers.insert("host", "127.0.0.1:8080".parse().unwrap());
    assert!(matches!(run(&redirect_site, &get, PROXY), Check::Login { .. }));
    // public, anonymous: allowed
    assert!(matches!(run(&site, &envoy("GET", "/public/x", &[]), PROXY), Check::Allow(_)));
    // a client's forwarding headers that describe another request are refused
    for (n, v) in [("x-forwarded-uri", "/public/x"), ("x-original-uri", "/public/x"), ("x-forwarded-method", "OPTIONS")]
    {
        let c = run(&site, &envoy("GET", "/reports/", &[(n, v)]), PROXY);
        assert!(matches!(c, Check::Refuse { .. }), "{n}: {c:?}");
    }
    // encoded ways out of the public folder, in the path form too
    for t in ["/public/../reports/", "/public/%2e%2e/reports/", "/public/..;/reports/"] {
        let c = run(&site, &envoy("GET", t, &[]), PROXY);
        assert!(!matches!(&c, Check::Allow(f) if f.public), "{t}: {c:?}");
        assert_ne!(status(&c), StatusCode::OK, "{t}");
    }
    // and from a stranger, nothing
    assert!(matches!(run(&site, &envoy("GET", "/public/x", &[]), "192.0.2.9".parse().unwrap()), Check::Refuse { .. }));
}

/// A check as ingress-nginx sends it: `Host` is the auth service's, the request is the absolute
/// `X-Original-URL`, and the client's own headers are passed on beside it.
fn ingress(url: &str, extra: &[(&str, &str)]) -> Parts {
    let b = Request::builder()
        .method("GET")
        .uri("/_authfront/auth")
        .header("host", "authfront.auth.svc.cluster.local")
        .header("x-original-url", url)
        .header("x-original-method", "GET")
        .header("x-sent-from", "nginx-ingress-controller")
        .header("x-auth-request-redirect", "/ignored");
    with(b, extra)
}

#[test]
fn ingress_nginx_describes_the_request_by_an_absolute_url() {
    let site = site();
    let u = user(&["staff"]);
    let c = cookie(&site, &u);
    let ok = run(&site, &ingress("https://app.apps.example.com/reports/q?x=1", &[("cookie", &c)]), PROXY);
    let Check::Allow(f) = &ok else { panic!("{ok:?}") };
    assert_eq!((f.path.as_str(), f.query.as_deref()), ("/reports/q", Some("x=1")));
    // the way back is the URL's own host and scheme, never the auth service's `Host`
    let anon = run(&site, &ingress("https://app.apps.example.com/reports/q?x=1", &[]), PROXY);
    let Check::Respond(r) = &anon else { panic!("{anon:?}") };
    let sign_in = r.headers.iter().find(|(n, _)| *n == SIGN_IN).map(|(_, v)| v.to_str().unwrap()).unwrap();
    assert!(sign_in.contains("rd=https%3A%2F%2Fapp.apps.example.com%2Freports%2Fq%3Fx%3D1"), "{sign_in}");
    // the same normalisation: encoded ways out of a public folder are not public
    for p in ["/public/..%2freports/", "/public/%2e%2e/reports/", "/public/..;/reports/"] {
        let c = run(&site, &ingress(&format!("https://app.apps.example.com{p}"), &[]), PROXY);
        assert!(!matches!(c, Check::Allow(_)), "{p}: {c:?}");
    }
    // agreeing descriptions are one description
    let same = [
        ("x-forwarded-uri", "/public/x"),
        ("x-forwarded-host", "APP.apps.example.com"),
        ("x-forwarded-proto", "https"),
    ];
    assert!(matches!(run(&site, &ingress("https://app.apps.example.com/public/x", &same), PROXY), Check::Allow(_)));
}

#[test]
fn ingress_nginx_url_and_a_client_description_that_disagree_are_refused() {
    let site = site();
    let url = "https://app.apps.example.com/reports/";
    // what a client adds of its own, passed on by ingress-nginx beside its X-Original-URL
    for extra in [
        ("x-forwarded-uri", "/public/x"),
        ("x-original-uri", "/public/x"),
        ("x-forwarded-host", "other.apps.example.com"),
        ("x-forwarded-proto", "http"),
        ("x-forwarded-method", "OPTIONS"),
        ("x-original-url", "https://app.apps.example.com/public/x"),
    ] {
        let c = run(&site, &ingress(url, &[extra]), PROXY);
        assert!(matches!(c, Check::Refuse { .. }), "{extra:?}: {c:?}");
        assert_eq!(status(&c), StatusCode::FORBIDDEN, "{extra:?}");
    }
    // not an absolute http(s) URL on a served host
    for bad in [
        "/reports/",
        "app.apps.example.com/reports/",
        "gopher://app.apps.example.com/reports/",
        "https://evil.example/reports/",
        "https://app.apps.example.com",
        "https://app.apps.example.com?x=/reports/",
        "https://user@app.apps.example.com/reports/",
        "https:///reports/",
    ] {
        let c = run(&site, &ingress(bad, &[]), PROXY);
        assert!(matches!(c, Check::Refuse { .. }), "{bad}: {c:?}");
    }
    // and from a peer that is not the ingress, not even read
    let stranger: IpAddr = "10.0.0.9".parse().unwrap();
    let c = run(&site, &ingress(url, &[]), stranger);
    assert_eq!(status(&c), StatusCode::BAD_REQUEST);
}

#[test]
fn rules_per_host_decide_each_host_and_a_spoofed_host_chooses_nothing_at_the_edge() {
    let site = site_from(&format!(
        "{}\n[forward_auth]\nhosts = [\"*.apps.example.com\"]\n\
         [[access.rules]]\nhosts = [\"admin.apps.example.com\"]\ngroups = [\"admins\"]\n\
         [[access.rules]]\nhosts = [\"status.apps.example.com\"]\naction = \"public\"\n\
         [[access.rules]]\npaths = [\"/secret/*\"]\naction = \"deny\"\n",
        minimal()
    ));
    let staff = cookie(&site, &user(&["staff"]));
    let admin = cookie(&site, &user(&["admins"]));
    let ask = |host: &str, path: &str, c: Option<&str>| {
        let extra: Vec<(&str, &str)> = c.map(|c| ("cookie", c)).into_iter().collect();
        run(&site, &nginx(path, host, &extra), PROXY)
    };
    // the admin host wants admins; staff (enough elsewhere) is denied there
    assert_eq!(status(&ask("admin.apps.example.com", "/x", Some(&staff))), StatusCode::FORBIDDEN);
    assert!(matches!(ask("admin.apps.example.com", "/x", Some(&admin)), Check::Allow(_)));
    assert!(matches!(ask("app.apps.example.com", "/x", Some(&staff)), Check::Allow(_)));
    assert_eq!(status(&ask("app.apps.example.com", "/x", Some(&admin))), StatusCode::FORBIDDEN);
    // ports and case do not make another host
    assert_eq!(status(&ask("ADMIN.apps.example.com:8443", "/x", Some(&staff))), StatusCode::FORBIDDEN);
    // the status host is public, the others are not
    let Check::Allow(f) = ask("status.apps.example.com", "/x", None) else { panic!() };
    assert!(f.public && f.user.is_none());
    assert_eq!(status(&ask("app.apps.example.com", "/x", None)), StatusCode::UNAUTHORIZED);
    // deny: nobody, signed in or not, and no sign-in is offered
    for c in [None, Some(admin.as_str()), Some(staff.as_str())] {
        let got = ask("app.apps.example.com", "/secret/plans", c);
        assert_eq!(status(&got), StatusCode::FORBIDDEN, "{c:?}");
        let Check::Respond(r) = got else { panic!() };
        assert!(!r.headers.iter().any(|(n, _)| *n == SIGN_IN));
    }
    // at the edge the host is public_url's, whatever `Host` a client sends
    let edge = |host: &str| {
        let req = Request::builder().uri("/x").header("host", host).body(()).unwrap().into_parts().0;
        crate::decide::decide(&site, &req, &Ctx { now: NOW, revocations: &Revocations::default(), client: PROXY })
    };
    assert!(!matches!(edge("status.apps.example.com"), crate::decide::Action::Forward(_)));
}

#[test]
fn the_access_token_passes_only_when_asked_and_only_the_sessions_own() {
    use crate::session::tokens::Tokens;
    let header = |r: &Reply| {
        r.headers.iter().find(|(n, _)| n == "x-auth-request-access-token").map(|(_, v)| v.to_str().unwrap().to_owned())
    };
    let asked = site_from(&format!("{}\n[proxy]\npass_access_token = true\n[forward_auth]\n", minimal()));
    let tokens = |site: &Site, u: &Session, generation: u32| {
        let t = Tokens {
            session: u.id,
            generation,
            refresh_token: None,
            id_token: None,
            access_token: Some("at-1".into()),
        };
        format!("{}={}", site.config.session.cookie.tokens_name, t.seal(&site.config.session.keys, [6; 12]))
    };
    let ask = |site: &Site, cookies: &str| {
        let req =
            nginx("/reports", "127.0.0.1:8080", &[("cookie", cookies), ("x-auth-request-access-token", "forged")]);
        let Check::Allow(f) = run(site, &req, PROXY) else { panic!("not allowed") };
        allow(site, f.user.as_ref(), f.access_token.as_deref())
    };
    let u = user(&["staff"]);
    let both = format!("{}; {}", cookie(&asked, &u), tokens(&asked, &u, 0));
    assert_eq!(header(&ask(&asked, &both)).as_deref(), Some("at-1"));
    // a tokens cookie of another generation (the session was refreshed since): not this one's
    let stale = format!("{}; {}", cookie(&asked, &u), tokens(&asked, &u, 7));
    assert_eq!(header(&ask(&asked, &stale)).as_deref(), Some(""), "a stale token, or the client's own");
    // or of another session
    let other = Session { id: SessionId([2; 16]), ..u.clone() };
    let foreign = format!("{}; {}", cookie(&asked, &u), tokens(&asked, &other, 0));
    assert_eq!(header(&ask(&asked, &foreign)).as_deref(), Some(""));
    // not asked for: no such header at all, and the cookie is never opened
    let site = site_from(&format!("{}\n[forward_auth]\n", minimal()));
    let both = format!("{}; {}", cookie(&site, &u), tokens(&site, &u, 0));
    assert_eq!(header(&ask(&site, &both)), None);
    assert!(crate::session_cookies::access_token(&site, &nginx("/", "h", &[("cookie", &both)]).headers, &u).is_none());
}

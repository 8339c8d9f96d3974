#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use serde_json::json;

use super::*;
use crate::flow::tests::{RANDOM, discovery, exchange, headers, id_token, site, token_response};
use crate::oidc::testutil::{ISSUER, NOW, keys};
use crate::session::tokens::Tokens;

/// The callback run to the token endpoint's answer.
fn to_tokens(site: &Site, signed_in: bool) -> AwaitTokens {
    let Step::Next(a) = Callback::new(exchange(site, "/docs/a.html?x=1", "code-1", signed_in)).used(site, true) else {
        panic!("first use")
    };
    let Step::Next((_, a)) = a.discovered(site, Ok(&discovery(json!({})))) else { panic!("discovered") };
    a
}

fn done<T: std::fmt::Debug>(step: Step<T>) -> Done {
    match step {
        Step::Done(d) => d,
        Step::Next(n) => panic!("went on: {n:?}"),
    }
}

/// A failed callback (its failure is in `Done::error`, for the log): its status, and never a
/// session cookie.
fn refused(d: &Done) -> http::StatusCode {
    assert!(headers(&d.reply, "set-cookie").is_empty(), "no cookie on a failure: {:?}", d.reply.headers);
    d.reply.status
}

#[test]
fn a_sign_in_from_callback_to_page() {
    let site = site();
    let cb = Callback::new(exchange(&site, "/docs/a.html?x=1", "code-1", false));
    assert_eq!(cb.once().key.len(), 32);
    let Step::Next(a) = cb.used(&site, true) else { panic!("first use") };
    let Step::Next((req, a)) = a.discovered(&site, Ok(&discovery(json!({})))) else { panic!() };
    assert_eq!(req.url, format!("{ISSUER}/token"));
    let form: std::collections::HashMap<_, _> = url::form_urlencoded::parse(req.body.as_bytes()).into_owned().collect();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "code-1");
    assert_eq!(form["code_verifier"], crate::oidc::verifier(&[7; 32]), "the verifier sealed in state");
    assert_eq!(form["redirect_uri"], site.redirect_uri);
    let Step::Next(a) = a.tokens(&site, Ok(token_response(Some(id_token(json!({}))), Some("rt")))) else { panic!() };
    let claims = a.check(&site, &keys(), NOW + 5).map_err(Error::from);
    let Step::Next(SignedIn { session, reply }) = a.finish(&site, &http::HeaderMap::new(), claims, &RANDOM, NOW + 5)
    else {
        panic!("signed in")
    };
    assert_eq!((session.sub.as_str(), session.id, session.iat), ("alice-sub", RANDOM.id, NOW + 5));
    assert_eq!(session.groups, ["staff"]);
    assert_eq!(reply.status, http::StatusCode::FOUND);
    assert_eq!(headers(&reply, "location"), ["http://127.0.0.1:8080/docs/a.html?x=1"]);
    let set = headers(&reply, "set-cookie");
    let value = |name: &str| {
        let c = set.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap();
        c.split(';').next().unwrap().split_once('=').unwrap().1.to_owned()
    };
    let keys = &site.config.session.keys;
    assert_eq!(Session::open(keys, &value("authfront_session"), NOW + 6), Some(session.clone()));
    let tokens = Tokens::open(keys, &value("authfront_tokens"), &session.id).unwrap();
    assert_eq!(tokens.refresh_token.as_deref(), Some("rt"));
}

#[test]
fn a_second_use_redeems_nothing() {
    let site = site();
    let d = done(Callback::new(exchange(&site, "/p", "c", false)).used(&site, false));
    assert!(matches!(d.error, Error::CallbackReplayed));
    assert_eq!(refused(&d), Error::CallbackReplayed.page().status);
    // a browser signed in already (the back button) goes on to its page
    let d = done(Callback::new(exchange(&site, "/p", "c", true)).used(&site, false));
    assert_eq!(d.reply.status, http::StatusCode::FOUND);
    assert_eq!(headers(&d.reply, "location"), ["http://127.0.0.1:8080/p"]);
    assert!(headers(&d.reply, "set-cookie").is_empty());
}

#[test]
fn the_provider_must_be_the_one_configured() {
    let site = site();
    let run = |iss: Option<&str>, supported: bool| {
        let mut x = exchange(&site, "/p", "c", false);
        x.iss = iss.map(str::to_owned);
        let Step::Next(a) = Callback::new(x).used(&site, true) else { panic!() };
        a.discovered(&site, Ok(&discovery(json!({ "authorization_response_iss_parameter_supported": supported }))))
    };
    assert!(matches!(run(Some(ISSUER), true), Step::Next(_)));
    assert!(matches!(run(None, false), Step::Next(_)), "no iss from a provider that never sends one");
    for (iss, supported) in [(Some("https://evil.example"), false), (None, true)] {
        let d = done(run(iss, supported));
        assert!(matches!(d.error, Error::IssuerMismatch { .. }), "{d:?}");
        assert_eq!(refused(&d), http::StatusCode::BAD_REQUEST);
    }
    // discovery failing: the provider's fault, with "Try again" to the page
    let Step::Next(a) = Callback::new(exchange(&site, "/p", "c", false)).used(&site, true) else { panic!() };
    let d = done(a.discovered(&site, Err(Error::ProviderUnreachable("down".into()))));
    assert!(refused(&d).is_server_error());
    assert!(d.reply.body.contains("http://127.0.0.1:8080/p"), "try again goes back to the page");
}

#[test]
fn no_session_without_a_verified_id_token() {
    let site = site();
    // the token endpoint answers without one
    let d = done(to_tokens(&site, false).tokens(&site, Ok(token_response(None, None))));
    assert!(matches!(&d.error, Error::TokenEndpoint { description, .. } if description.contains("id_token")));
    refused(&d);
    // the token endpoint refuses the code
    let e = Error::TokenEndpoint { status: 400, error: "invalid_grant".into(), description: "used".into() };
    refused(&done(to_tokens(&site, false).tokens(&site, Err(e))));
    // ID tokens that fail a check: another nonce (a token from another login), another
    // audience, expired
    for changes in [json!({"nonce": "other"}), json!({"aud": "someone-else"}), json!({"exp": NOW - 3600})] {
        let Step::Next(a) = to_tokens(&site, false).tokens(&site, Ok(token_response(Some(id_token(changes)), None)))
        else {
            panic!()
        };
        let claims = a.check(&site, &keys(), NOW + 5).map_err(Error::from);
        assert!(claims.is_err());
        refused(&done(a.finish(&site, &http::HeaderMap::new(), claims, &RANDOM, NOW + 5)));
    }
}

#[test]
fn a_signed_in_browser_goes_on_to_its_page_when_the_callback_fails() {
    let site = site();
    let e = Error::TokenEndpoint { status: 400, error: "invalid_grant".into(), description: "used".into() };
    let d = done(to_tokens(&site, true).tokens(&site, Err(e)));
    assert!(matches!(d.error, Error::TokenEndpoint { .. }), "still reported: {d:?}");
    assert_eq!(d.reply.status, http::StatusCode::FOUND);
    assert_eq!(headers(&d.reply, "location"), ["http://127.0.0.1:8080/docs/a.html?x=1"]);
    assert!(headers(&d.reply, "set-cookie").is_empty(), "and keeps the session it has");
}

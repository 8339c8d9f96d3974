#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use serde_json::json;

use super::*;
use crate::flow::tests::{discovery, headers, signed_in, site};
use crate::oidc::testutil::{ISSUER, NOW};
use crate::revocation::Target;
use crate::session::SessionId;

fn query(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

#[test]
fn without_a_session_cookies_go_and_the_browser_lands_on_the_signed_out_page() {
    let site = site();
    let so = SigningOut::new(&site, &HeaderMap::new(), SignOut { session: None, return_to: None });
    assert!(so.session().is_none() && so.revoke(NOW).is_none(), "nothing to stop");
    let SignedOut { revoke_token, reply } = so.discovered(&site, None, [5; 12]);
    assert!(revoke_token.is_none());
    let loc = headers(&reply, "location")[0];
    assert!(loc.starts_with("http://127.0.0.1:8080/_authfront/signed-out?state="), "{loc}");
    assert!(headers(&reply, "set-cookie").iter().any(|c| c.starts_with("authfront_session=;")));
}

#[test]
fn a_session_is_stopped_first_then_its_refresh_token_revoked_and_the_provider_told() {
    let site = site();
    let (s, req) = signed_in(&site, Some("rt-1"));
    let so = SigningOut::new(&site, &req, SignOut { session: Some(s.clone()), return_to: Some("/bye".into()) });
    let entry = so.revoke(NOW + 9).unwrap();
    assert_eq!((entry.target.clone(), entry.at), (Target::Session(s.id.to_string()), NOW + 9));
    let disc = discovery(json!({
        "revocation_endpoint": format!("{ISSUER}/revoke"),
        "end_session_endpoint": format!("{ISSUER}/logout"),
    }));
    let SignedOut { revoke_token, reply } = so.discovered(&site, Some(&disc), [5; 12]);
    let revoke = revoke_token.unwrap();
    assert_eq!(revoke.url, format!("{ISSUER}/revoke"));
    assert!(revoke.body.contains("token=rt-1") && revoke.body.contains("token_type_hint=refresh_token"));
    let loc = headers(&reply, "location")[0];
    assert!(loc.starts_with(&format!("{ISSUER}/logout?")), "{loc}");
    let q = query(loc);
    assert!(q["id_token_hint"].split('.').count() == 3, "the session's ID token as the hint");
    assert_eq!(q["post_logout_redirect_uri"], "http://127.0.0.1:8080/_authfront/signed-out");
    let cleared = headers(&reply, "set-cookie");
    assert!(cleared.iter().any(|c| c.starts_with("authfront_session=;")));
    assert!(cleared.iter().any(|c| c.starts_with("authfront_tokens")), "{cleared:?}");
    // a provider without those endpoints: nothing revoked there, this site's signed-out page
    let so = SigningOut::new(&site, &req, SignOut { session: Some(s), return_to: None });
    let SignedOut { revoke_token, reply } = so.discovered(&site, Some(&discovery(json!({}))), [5; 12]);
    assert!(revoke_token.is_none());
    assert!(headers(&reply, "location")[0].starts_with("http://127.0.0.1:8080/_authfront/signed-out?"));
}

#[test]
fn another_sessions_tokens_are_not_revoked() {
    let site = site();
    let (s, _) = signed_in(&site, Some("rt-mine"));
    let (_, other_req) = signed_in(&site, Some("rt-other"));
    let mut mine = s;
    mine.id = SessionId([8; 16]);
    let so = SigningOut::new(&site, &other_req, SignOut { session: Some(mine), return_to: None });
    let disc = discovery(json!({ "revocation_endpoint": format!("{ISSUER}/revoke") }));
    assert!(so.discovered(&site, Some(&disc), [5; 12]).revoke_token.is_none(), "tokens sealed to another session");
}

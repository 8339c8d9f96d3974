use super::*;
use crate::login::tests::site;
use http::StatusCode;

fn location(r: &Reply) -> url::Url {
    let l = r.headers.iter().find(|(n, _)| n == "location").unwrap().1.to_str().unwrap();
    url::Url::parse(l).unwrap()
}

#[test]
fn rp_initiated_logout_with_hint_and_state() {
    let s = site();
    let clear = vec!["authfront_session=; Max-Age=0".to_owned()];
    let r =
        begin(&s, Some("http://127.0.0.1:9400/session/end"), Some("the.id.token"), Some("/public/"), &clear, [3; 12]);
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(r.headers.iter().any(|(n, v)| n == "set-cookie" && v == "authfront_session=; Max-Age=0"));
    let loc = location(&r);
    assert!(loc.as_str().starts_with("http://127.0.0.1:9400/session/end?"));
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["id_token_hint"], "the.id.token");
    assert_eq!(q["post_logout_redirect_uri"], "http://127.0.0.1:8080/_authfront/signed-out");
    assert_eq!(q["client_id"], "authfront-confidential");
    // the provider comes back with the state: on to the page asked for
    let back = signed_out(&s, Some(&format!("state={}", q["state"])));
    assert_eq!(location(&back).as_str(), "http://127.0.0.1:8080/public/");
}

#[test]
fn without_end_session_the_signed_out_page() {
    let s = site();
    let r = begin(&s, None, None, None, &[], [3; 12]);
    let loc = location(&r);
    assert_eq!(loc.path(), "/_authfront/signed-out");
    let page = signed_out(&s, loc.query());
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<main id=\"signed-out\">"), "{}", page.body);
    assert!(page.body.contains("id=\"sign-in\" class=\"primary\" href=\"http://127.0.0.1:8080/_authfront/login\""));
    // a forged state is just the page; an off-site destination cannot be smuggled in
    assert_eq!(signed_out(&s, Some("state=forged")).status, StatusCode::OK);
    let r = begin(&s, None, None, Some("//evil.example/x"), &[], [3; 12]);
    let back = signed_out(&s, location(&r).query());
    assert_eq!(location(&back).as_str(), "http://127.0.0.1:8080/");
}

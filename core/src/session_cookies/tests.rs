use super::*;
use crate::config::parse;
use crate::config::tests::minimal;
use crate::session::tests::alice;

fn site_with(extra: &str) -> Site {
    Site::new(
        parse(&minimal().replace("[origin]", &format!("{extra}\n[origin]")), &mut |_| Err("none".into())).unwrap(),
    )
}

fn raw() -> RawTokens {
    RawTokens {
        id_token: Some("eyJ.id.sig".into()),
        access_token: Some("eyJ.at.sig".into()),
        scope: Some("openid email".into()),
        username: "alice@example.test".into(),
    }
}

fn names(cookies: &[String]) -> Vec<&str> {
    cookies.iter().map(|c| c.split('=').next().unwrap()).collect()
}

#[test]
fn sealed_mode_writes_session_and_tokens_only() {
    let s = site_with("");
    let a = alice();
    let t = Tokens {
        session: a.id,
        generation: 0,
        refresh_token: Some("r".repeat(5000)),
        id_token: None,
        access_token: None,
    };
    let nonces = SealNonces { session: [1; 12], tokens: [2; 12] };
    let c = write(&s, &HeaderMap::new(), &a, &t, &raw(), nonces, 1500);
    assert_eq!(names(&c), ["authfront_session", "authfront_tokens", "authfront_tokens.1"], "large tokens are split");
    assert!(c.iter().all(|c| c.contains("HttpOnly")));
}

#[test]
fn amplify_mode_adds_readable_token_cookies() {
    let s = site_with("cookie_mode = \"amplify\"");
    let a = alice();
    let t =
        Tokens { session: a.id, generation: 0, refresh_token: Some("rt".into()), id_token: None, access_token: None };
    let c = write(&s, &HeaderMap::new(), &a, &t, &raw(), SealNonces { session: [1; 12], tokens: [2; 12] }, 1500);
    let p = "CognitoIdentityServiceProvider.authfront-confidential";
    let user = "alice%40example.test";
    for name in [
        format!("{p}.LastAuthUser"),
        format!("{p}.{user}.idToken"),
        format!("{p}.{user}.accessToken"),
        format!("{p}.{user}.tokenScopesString"),
        "amplify-signin-with-hostedUI".to_owned(),
    ] {
        let cookie = c.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap_or_else(|| panic!("{name} in {c:?}"));
        assert!(!cookie.contains("HttpOnly"), "readable by the page's script: {cookie}");
    }
    assert!(!c.iter().any(|c| c.contains("refreshToken")), "no refresh token in clear");
    // sign-out clears them, whatever the user name
    let mut h = HeaderMap::new();
    h.insert("cookie", format!("{p}.LastAuthUser=x; {p}.{user}.idToken=y").parse().unwrap());
    let cleared = clear(&s, &h);
    assert!(cleared.iter().any(|c| c.starts_with(&format!("{p}.{user}.idToken=;"))));
    assert!(cleared.iter().any(|c| c.starts_with("authfront_session=;")));
}

#[test]
fn elasticsearch_mode_and_additional_cookies() {
    let s = site_with(
        "cookie_mode = \"elasticsearch\"\n[[session.additional_cookies]]\nname = \"app-config\"\nvalue = \"blue\"\nmax_age = \"1h\"",
    );
    let a = alice();
    let t = Tokens { session: a.id, generation: 0, refresh_token: None, id_token: None, access_token: None };
    let c = write(&s, &HeaderMap::new(), &a, &t, &raw(), SealNonces { session: [1; 12], tokens: [2; 12] }, 1500);
    assert_eq!(names(&c), ["authfront_session", "ID-TOKEN", "ACCESS-TOKEN", "COGNITO-ENABLED"]);
    let extra = additional(&s);
    assert_eq!(extra.len(), 1);
    assert!(extra[0].starts_with("app-config=blue; Path=/; Max-Age=3600"), "{}", extra[0]);
    assert!(clear(&s, &HeaderMap::new()).iter().any(|c| c.starts_with("app-config=;")));
}

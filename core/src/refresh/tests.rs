use super::*;
use crate::config::parse;
use crate::config::tests::minimal;
use crate::session::tests::alice;

fn site_with(extra: &str) -> Site {
    Site::new(
        parse(&minimal().replace("[session]", &format!("[session]\n{extra}")), &mut |_| Err("none".into())).unwrap(),
    )
}

fn resp(id_token: Option<&str>, refresh: Option<&str>, expires_in: Option<u64>) -> TokenResponse {
    TokenResponse {
        id_token: id_token.map(str::to_owned),
        access_token: "at2".into(),
        token_type: "Bearer".into(),
        expires_in,
        refresh_token: refresh.map(str::to_owned),
        scope: None,
    }
}

#[test]
fn refresh_times() {
    let s = site_with("");
    assert_eq!(refresh_at(&s, 1000, Some(3600), None), Some(1000 + 3540));
    assert_eq!(refresh_at(&s, 1000, Some(10), None), Some(1005), "short tokens: half their life, not every request");
    assert_eq!(refresh_at(&s, 1000, None, Some(1300)), Some(1240));
    assert_eq!(refresh_at(&s, 1000, None, None), Some(1240));
    assert_eq!(refresh_at(&site_with("refresh = false"), 1000, Some(3600), None), None);
    let mut a = alice();
    a.refresh_at = Some(1300);
    assert!(!due(&a, 1299) && due(&a, 1300));
    a.refresh_at = None;
    assert!(!due(&a, u64::MAX));
}

#[test]
fn after_a_refresh() {
    let s = site_with("");
    let old = alice();
    let old_tokens = Tokens {
        session: old.id,
        generation: 0,
        refresh_token: Some("rt1".into()),
        id_token: Some("id1".into()),
        access_token: None,
    };
    // rotating provider, no new ID token
    let (n, t, _) = after(&s, &old, &old_tokens, &resp(None, Some("rt2"), Some(300)), None, 1500).unwrap();
    assert_eq!((n.generation, n.seen, n.iat, n.exp), (1, 1500, old.iat, old.exp), "absolute lifetime unchanged");
    assert_eq!(n.refresh_at, Some(1740));
    assert_eq!((t.generation, t.refresh_token.as_deref(), t.id_token.as_deref()), (1, Some("rt2"), Some("id1")));
    // non-rotating provider keeps the old refresh token
    let (_, t, _) = after(&s, &old, &old_tokens, &resp(None, None, Some(300)), None, 1500).unwrap();
    assert_eq!(t.refresh_token.as_deref(), Some("rt1"));
    assert_eq!(t.access_token, None, "the access token is kept only when it is passed on");
    // with `proxy.pass_access_token` the fresh access token replaces the old one
    let passes = Site::new(
        parse(&format!("{}\n[proxy]\npass_access_token = true\n", minimal()), &mut |_| Err("none".into())).unwrap(),
    );
    let old_tokens = Tokens { access_token: Some("at1".into()), ..old_tokens };
    let (_, t, _) = after(&passes, &old, &old_tokens, &resp(None, None, Some(300)), None, 1500).unwrap();
    assert_eq!(t.access_token.as_deref(), Some("at2"));
}

#[test]
fn a_refreshed_id_token_must_be_for_the_same_subject() {
    let s = site_with("");
    let old = alice();
    let old_tokens =
        Tokens { session: old.id, generation: 0, refresh_token: Some("rt".into()), id_token: None, access_token: None };
    let raw = serde_json::json!({"sub": "mallory", "groups": ["staff"]});
    let claims = IdClaims {
        sub: "mallory".into(),
        iss: "i".into(),
        exp: 2000,
        iat: 1000,
        email: None,
        name: None,
        preferred_username: None,
        sid: None,
        raw: raw.as_object().unwrap().clone(),
    };
    assert!(after(&s, &old, &old_tokens, &resp(Some("x"), Some("rt2"), None), Some(&claims), 1500).is_err());
}

#[test]
fn which_failures_sign_out() {
    let te = |status, e: &str| Error::TokenEndpoint { status, error: e.into(), description: String::new() };
    assert!(refused(&te(400, "invalid_grant")));
    assert!(refused(&te(401, "invalid_client")));
    assert!(!refused(&te(503, "temporarily_unavailable")));
    assert!(!refused(&te(500, "invalid_response")));
    assert!(!refused(&Error::ProviderTimeout("t".into())));
    assert!(!refused(&Error::ProviderUnreachable("u".into())));
}

#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use url::Url;

use super::*;
use crate::config::ClientAuth;
use crate::oidc::testutil::oidc;

fn pairs(url: &str) -> Vec<(String, String)> {
    Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

fn own(client_id: &str) -> Vec<(String, String)> {
    [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", "https://app.example.com/_authfront/callback"),
        ("scope", "openid email profile"),
        ("state", "st&te=1"),
        ("nonce", "n+nce"),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        ("code_challenge_method", "S256"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec()
}

fn url(oidc: &crate::config::Oidc, endpoint: &str) -> String {
    authorize_url(
        oidc,
        endpoint,
        "https://app.example.com/_authfront/callback",
        "st&te=1",
        "n+nce",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    )
}

#[test]
fn code_flow_parameters_form_urlencoded() {
    let oidc = oidc(ClientAuth::SecretBasic);
    let u = url(&oidc, "https://idp.example.com/auth");
    assert_eq!(
        u,
        "https://idp.example.com/auth?response_type=code&client_id=authfront-client\
         &redirect_uri=https%3A%2F%2Fapp.example.com%2F_authfront%2Fcallback\
         &scope=openid+email+profile&state=st%26te%3D1&nonce=n%2Bnce\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    assert_eq!(pairs(&u), own("authfront-client"));
}

#[test]
fn keeps_the_endpoints_query_and_appends_auth_params_in_order() {
    let mut oidc = oidc(ClientAuth::None);
    oidc.client_id = "id with space".to_owned();
    oidc.auth_params = vec![
        ("prompt".to_owned(), "login consent".to_owned()),
        ("acr_values".to_owned(), "urn:mace:incommon:iap:silver".to_owned()),
        // Refused by the config; skipped here too rather than sent twice.
        ("scope".to_owned(), "admin".to_owned()),
    ];
    let u = url(&oidc, "https://login.example.com/oauth2/authorize?p=B2C_1_signin&tenant=a%2Fb");
    assert!(
        u.starts_with("https://login.example.com/oauth2/authorize?p=B2C_1_signin&tenant=a%2Fb&response_type=code&"),
        "{u}"
    );
    let mut expected = vec![("p".to_owned(), "B2C_1_signin".to_owned()), ("tenant".to_owned(), "a/b".to_owned())];
    expected.extend(own("id with space"));
    expected.push(("prompt".to_owned(), "login consent".to_owned()));
    expected.push(("acr_values".to_owned(), "urn:mace:incommon:iap:silver".to_owned()));
    assert_eq!(pairs(&u), expected);
}

#[test]
fn an_unparsable_endpoint_still_gets_the_parameters() {
    let u = url(&oidc(ClientAuth::None), "not a url?x=1");
    assert!(u.starts_with("not a url?x=1&response_type=code&client_id=authfront-client&"), "{u}");
}

//! How the authfront under test is known to the provider: registered or static clients.

use super::*;

/// How the authfront under test is known to the provider.
#[derive(Debug, Clone)]
pub enum Client {
    /// Register a fresh client at `{issuer}/reg` for this instance's redirect URI.
    Register { auth: Auth, id_token_alg: &'static str },
    /// One of the provider's static clients (their redirect URIs come from `OP_REDIRECT_URIS`).
    Static { id: &'static str, secret: Option<&'static str>, auth: Auth },
    /// Create a fresh client at glewlwyd through its admin API (see [`glewlwyd`]).
    Glewlwyd { auth: Auth },
}

/// Token endpoint authentication, and how the secret reaches authfront's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `client_secret_basic` (the default), secret given as `{ env = "AUTHFRONT_CLIENT_SECRET" }`.
    Basic,
    /// `client_secret_post`, secret given as `{ file = "client.secret" }`.
    Post,
    /// `client_secret_basic`, secret written inline.
    BasicInline,
    /// A public client: PKCE only, no secret.
    None,
}

impl Auth {
    fn method(self) -> &'static str {
        match self {
            Auth::Basic | Auth::BasicInline => "client_secret_basic",
            Auth::Post => "client_secret_post",
            Auth::None => "none",
        }
    }
}

pub(crate) async fn register(
    issuer: &str,
    redirect_uri: &str,
    post_logout_redirect_uri: &str,
    backchannel: Option<(&str, bool)>,
    auth: Auth,
    alg: &str,
) -> (String, Option<String>) {
    register_many(issuer, &[redirect_uri], &[post_logout_redirect_uri], backchannel, auth, alg).await
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// One client for several instances behind one load balancer (they must share it: every
/// sealed cookie is bound to the issuer and the client id): registered for the callback and
/// signed-out URLs of each of `ports`, back-channel logout to the first.
pub async fn shared_client(issuer: &str, ports: &[u16]) -> Client {
    let callbacks: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}/_authfront/callback")).collect();
    let signed_out: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}/_authfront/signed-out")).collect();
    let backchannel = format!("http://127.0.0.1:{}/_authfront/backchannel-logout", ports[0]);
    let (id, secret) =
        register_many(issuer, &refs(&callbacks), &refs(&signed_out), Some((&backchannel, true)), Auth::Basic, "RS256")
            .await;
    // the test's clients live as long as the test process
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    Client::Static { id: leak(id), secret: secret.map(leak), auth: Auth::Basic }
}

async fn register_many(
    issuer: &str,
    redirect_uris: &[&str],
    post_logout_redirect_uris: &[&str],
    backchannel: Option<(&str, bool)>,
    auth: Auth,
    alg: &str,
) -> (String, Option<String>) {
    let mut body = json!({
        "client_name": "authfront e2e test",
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris,
        "token_endpoint_auth_method": auth.method(),
        "id_token_signed_response_alg": alg,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some((uri, session_required)) = backchannel {
        body["backchannel_logout_uri"] = json!(uri);
        body["backchannel_logout_session_required"] = json!(session_required);
    }
    let url = format!("{issuer}/reg");
    let resp = http().post(&url).json(&body).send().await.unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = resp.status();
    let reply: Value = resp.json().await.expect("registration JSON");
    assert_eq!(status, StatusCode::CREATED, "dynamic registration refused: {reply}");
    let id = reply["client_id"].as_str().expect("client_id").to_owned();
    let secret = reply["client_secret"].as_str().map(str::to_owned);
    assert_eq!(secret.is_some(), auth != Auth::None, "client_secret in {reply}");
    (id, secret)
}

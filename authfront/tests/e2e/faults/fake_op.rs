//! A deliberately misbehaving OpenID provider, in the test process (the issue allows one for
//! the audience rules: "make the real provider or a fake one misbehave"). It does the code flow
//! honestly — discovery, keys (the core's RS256 test key `rsa1`), an authorization endpoint that
//! signs anyone in as alice and sends the browser straight back, a token endpoint that answers
//! the nonce of the login — except that its ID tokens carry the audiences it is told to.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use url::Url;

use crate::support::repo_root;

/// The client the fake knows (a public client: PKCE, no secret).
pub const CLIENT_ID: &str = "fake-op-client";

#[derive(Debug)]
struct State {
    issuer: String,
    /// The ID token's `aud`.
    audiences: Vec<String>,
    /// Nonce of each code handed out.
    codes: HashMap<String, String>,
    token_hits: AtomicUsize,
}

/// The running fake; stops with the test's runtime.
#[derive(Debug, Clone)]
pub struct FakeOp {
    pub issuer: String,
    state: Arc<Mutex<State>>,
}

impl FakeOp {
    /// Starts it on a free loopback port; its ID tokens carry `audiences` as `aud`.
    pub async fn start(audiences: &[&str]) -> FakeOp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            issuer: issuer.clone(),
            audiences: audiences.iter().map(|a| (*a).to_owned()).collect(),
            codes: HashMap::new(),
            token_hits: AtomicUsize::new(0),
        }));
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let st = st.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let st = st.clone();
                        async move { Ok::<_, Infallible>(answer(req, &st).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        FakeOp { issuer, state }
    }

    /// How many requests reached the token endpoint.
    pub fn token_hits(&self) -> usize {
        self.state.lock().unwrap().token_hits.load(Ordering::Relaxed)
    }
}

fn reply(status: u16, headers: &[(&str, &str)], body: String) -> Response<Full<Bytes>> {
    let mut r = Response::builder().status(status);
    for (n, v) in headers {
        r = r.header(*n, *v);
    }
    r.body(Full::new(Bytes::from(body))).unwrap()
}

fn json_reply(v: &Value) -> Response<Full<Bytes>> {
    reply(200, &[("content-type", "application/json"), ("cache-control", "no-store")], v.to_string())
}

fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("core/src/oidc/testdata").join(name)).unwrap()
}

/// The DER inside the PKCS#1 PEM of the test key `rsa1`.
fn rsa1_der() -> Vec<u8> {
    let pem = String::from_utf8(testdata("rsa1.pem")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap()
}

async fn answer(req: Request<Incoming>, st: &Mutex<State>) -> Response<Full<Bytes>> {
    let uri = Url::parse(&format!("http://fake{}", req.uri())).unwrap();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let iss = st.lock().unwrap().issuer.clone();
    match uri.path() {
        "/.well-known/openid-configuration" => json_reply(&json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/auth"),
            "token_endpoint": format!("{iss}/token"),
            "jwks_uri": format!("{iss}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "authorization_response_iss_parameter_supported": true,
        })),
        "/jwks" => {
            let all: Value = serde_json::from_slice(&testdata("jwks.json")).unwrap();
            let keys: Vec<Value> =
                all["keys"].as_array().unwrap().iter().filter(|k| k["kid"] == "rsa1").cloned().collect();
            json_reply(&json!({ "keys": keys }))
        }
        "/auth" => {
            let q: HashMap<String, String> = uri.query_pairs().into_owned().collect();
            let mut s = st.lock().unwrap();
            let code = format!("code-{}", s.codes.len() + 1);
            s.codes.insert(code.clone(), q.get("nonce").cloned().unwrap_or_default());
            let mut back = Url::parse(&q["redirect_uri"]).unwrap();
            back.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &q["state"])
                .append_pair("iss", &iss);
            reply(302, &[("location", back.as_str())], String::new())
        }
        "/token" => {
            let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
            let (nonce, audiences) = {
                let s = st.lock().unwrap();
                s.token_hits.fetch_add(1, Ordering::Relaxed);
                (form.get("code").and_then(|c| s.codes.get(c)).cloned(), s.audiences.clone())
            };
            let Some(nonce) = nonce else {
                return reply(
                    400,
                    &[("content-type", "application/json")],
                    json!({"error": "invalid_grant"}).to_string(),
                );
            };
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
            let claims = json!({
                "iss": iss, "sub": "alice", "aud": audiences, "azp": CLIENT_ID, "nonce": nonce,
                "iat": now, "exp": now + 600, "email": "alice@example.test", "name": "Alice",
                "groups": ["staff"],
            });
            let mut header = Header::new(Algorithm::RS256);
            header.kid = Some("rsa1".to_owned());
            let key = EncodingKey::from_rsa_der(&rsa1_der());
            let id_token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
            json_reply(
                &json!({ "access_token": "fake-at", "token_type": "Bearer", "expires_in": 600, "id_token": id_token }),
            )
        }
        _ => reply(404, &[], String::new()),
    }
}

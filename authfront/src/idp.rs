//! The identity-provider client: sends what the core built (discovery, JWKS, token requests)
//! and keeps the provider's metadata and keys.
//!
//! Keys are fetched at start and cached. A token whose `kid` is unknown triggers at most one
//! JWKS fetch per `jwks_min_refresh_interval`, shared by all callers, so a flood of tokens with
//! random `kid`s cannot flood the provider; rotated keys are picked up without a restart.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use authfront_core::config::Oidc;
use authfront_core::error::Error;
use authfront_core::oidc::{
    Discovery, IdTokenError, KeySet, TokenRequest, TokenResponse, discovery_url, parse_token_response,
};
use tokio::sync::Mutex;

/// Largest provider document read (discovery, JWKS, token response).
const MAX_BODY: usize = 1024 * 1024;
/// After a failed discovery, callers within this window get the same error without a new try.
const DISCOVERY_RETRY: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub struct Idp {
    http: reqwest::Client,
    issuer: String,
    min_refresh: Duration,
    discovery: RwLock<Option<Arc<Discovery>>>,
    keys: RwLock<Option<Arc<KeySet>>>,
    /// Held while fetching; remembers when discovery last failed and keys were last fetched.
    fetch: Mutex<FetchState>,
}

#[derive(Debug, Default)]
struct FetchState {
    discovery_failed: Option<(Instant, Error)>,
    keys_fetched: Option<Instant>,
}

impl Idp {
    pub fn new(cfg: &Oidc) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.http_timeout_secs))
            .connect_timeout(Duration::from_secs(cfg.http_timeout_secs.min(5)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("authfront/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            issuer: cfg.issuer.clone(),
            min_refresh: Duration::from_secs(cfg.jwks_min_refresh_interval_secs),
            discovery: RwLock::new(None),
            keys: RwLock::new(None),
            fetch: Mutex::new(FetchState::default()),
        })
    }

    /// Fetches discovery and keys now (at start); the error is only logged by the caller, the
    /// edge keeps serving public paths and retries on the next login.
    pub async fn warm_up(&self) -> Result<(), Error> {
        self.discovery().await?;
        self.keys().await.map(|_| ())
    }

    /// The provider's metadata, fetched once.
    pub async fn discovery(&self) -> Result<Arc<Discovery>, Error> {
        if let Some(d) = read(&self.discovery) {
            return Ok(d);
        }
        let mut st = self.fetch.lock().await;
        if let Some(d) = read(&self.discovery) {
            return Ok(d);
        }
        if let Some((at, e)) = &st.discovery_failed
            && at.elapsed() < DISCOVERY_RETRY
        {
            return Err(e.clone());
        }
        let url = discovery_url(&self.issuer);
        let result = match self.get(&url).await {
            Ok(body) => Discovery::parse(&body, &self.issuer).map(Arc::new),
            Err(e) => Err(e),
        };
        match result {
            Ok(d) => {
                tracing::info!(issuer = %self.issuer, "provider discovery loaded");
                *write(&self.discovery) = Some(d.clone());
                st.discovery_failed = None;
                Ok(d)
            }
            Err(e) => {
                st.discovery_failed = Some((Instant::now(), e.clone()));
                Err(e)
            }
        }
    }

    /// The provider's current keys (fetched on first use).
    pub async fn keys(&self) -> Result<Arc<KeySet>, Error> {
        if let Some(k) = read(&self.keys) {
            return Ok(k);
        }
        self.fetch_keys(true).await?.ok_or_else(|| Error::Jwks("no keys".to_owned()))
    }

    /// Fetches the keys again after an unknown `kid`, unless that was done within the minimum
    /// interval; `None` then (the caller keeps refusing the token).
    pub async fn refresh_keys(&self) -> Result<Option<Arc<KeySet>>, Error> {
        self.fetch_keys(false).await
    }

    async fn fetch_keys(&self, first: bool) -> Result<Option<Arc<KeySet>>, Error> {
        let disc = self.discovery().await?;
        let mut st = self.fetch.lock().await;
        if first {
            if let Some(k) = read(&self.keys) {
                return Ok(Some(k));
            }
        } else if st.keys_fetched.is_some_and(|t| t.elapsed() < self.min_refresh) {
            return Ok(None);
        }
        st.keys_fetched = Some(Instant::now());
        let body = self.get(&disc.jwks_uri).await?;
        let keys = Arc::new(KeySet::parse(&body)?);
        tracing::info!(keys = keys.len(), kids = ?keys.kids(), "provider keys loaded");
        *write(&self.keys) = Some(keys.clone());
        Ok(Some(keys))
    }

    /// Sends a token request and judges the answer.
    pub async fn token(&self, req: TokenRequest) -> Result<TokenResponse, Error> {
        let mut r = self.http.post(&req.url).body(req.body);
        for (n, v) in req.headers {
            r = r.header(n, v);
        }
        let resp = r.send().await.map_err(|e| transport_error(&req.url, &e))?;
        let status = resp.status().as_u16();
        let body = read_limited(resp).await.map_err(|e| transport_error(&req.url, &e))?;
        parse_token_response(status, &body)
    }

    /// Sends a token revocation (RFC 7009); returns the status.
    pub async fn revoke(&self, req: TokenRequest) -> Result<u16, Error> {
        let mut r = self.http.post(&req.url).body(req.body);
        for (n, v) in req.headers {
            r = r.header(n, v);
        }
        let resp = r.send().await.map_err(|e| transport_error(&req.url, &e))?;
        Ok(resp.status().as_u16())
    }

    /// Sends a token revocation without waiting for it (sign-out): a slow or hung provider must
    /// not hold up the browser, and the session is stopped locally already. The outcome is
    /// logged; the request is bounded by `oidc.http_timeout` like every provider call.
    pub fn revoke_later(&self, req: TokenRequest) {
        let mut r = self.http.post(&req.url).body(req.body);
        for (n, v) in req.headers {
            r = r.header(n, v);
        }
        let url = req.url;
        tokio::spawn(async move {
            match r.send().await {
                Ok(resp) => tracing::info!(status = resp.status().as_u16(), "refresh token revoked at the provider"),
                Err(e) => tracing::warn!(error = %transport_error(&url, &e), "refresh token revocation failed"),
            }
        });
    }

    /// Verifies an ID token, fetching the provider's keys again (rate-limited) when it names an
    /// unknown key: rotated keys are accepted without a restart.
    pub async fn verify<T>(&self, verify: impl Fn(&KeySet) -> Result<T, IdTokenError>) -> Result<T, Error> {
        let keys = self.keys().await?;
        match verify(&keys) {
            Err(IdTokenError::UnknownKey(kid)) => {
                tracing::info!(%kid, "token signed with an unknown key; refreshing provider keys");
                match self.refresh_keys().await? {
                    Some(fresh) => Ok(verify(&fresh)?),
                    None => Err(IdTokenError::UnknownKey(kid).into()),
                }
            }
            other => Ok(other?),
        }
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, Error> {
        let resp = self
            .http
            .get(url)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| transport_error(url, &e))?;
        if !resp.status().is_success() {
            return Err(Error::ProviderUnreachable(format!("{url} answered HTTP {}", resp.status().as_u16())));
        }
        read_limited(resp).await.map_err(|e| transport_error(url, &e))
    }
}

async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if out.len() + chunk.len() > MAX_BODY {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn transport_error(url: &str, e: &reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::ProviderTimeout(format!("{url}: {e}"))
    } else {
        Error::ProviderUnreachable(format!("{url}: {e}"))
    }
}

// A poisoned lock only means another thread panicked mid-write of an Arc swap; the value is
// still a whole Arc, so carry on with it.
fn read<T: ?Sized>(l: &RwLock<Option<Arc<T>>>) -> Option<Arc<T>> {
    l.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn write<T: ?Sized>(l: &RwLock<Option<Arc<T>>>) -> std::sync::RwLockWriteGuard<'_, Option<Arc<T>>> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

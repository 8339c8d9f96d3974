//! Refreshing sessions with the provider, one refresh at a time per session (single flight),
//! and a short grace window in which requests still carrying the previous cookies get the new
//! ones without another call (rotated refresh tokens are single-use: a second refresh with the
//! old one would be refused and sign the user out).
//!
//! What a refresh produces is decided by `core::refresh`; this module only sends, waits and
//! remembers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authfront_core::cloudfront::login as cf_login;
use authfront_core::cookies;
use authfront_core::error::Error;
use authfront_core::mint::{self, SealNonces};
use authfront_core::oidc::{self, IdTokenCheck};
use authfront_core::refresh;
use authfront_core::session::tokens::Tokens;
use authfront_core::session::{Session, SessionId};
use http::request::Parts;
use tokio::sync::OnceCell;

use crate::app::App;
use crate::random::random;

/// A refreshed session and the cookies that carry it.
#[derive(Debug)]
pub struct Fresh {
    pub session: Session,
    pub cookies: Vec<String>,
}

/// How a refresh went.
#[derive(Debug, Clone)]
pub enum Outcome {
    Fresh(Arc<Fresh>),
    /// The provider refused the refresh token (or it is missing): sign in again.
    Refused,
    /// The provider could not be reached or failed: keep the session for now, try again later.
    Transient,
}

type Cell = Arc<OnceCell<Outcome>>;

/// A refresh just done: when, the generation it started from, and what it produced.
#[derive(Debug)]
struct Recent {
    at: Instant,
    from: u32,
    fresh: Arc<Fresh>,
}

#[derive(Debug, Default)]
pub struct Refresher {
    inflight: Mutex<HashMap<SessionId, Cell>>,
    recent: Mutex<HashMap<SessionId, Recent>>,
    /// How many refreshes were sent to the provider (tests and metrics).
    sent: std::sync::atomic::AtomicU64,
}

impl Refresher {
    pub fn sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Refreshes `s` (the session of request `req`), or joins the refresh already under way.
    pub async fn refresh(&self, app: &App, req: &Parts, s: &Session, now: u64) -> Outcome {
        let grace = Duration::from_secs(app.site.config.session.refresh_grace_secs);
        if let Some(fresh) = self.recent_for(s, grace) {
            return Outcome::Fresh(fresh);
        }
        let cell = {
            let mut map = lock(&self.inflight);
            map.entry(s.id).or_default().clone()
        };
        let mut ran = false;
        let outcome = cell
            .get_or_init(|| {
                ran = true;
                self.send(app, req, s, now)
            })
            .await
            .clone();
        if ran {
            if let Outcome::Fresh(f) = &outcome {
                let mut recent = lock(&self.recent);
                recent.retain(|_, r| r.at.elapsed() < grace);
                recent.insert(s.id, Recent { at: Instant::now(), from: s.generation, fresh: f.clone() });
            }
            lock(&self.inflight).remove(&s.id);
        }
        outcome
    }

    fn recent_for(&self, s: &Session, grace: Duration) -> Option<Arc<Fresh>> {
        let recent = lock(&self.recent);
        let r = recent.get(&s.id)?;
        (r.from == s.generation && r.at.elapsed() < grace).then(|| r.fresh.clone())
    }

    async fn send(&self, app: &App, req: &Parts, s: &Session, now: u64) -> Outcome {
        let site = &app.site;
        let cfg = &site.config;
        let tokens = cookies::find_chunked(&req.headers, &cfg.session.cookie.tokens_name)
            .and_then(|t| Tokens::open(&cfg.session.keys, &t, &s.id))
            .filter(|t| t.generation == s.generation);
        let Some((tokens, refresh_token)) = tokens.and_then(|t| t.refresh_token.clone().map(|r| (t, r))) else {
            tracing::info!(session = %s.id_text(), "no usable refresh token in the request; signing in again");
            return Outcome::Refused;
        };
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.exchange(app, s, &tokens, &refresh_token, req, now).await {
            Ok(fresh) => {
                tracing::info!(session = %s.id_text(), generation = fresh.session.generation, "tokens refreshed");
                Outcome::Fresh(Arc::new(fresh))
            }
            Err(e) if refresh::refused(&e) => {
                tracing::info!(session = %s.id_text(), error = %e, "refresh refused; signing in again");
                Outcome::Refused
            }
            Err(e) => {
                tracing::warn!(session = %s.id_text(), error = %e, "refresh failed; keeping the session for now");
                Outcome::Transient
            }
        }
    }

    async fn exchange(
        &self,
        app: &App,
        s: &Session,
        tokens: &Tokens,
        refresh_token: &str,
        req: &Parts,
        now: u64,
    ) -> Result<Fresh, Error> {
        let site = &app.site;
        let o = &site.config.oidc;
        let disc = app.idp.discovery().await?;
        let resp = app.idp.token(oidc::refresh_request(o, &disc.token_endpoint, refresh_token)).await?;
        let claims = match &resp.id_token {
            Some(id_token) => {
                let check = |keys: &oidc::KeySet| {
                    let c = IdTokenCheck {
                        issuer: &o.issuer,
                        client_id: &o.client_id,
                        algs: &o.id_token_algs,
                        skew_secs: o.clock_skew_secs,
                        nonce: None,
                        now,
                    };
                    oidc::verify_id_token(id_token, keys, &c)
                };
                Some(app.idp.verify(check).await?)
            }
            None => None,
        };
        let (session, tokens, raw) = refresh::after(site, s, tokens, &resp, claims.as_ref(), now)?;
        let nonces = SealNonces { session: random(), tokens: random() };
        let mut cookies = mint::write(site, &req.headers, &session, &tokens, &raw, nonces, now);
        // CloudFront login mode: fresh signed cookies with every refresh.
        cookies.extend(cf_login::for_session(site, &session, now).map_err(crate::flow::cf_error)?);
        Ok(Fresh { session, cookies })
    }
}

// A poisoned lock means a panic while holding a map of plain values; carry on with them.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

//! The login driver: carries out the flows the core orders (`core::flow`) — provider metadata,
//! random bytes, the token endpoint, key refresh, the revocation store. No decision is made
//! here; every answer and every failure comes from the core.

use std::sync::Arc;
use std::time::Duration;

use authfront_core::decide::{Exchange, SignOut};
use authfront_core::flow::callback::{Callback, SignedIn};
use authfront_core::flow::refresh::{Failed, Fresh, Refresh};
use authfront_core::flow::signout::{SignedOut, SigningOut};
use authfront_core::flow::{Done, SessionRandom, Step};
use authfront_core::login::{self, LoginRandom, Prompt};
use authfront_core::reply::Reply;
use authfront_core::session::{Session, SessionId};
use authfront_core::session_cookies::SealNonces;
use authfront_core::{cookies, flow};
use http::HeaderMap;
use http::request::Parts;

use crate::app::App;
use crate::random::random;
use crate::refresher::Outcome;
use crate::report::{self, Logged as _};
use crate::store::First;

/// `302` to the provider's authorization endpoint (or an error page if it is unreachable),
/// asking for `prompt` when the visitor did.
pub async fn start_login(app: &App, parts: &Parts, return_to: &str, prompt: Option<Prompt>, now: u64) -> Reply {
    match app.idp.discovery().await {
        Ok(disc) => {
            let binding = cookies::find(&parts.headers, &app.site.config.session.cookie.login_name);
            let rnd = LoginRandom { binding: random(), verifier: random(), nonce: random(), seal: random() };
            login::begin_with(&app.site, &disc, return_to, prompt, binding, now, &rnd)
        }
        Err(e) => Done::page(e, Some(&app.site.url_for(return_to))).logged(parts.uri.path()),
    }
}

/// The callback, as `core::flow::callback` orders it: record the response's use, discovery,
/// the token endpoint, the provider's keys, the session's cookies.
pub async fn exchange(app: &App, parts: &Parts, x: Exchange, now: u64) -> Reply {
    let site = &app.site;
    let cb = Callback::new(x);
    let once = cb.once().clone();
    let first = app.revoker.first_use(&once.key, once.until, now).await == First::Yes;
    let step = match cb.used(site, first) {
        Step::Next(a) => a,
        Step::Done(d) => return d.logged(parts.uri.path()),
    };
    let disc = app.idp.discovery().await;
    let (req, a) = match step.discovered(site, disc.as_deref().map_err(Clone::clone)) {
        Step::Next(next) => next,
        Step::Done(d) => return d.logged(parts.uri.path()),
    };
    let a = match a.tokens(site, app.idp.token(req).await) {
        Step::Next(a) => a,
        Step::Done(d) => return d.logged(parts.uri.path()),
    };
    let claims = app.idp.verify(|keys| a.check(site, keys, now)).await;
    let rnd = SessionRandom { id: SessionId(random()), seal: SealNonces { session: random(), tokens: random() } };
    match a.finish(site, &parts.headers, claims, &rnd, now) {
        Step::Next(SignedIn { session, reply }) => {
            tracing::info!(sub = %session.sub, user = %session.display_name(), session = %session.id_text(), "signed in");
            reply
        }
        Step::Done(d) => d.logged(parts.uri.path()),
    }
}

/// Sign-out, as `core::flow::signout` orders it: the session stopped first (durably: the
/// store, or the local queue that retries it), then the refresh token's revocation sent
/// without waiting, and the answer.
pub async fn sign_out(app: &App, parts: &Parts, so: SignOut, now: u64) -> Reply {
    let site = &app.site;
    let out = SigningOut::new(site, &parts.headers, so);
    if let Some(entry) = out.revoke(now) {
        // the revoker logs when it cannot store it (the entry then waits and is retried)
        let _ = app.revoker.revoke(entry).await;
        if let Some(s) = out.session() {
            tracing::info!(sub = %s.sub, session = %s.id_text(), "signed out");
        }
    }
    let disc = app.idp.discovery().await.ok();
    let SignedOut { revoke_token, reply } = out.discovered(site, disc.as_deref(), random());
    if let Some(req) = revoke_token {
        app.idp.revoke_later(req);
    }
    reply
}

/// The cookies a request let through gets: see [`flow::forward_cookies`].
pub fn forward_cookies(app: &App, f: &authfront_core::decide::Forward, parts: &Parts, now: u64) -> Vec<String> {
    let (cookies, error) = flow::forward_cookies(&app.site, f.user.as_ref(), f.touch, f.renew_cloudfront, now, random);
    if let Some(e) = error {
        report::error(&e, parts.uri.path());
    }
    cookies
}

/// Refreshes `s` (the session of request `parts`), one attempt at a time per session
/// ([`crate::refresher`]): the request's tokens, discovery, the token endpoint, the provider's
/// keys when an ID token came back, the new cookies, as `core::flow::refresh` orders them.
pub async fn refresh(app: &Arc<App>, parts: &Parts, s: &Session, now: u64) -> Outcome {
    let cfg = &app.site.config.session;
    let (grace, retry) = (Duration::from_secs(cfg.refresh_grace_secs), Duration::from_secs(cfg.refresh_retry_secs));
    // copied for the attempt's own task only when an attempt starts (not when the request
    // joins one under way or reuses a fresh outcome)
    let attempt = || {
        let (app, headers, session) = (app.clone(), parts.headers.clone(), s.clone());
        async move { refresh_once(&app, &headers, &session, now).await }
    };
    app.refresher.refresh(s, grace, retry, attempt).await
}

async fn refresh_once(app: &App, req: &HeaderMap, s: &Session, now: u64) -> Outcome {
    let result = match Refresh::start(&app.site, req, s) {
        Ok(r) => {
            app.refresher.note_sent();
            refresh_exchange(app, r, req, now).await
        }
        Err(f) => Err(f),
    };
    match result {
        Ok(fresh) => {
            tracing::info!(session = %s.id_text(), generation = fresh.session.generation, "tokens refreshed");
            Outcome::Fresh(Arc::new(fresh))
        }
        Err(f) if f.refused => {
            tracing::info!(session = %s.id_text(), reason = f.error.reason(), error = %f.error, "refresh refused; signing in again");
            Outcome::Refused
        }
        Err(f) => {
            tracing::warn!(session = %s.id_text(), reason = f.error.reason(), error = %f.error, "refresh failed; keeping the session for now");
            Outcome::Transient
        }
    }
}

async fn refresh_exchange(app: &App, r: Refresh, req: &HeaderMap, now: u64) -> Result<Fresh, Failed> {
    let site = &app.site;
    let disc = app.idp.discovery().await;
    let (token_req, a) = r.discovered(site, disc.as_deref().map_err(Clone::clone))?;
    let a = a.tokens(app.idp.token(token_req).await)?;
    let claims = if a.has_id_token() { Some(app.idp.verify(|keys| a.check(site, keys, now)).await) } else { None };
    a.finish(site, req, claims, SealNonces { session: random(), tokens: random() }, now)
}

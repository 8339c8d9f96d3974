//! The login and sign-out flows the core decided on, carried out: provider metadata, random
//! bytes, the token endpoint, key refresh, revocation.

use authfront_core::cloudfront::login as cf_login;
use authfront_core::decide::{Exchange, SignOut};
use authfront_core::error::Error;
use authfront_core::login::{self, LoginRandom, Prompt};
use authfront_core::mint::{self, SealNonces};
use authfront_core::oidc::{code_request, revocation_request};
use authfront_core::reply::Reply;
use authfront_core::session::Session;
use authfront_core::session::tokens::Tokens;
use authfront_core::{cookies, signout};
use http::request::Parts;

use crate::app::App;
use crate::random::random;
use crate::server::log_error;
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
        Err(e) => {
            log_error(&e, parts.uri.path());
            Reply::error(&e, Some(&app.site.url_for(return_to)))
        }
    }
}

/// The callback: redeem, verify, set the session's cookies, back to the page. Any error: a page
/// and no session cookie (or, for a browser already signed in, on to the page).
pub async fn exchange(app: &App, parts: &Parts, x: &Exchange, now: u64) -> Reply {
    // RFC 9700 §4.5: an authorization response is usable once; a replay redeems nothing
    if app.revoker.first_use(&x.pending.once.key, x.pending.once.until).await == First::No {
        tracing::warn!(
            signed_in = x.signed_in,
            "callback used already (a replay, or the back button); nothing redeemed"
        );
        return login::replayed(&app.site, &x.pending, x.signed_in);
    }
    let retry = app.site.url_for(&x.pending.return_to);
    match redeem(app, parts, x, now).await {
        Ok(r) => r,
        Err(e) if x.signed_in => {
            tracing::info!(error = %e, "callback failed for a signed-in browser; going on to the page");
            Reply::redirect(&retry, &[])
        }
        Err(e) => {
            log_error(&e, parts.uri.path());
            Reply::error(&e, Some(&retry))
        }
    }
}

async fn redeem(app: &App, parts: &Parts, x: &Exchange, now: u64) -> Result<Reply, Error> {
    let site = &app.site;
    let disc = app.idp.discovery().await?;
    login::check_iss(site, x.iss.as_deref(), disc.iss_parameter_supported)?;
    let req = code_request(&site.config.oidc, &disc.token_endpoint, &x.code, &site.redirect_uri, &x.pending.verifier);
    let tokens = app.idp.token(req).await?;
    let id_token = tokens.id_token.as_deref().ok_or_else(|| Error::TokenEndpoint {
        status: 200,
        error: "invalid_response".to_owned(),
        description: "the token response has no id_token".to_owned(),
    })?;
    let claims = app.idp.verify(|keys| login::verify(site, &x.pending, id_token, keys, now)).await?;
    let (session, kept, raw) = login::session_from(site, &claims, &tokens, random(), now);
    tracing::info!(sub = %session.sub, user = %session.display_name(), session = %session.id_text(), "signed in");
    let nonces = SealNonces { session: random(), tokens: random() };
    let mut cookies = mint::write(site, &parts.headers, &session, &kept, &raw, nonces, now);
    cookies.extend(mint::additional(site));
    cookies.extend(cf_login::for_session(site, &session, now).map_err(cf_error)?);
    Ok(login::finish(site, &x.pending, &cookies))
}

/// A CloudFront login-mode cookie could not be signed (cannot happen with a key the config
/// accepted; an error page beats a session CloudFront will refuse).
pub fn cf_error(e: authfront_core::cloudfront::SignError) -> Error {
    Error::Internal(format!("CloudFront login cookies: {e}"))
}

/// The session cookie again with the last-activity time moved to `now` (idle timeout).
pub fn touch(app: &App, u: &Session, now: u64) -> String {
    let cfg = &app.site.config.session;
    let mut s = u.clone();
    s.seen = now;
    let c = &cfg.cookie;
    cookies::set(
        c,
        &c.session_attrs,
        &c.name,
        &s.seal(&cfg.keys, random()),
        cookies::Lifetime::Seconds(s.exp.saturating_sub(now)),
        true,
    )
}

/// Sign-out: stop this session everywhere first (durably: the store, or the local queue that
/// retries it), then revoke the refresh token at the provider without waiting for it, clear
/// every cookie, and go on to RP-initiated logout at the provider (or the signed-out page). A
/// client that gives up early, or a provider that hangs, leaves the session stopped.
pub async fn sign_out(app: &App, parts: &Parts, so: &SignOut, now: u64) -> Reply {
    let site = &app.site;
    let cfg = &site.config.session;
    if let Some(s) = &so.session {
        app.revoke_session(s, now).await;
        tracing::info!(sub = %s.sub, session = %s.id_text(), "signed out");
    }
    let tokens = so.session.as_ref().and_then(|s| {
        cookies::find_chunked(&parts.headers, &cfg.cookie.tokens_name).and_then(|t| Tokens::open(&cfg.keys, &t, &s.id))
    });
    let disc = app.idp.discovery().await.ok();
    if let (Some(d), Some(rt)) = (&disc, tokens.as_ref().and_then(|t| t.refresh_token.as_deref()))
        && let Some(endpoint) = &d.revocation_endpoint
    {
        app.idp.revoke_later(revocation_request(&site.config.oidc, endpoint, rt));
    }
    let clear = mint::clear(site, &parts.headers);
    let end_session = disc.as_ref().and_then(|d| d.end_session_endpoint.as_deref());
    let id_token = tokens.as_ref().and_then(|t| t.id_token.as_deref());
    signout::begin(site, end_session, id_token, so.return_to.as_deref(), &clear, random())
}

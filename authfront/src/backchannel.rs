//! The OpenID Connect Back-Channel Logout receiver (`POST {prefix}/backchannel-logout`), as
//! `core::flow::backchannel` orders it: read the form body (at most its `MAX_BODY`), judge the
//! token with the provider's keys (once more with fresh keys after an unknown `kid`), record
//! its `jti` (a token seen before is acknowledged without acting again), store the
//! revocation. Never logs or echoes the token.

use authfront_core::flow::backchannel::{MAX_BODY, Receive, Refusal, Verdict, done};
use authfront_core::reply::Reply;
use bytes::Buf as _;
use http::request::Parts;
use http_body_util::{BodyExt as _, Limited};

use crate::app::App;

/// Answers one logout post.
pub async fn handle<B>(app: &App, parts: &Parts, body: B, now: u64) -> Reply
where
    B: hyper::body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match logout(app, parts, body, now).await {
        Ok(reply) => reply,
        Err(r) => {
            if r.is_ours() {
                tracing::error!(reason = %r, "back-channel logout failed");
            } else {
                tracing::warn!(reason = %r, "back-channel logout refused");
            }
            r.reply()
        }
    }
}

async fn logout<B>(app: &App, parts: &Parts, body: B, now: u64) -> Result<Reply, Refusal>
where
    B: hyper::body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let site = &app.site;
    let receive = Receive::new(parts.headers.get(http::header::CONTENT_TYPE).map(|v| v.as_bytes()))?;
    let bytes = Limited::new(body, MAX_BODY).collect().await.map(|b| b.aggregate());
    let token = receive.body(bytes.as_ref().map(|b| b.chunk()).map_err(|e| e.to_string()))?;
    let keys = app.idp.keys().await;
    let revoke = match token.judge(site, keys.as_deref().map_err(Clone::clone), now) {
        Verdict::Revoke(r) => r,
        Verdict::Refused(r) => return Err(r),
        Verdict::UnknownKey(kid) => {
            tracing::info!(%kid, "logout token signed with an unknown key; refreshing provider keys");
            let fresh = app.idp.refresh_keys().await;
            token.judge_again(site, fresh.as_ref().map(|k| k.as_deref()).map_err(Clone::clone), kid, now)?
        }
    };
    if !app.revoker.first_sight(&revoke.jti, revoke.forget_at, now) {
        tracing::info!(jti = %revoke.jti, "back-channel logout: token already acted on");
        return Ok(done());
    }
    let target = &revoke.entry.target;
    tracing::info!(kind = target.kind(), value = %target.value(), "back-channel logout: revoking");
    // Acknowledged once durable: in the store, or in the local queue that retries it. Not
    // durable anywhere: refused, so that the provider posts again (here it applies already).
    let stored = app.revoker.revoke(revoke.entry.clone()).await.map(|_| ()).map_err(|e| e.to_string());
    if let Err(e) = &stored {
        tracing::error!(error = %e, "back-channel logout: revocation not stored");
        app.revoker.forget_jti(&revoke.jti);
    }
    revoke.stored(stored)
}

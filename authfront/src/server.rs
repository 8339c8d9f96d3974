//! hyper: each request → `core::decide` → carry out the [`Action`]. Knows nothing of which
//! origin kind it talks to; reaches the provider and the origin through [`App`].

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use authfront_core::decide::{Action, Exchange, decide};
use authfront_core::error::Error;
use authfront_core::login::{self, LoginRandom};
use authfront_core::oidc::{IdTokenError, code_request};
use authfront_core::reply::Reply;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::app::App;
use crate::body::{self, Body};

/// Serves on `listener` until `shutdown` resolves, then lets requests in flight finish for at
/// most `grace`.
pub async fn serve(app: Arc<App>, listener: TcpListener, shutdown: impl Future<Output = ()>, grace: Duration) {
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(crate::forward::ClientAddr(peer));
            let app = app.clone();
            async move { Ok::<_, Infallible>(handle(&app, req).await) }
        });
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(grace) => tracing::warn!("shutdown grace period over; dropping open connections"),
    }
}

/// One request, start to end. Never fails: every error becomes a page.
pub async fn handle(app: &App, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let now = app.now();
    let head = parts.method == Method::HEAD;
    let reply = match decide(&app.site, &parts, now) {
        Action::Forward(f) => return crate::forward::forward(app, f, parts, body).await,
        Action::Respond(r) => r,
        Action::Login { return_to } => start_login(app, &parts, &return_to, now).await,
        Action::Exchange(x) => {
            let retry = app.site.url_for(&x.pending.return_to);
            match exchange(app, &x, now).await {
                Ok(r) => r,
                // Already signed in (a replayed callback, a used code): on to the page.
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
    };
    to_response(reply, head)
}

async fn start_login(app: &App, parts: &http::request::Parts, return_to: &str, now: u64) -> Reply {
    match app.idp.discovery().await {
        Ok(disc) => {
            let binding = authfront_core::cookies::find(&parts.headers, &app.site.config.session.cookie.login_name);
            let rnd = LoginRandom { binding: random(), verifier: random(), nonce: random(), seal: random() };
            login::begin(&app.site, &disc, return_to, binding, now, &rnd)
        }
        Err(e) => {
            log_error(&e, parts.uri.path());
            Reply::error(&e, Some(&app.site.url_for(return_to)))
        }
    }
}

/// Redeems the code, verifies the ID token (refreshing keys once on an unknown `kid`), and
/// finishes the login. Any error: no session cookie.
async fn exchange(app: &App, x: &Exchange, now: u64) -> Result<Reply, Error> {
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
    let keys = app.idp.keys().await?;
    let claims = match login::verify(site, &x.pending, id_token, &keys, now) {
        Err(IdTokenError::UnknownKey(kid)) => {
            tracing::info!(%kid, "ID token signed with an unknown key; refreshing provider keys");
            match app.idp.refresh_keys().await? {
                Some(fresh) => login::verify(site, &x.pending, id_token, &fresh, now)?,
                None => return Err(IdTokenError::UnknownKey(kid).into()),
            }
        }
        other => other?,
    };
    let session = login::session_from(site, &claims, now);
    tracing::info!(sub = %session.sub, user = %session.display_name(), "signed in");
    Ok(login::finish(site, &x.pending, &session, random()))
}

fn log_error(e: &Error, path: &str) {
    let status = e.page().status;
    if status.is_server_error() {
        tracing::error!(%path, status = status.as_u16(), error = %e, "request failed");
    } else {
        tracing::warn!(%path, status = status.as_u16(), error = %e, "request refused");
    }
}

fn to_response(reply: Reply, head: bool) -> Response<Body> {
    let mut resp = Response::new(if head { body::empty() } else { body::full(reply.body) });
    *resp.status_mut() = reply.status;
    let h = resp.headers_mut();
    for (n, v) in reply.headers {
        h.append(n, v);
    }
    resp
}

/// Random bytes from the operating system's CSPRNG.
fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS RNG failing means the machine cannot do cryptography at all; a login must not go
    // ahead with predictable values, so this is one of the few places that may abort.
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut b).expect("the operating system's random number generator failed");
    b
}

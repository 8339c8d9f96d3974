//! hyper: each request → `core::decide` → carry out the [`Action`]. Knows nothing of which
//! origin kind it talks to; reaches the provider and the origin through [`App`].

use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use authfront_core::decide::{Action, Ctx, Next, decide};
use authfront_core::error::Error;
use authfront_core::mint;
use authfront_core::reply::Reply;
use authfront_core::unauth;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::app::App;
use crate::body::{self, Body};
use crate::flow;
use crate::refresher::Outcome;

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
        // The TCP peer, as signed-URL `IpAddress` conditions see it (an IPv4 client on a
        // dual-stack socket arrives as `::ffff:a.b.c.d`).
        let client = peer.ip().to_canonical();
        let service = hyper::service::service_fn(move |req| {
            let app = app.clone();
            async move { Ok::<_, Infallible>(handle(&app, req, client).await) }
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

/// One request from `client`, start to end. Never fails: every error becomes a page.
pub async fn handle(app: &App, req: Request<Incoming>, client: IpAddr) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let now = app.now();
    let head = parts.method == Method::HEAD;
    let revocations = app.revocations();
    let ctx = Ctx { now, revocations: &revocations, client };
    let reply = match decide(&app.site, &parts, &ctx) {
        Action::Forward(f) => {
            let touch = f.touch.then(|| f.user.as_ref().map(|u| flow::touch(app, u, now))).flatten();
            let user = f.user.as_ref();
            return forward(app, &parts, &f.path, f.query.as_deref(), user, touch.into_iter().collect(), body, client)
                .await;
        }
        Action::Refresh(r) => match app.refresher.refresh(app, &parts, &r.session, now).await {
            Outcome::Fresh(fresh) => match r.next {
                Next::Forward { path, query } => {
                    let cookies = fresh.cookies.clone();
                    return forward(app, &parts, &path, query.as_deref(), Some(&fresh.session), cookies, body, client)
                        .await;
                }
                Next::UserInfo => with_cookies(own_userinfo(app, &fresh.session), &fresh.cookies),
            },
            Outcome::Transient => match r.next {
                Next::Forward { path, query } => {
                    return forward(app, &parts, &path, query.as_deref(), Some(&r.session), Vec::new(), body, client)
                        .await;
                }
                Next::UserInfo => own_userinfo(app, &r.session),
            },
            Outcome::Refused => {
                let clear = mint::clear(&app.site, &parts.headers);
                let answer = match &r.next {
                    Next::Forward { path, .. } => unauth::answer(&app.site, &parts, path),
                    Next::UserInfo => Action::Respond(unauth::status(&app.site, "/")),
                };
                let reply = match answer {
                    Action::Login { return_to } => flow::start_login(app, &parts, &return_to, None, now).await,
                    Action::Respond(r) => r,
                    other => {
                        tracing::error!(?other, "unexpected answer for a refused refresh");
                        Reply::error(&Error::Internal("unexpected answer".into()), None)
                    }
                };
                with_cookies(reply, &clear)
            }
        },
        Action::Respond(r) => r,
        Action::Refuse(e) => {
            log_error(&e, parts.uri.path());
            Reply::error(&e, None)
        }
        Action::Login { return_to } => flow::start_login(app, &parts, &return_to, None, now).await,
        Action::LoginPrompt { return_to, prompt } => {
            flow::start_login(app, &parts, &return_to, Some(prompt), now).await
        }
        Action::Exchange(x) => flow::exchange(app, &parts, &x, now).await,
        Action::SignOut(so) => flow::sign_out(app, &parts, &so).await,
        Action::BackchannelLogout => crate::backchannel::handle(app, &parts, body).await,
    };
    to_response(reply, head)
}

/// Serves `path` with `query` (the core's, signing parameters removed) through
/// [`crate::forward`] (route → cache → origin), adding the cookies the session step produced.
#[allow(clippy::too_many_arguments)] // one call site per session outcome, each passing the request through
async fn forward(
    app: &App,
    parts: &http::request::Parts,
    path: &authfront_core::path::NormPath,
    query: Option<&str>,
    user: Option<&authfront_core::session::Session>,
    cookies: Vec<String>,
    body: Incoming,
    client: IpAddr,
) -> Response<Body> {
    let mut resp = crate::forward::forward(app, parts, path, query, user, body, client).await;
    let h = resp.headers_mut();
    for c in cookies {
        if let Ok(v) = http::HeaderValue::try_from(c) {
            h.append(http::header::SET_COOKIE, v);
        }
    }
    resp
}

fn own_userinfo(app: &App, s: &authfront_core::session::Session) -> Reply {
    authfront_core::decide::userinfo(&app.site, s)
}

fn with_cookies(mut reply: Reply, cookies: &[String]) -> Reply {
    for c in cookies {
        if let Ok(v) = http::HeaderValue::try_from(c.as_str()) {
            reply.headers.push((http::header::SET_COOKIE, v));
        }
    }
    reply
}

pub(crate) fn log_error(e: &Error, path: &str) {
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

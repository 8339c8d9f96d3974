//! hyper: each request → `core::decide` → carry out the [`Action`]. Knows nothing of which
//! origin kind it talks to; reaches the provider and the origin through [`App`].

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use authfront_core::cloudfront::login as cf_login;
use authfront_core::decide::{Action, Ctx, Next, decide};
use authfront_core::error::Error;
use authfront_core::mint;
use authfront_core::reply::Reply;
use authfront_core::unauth;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use tokio::net::TcpListener;

use crate::app::App;
use crate::body::{self, Body};
use crate::flow;
use crate::forward::Target;
use crate::refresher::Outcome;

/// Serves on `listener` until `shutdown` resolves, then lets requests in flight finish for at
/// most `grace`; within the `[server]` limits ([`crate::listener`]).
pub async fn serve(app: Arc<App>, listener: TcpListener, shutdown: impl Future<Output = ()>, grace: Duration) {
    let limits = app.site.config.server.guard.limits;
    let handler = move |req, client| {
        let app = app.clone();
        async move { handle(&app, req, client).await }
    };
    crate::listener::serve(listener, limits, "main", handler, shutdown, grace).await;
}

/// One request from `client`, start to end. Never fails: every error becomes a page.
pub async fn handle(app: &Arc<App>, req: Request<Incoming>, client: IpAddr) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let now = app.now();
    let head = parts.method == Method::HEAD;
    let revocations = app.revocations();
    let ctx = Ctx { now, revocations: &revocations, client };
    let reply = match decide(&app.site, &parts, &ctx) {
        Action::Forward(f) => {
            let mut cookies: Vec<String> =
                f.touch.then(|| f.user.as_ref().map(|u| flow::touch(app, u, now))).flatten().into_iter().collect();
            if let (true, Some(u)) = (f.renew_cloudfront, f.user.as_ref()) {
                match cf_login::for_session(&app.site, u, now) {
                    Ok(fresh) => cookies.extend(fresh),
                    Err(e) => log_error(&flow::cf_error(e), parts.uri.path()),
                }
            }
            let target = Target {
                path: &f.path,
                query: f.query.as_deref(),
                user: f.user.as_ref(),
                client,
                public: f.public,
                preflight: f.preflight,
            };
            return forward(app, &parts, target, cookies, body).await;
        }
        Action::Refresh(r) => match app.refresher.refresh(app, &parts, &r.session, now).await {
            Outcome::Fresh(fresh) => match r.next {
                Next::Forward { path, query } => {
                    let target = Target {
                        path: &path,
                        query: query.as_deref(),
                        user: Some(&fresh.session),
                        client,
                        public: false,
                        preflight: false,
                    };
                    return forward(app, &parts, target, fresh.cookies.clone(), body).await;
                }
                Next::UserInfo => with_cookies(own_userinfo(app, &fresh.session), &fresh.cookies),
            },
            Outcome::Transient => match r.next {
                Next::Forward { path, query } => {
                    let target = Target {
                        path: &path,
                        query: query.as_deref(),
                        user: Some(&r.session),
                        client,
                        public: false,
                        preflight: false,
                    };
                    return forward(app, &parts, target, Vec::new(), body).await;
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
        Action::SignOut(so) => flow::sign_out(app, &parts, &so, now).await,
        Action::BackchannelLogout => crate::backchannel::handle(app, &parts, body).await,
    };
    to_response(reply, head)
}

/// Serves what the core allowed through [`crate::forward`] (route → cache → origin), adding
/// the cookies the session step produced.
async fn forward(
    app: &App,
    parts: &http::request::Parts,
    target: Target<'_>,
    cookies: Vec<String>,
    body: Incoming,
) -> Response<Body> {
    let mut resp = crate::forward::forward(app, parts, target, body).await;
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

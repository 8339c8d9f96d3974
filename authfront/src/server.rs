//! hyper: each request → `core::decide` → carry out the [`Action`]. Knows nothing of which
//! origin kind it talks to; reaches the provider and the origin through [`App`].

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use authfront_core::decide::{Action, Ctx, Next, decide};
use authfront_core::flow::Done;
use authfront_core::flow::refresh::on_refused;
use authfront_core::forward_auth::{Check, allow, check};
use authfront_core::reply::Reply;
use authfront_core::session_cookies::access_token;
use authfront_core::unauth::Unauth;
use bytes::Bytes;
use http::{Method, Request, Response};
use http_body_util::BodyExt as _;
use tokio::net::TcpListener;

use crate::app::App;
use crate::body::{self, Body};
use crate::forward::Target;
use crate::login;
use crate::refresher::Outcome;
use crate::report::Logged as _;

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

/// One request from `client`, start to end. Never fails: every error becomes a page. Generic
/// over the request body, so that tests hand it requests without a socket (the listener gives
/// it hyper's `Incoming`); a body that is over before it starts (a `GET`'s) costs nothing.
pub async fn handle<B>(app: &Arc<App>, req: Request<B>, client: IpAddr) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let body = (!body.is_end_stream()).then(|| body.map_err(std::io::Error::other).boxed_unsync());
    let now = app.now();
    let head = parts.method == Method::HEAD;
    let revocations = app.revocations();
    let ctx = Ctx { now, revocations: &revocations, client };
    let reply = match decide(&app.site, &parts, &ctx) {
        Action::Forward(f) => {
            let cookies = login::forward_cookies(app, &f, &parts, now);
            let target = Target {
                path: &f.path,
                query: f.query.as_deref(),
                user: f.user.as_ref(),
                access_token: f.access_token.as_deref(),
                client,
                public: f.public,
                preflight: f.preflight,
                now,
            };
            return forward(app, &parts, target, cookies, body).await;
        }
        Action::Refresh(r) => {
            let outcome = login::refresh(app, &parts, &r.session, now).await;
            let (session, cookies, access_token) = match &outcome {
                Outcome::Fresh(fresh) => (&fresh.session, fresh.cookies.clone(), fresh.access_token.clone()),
                // the provider failed for now: the session (and its token) as they were
                Outcome::Transient => (&r.session, Vec::new(), access_token(&app.site, &parts.headers, &r.session)),
                Outcome::Refused => {
                    let after = on_refused(&app.site, &parts, &r.next);
                    let reply = match after.then {
                        Unauth::Login { return_to } => login::start_login(app, &parts, &return_to, None, now).await,
                        Unauth::Respond(r) => r,
                    };
                    return to_response(with_cookies(reply, &after.clear), head);
                }
            };
            match r.next {
                Next::Forward { path, query } => {
                    let target = Target {
                        path: &path,
                        query: query.as_deref(),
                        user: Some(session),
                        access_token: access_token.as_deref(),
                        client,
                        public: false,
                        preflight: false,
                        now,
                    };
                    return forward(app, &parts, target, cookies, body).await;
                }
                Next::UserInfo => with_cookies(authfront_core::decide::userinfo(&app.site, session), &cookies),
            }
        }
        Action::Respond(r) => r,
        Action::Refuse(e) => Done::page(e, None).logged(parts.uri.path()),
        Action::Login { return_to } => login::start_login(app, &parts, &return_to, None, now).await,
        Action::LoginPrompt { return_to, prompt } => {
            login::start_login(app, &parts, &return_to, Some(prompt), now).await
        }
        Action::Exchange(x) => login::exchange(app, &parts, x, now).await,
        Action::SignOut(so) => login::sign_out(app, &parts, so, now).await,
        Action::BackchannelLogout => {
            crate::backchannel::handle(app, &parts, body.unwrap_or_else(body::empty), now).await
        }
        Action::ForwardAuth => forward_auth(app, &parts, &ctx, now).await,
    };
    to_response(reply, head)
}

/// A forward-auth check ([`authfront_core::forward_auth`]) from nginx, Traefik or Caddy.
async fn forward_auth(app: &Arc<App>, parts: &http::request::Parts, ctx: &Ctx<'_>, now: u64) -> Reply {
    carry_out(app, check(&app.site, parts, ctx), parts, now).await
}

/// Carries out a forward-auth decision, for every transport (the HTTP check above, Envoy's gRPC
/// one in [`crate::ext_authz`]): the session's cookies, a refresh, a sign-in start, as for a
/// request at the edge. `parts`: the request whose cookies are read.
pub(crate) async fn carry_out(app: &Arc<App>, checked: Check, parts: &http::request::Parts, now: u64) -> Reply {
    let site = &app.site;
    match checked {
        Check::Allow(f) => {
            let cookies = login::forward_cookies(app, &f, parts, now);
            with_cookies(allow(site, f.user.as_ref(), f.access_token.as_deref()), &cookies)
        }
        Check::Refresh(r) => match login::refresh(app, parts, &r.session, now).await {
            Outcome::Fresh(fresh) => {
                with_cookies(allow(site, Some(&fresh.session), fresh.access_token.as_deref()), &fresh.cookies)
            }
            Outcome::Transient => {
                allow(site, Some(&r.session), access_token(site, &parts.headers, &r.session).as_deref())
            }
            Outcome::Refused => {
                // as if it had no session: cookies cleared, and the proxy's "sign in" answer
                let after = on_refused(site, parts, &r.next);
                with_cookies(authfront_core::unauth::status(site, "/"), &after.clear)
            }
        },
        Check::Login { return_to } => login::start_login(app, parts, &return_to, None, now).await,
        Check::Respond(r) => r,
        Check::Refuse { error, reply } => Done::failed(error, reply).logged(parts.uri.path()),
    }
}

/// Serves what the core allowed through [`crate::forward`] (route → cache → origin), adding
/// the cookies the session step produced.
async fn forward(
    app: &App,
    parts: &http::request::Parts,
    target: Target<'_>,
    cookies: Vec<String>,
    body: Option<Body>,
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

fn with_cookies(mut reply: Reply, cookies: &[String]) -> Reply {
    for c in cookies {
        if let Ok(v) = http::HeaderValue::try_from(c.as_str()) {
            reply.headers.push((http::header::SET_COOKIE, v));
        }
    }
    reply
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

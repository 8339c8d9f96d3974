//! Envoy `ext_authz` over gRPC: `envoy.service.auth.v3.Authorization/Check` on
//! `forward_auth.grpc_listen` (tonic, with the generated types of the `envoy-types` crate).
//!
//! Only a translation: the `CheckRequest`'s `attributes.request.http` becomes a
//! [`Described`] request, decided by the same [`check_described`] as nginx's and Traefik's checks
//! (the peer checked against `forward_auth.trusted_proxies` first), carried out by the same
//! `server::carry_out`; its [`Reply`] becomes an `OkHttpResponse` (identity headers on
//! the request, cookies on the response) or a `DeniedHttpResponse` (status, headers, body).
//! Envoy passes a denied answer to the browser, so checks here are in redirect mode.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use authfront_core::config::forward_auth::Mode;
use authfront_core::decide::Ctx;
use authfront_core::forward_auth::{Described, check_described, untrusted};
use authfront_core::reply::Reply;
use envoy_types::ext_authz::v3::pb::{
    Authorization, AuthorizationServer, CheckRequest, CheckResponse, DeniedHttpResponse, HeaderAppendAction,
    HeaderValue, HeaderValueOption, HttpResponse, HttpStatus, OkHttpResponse,
};
use envoy_types::pb::google::rpc;
use http::{HeaderMap, HeaderName, Method, StatusCode};
use tokio::net::TcpListener;

use crate::app::App;

/// Serves the gRPC check on `listener` until the process ends.
pub async fn serve(app: Arc<App>, listener: TcpListener) {
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    let service = AuthorizationServer::new(Service { app });
    if let Err(e) = tonic::transport::Server::builder().add_service(service).serve_with_incoming(incoming).await {
        tracing::error!(error = %e, "ext_authz gRPC server stopped");
    }
}

struct Service {
    app: Arc<App>,
}

#[tonic::async_trait]
impl Authorization for Service {
    async fn check(
        &self,
        request: tonic::Request<CheckRequest>,
    ) -> Result<tonic::Response<CheckResponse>, tonic::Status> {
        // the TCP peer: Envoy itself (never the client address Envoy reports in `source`)
        let peer = request.remote_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a: SocketAddr| a.ip());
        let http = request.into_inner().attributes.and_then(|a| a.request).and_then(|r| r.http);
        Ok(tonic::Response::new(answer(&self.app, http, peer).await))
    }
}

async fn answer(
    app: &Arc<App>,
    http: Option<envoy_types::pb::envoy::service::auth::v3::attribute_context::HttpRequest>,
    peer: IpAddr,
) -> CheckResponse {
    let now = app.now();
    let revocations = app.revocations();
    let ctx = Ctx { now, revocations: &revocations, client: peer };
    let site = &app.site;
    if let Some(authfront_core::forward_auth::Check::Refuse { error, reply }) = untrusted(site, &ctx) {
        crate::report::error(&error, "ext_authz");
        return denied(&reply);
    }
    let Some(http) = http else {
        let error = authfront_core::error::Error::BadRequest("no attributes.request.http");
        crate::report::error(&error, "ext_authz");
        return denied(&Reply::error(&error, None));
    };
    let mut headers = HeaderMap::with_capacity(http.headers.len());
    for (k, v) in &http.headers {
        // pseudo-headers (`:path`, `:authority`) are in the fields below
        if let (false, Ok(n), Ok(v)) =
            (k.starts_with(':'), HeaderName::try_from(k.as_str()), http::HeaderValue::try_from(v))
        {
            headers.append(n, v);
        }
    }
    // as for the HTTP check: a method that is not one is refused, never taken for a GET
    let Ok(method) = Method::from_bytes(http.method.as_bytes()) else {
        let error = authfront_core::error::Error::BadRequest("the original method is not a method");
        crate::report::error(&error, "ext_authz");
        return denied(&Reply::error(&error, None));
    };
    let d = Described {
        method,
        target: http.path.clone(),
        host: http.host.clone(),
        proto: (!http.scheme.is_empty()).then(|| http.scheme.clone()),
        headers,
    };
    // what the session steps read (cookies) and log (the path): the request described
    let parts = d.parts();
    let check = check_described(site, d, Mode::Redirect, &ctx);
    let reply = crate::server::carry_out(app, check, &parts, now).await;
    if reply.status == StatusCode::OK { allowed(app, &reply) } else { denied(&reply) }
}

fn option(name: &str, value: &[u8], action: HeaderAppendAction) -> HeaderValueOption {
    HeaderValueOption {
        header: Some(HeaderValue { key: name.to_owned(), value: String::new(), raw_value: value.to_vec() }),
        append_action: action.into(),
        ..Default::default()
    }
}

/// `200`: identity headers replace whatever the client sent under those names (an empty one is
/// removed: Envoy drops empty values instead of setting them); cookies go to the browser.
fn allowed(app: &App, reply: &Reply) -> CheckResponse {
    let identity: Vec<&HeaderName> = app.site.config.proxy.identity_names().collect();
    let mut ok = OkHttpResponse::default();
    for (name, value) in &reply.headers {
        if name == http::header::SET_COOKIE {
            ok.response_headers_to_add.push(option(
                name.as_str(),
                value.as_bytes(),
                HeaderAppendAction::AppendIfExistsOrAdd,
            ));
        } else if identity.contains(&name) {
            if value.is_empty() {
                ok.headers_to_remove.push(name.as_str().to_owned());
            } else {
                ok.headers.push(option(name.as_str(), value.as_bytes(), HeaderAppendAction::OverwriteIfExistsOrAdd));
            }
        }
    }
    CheckResponse {
        status: Some(rpc::Status { code: tonic::Code::Ok as i32, message: String::new(), details: Vec::new() }),
        http_response: Some(HttpResponse::OkResponse(ok)),
        ..Default::default()
    }
}

/// Anything else: Envoy answers the browser with this status, headers and body.
fn denied(reply: &Reply) -> CheckResponse {
    let headers = reply
        .headers
        .iter()
        .map(|(n, v)| option(n.as_str(), v.as_bytes(), HeaderAppendAction::AppendIfExistsOrAdd))
        .collect();
    let code = if reply.status == StatusCode::UNAUTHORIZED {
        tonic::Code::Unauthenticated
    } else {
        tonic::Code::PermissionDenied
    };
    CheckResponse {
        status: Some(rpc::Status { code: code as i32, message: String::new(), details: Vec::new() }),
        http_response: Some(HttpResponse::DeniedResponse(DeniedHttpResponse {
            status: Some(HttpStatus { code: i32::from(reply.status.as_u16()) }),
            headers,
            body: reply.body.clone(),
        })),
        ..Default::default()
    }
}

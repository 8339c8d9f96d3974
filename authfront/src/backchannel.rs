//! OpenID Connect Back-Channel Logout receiver (wired by the revocation work).

use authfront_core::reply::Reply;
use http::StatusCode;
use http::request::Parts;
use hyper::body::Incoming;

use crate::app::App;

/// Answers a logout token post.
pub async fn handle(_app: &App, _parts: &Parts, _body: Incoming) -> Reply {
    Reply::text(StatusCode::NOT_IMPLEMENTED, "back-channel logout is not available in this build\n")
}

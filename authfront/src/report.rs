//! The one error channel: every refusal and failure a request ends in is logged here, once,
//! with its reason code (`Error::reason`) and status — a warning for the client's side, an
//! error for the provider's, the origin's or ours.

use authfront_core::error::Error;
use authfront_core::flow::Done;
use authfront_core::reply::Reply;

/// Logs `e`, met answering `path`.
pub fn error(e: &Error, path: &str) {
    let status = e.page().status.as_u16();
    if e.page().status.is_server_error() {
        tracing::error!(%path, status, reason = e.reason(), error = %e, "request failed");
    } else {
        tracing::warn!(%path, status, reason = e.reason(), error = %e, "request refused");
    }
}

/// A flow's end, its failure logged.
pub trait Logged {
    fn logged(self, path: &str) -> Reply;
}

impl Logged for Done {
    fn logged(self, path: &str) -> Reply {
        if let Some(e) = &self.error {
            error(e, path);
        }
        self.reply
    }
}

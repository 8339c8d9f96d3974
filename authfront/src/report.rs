//! The one error channel: every refusal and failure a request ends in is logged here, once,
//! with its reason code (`Error::reason`) and status — an error for the provider's, the
//! origin's or ours, a warning for a refusal, and only a debug line for a plain `404` (every
//! mistyped link would otherwise be a warning).

use authfront_core::error::Error;
use authfront_core::flow::Done;
use authfront_core::reply::Reply;

/// Logs `e`, met answering `path`.
pub fn error(e: &Error, path: &str) {
    let status = e.page().status;
    let (code, reason) = (status.as_u16(), e.reason());
    if status.is_server_error() {
        tracing::error!(%path, status = code, reason, error = %e, "request failed");
    } else if matches!(e, Error::NotFound) {
        tracing::debug!(%path, status = code, reason, error = %e, "request refused");
    } else {
        tracing::warn!(%path, status = code, reason, error = %e, "request refused");
    }
}

/// A flow's end, its failure logged.
pub trait Logged {
    fn logged(self, path: &str) -> Reply;
}

impl Logged for Done {
    fn logged(self, path: &str) -> Reply {
        error(&self.error, path);
        self.reply
    }
}

//! The one response body type every adapter answers with, and its constructors: bytes in
//! memory, nothing, or a file streamed in bounded chunks.
//!
//! A body is boxed so that files, cached bytes and proxied streams fit one response type;
//! `Unsync` because hyper never shares a body between threads. It never buffers a whole stream.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Frame, SizeHint};
use tokio::io::{AsyncReadExt, Take};

/// A response body: bytes, or an I/O error midway (hyper then cuts the connection, so a client
/// never mistakes a truncated body for a whole one).
pub type Body = UnsyncBoxBody<Bytes, io::Error>;

/// Most bytes a streamed body holds in memory at once: one frame.
pub const CHUNK: u64 = 64 * 1024;

/// A body already in memory.
pub fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).map_err(|never| match never {}).boxed_unsync()
}

/// No body at all (`HEAD`, `304`, redirects).
pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// `len` bytes of `file` from its current position, at most [`CHUNK`] per frame.
pub fn file(file: tokio::fs::File, len: u64) -> Body {
    FileBody { file: file.take(len), buf: BytesMut::new() }.boxed_unsync()
}

/// With an exact size, so that hyper can end an HTTP/2 stream on the last data frame. A file
/// that shrinks while being sent is an error, never a silently short body.
struct FileBody {
    file: Take<tokio::fs::File>,
    /// Kept across a `Pending`: each chunk costs one allocation, not one per poll.
    buf: BytesMut,
}

impl hyper::body::Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let left = this.file.limit();
        if left == 0 {
            return Poll::Ready(None);
        }
        if this.buf.capacity() == 0 {
            // at most CHUNK, so the cast is lossless
            this.buf.reserve(left.min(CHUNK) as usize);
        }
        let read = tokio_util::io::poll_read_buf(Pin::new(&mut this.file), cx, &mut this.buf);
        Poll::Ready(Some(match ready!(read) {
            Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("file ended {left} bytes early"))),
            Ok(_) => Ok(Frame::data(std::mem::take(&mut this.buf).freeze())),
            Err(e) => Err(e),
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.file.limit() == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.file.limit())
    }
}

/// One of authfront's own answers as a response (`HEAD`: without its body).
pub fn reply(reply: authfront_core::reply::Reply, head: bool) -> http::Response<Body> {
    let mut resp = http::Response::new(if head { empty() } else { full(reply.body) });
    *resp.status_mut() = reply.status;
    let h = resp.headers_mut();
    for (n, v) in reply.headers {
        h.append(n, v);
    }
    resp
}

/// A request or origin body as a response body: the same stream, errors as I/O errors.
pub fn incoming(b: hyper::body::Incoming) -> Body {
    b.map_err(io::Error::other).boxed_unsync()
}

/// `prefix`, then the rest of `rest`: a body partly read already (to see whether it fits the
/// cache) sent on whole.
pub fn prefixed(prefix: Bytes, rest: Body) -> Body {
    Prefixed { prefix: Some(prefix), rest }.boxed_unsync()
}

struct Prefixed {
    prefix: Option<Bytes>,
    rest: Body,
}

impl hyper::body::Body for Prefixed {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(p) = self.prefix.take() {
            return Poll::Ready(Some(Ok(Frame::data(p))));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.prefix.is_none() && self.rest.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let p = self.prefix.as_ref().map_or(0, |p| p.len() as u64);
        let r = self.rest.size_hint();
        let mut h = SizeHint::new();
        h.set_lower(r.lower() + p);
        if let Some(u) = r.upper() {
            h.set_upper(u + p);
        }
        h
    }
}

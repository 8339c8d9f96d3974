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

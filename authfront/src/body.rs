//! The one response body type every adapter answers with, and its constructors: bytes in
//! memory, nothing, or a file streamed in bounded chunks (read on the worker when the page
//! cache has them, on the blocking pool when a disk must be waited for).
//!
//! A body is boxed so that files, cached bytes and proxied streams fit one response type;
//! `Unsync` because hyper never shares a body between threads. It never buffers a whole stream.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Frame, SizeHint};
use tokio::task::JoinHandle;

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

/// `len` bytes of `file` from byte `start`, at most [`CHUNK`] per frame. Each chunk the kernel
/// holds in its page cache is read right here on the worker ([`read_cached`]); any other is read
/// on tokio's blocking pool, so that a cold or slow disk never holds a worker up.
pub fn file(file: std::fs::File, start: u64, len: u64) -> Body {
    FileBody { file: Arc::new(file), pos: start, left: len, pending: None }.boxed_unsync()
}

/// With an exact size, so that hyper can end an HTTP/2 stream on the last data frame. A file
/// that shrinks while being sent is an error, never a silently short body.
struct FileBody {
    /// Shared with a read under way on the blocking pool.
    file: Arc<std::fs::File>,
    pos: u64,
    left: u64,
    pending: Option<JoinHandle<io::Result<Bytes>>>,
}

impl FileBody {
    fn advance(&mut self, chunk: Bytes) -> io::Result<Frame<Bytes>> {
        if chunk.is_empty() {
            let left = self.left;
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("file ended {left} bytes early")));
        }
        // a read of at most `left` bytes returned this many
        self.pos += chunk.len() as u64;
        self.left -= chunk.len() as u64;
        Ok(Frame::data(chunk))
    }
}

impl hyper::body::Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Some(task) = &mut this.pending {
            let read = ready!(Pin::new(task).poll(cx));
            this.pending = None;
            return Poll::Ready(Some(read.map_err(io::Error::other).and_then(|r| r).and_then(|c| this.advance(c))));
        }
        if this.left == 0 {
            return Poll::Ready(None);
        }
        // at most CHUNK, so the cast is lossless
        let n = this.left.min(CHUNK) as usize;
        match read_cached(&this.file, this.pos, n) {
            Some(read) => Poll::Ready(Some(read.and_then(|c| this.advance(c)))),
            None => {
                let (file, pos) = (this.file.clone(), this.pos);
                this.pending = Some(tokio::task::spawn_blocking(move || read_at(&file, pos, n)));
                // polled at once, so that the task's completion wakes this body
                Pin::new(this).poll_frame(cx)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

/// Up to `n` bytes of `file` at `pos`, if the kernel has them in its page cache: `None` when
/// reading would wait for a disk (Linux `preadv2` with `RWF_NOWAIT`, which refuses instead),
/// or on a system or file system that cannot tell. An empty chunk is the end of the file.
#[cfg(target_os = "linux")]
pub fn read_cached(file: &std::fs::File, pos: u64, n: usize) -> Option<io::Result<Bytes>> {
    use rustix::io::{Errno, ReadWriteFlags};
    let mut buf = vec![0; n];
    match rustix::io::preadv2(file, &mut [io::IoSliceMut::new(&mut buf)], pos, ReadWriteFlags::NOWAIT) {
        Ok(k) => {
            buf.truncate(k);
            Some(Ok(buf.into()))
        }
        // not cached; or a kernel or file system without RWF_NOWAIT: the pool reads it
        Err(Errno::AGAIN | Errno::OPNOTSUPP | Errno::NOSYS | Errno::INVAL) => None,
        Err(e) => Some(Err(e.into())),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn read_cached(_: &std::fs::File, _: u64, _: usize) -> Option<io::Result<Bytes>> {
    None
}

/// Up to `n` bytes of `file` at `pos`, however long it takes (on the blocking pool).
fn read_at(file: &std::fs::File, pos: u64, n: usize) -> io::Result<Bytes> {
    use std::os::unix::fs::FileExt as _;
    let mut buf = vec![0; n];
    let k = file.read_at(&mut buf, pos)?;
    buf.truncate(k);
    Ok(buf.into())
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

#[cfg(test)]
mod tests;

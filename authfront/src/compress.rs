//! Compressing response bodies, as [`authfront_core::compress`] decided: in memory on the
//! blocking pool for cached bodies (once per stored object and encoding), and as a stream for
//! everything else, so that a large response is never held whole.

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use async_compression::Level;
use async_compression::tokio::bufread::{BrotliEncoder, GzipEncoder};
use authfront_core::compress::{self, Encoding};
use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, ETAG};
use http::{HeaderMap, HeaderValue};
use http_body_util::{BodyDataStream, BodyExt};
use hyper::body::Frame;
use tokio::io::AsyncRead;
use tokio_util::io::StreamReader;

use crate::body::{Body, CHUNK};

/// Quality for stored variants: compressed once, served many times, so a little slower pays.
const STORED_GZIP: u32 = 6;
const STORED_BROTLI: u32 = 6;
/// Quality for streams: compressed on every request, so cheaper.
const STREAM_GZIP: i32 = 5;
const STREAM_BROTLI: i32 = 4;

/// Bodies up to this size are compressed on the runtime thread; larger ones on the blocking
/// pool, so one big object does not stall other requests.
const INLINE_LIMIT: usize = 16 * 1024;

/// `body` compressed with `encoding` (identity: unchanged).
pub async fn bytes(body: Bytes, encoding: Encoding) -> io::Result<Bytes> {
    if body.len() <= INLINE_LIMIT {
        return compress_now(&body, encoding);
    }
    tokio::task::spawn_blocking(move || compress_now(&body, encoding)).await.map_err(io::Error::other)?
}

fn compress_now(body: &[u8], encoding: Encoding) -> io::Result<Bytes> {
    match encoding {
        Encoding::Identity => Ok(Bytes::copy_from_slice(body)),
        Encoding::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(
                Vec::with_capacity(body.len() / 3),
                flate2::Compression::new(STORED_GZIP),
            );
            enc.write_all(body)?;
            Ok(enc.finish()?.into())
        }
        Encoding::Brotli => {
            let mut out = Vec::with_capacity(body.len() / 3);
            {
                // 4 KiB buffer, quality, 22-bit window (brotli's default)
                let mut enc = brotli::CompressorWriter::new(&mut out, 4096, STORED_BROTLI, 22);
                enc.write_all(body)?;
                enc.flush()?;
            }
            Ok(out.into())
        }
    }
}

/// `body` compressed with `encoding` as it streams.
pub fn stream(body: Body, encoding: Encoding) -> Body {
    let reader = StreamReader::new(BodyDataStream::new(body));
    match encoding {
        Encoding::Identity => ReadBody::new(reader).boxed_unsync(),
        Encoding::Gzip => ReadBody::new(GzipEncoder::with_quality(reader, Level::Precise(STREAM_GZIP))).boxed_unsync(),
        Encoding::Brotli => {
            ReadBody::new(BrotliEncoder::with_quality(reader, Level::Precise(STREAM_BROTLI))).boxed_unsync()
        }
    }
}

/// The headers of a response whose body is now in `encoding`: `Content-Encoding`, the new
/// length (`None` for a stream), a weak `ETag`, and `Vary: Accept-Encoding`.
pub fn headers(h: &mut HeaderMap, encoding: Encoding, len: Option<u64>) {
    compress::add_vary(h);
    if encoding == Encoding::Identity {
        return;
    }
    h.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding.as_str()));
    match len {
        Some(l) => {
            h.insert(CONTENT_LENGTH, HeaderValue::from(l));
        }
        None => {
            h.remove(CONTENT_LENGTH);
        }
    }
    if let Some(weak) = h.get(ETAG).and_then(|v| v.to_str().ok()).map(compress::weak_etag)
        && let Ok(v) = HeaderValue::try_from(weak)
    {
        h.insert(ETAG, v);
    }
}

/// A body read from an `AsyncRead`, at most [`CHUNK`] bytes per frame.
struct ReadBody<R> {
    reader: R,
    buf: BytesMut,
    done: bool,
}

impl<R> ReadBody<R> {
    fn new(reader: R) -> Self {
        ReadBody { reader, buf: BytesMut::new(), done: false }
    }
}

impl<R: AsyncRead + Unpin> hyper::body::Body for ReadBody<R> {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if this.buf.capacity() == 0 {
            // CHUNK is 64 KiB, so the cast is lossless
            this.buf.reserve(CHUNK as usize);
        }
        match ready!(tokio_util::io::poll_read_buf(Pin::new(&mut this.reader), cx, &mut this.buf)) {
            Ok(0) => {
                this.done = true;
                Poll::Ready(None)
            }
            Ok(_) => Poll::Ready(Some(Ok(Frame::data(std::mem::take(&mut this.buf).freeze())))),
            Err(e) => {
                this.done = true;
                Poll::Ready(Some(Err(e)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

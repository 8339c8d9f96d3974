//! Compression choices: which encoding a client accepts (`Accept-Encoding`), and whether a
//! response is worth compressing (type, size, status, not already encoded, no `no-transform`).
//!
//! Pure: it never compresses anything; the adapter does, in memory for cached bodies and as a
//! stream for the others. A compressed response gets `Vary: Accept-Encoding` and a weak `ETag`
//! (as nginx does): the bytes differ from the identity representation's, the meaning does not,
//! so `If-None-Match` keeps working across encodings while `If-Match` and `If-Range` do not
//! mistake one encoding's bytes for another's.

use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, VARY};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::cache::Directives;
use crate::config::Compression;

/// A content coding authfront produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "br",
        }
    }
}

/// The best encoding the request accepts: brotli before gzip when both are equally welcome,
/// identity when neither is (or `q=0` refuses them).
pub fn negotiate(request: &HeaderMap) -> Encoding {
    let (mut br, mut gzip, mut star) = (None::<u16>, None::<u16>, None::<u16>);
    for value in request.get_all(ACCEPT_ENCODING) {
        let Ok(text) = value.to_str() else { continue };
        for item in text.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts.find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")).map(qvalue));
            let q = q.flatten().unwrap_or(1000);
            match coding.as_str() {
                "br" => br = Some(q),
                "gzip" | "x-gzip" => gzip = Some(q),
                "*" => star = Some(q),
                _ => {}
            }
        }
    }
    let br = br.or(star).unwrap_or(0);
    let gzip = gzip.or(star).unwrap_or(0);
    match (br, gzip) {
        (0, 0) => Encoding::Identity,
        (b, g) if b >= g => Encoding::Brotli,
        _ => Encoding::Gzip,
    }
}

/// A `qvalue` in thousandths (`0.5` → 500); `None` when malformed.
fn qvalue(s: &str) -> Option<u16> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    let mut thousandths = 0u16;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    Some((whole + thousandths).min(1000))
}

/// Media types that shrink well. Streams meant to arrive piece by piece (`text/event-stream`)
/// are left alone: a compressor holds bytes back.
pub fn compressible_type(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let Some((kind, sub)) = mime.split_once('/') else { return false };
    if mime == "text/event-stream" {
        return false;
    }
    kind == "text"
        || sub.ends_with("+json")
        || sub.ends_with("+xml")
        || matches!(
            mime.as_str(),
            "application/javascript"
                | "application/x-javascript"
                | "application/ecmascript"
                | "application/json"
                | "application/xml"
                | "application/wasm"
                | "application/vnd.ms-fontobject"
                | "application/x-font-ttf"
                | "font/ttf"
                | "font/otf"
                | "image/x-icon"
                | "image/vnd.microsoft.icon"
                | "image/bmp"
        )
}

/// Whether a response may be compressed (whatever the client accepts): a whole `200` of a
/// compressible type, not encoded already, not too small, and not marked `no-transform`.
pub fn eligible(settings: &Compression, status: StatusCode, response: &HeaderMap) -> bool {
    if !settings.enabled || status != StatusCode::OK || response.contains_key(CONTENT_RANGE) {
        return false;
    }
    if response.get(CONTENT_ENCODING).is_some_and(|e| e.as_bytes() != b"identity") {
        return false;
    }
    let typed = response.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(compressible_type);
    let len = response.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|s| s.parse::<u64>().ok());
    typed && len.is_none_or(|l| l >= settings.min_size) && !Directives::parse(response).no_transform
}

/// `"abc"` → `W/"abc"`; already weak stays as it is.
pub fn weak_etag(etag: &str) -> String {
    if etag.starts_with("W/") { etag.to_owned() } else { format!("W/{etag}") }
}

/// Adds `Accept-Encoding` to `Vary` unless it is there already (or `Vary: *`).
pub fn add_vary(headers: &mut HeaderMap) {
    let present = headers.get_all(VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|s| s.split(',').any(|f| f.trim() == "*" || f.trim().eq_ignore_ascii_case("accept-encoding")))
    });
    if !present {
        headers.append(VARY, HeaderValue::from_static("Accept-Encoding"));
    }
}

#[cfg(test)]
mod tests;

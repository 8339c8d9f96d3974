//! S3 as an origin, the pure parts: object keys and URLs (path-style or virtual-hosted), which
//! request and response headers cross, what an S3 error means for a visitor, and the shared
//! credentials file format.
//!
//! It never signs (the adapter does, with `aws-sigv4`, since signing needs the clock) and never
//! lets S3's XML reach a visitor: an error is reduced to its code and message, for the log.

use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LANGUAGE, CONTENT_LENGTH,
    CONTENT_RANGE, CONTENT_TYPE, ETAG, EXPIRES, LAST_MODIFIED,
};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::conditional;
use crate::config::{AwsCredentials, S3Origin, Secret};

/// Escaped in a key: everything but S3's unreserved characters and `/` (the SigV4 canonical
/// URI for S3 is the key encoded exactly once, in this form).
const KEY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

/// The key for an object path (`/docs/a.html`, always starting with `/`) under `prefix`.
pub fn object_key(prefix: &str, object_path: &str) -> String {
    format!("{prefix}{}", object_path.trim_start_matches('/'))
}

/// The URL of `key` in the bucket.
pub fn object_url(s3: &S3Origin, key: &str) -> String {
    let key = utf8_percent_encode(key, KEY);
    if s3.path_style {
        format!("{}/{}/{key}", s3.endpoint, s3.bucket)
    } else {
        let (scheme, host) = s3.endpoint.split_once("://").unwrap_or(("https", &s3.endpoint));
        format!("{scheme}://{}.{host}/{key}", s3.bucket)
    }
}

/// The client's headers a request to S3 carries: only the conditions and `Range`, and only for
/// a pass-through (the cache judges conditions itself on a fill).
pub fn request_headers(client: &HeaderMap, keep_conditions: bool) -> Vec<(HeaderName, HeaderValue)> {
    if !keep_conditions {
        return Vec::new();
    }
    conditional::HEADERS
        .iter()
        .flat_map(|name| client.get_all(name).iter().map(|v| (name.clone(), v.clone())))
        .collect()
}

/// What of S3's response headers a visitor gets: the representation's own, no `x-amz-*`.
const PASSED: [HeaderName; 11] = [
    CONTENT_TYPE,
    CONTENT_LENGTH,
    CONTENT_RANGE,
    CONTENT_ENCODING,
    CONTENT_LANGUAGE,
    CONTENT_DISPOSITION,
    ETAG,
    LAST_MODIFIED,
    CACHE_CONTROL,
    EXPIRES,
    ACCEPT_RANGES,
];

pub fn response_headers(s3: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(PASSED.len());
    for name in &PASSED {
        for v in s3.get_all(name) {
            out.append(name.clone(), v.clone());
        }
    }
    out
}

/// Statuses S3 answers that are part of serving an object (not failures).
pub fn is_answer(status: StatusCode) -> bool {
    matches!(status.as_u16(), 200 | 206 | 304 | 412 | 416)
}

/// What a failed S3 request means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No such key: the visitor gets the 404 page (or the SPA's index).
    Missing,
    /// Refused: wrong keys, signature, clock, or no permission. A `502` for the visitor; the
    /// operator's fix is in the log.
    Denied,
    /// Anything else (no such bucket, S3 failing): a `502`.
    Other,
}

/// An S3 error response, reduced to what a log line needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    pub status: u16,
    /// `NoSuchKey`, `AccessDenied`, `SignatureDoesNotMatch`, … (empty for a `HEAD`, which has
    /// no body).
    pub code: String,
    pub message: String,
}

impl S3Error {
    /// Reads `<Code>` and `<Message>` from S3's XML error body (whatever else it holds).
    pub fn parse(status: StatusCode, body: &[u8]) -> S3Error {
        let text = String::from_utf8_lossy(body);
        let element = |name: &str| -> String {
            let (open, close) = (format!("<{name}>"), format!("</{name}>"));
            text.split_once(&open)
                .and_then(|(_, rest)| rest.split_once(&close))
                .map(|(v, _)| xml_unescape(v).chars().filter(|c| !c.is_control()).take(300).collect())
                .unwrap_or_default()
        };
        S3Error { status: status.as_u16(), code: element("Code"), message: element("Message") }
    }

    pub fn failure(&self) -> Failure {
        match (self.status, self.code.as_str()) {
            (404, "NoSuchKey" | "") => Failure::Missing,
            (403, _) => Failure::Denied,
            _ => Failure::Other,
        }
    }

    /// The reason for the log: the code and message, or the status when S3 sent no body.
    pub fn reason(&self) -> String {
        match (self.code.is_empty(), self.message.is_empty()) {
            (true, _) => format!("HTTP {} (no error body)", self.status),
            (false, true) => format!("{} (HTTP {})", self.code, self.status),
            (false, false) => format!("{}: {} (HTTP {})", self.code, self.message, self.status),
        }
    }
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Reads one profile of an AWS shared credentials file (`~/.aws/credentials`, INI):
/// `aws_access_key_id`, `aws_secret_access_key`, optional `aws_session_token`.
pub fn parse_credentials_file(text: &str, profile: &str) -> Option<AwsCredentials> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = section.trim() == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else { continue };
        let v = v.trim().to_owned();
        match k.trim() {
            "aws_access_key_id" => id = Some(v),
            "aws_secret_access_key" => secret = Some(v),
            "aws_session_token" => token = Some(v),
            _ => {}
        }
    }
    Some(AwsCredentials {
        access_key_id: id.filter(|s| !s.is_empty())?,
        secret_access_key: Secret::new(secret.filter(|s| !s.is_empty())?),
        session_token: token.filter(|s| !s.is_empty()).map(Secret::new),
    })
}

#[cfg(test)]
mod tests;

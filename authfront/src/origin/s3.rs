//! The S3 origin: a private bucket (or an S3-compatible store) read with SigV4-signed `GET` and
//! `HEAD` requests (`aws-sigv4`), over the pooled client.
//!
//! Missing objects are [`Error::NotFound`] (or the SPA's index); a refusal (access denied,
//! signature mismatch, unknown key, skewed clock) or any other S3 failure is an
//! [`Error::Origin`] naming the bucket, the key and S3's reason, for the log — the visitor
//! gets the 502 page, never S3's XML. Static-site mode maps `/dir/` to `dir/index.html` and
//! redirects `/dir` to `/dir/` when only the latter exists, as the folder origin does.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use authfront_core::config::{self, AwsCredentials, S3Origin};
use authfront_core::error::Error;
use authfront_core::route;
use authfront_core::s3::{self, Failure, S3Error};
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;

use super::Fetch;
use super::client::Client;
use crate::body::{self, Body};

/// Most of an S3 error body read for its code and message; the rest is never needed.
const ERROR_BODY_LIMIT: usize = 16 * 1024;

#[derive(Debug)]
pub struct S3 {
    bucket: S3Origin,
    credentials: aws_credential_types::Credentials,
    client: Client,
    static_site: bool,
    spa: bool,
}

/// One signed request's outcome.
enum Got {
    Object(Response<Body>),
    Missing,
}

impl S3 {
    pub fn new(origin: &config::Origin, bucket: &S3Origin) -> Result<S3, String> {
        let Some(AwsCredentials { access_key_id, secret_access_key, session_token }) = &bucket.credentials else {
            return Err(format!("S3 bucket `{}`: no credentials", bucket.bucket));
        };
        let credentials = aws_credential_types::Credentials::new(
            access_key_id,
            secret_access_key.expose(),
            session_token.as_ref().map(|t| t.expose().to_owned()),
            None,
            "authfront-config",
        );
        Ok(S3 {
            bucket: bucket.clone(),
            credentials,
            client: Client::new(origin.timeouts)?,
            static_site: origin.static_site,
            spa: origin.spa,
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket.bucket
    }

    pub async fn fetch(&self, f: Fetch) -> Result<Response<Body>, Error> {
        if f.method != Method::GET && f.method != Method::HEAD {
            return Err(Error::MethodNotAllowed);
        }
        let object = route::object_path(&f.path, self.static_site);
        if let Got::Object(resp) = self.get(&f, &f.method, &object, true).await? {
            return Ok(resp);
        }
        if self.spa && route::is_navigation(&f.path, &f.headers) {
            return match self.get(&f, &f.method, &route::spa_path(), true).await? {
                Got::Object(resp) => Ok(resp),
                Got::Missing => Err(Error::NotFound),
            };
        }
        if self.static_site && !f.path.ends_with_slash() && f.path.segments().next().is_some() {
            // `/dir` with only `dir/index.html` behind it: the folder origin's redirect
            let index = format!("{}/{}", f.path.as_str(), route::INDEX);
            if let Got::Object(_) = self.get(&f, &Method::HEAD, &index, false).await? {
                return super::redirect(&f.path, f.query.as_deref());
            }
        }
        Err(Error::NotFound)
    }

    /// A signed request for the object at `object` (a path starting with `/`).
    async fn get(&self, f: &Fetch, method: &Method, object: &str, with_client: bool) -> Result<Got, Error> {
        let key = s3::object_key(&self.bucket.prefix, object);
        let url = s3::object_url(&self.bucket, &key);
        let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        if with_client {
            headers = s3::request_headers(&f.headers, f.keep_conditions);
            headers.extend(f.extra.iter().cloned());
        }
        let req = self.signed(method, &url, &headers, f.now).map_err(|e| self.failed(&key, &e))?;
        let resp = self.client.send(req, &format!("{method} {url}")).await?;
        let status = resp.status();
        if s3::is_answer(status) {
            let (mut parts, body) = resp.into_parts();
            parts.headers = s3::response_headers(&parts.headers);
            // objects uploaded without a type: guessed from the name, as the folder does
            if matches!(status, StatusCode::OK | StatusCode::PARTIAL_CONTENT)
                && !parts.headers.contains_key(CONTENT_TYPE)
            {
                parts.headers.insert(CONTENT_TYPE, super::content_type(Path::new(&key)));
            }
            return Ok(Got::Object(Response::from_parts(parts, body)));
        }
        let error = S3Error::parse(status, &read_limited(resp.into_body()).await);
        match error.failure() {
            Failure::Missing => Ok(Got::Missing),
            Failure::Denied => Err(self.failed(&key, &format!("refused: {}", error.reason()))),
            Failure::Other => Err(self.failed(&key, &error.reason())),
        }
    }

    fn failed(&self, key: &str, reason: &str) -> Error {
        Error::Origin(format!("S3 bucket `{}`, key `{key}`: {reason}", self.bucket.bucket))
    }

    fn signed(
        &self,
        method: &Method,
        url: &str,
        headers: &[(HeaderName, HeaderValue)],
        now: u64,
    ) -> Result<Request<Body>, String> {
        let mut req = Request::builder()
            .method(method.clone())
            .uri(url)
            .body(body::empty())
            .map_err(|e| format!("request {url}: {e}"))?;
        for (n, v) in headers {
            req.headers_mut().append(n.clone(), v.clone());
        }
        let mut settings = SigningSettings::default();
        // S3's rules: the key encoded once, the path as it is, the payload hash in a header
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.bucket.region)
            .name("s3")
            .time(UNIX_EPOCH + Duration::from_secs(now))
            .settings(settings)
            .build()
            .map_err(|e| format!("signing parameters: {e}"))?
            .into();
        let signed_headers: Vec<(&str, &str)> =
            headers.iter().filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str(), v))).collect();
        let signable = SignableRequest::new(method.as_str(), url, signed_headers.into_iter(), SignableBody::Bytes(&[]))
            .map_err(|e| format!("signing: {e}"))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| format!("signing: {e}"))?.into_parts();
        instructions.apply_to_request_http1x(&mut req);
        Ok(req)
    }
}

/// The first [`ERROR_BODY_LIMIT`] bytes of an error body (an unreadable one reads as empty).
async fn read_limited(mut body: Body) -> Bytes {
    let mut out = Vec::new();
    while out.len() < ERROR_BODY_LIMIT {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    out.extend_from_slice(data);
                }
            }
            _ => break,
        }
    }
    out.truncate(ERROR_BODY_LIMIT);
    out.into()
}

//! The signed-path step of [`super::decide`]: does the request carry a CloudFront signed URL or
//! signed cookies, and do they grant this URL to this client now?
//!
//! The URL checked is built from `server.public_url`, never from `Host` (a signature for
//! another site cannot be replayed here by changing a header), with the query's signing
//! parameters removed. A policy's `Resource` is matched against the one normalised path, the
//! one the origin serves: `/downloads/alice/../bob/x` is `/downloads/bob/x` here too. Only a
//! canned policy's signature is checked over the raw URL, because that is the string its
//! signer signed.

use std::net::IpAddr;

use http::request::Parts;

use crate::cloudfront::Refusal;
use crate::cloudfront::verify::{Params, verify_at};
use crate::config::SignedPaths;
use crate::path::NormPath;
use crate::site::Site;

/// What a signed path's check found.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// No signing parameters (of an accepted kind): carry on as for any protected path.
    Absent,
    Granted,
    Refused(Refusal),
}

pub fn check(site: &Site, rule: &SignedPaths, req: &Parts, path: &NormPath, client: IpAddr, now: u64) -> Check {
    let (from_query, rest) = Params::from_query(req.uri.query());
    let params = if rule.accept_url && !from_query.is_empty() {
        from_query
    } else if rule.accept_cookies {
        Params::from_cookies(&req.headers)
    } else {
        return Check::Absent;
    };
    if params.is_empty() {
        return Check::Absent;
    }
    let with_query = |p: &str| {
        let mut url = site.url_for(p);
        if let Some(q) = &rest {
            url.push('?');
            url.push_str(q);
        }
        url
    };
    match verify_at(&rule.key_group, &params, &with_query(req.uri.path()), &with_query(&path.encoded()), client, now) {
        Ok(_) => Check::Granted,
        Err(r) => Check::Refused(r),
    }
}

#[cfg(test)]
mod tests;

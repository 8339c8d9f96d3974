//! The signed-path step of [`super::decide`]: does the request carry a CloudFront signed URL or
//! signed cookies, and do they grant this URL to this client now?
//!
//! The URL checked is built from `server.public_url` and the request's raw path and query
//! (signing parameters removed), never from `Host`: a signature for another site cannot be
//! replayed here by changing a header.

use std::net::IpAddr;

use http::request::Parts;

use crate::cloudfront::Refusal;
use crate::cloudfront::verify::{Params, verify};
use crate::config::SignedPaths;
use crate::site::Site;

/// What a signed path's check found.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// No signing parameters (of an accepted kind): carry on as for any protected path.
    Absent,
    Granted,
    Refused(Refusal),
}

pub fn check(site: &Site, rule: &SignedPaths, req: &Parts, client: IpAddr, now: u64) -> Check {
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
    let mut url = site.url_for(req.uri.path());
    if let Some(q) = &rest {
        url.push('?');
        url.push_str(q);
    }
    match verify(&rule.key_group, &params, &url, client, now) {
        Ok(_) => Check::Granted,
        Err(r) => Check::Refused(r),
    }
}

#[cfg(test)]
mod tests;

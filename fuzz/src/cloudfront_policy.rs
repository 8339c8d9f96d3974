//! Target `cloudfront_policy`: the CloudFront policy reader and writer, its conditions, the
//! `AWS:SourceIp` ranges and CloudFront's base64.
//!
//! The input is read three ways: as policy JSON, as base64 text, and as the parts of a policy
//! and a request (resource, times, range, URL, client, now). Invariants: a policy that reads
//! writes back to JSON that reads as the same policy (and so does any policy built from parts);
//! its conditions hold exactly when the time, the range (by a reference mask) and the resource
//! (by the reference glob) say so; a range that parses parses again from its text; base64
//! decodes what it encodes, and what decodes has that one spelling.

use std::net::IpAddr;

use arbitrary::{Result, Unstructured};
use authfront_core::cloudfront::policy::{MAX_POLICY, Unmet};
use authfront_core::cloudfront::{Cidr, Policy, b64};

use crate::reference;

pub fn run(data: &[u8]) {
    if let Ok(p) = Policy::parse(data) {
        let json = p.to_json();
        if json.len() <= MAX_POLICY {
            assert_eq!(Policy::parse(json.as_bytes()), Ok(p.clone()), "{json} reads differently");
        }
    }
    let text = String::from_utf8_lossy(data);
    check_b64(&text, data);
    let _ = check_parts(&mut Unstructured::new(data));
}

fn check_b64(text: &str, data: &[u8]) {
    if let Some(bytes) = b64::decode(text) {
        assert_eq!(b64::encode(&bytes), text, "two spellings of one value");
    }
    let encoded = b64::encode(data);
    assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_~".contains(&b)), "{encoded}");
    assert_eq!(b64::decode(&encoded).as_deref(), Some(data));
}

fn check_parts(u: &mut Unstructured<'_>) -> Result<()> {
    let range_text: String = u.arbitrary()?;
    let ip = Cidr::parse(&range_text).ok();
    if let Some(c) = &ip {
        assert_eq!(c.as_str(), range_text);
        assert_eq!(Cidr::parse(c.as_str()).as_ref(), Ok(c));
        assert_eq!(Cidr::parse(&c.with_prefix()).map(|w| w.with_prefix()), Ok(c.with_prefix()));
    }
    let p = Policy { resource: u.arbitrary()?, expires: u.arbitrary()?, starts: u.arbitrary()?, ip };
    let json = p.to_json();
    if json.len() <= MAX_POLICY {
        assert_eq!(Policy::parse(json.as_bytes()), Ok(p.clone()), "{json} reads differently");
    }
    let url: String = u.arbitrary()?;
    let client = if u.arbitrary::<bool>()? {
        IpAddr::from(u.arbitrary::<[u8; 4]>()?)
    } else {
        IpAddr::from(u.arbitrary::<[u8; 16]>()?)
    };
    let now: u64 = u.arbitrary()?;
    let want = if now >= p.expires {
        Err(Unmet::Expired { expires: p.expires })
    } else if p.starts.is_some_and(|s| now <= s) {
        Err(Unmet::NotYetValid { starts: p.starts.unwrap_or_default() })
    } else if p.ip.as_ref().is_some_and(|c| !contains(c.as_str(), client)) {
        Err(Unmet::WrongIp)
    } else {
        match p.resource.as_deref() {
            Some(r) if reference::hits_known_glob_bug(r, &url) || !reference::glob_affordable(r, &url) => return Ok(()),
            Some(r) if !reference::glob(&reference::one_spelling(r), &reference::one_spelling(&url)) => {
                Err(Unmet::WrongResource)
            }
            _ => Ok(()),
        }
    };
    assert_eq!(p.check(&url, client, now), want, "{json} for {url:?} from {client} at {now}");
    Ok(())
}

/// Whether `client` is inside the range `text` (as written in a policy), by masks.
fn contains(text: &str, client: IpAddr) -> bool {
    let (addr, prefix) = text.split_once('/').unwrap_or((text, ""));
    let Ok(net) = addr.parse::<IpAddr>() else { return false };
    let (n, c, width) = match (net, client.to_canonical()) {
        (IpAddr::V4(n), IpAddr::V4(c)) => (u128::from(u32::from(n)), u128::from(u32::from(c)), 32),
        (IpAddr::V6(n), IpAddr::V6(c)) => (u128::from(n), u128::from(c), 128),
        _ => return false,
    };
    let bits: u32 = prefix.parse().unwrap_or(width);
    bits == 0 || (n ^ c) >> (width - bits) == 0
}

pub fn seeds() -> crate::Seeds {
    let policies = [
        ("ec-policy", crate::fixtures::CF_EC_POLICY.trim().to_owned()),
        (
            "custom-ip",
            r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/downloads/*","Condition":{"DateLessThan":{"AWS:EpochTime":1893456000},"DateGreaterThan":{"AWS:EpochTime":1700000000},"IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]}"#.to_owned(),
        ),
        (
            "botocore-order",
            r#"{"Statement":[{"Resource":"https://d1/a?b=*","Condition":{"IpAddress":{"AWS:SourceIp":"2001:db8::/32"},"DateLessThan":{"AWS:EpochTime":1893456000}}}]}"#.to_owned(),
        ),
        ("no-resource", r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#.to_owned()),
        ("escapes", r#"{"Statement":[{"Resource":"https://x/\u00e9\"\\\/\u0001*","Condition":{"DateLessThan":{"AWS:EpochTime":5}}}]}"#.to_owned()),
        ("quoted-time", r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":"5"}}}]}"#.to_owned()),
        ("two-statements", r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":5}}},{}]}"#.to_owned()),
        ("unknown-condition", r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":5},"StringLike":{}}}]}"#.to_owned()),
        ("base64", b64::encode(crate::fixtures::CF_EC_POLICY.as_bytes())),
        ("mapped-v4", "::ffff:192.0.2.7/120\u{0}https://d1/*".to_owned()),
    ];
    policies.into_iter().map(|(n, p)| (n.to_owned(), p.into_bytes())).collect()
}

//! Target `cloudfront_verify`: signed URLs and signed cookies checked against a key group (an
//! RSA key that signed the corpus' policies, an ECDSA key, a member that signed nothing).
//!
//! Input lines: URL, query string, `Cookie` header, client address, now (missing lines take
//! defaults). Invariants: taking the signing parameters out of a query keeps every other pair,
//! in order, byte for byte, and takes exactly the signing names; whatever verifies was signed
//! over a message this process signed (the policy as sent, or the canned policy of this very
//! URL): nothing unsigned, altered or re-aimed verifies; and its conditions hold for this
//! request.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::LazyLock;

use authfront_core::cloudfront::verify::{Params, verify};
use authfront_core::cloudfront::{HashAlgorithm, Policy, QUERY_PARAMS, Signed, b64, sign::sign};
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};

use crate::fixtures::{
    CF_BASE, CF_EC_ID, CF_EC_POLICY, CF_EC_SIG_SHA1, CF_EC_SIG_SHA256, CF_RSA_ID, cf_group, cf_signer,
};

const DEFAULT_NOW: u64 = 1_800_000_000;

/// Policies signed with the group's RSA key, and the hash each was signed with.
fn policies() -> Vec<(Policy, HashAlgorithm)> {
    let custom = |resource: Option<&str>, starts, ip: Option<&str>| Policy {
        resource: resource.map(str::to_owned),
        expires: 2_000_000_000,
        starts,
        ip: ip.and_then(|t| authfront_core::cloudfront::Cidr::parse(t).ok()),
    };
    vec![
        (custom(Some(&format!("{CF_BASE}/downloads/*")), None, None), HashAlgorithm::Sha1),
        (
            custom(Some(&format!("{CF_BASE}/downloads/alice/*")), Some(1_600_000_000), Some("192.0.2.0/24")),
            HashAlgorithm::Sha256,
        ),
        (custom(Some("*"), None, Some("2001:db8::/32")), HashAlgorithm::Sha1),
        (custom(None, None, None), HashAlgorithm::Sha256),
        (Policy::canned(&format!("{CF_BASE}/images/photo.jpg?size=large"), 2_000_000_000), HashAlgorithm::Sha1),
        (Policy::canned(&format!("{CF_BASE}/a.txt"), 1_900_000_000), HashAlgorithm::Sha256),
    ]
}

/// Every signed form, and the set of messages signed.
static SIGNED: LazyLock<(Vec<Signed>, HashSet<Vec<u8>>)> = LazyLock::new(|| {
    let signed: Vec<Signed> = policies()
        .into_iter()
        .map(|(p, h)| sign(p, cf_signer(), CF_RSA_ID, h).unwrap_or_else(|e| panic!("signing: {e}")))
        .collect();
    let mut messages: HashSet<Vec<u8>> = signed.iter().map(|s| s.policy_json.clone().into_bytes()).collect();
    messages.insert(CF_EC_POLICY.as_bytes().to_vec());
    (signed, messages)
});

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let url =
        lines.next().filter(|u| !u.is_empty()).map_or_else(|| format!("{CF_BASE}/downloads/a.txt"), str::to_owned);
    let query = lines.next().filter(|q| !q.is_empty());
    let mut headers = HeaderMap::new();
    if let Some(v) = lines.next().and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.append(COOKIE, v);
    }
    let client: IpAddr = lines.next().and_then(|c| c.parse().ok()).unwrap_or(IpAddr::from([192, 0, 2, 10]));
    let now: u64 = lines.next().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_NOW);

    let (params, rest) = Params::from_query(query);
    let signing = |pair: &&str| QUERY_PARAMS.contains(&pair.split_once('=').map_or(*pair, |(n, _)| n));
    let pairs: Vec<&str> = query.map(|q| q.split('&').collect()).unwrap_or_default();
    let kept: Vec<&str> = pairs.iter().filter(|p| !signing(p)).copied().collect();
    assert_eq!(rest.as_deref().unwrap_or(""), kept.join("&"), "the rest of {query:?}");
    assert_eq!(params.is_empty(), !pairs.iter().any(signing), "{query:?}");
    let full = match &rest {
        Some(r) => format!("{url}?{r}"),
        None => url.clone(),
    };
    check(&params, &full, client, now);
    check(&Params::from_cookies(&headers), &full, client, now);
}

fn check(params: &Params, url: &str, client: IpAddr, now: u64) {
    let Ok(policy) = verify(cf_group(), params, url, client, now) else { return };
    let message = match (&params.expires, &params.policy) {
        (Some(e), None) => {
            let expires = e.parse().unwrap_or_else(|_| panic!("accepted Expires={e}"));
            assert_eq!(policy, Policy::canned(url, expires), "a canned policy that is not this URL's");
            policy.to_json().into_bytes()
        }
        (None, Some(p)) => b64::decode(p).unwrap_or_else(|| panic!("accepted Policy={p}")),
        other => panic!("accepted with Expires and Policy {other:?}"),
    };
    assert!(SIGNED.1.contains(&message), "accepted a message nobody signed: {}", String::from_utf8_lossy(&message));
    assert_eq!(policy.check(url, client, now), Ok(()));
    assert!(now < policy.expires && policy.allows(url));
}

pub fn seeds() -> crate::Seeds {
    let mut out = Vec::new();
    let urls = [
        format!("{CF_BASE}/downloads/a.txt"),
        format!("{CF_BASE}/downloads/alice/report.pdf"),
        format!("{CF_BASE}/x"),
        format!("{CF_BASE}/anything"),
        format!("{CF_BASE}/images/photo.jpg"),
        format!("{CF_BASE}/a.txt"),
    ];
    for (i, s) in SIGNED.0.iter().enumerate() {
        let (url, extra) = if i == 4 { (urls[i].clone(), "size=large&") } else { (urls[i].clone(), "") };
        let query: Vec<String> = s.query_params().into_iter().map(|(n, v)| format!("{n}={v}")).collect();
        let cookie: Vec<String> = s.cookies().into_iter().map(|(n, v)| format!("{n}={v}")).collect();
        let client = if i == 2 { "2001:db8::1" } else { "192.0.2.10" };
        out.push((format!("query-{i}"), format!("{url}\n{extra}{}\n\n{client}\n", query.join("&")).into_bytes()));
        out.push((
            format!("cookies-{i}"),
            format!("{url}\n{}\n{}\n{client}\n", extra.trim_end_matches('&'), cookie.join("; ")).into_bytes(),
        ));
    }
    let ec_url = format!("{CF_BASE}/ec/file.txt");
    let policy = b64::encode(CF_EC_POLICY.as_bytes());
    for (h, sig) in [("", CF_EC_SIG_SHA1.trim()), ("&Hash-Algorithm=SHA256", CF_EC_SIG_SHA256.trim())] {
        out.push((
            format!("ecdsa{}", h.len()),
            format!("{ec_url}\nPolicy={policy}&Signature={sig}&Key-Pair-Id={CF_EC_ID}{h}\n\n192.0.2.1\n").into_bytes(),
        ));
    }
    out.push((
        "reordered".to_owned(),
        format!("{}\nKey-Pair-Id=K2JCJMDEHXQW5F&a=1&Expires=1&a=2\n", urls[0]).into_bytes(),
    ));
    out.push((
        "repeated".to_owned(),
        format!("{}\nExpires=1&Expires=2&Signature=x&Key-Pair-Id=y\n", urls[0]).into_bytes(),
    ));
    out
}

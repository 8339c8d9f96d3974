use std::net::IpAddr;

use http::HeaderValue;
use http::header::COOKIE;

use super::*;
use crate::cloudfront::keys::tests::{rsa_key, rsa_public};
use crate::cloudfront::sign::sign;
use crate::cloudfront::{Cidr, PublicKey};

const BASE: &str = "https://d111111abcdef8.cloudfront.net";
const EXP: u64 = 1_893_456_000;
const NOW: u64 = 1_800_000_000;
const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 10));

fn group() -> KeyGroup {
    let mut g = KeyGroup::new();
    g.insert("K1", rsa_public());
    g.insert("K2", PublicKey::from_pem(include_str!("../testdata/other2048.pub.pem")).unwrap());
    g.insert("K3", PublicKey::from_pem(include_str!("../testdata/ec256.pub.pem")).unwrap());
    g
}

/// The query string of a URL signed with key `K1`.
fn signed_query(policy: Policy, hash: HashAlgorithm) -> String {
    let s = sign(policy, &rsa_key(), "K1", hash).unwrap();
    s.query_params().iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("&")
}

/// Checks a request for `path_and_query` the way the edge does: parameters out of the query,
/// the rest is the URL.
fn check(path_and_query: &str, client: IpAddr, now: u64) -> Result<Policy, Refusal> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let (params, rest) = Params::from_query(query);
    let url = match rest {
        Some(q) => format!("{BASE}{path}?{q}"),
        None => format!("{BASE}{path}"),
    };
    verify(&group(), &params, &url, client, now)
}

fn canned(path_and_query: &str) -> String {
    let q = signed_query(Policy::canned(&format!("{BASE}{path_and_query}"), EXP), HashAlgorithm::Sha1);
    let sep = if path_and_query.contains('?') { '&' } else { '?' };
    format!("{path_and_query}{sep}{q}")
}

fn custom(resource: &str, starts: Option<u64>, ip: Option<&str>) -> String {
    let p = Policy { resource: Some(resource.into()), expires: EXP, starts, ip: ip.map(|i| Cidr::parse(i).unwrap()) };
    signed_query(p, HashAlgorithm::Sha1)
}

/// Replaces the value of parameter `name` in a query string.
fn set(query: &str, name: &str, value: &str) -> String {
    query
        .split('&')
        .map(|p| if p.split('=').next() == Some(name) { format!("{name}={value}") } else { p.to_owned() })
        .collect::<Vec<_>>()
        .join("&")
}

fn flip_char(s: &str, at: usize) -> String {
    let mut b = s.as_bytes().to_vec();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).unwrap()
}

#[test]
fn canned_url_verifies_and_grants_exactly_that_url() {
    let p = check(&canned("/images/photo.jpg"), HERE, NOW).unwrap();
    assert_eq!(p.resource.as_deref(), Some("https://d111111abcdef8.cloudfront.net/images/photo.jpg"));
    assert_eq!(p.expires, EXP);
    // with the site's own query string, before the parameters
    assert!(check(&canned("/a/b.txt?x=1&y=two"), HERE, NOW).is_ok());
}

#[test]
fn parameters_in_any_order_and_anywhere_in_the_query() {
    let signed = canned("/a/b.txt");
    let (_, q) = signed.split_once('?').unwrap();
    let params: Vec<&str> = q.split('&').collect();
    assert_eq!(params.len(), 3);
    for order in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
        let q: Vec<&str> = order.iter().map(|&i| params[i]).collect();
        assert!(check(&format!("/a/b.txt?{}", q.join("&")), HERE, NOW).is_ok(), "{order:?}");
    }
    // the site's own parameters may come before, between or after: they stay in the URL
    let own = canned("/a/b.txt?x=1&y=2");
    let (_, q) = own.split_once('?').unwrap();
    let p: Vec<&str> = q.split('&').collect(); // x, y, Expires, Signature, Key-Pair-Id
    let interleaved = [p[2], p[0], p[3], p[1], p[4]].join("&");
    assert!(check(&format!("/a/b.txt?{interleaved}"), HERE, NOW).is_ok());
    let (params, rest) = Params::from_query(Some(&interleaved));
    assert_eq!(rest.as_deref(), Some("x=1&y=2"));
    assert!(!params.is_empty());
    // the site's parameters in another order are another URL
    let swapped = [p[1], p[0], p[2], p[3], p[4]].join("&");
    assert_eq!(check(&format!("/a/b.txt?{swapped}"), HERE, NOW), Err(Refusal::BadSignature));
}

#[test]
fn custom_policy_with_wildcard() {
    let q = custom(&format!("{BASE}/downloads/*"), None, None);
    assert!(check(&format!("/downloads/a.zip?{q}"), HERE, NOW).is_ok());
    assert!(check(&format!("/downloads/sub/b.zip?v=2&{q}"), HERE, NOW).is_ok());
    assert_eq!(check(&format!("/private/a.zip?{q}"), HERE, NOW), Err(Refusal::WrongResource));
    assert_eq!(check(&format!("/downloads?{q}"), HERE, NOW), Err(Refusal::WrongResource));
}

#[test]
fn each_condition_refuses() {
    let q = custom(&format!("{BASE}/d/*"), Some(1_700_000_000), Some("192.0.2.0/24"));
    let url = format!("/d/f?{q}");
    assert!(check(&url, HERE, NOW).is_ok());
    assert_eq!(check(&url, HERE, EXP), Err(Refusal::Expired { expires: EXP }));
    assert_eq!(check(&url, HERE, EXP + 1000), Err(Refusal::Expired { expires: EXP }));
    assert!(check(&url, HERE, EXP - 1).is_ok());
    assert_eq!(check(&url, HERE, 1_700_000_000), Err(Refusal::NotYetValid { starts: 1_700_000_000 }));
    assert!(check(&url, HERE, 1_700_000_001).is_ok());
    assert_eq!(check(&url, "192.0.3.10".parse().unwrap(), NOW), Err(Refusal::WrongIp));
    assert_eq!(check(&url, "2001:db8::1".parse().unwrap(), NOW), Err(Refusal::WrongIp));
    assert!(check(&url, "::ffff:192.0.2.99".parse().unwrap(), NOW).is_ok());
    // canned: expiry only
    assert_eq!(check(&canned("/x"), HERE, EXP), Err(Refusal::Expired { expires: EXP }));
}

#[test]
fn ipv6_ranges() {
    let q = custom(&format!("{BASE}/*"), None, Some("2001:db8:1234::/48"));
    let url = format!("/f?{q}");
    assert!(check(&url, "2001:db8:1234:5::9".parse().unwrap(), NOW).is_ok());
    assert_eq!(check(&url, "2001:db8:1235::9".parse().unwrap(), NOW), Err(Refusal::WrongIp));
    assert_eq!(check(&url, HERE, NOW), Err(Refusal::WrongIp));
    let one = custom(&format!("{BASE}/*"), None, Some("2001:db8::7"));
    assert!(check(&format!("/f?{one}"), "2001:db8::7".parse().unwrap(), NOW).is_ok());
    assert_eq!(check(&format!("/f?{one}"), "2001:db8::8".parse().unwrap(), NOW), Err(Refusal::WrongIp));
}

#[test]
fn every_kind_of_tampering_is_refused() {
    let signed = canned("/a.txt?v=1");
    let (path, q) = signed.split_once('?').unwrap();
    let sig = q.split('&').find_map(|p| p.strip_prefix("Signature=")).unwrap().to_owned();
    let url = |q: &str| format!("{path}?{q}");
    // the URL: path, query, value, added parameter
    assert_eq!(check(&format!("/b.txt?{q}"), HERE, NOW), Err(Refusal::BadSignature));
    assert_eq!(check(&url(&q.replace("v=1", "v=2")), HERE, NOW), Err(Refusal::BadSignature));
    assert_eq!(check(&url(&format!("{q}&extra=1")), HERE, NOW), Err(Refusal::BadSignature));
    assert_eq!(check(&url(&q.replacen("v=1&", "", 1)), HERE, NOW), Err(Refusal::BadSignature));
    // Expires
    assert_eq!(check(&url(&set(q, "Expires", &(EXP + 1).to_string())), HERE, NOW), Err(Refusal::BadSignature));
    assert_eq!(
        check(&url(&set(q, "Expires", &format!("0{EXP}"))), HERE, NOW),
        Err(Refusal::Malformed("Expires is not Unix seconds"))
    );
    assert_eq!(
        check(&url(&set(q, "Expires", "-1")), HERE, NOW),
        Err(Refusal::Malformed("Expires is not Unix seconds"))
    );
    assert_eq!(check(&url(&set(q, "Expires", "")), HERE, NOW), Err(Refusal::Malformed("Expires is not Unix seconds")));
    // Signature: one character, truncated, wrong alphabet, empty
    assert_eq!(check(&url(&set(q, "Signature", &flip_char(&sig, 10))), HERE, NOW), Err(Refusal::BadSignature));
    assert_eq!(check(&url(&set(q, "Signature", &sig[..sig.len() - 4])), HERE, NOW), Err(Refusal::BadSignature));
    assert!(matches!(
        check(&url(&set(q, "Signature", &sig.replace('-', "+"))), HERE, NOW),
        Err(Refusal::Malformed(_) | Refusal::BadSignature)
    ));
    assert_eq!(check(&url(&set(q, "Signature", "")), HERE, NOW), Err(Refusal::BadSignature));
    // Key-Pair-Id: another trusted key, an unknown one
    assert_eq!(check(&url(&set(q, "Key-Pair-Id", "K2")), HERE, NOW), Err(Refusal::BadSignature));
    assert_eq!(check(&url(&set(q, "Key-Pair-Id", "K3")), HERE, NOW), Err(Refusal::BadSignature));
    assert_eq!(check(&url(&set(q, "Key-Pair-Id", "KNOWNOT")), HERE, NOW), Err(Refusal::UnknownKey("KNOWNOT".into())));
    // Hash-Algorithm
    assert_eq!(check(&url(&format!("{q}&Hash-Algorithm=SHA256")), HERE, NOW), Err(Refusal::BadSignature));
    assert!(check(&url(&format!("{q}&Hash-Algorithm=SHA1")), HERE, NOW).is_ok());
    assert_eq!(
        check(&url(&format!("{q}&Hash-Algorithm=MD5")), HERE, NOW),
        Err(Refusal::Malformed("unknown Hash-Algorithm"))
    );
}

#[test]
fn tampered_custom_policies_are_refused() {
    let q = custom(&format!("{BASE}/d/*"), None, Some("192.0.2.0/24"));
    let policy = q.split('&').find_map(|p| p.strip_prefix("Policy=")).unwrap();
    let json = String::from_utf8(b64::decode(policy).unwrap()).unwrap();
    for forged in [
        json.replace("/d/*", "/*"),
        json.replace("192.0.2.0/24", "0.0.0.0/0"),
        json.replace(&EXP.to_string(), &(EXP + 1).to_string()),
        json.replace(",\"IpAddress\":{\"AWS:SourceIp\":\"192.0.2.0/24\"}", ""),
        format!("{json} "),
    ] {
        assert_ne!(forged, json);
        let q2 = set(&q, "Policy", &b64::encode(forged.as_bytes()));
        assert_eq!(check(&format!("/d/f?{q2}"), "203.0.113.1".parse().unwrap(), NOW), Err(Refusal::BadSignature));
    }
    assert_eq!(
        check(&format!("/d/f?{}", set(&q, "Policy", "not*base64")), HERE, NOW),
        Err(Refusal::Malformed("Policy is not CloudFront base64"))
    );
    let huge = set(&q, "Policy", &"A".repeat(8000));
    assert_eq!(check(&format!("/d/f?{huge}"), HERE, NOW), Err(Refusal::Malformed("the policy is too long")));
}

#[test]
fn the_policy_is_verified_as_sent() {
    // whitespace and another condition order: verified over these exact bytes, then read
    let json = format!(
        "{{ \"Statement\": [ {{ \"Condition\": {{ \"IpAddress\": {{ \"AWS:SourceIp\": \"192.0.2.0/24\" }},\n \"DateLessThan\": {{ \"AWS:EpochTime\": {EXP} }} }}, \"Resource\": \"{BASE}/*\" }} ] }}"
    );
    let sig = b64::encode(&rsa_key().sign(HashAlgorithm::Sha1, json.as_bytes()).unwrap());
    let q = format!("Policy={}&Signature={sig}&Key-Pair-Id=K1", b64::encode(json.as_bytes()));
    assert!(check(&format!("/f?{q}"), HERE, NOW).is_ok());
    // a signed policy that is not a policy CloudFront knows is refused after the signature
    let odd = format!(
        r#"{{"Statement":[{{"Resource":"{BASE}/*","Condition":{{"DateLessThan":{{"AWS:EpochTime":{EXP}}},"Whatever":{{}}}}}}]}}"#
    );
    let sig = b64::encode(&rsa_key().sign(HashAlgorithm::Sha1, odd.as_bytes()).unwrap());
    let q = format!("Policy={}&Signature={sig}&Key-Pair-Id=K1", b64::encode(odd.as_bytes()));
    assert!(
        matches!(check(&format!("/f?{q}"), HERE, NOW), Err(Refusal::Malformed(m)) if m.contains("condition other than"))
    );
}

#[test]
fn incomplete_or_ambiguous_parameters_are_malformed() {
    let q = canned("/x");
    let (_, q) = q.split_once('?').unwrap();
    let without =
        |name: &str| q.split('&').filter(|p| !p.starts_with(&format!("{name}="))).collect::<Vec<_>>().join("&");
    assert_eq!(check(&format!("/x?{}", without("Signature")), HERE, NOW), Err(Refusal::Malformed("no Signature")));
    assert_eq!(check(&format!("/x?{}", without("Key-Pair-Id")), HERE, NOW), Err(Refusal::Malformed("no Key-Pair-Id")));
    assert_eq!(
        check(&format!("/x?{}", without("Expires")), HERE, NOW),
        Err(Refusal::Malformed("neither Expires nor Policy"))
    );
    assert_eq!(check(&format!("/x?{q}&Policy=e30_"), HERE, NOW), Err(Refusal::Malformed("both Expires and Policy")));
    assert_eq!(
        check(&format!("/x?{q}&Key-Pair-Id=K2"), HERE, NOW),
        Err(Refusal::Malformed("a signing parameter appears more than once"))
    );
    let (p, _) = Params::from_query(Some("Hash-Algorithm=SHA1"));
    assert!(!p.is_empty(), "any signing parameter makes it a signed request");
    let (p, rest) = Params::from_query(Some("a=1&b"));
    assert!(p.is_empty());
    assert_eq!(rest.as_deref(), Some("a=1&b"));
    assert_eq!(Params::from_query(None), (Params::default(), None));
}

#[test]
fn percent_encoded_values_are_read_decoded() {
    let signed = canned("/x");
    let (_, q) = signed.split_once('?').unwrap();
    let sig = q.split('&').find_map(|p| p.strip_prefix("Signature=")).unwrap();
    let encoded = set(q, "Signature", &sig.replace('~', "%7E").replace('-', "%2D").replace('_', "%5f"));
    assert_ne!(encoded, q);
    assert!(check(&format!("/x?{encoded}"), HERE, NOW).is_ok());
}

#[test]
fn sha256_signatures() {
    let q = signed_query(Policy::canned(&format!("{BASE}/x"), EXP), HashAlgorithm::Sha256);
    assert!(q.ends_with("&Hash-Algorithm=SHA256"));
    assert!(check(&format!("/x?{q}"), HERE, NOW).is_ok());
    assert_eq!(
        check(&format!("/x?{}", q.replace("&Hash-Algorithm=SHA256", "")), HERE, NOW),
        Err(Refusal::BadSignature)
    );
}

#[test]
fn ecdsa_p256_signatures_as_cloudfront_accepts_them() {
    let sha1 = include_str!("../testdata/ec-sha1.sig").trim();
    let sha256 = include_str!("../testdata/ec-sha256.sig").trim();
    let q = format!("Expires=2000000000&Signature={sha1}&Key-Pair-Id=K3");
    assert!(check(&format!("/ec/file.txt?{q}"), HERE, NOW).is_ok());
    assert_eq!(check(&format!("/ec/other.txt?{q}"), HERE, NOW), Err(Refusal::BadSignature));
    let q = format!("Expires=2000000000&Signature={sha256}&Key-Pair-Id=K3&Hash-Algorithm=SHA256");
    assert!(check(&format!("/ec/file.txt?{q}"), HERE, NOW).is_ok());
    assert_eq!(check(&format!("/ec/file.txt?{}", q.replace("SHA256", "SHA1")), HERE, NOW), Err(Refusal::BadSignature));
}

#[test]
fn custom_policy_without_resource_grants_any_url() {
    let p = Policy { resource: None, expires: EXP, starts: None, ip: None };
    let q = signed_query(p, HashAlgorithm::Sha1);
    assert!(q.starts_with("Policy="));
    assert!(check(&format!("/anything/at/all?{q}"), HERE, NOW).is_ok());
}

#[test]
fn signed_cookies() {
    let s = sign(
        Policy { resource: Some(format!("{BASE}/*")), expires: EXP, starts: None, ip: None },
        &rsa_key(),
        "K1",
        HashAlgorithm::Sha1,
    )
    .unwrap();
    let header: Vec<String> = s.cookies().iter().map(|(n, v)| format!("{n}={v}")).collect();
    let mut h = http::HeaderMap::new();
    h.append(COOKIE, HeaderValue::from_str(&format!("other=1; {}", header.join("; "))).unwrap());
    let params = Params::from_cookies(&h);
    assert_eq!(params.source, Source::Cookies);
    assert!(verify(&group(), &params, &format!("{BASE}/a/b?c=d"), HERE, NOW).is_ok());
    assert_eq!(verify(&group(), &params, "https://elsewhere.test/a", HERE, NOW), Err(Refusal::WrongResource));
    // quoted cookie values (RFC 6265 allows them) read the same
    let quoted: Vec<String> = s.cookies().iter().map(|(n, v)| format!("{n}=\"{v}\"")).collect();
    let mut h = http::HeaderMap::new();
    h.append(COOKIE, HeaderValue::from_str(&quoted.join("; ")).unwrap());
    assert!(verify(&group(), &Params::from_cookies(&h), &format!("{BASE}/a"), HERE, NOW).is_ok());
    // a canned cookie grants the URL it was made for
    let c = sign(Policy::canned(&format!("{BASE}/one.txt"), EXP), &rsa_key(), "K1", HashAlgorithm::Sha1).unwrap();
    let cookie: Vec<String> = c.cookies().iter().map(|(n, v)| format!("{n}={v}")).collect();
    let mut h = http::HeaderMap::new();
    h.append(COOKIE, HeaderValue::from_str(&cookie.join("; ")).unwrap());
    let p = Params::from_cookies(&h);
    assert!(p.expires.is_some());
    assert!(verify(&group(), &p, &format!("{BASE}/one.txt"), HERE, NOW).is_ok());
    assert_eq!(verify(&group(), &p, &format!("{BASE}/two.txt"), HERE, NOW), Err(Refusal::BadSignature));
    assert!(Params::from_cookies(&http::HeaderMap::new()).is_empty());
}

use serde_json::Value;

use super::*;
use crate::cloudfront::Cidr;
use crate::cloudfront::keys::tests::rsa_key;

const ID: &str = "K2JCJMDEHXQW5F";
const EXP: u64 = 1_893_456_000;

fn golden(name: &str) -> String {
    let v: Value = serde_json::from_str(include_str!("../testdata/golden.json")).unwrap();
    v[name].as_str().unwrap().to_owned()
}

fn custom(resource: &str, starts: Option<u64>, ip: Option<&str>) -> Policy {
    Policy { resource: Some(resource.into()), expires: EXP, starts, ip: ip.map(|i| Cidr::parse(i).unwrap()) }
}

#[test]
fn canned_url_matches_botocore_byte_for_byte() {
    let url = url_for_signing("https://d111111abcdef8.cloudfront.net/images/photo.jpg?size=large").unwrap();
    let s = sign(Policy::canned(&url, EXP), &rsa_key(), ID, HashAlgorithm::Sha1).unwrap();
    assert!(s.canned);
    assert_eq!(s.url(&url), golden("canned"));
}

#[test]
fn custom_urls_match_botocore_byte_for_byte() {
    let url = "https://d111111abcdef8.cloudfront.net/downloads/a.zip";
    let wild = "https://d111111abcdef8.cloudfront.net/downloads/*";
    let s = sign(custom(wild, None, Some("192.0.2.0/24")), &rsa_key(), ID, HashAlgorithm::Sha1).unwrap();
    assert!(!s.canned);
    assert_eq!(s.url(url), golden("custom_ip"));
    let s = sign(custom(wild, Some(1_700_000_000), None), &rsa_key(), ID, HashAlgorithm::Sha1).unwrap();
    assert_eq!(s.url(url), golden("custom_start"));
}

#[test]
fn sha256_signature_matches_and_is_announced_last() {
    let url = "https://d111111abcdef8.cloudfront.net/images/photo.jpg";
    let s = sign(Policy::canned(url, EXP), &rsa_key(), ID, HashAlgorithm::Sha256).unwrap();
    assert_eq!(s.signature, golden("sha256_canned_signature"));
    let signed = s.url(url);
    assert!(signed.starts_with(&format!("{url}?Expires={EXP}&Signature=")), "{signed}");
    assert!(signed.ends_with(&format!("&Key-Pair-Id={ID}&Hash-Algorithm=SHA256")), "{signed}");
    let names: Vec<&str> = s.cookies().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        ["CloudFront-Expires", "CloudFront-Signature", "CloudFront-Key-Pair-Id", "CloudFront-Hash-Algorithm"]
    );
}

#[test]
fn cookies_carry_the_same_values_as_the_url() {
    let s = sign(custom("https://x.test/*", None, None), &rsa_key(), ID, HashAlgorithm::Sha1).unwrap();
    let cookies = s.cookies();
    let names: Vec<&str> = cookies.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"]);
    let params = s.query_params();
    for ((_, cv), (_, qv)) in cookies.iter().zip(&params) {
        assert_eq!(cv, qv);
    }
    assert_eq!(b64::decode(&cookies[0].1).unwrap(), s.policy_json.as_bytes());
    assert_eq!(
        s.policy_json,
        r#"{"Statement":[{"Resource":"https://x.test/*","Condition":{"DateLessThan":{"AWS:EpochTime":1893456000}}}]}"#
    );
}

#[test]
fn conditions_in_documentation_order() {
    let s = sign(
        custom("https://x.test/a", Some(1_700_000_000), Some("127.0.0.1/32")),
        &rsa_key(),
        ID,
        HashAlgorithm::Sha1,
    )
    .unwrap();
    assert_eq!(
        s.policy_json,
        concat!(
            r#"{"Statement":[{"Resource":"https://x.test/a","Condition":{"DateLessThan":{"AWS:EpochTime":1893456000},"#,
            r#""DateGreaterThan":{"AWS:EpochTime":1700000000},"IpAddress":{"AWS:SourceIp":"127.0.0.1/32"}}}]}"#
        )
    );
}

#[test]
fn url_appends_with_the_right_separator() {
    let s = sign(Policy::canned("https://x.test/a?b=1", EXP), &rsa_key(), ID, HashAlgorithm::Sha1).unwrap();
    assert!(s.url("https://x.test/a?b=1").starts_with("https://x.test/a?b=1&Expires="));
    assert!(s.url("https://x.test/a").starts_with("https://x.test/a?Expires="));
}

#[test]
fn urls_are_signed_as_given_except_what_a_url_cannot_hold() {
    for same in [
        "https://d111111abcdef8.cloudfront.net/a/b.txt?x=1&y=two",
        "https://d111111abcdef8.cloudfront.net/dir%20with%20space/%C3%BC.txt",
        "http://127.0.0.1:8080/private/report.pdf",
        "https://x.test/a:b@c/(d)!$'*+,;=/~e?q=a/b&flag&x=%2f&y=1+2",
        "HTTPS://X.test/A",
    ] {
        assert_eq!(url_for_signing(same).unwrap(), same);
    }
    assert_eq!(
        url_for_signing("https://d111111abcdef8.cloudfront.net/dir with space/ü.txt").unwrap(),
        "https://d111111abcdef8.cloudfront.net/dir%20with%20space/%C3%BC.txt"
    );
    assert_eq!(url_for_signing("https://x.test/a\"<>\\^`{|}").unwrap(), "https://x.test/a%22%3C%3E%5C%5E%60%7B%7C%7D");
    assert_eq!(url_for_signing("https://x.test/€?q=日本").unwrap(), "https://x.test/%E2%82%AC?q=%E6%97%A5%E6%9C%AC");
}

#[test]
fn unsignable_urls_are_refused_with_the_reason() {
    let cases = [
        ("/relative/path", "absolute"),
        ("ftp://x.test/a", "absolute"),
        ("https://", "no host"),
        ("https:///path", "no host"),
        ("https://x.test/a#frag", "fragment"),
        ("https://x.test/a?Expires=1", "already has a `Expires`"),
        ("https://x.test/a?b=1&Signature=x", "already has a `Signature`"),
        ("https://x.test/a?Key-Pair-Id", "already has a `Key-Pair-Id`"),
        ("https://x.test/a?Hash-Algorithm=SHA256", "already has"),
        ("https://x.test/a?Policy=x", "already has"),
    ];
    for (url, why) in cases {
        let e = url_for_signing(url).unwrap_err();
        assert!(e.contains(why), "{url}: {e}");
    }
    // a parameter that only contains the name is the site's own
    assert!(url_for_signing("https://x.test/a?MyExpires=1&Expiresx=2").is_ok());
}

#[test]
fn resource_patterns() {
    assert_eq!(resource_for_signing("https://x.test/downloads/*").unwrap(), "https://x.test/downloads/*");
    assert_eq!(resource_for_signing("*://x.test/*").unwrap(), "*://x.test/*");
    assert!(resource_for_signing("http*://x.test/*").is_err(), "the documentation: `http://`, `https://` or `*`");
    assert_eq!(resource_for_signing("*").unwrap(), "*");
    assert_eq!(resource_for_signing("https://x.test/ü/*").unwrap(), "https://x.test/%C3%BC/*");
    assert!(resource_for_signing("x.test/*").is_err());
    assert!(resource_for_signing("https://x.test/#a").is_err());
}

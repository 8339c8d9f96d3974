use std::net::IpAddr;

use super::*;

const URL: &str = "https://d111111abcdef8.cloudfront.net/images/photo.jpg";
const NOW: u64 = 1_800_000_000;
const EXP: u64 = 1_893_456_000;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn full() -> Policy {
    Policy {
        resource: Some("https://d111111abcdef8.cloudfront.net/training/*".into()),
        expires: EXP,
        starts: Some(1_700_000_000),
        ip: Some(Cidr::parse("192.0.2.0/24").unwrap()),
    }
}

#[test]
fn canned_json_is_byte_exact() {
    assert_eq!(
        Policy::canned(URL, EXP).to_json(),
        r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/images/photo.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1893456000}}}]}"#
    );
    assert!(Policy::canned(URL, EXP).is_canned());
    assert!(Policy::canned("https://x.test/a?b=1", EXP).is_canned(), "a query string does not make it custom");
    assert!(!Policy::canned("https://x.test/a/*", EXP).is_canned(), "a wildcard does");
}

#[test]
fn custom_json_follows_the_documentation_order() {
    assert_eq!(
        full().to_json(),
        concat!(
            r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/training/*","#,
            r#""Condition":{"DateLessThan":{"AWS:EpochTime":1893456000},"#,
            r#""DateGreaterThan":{"AWS:EpochTime":1700000000},"#,
            r#""IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]}"#
        )
    );
    assert!(!full().is_canned());
    let no_resource = Policy { resource: None, ..full() };
    assert!(no_resource.to_json().starts_with(r#"{"Statement":[{"Condition":"#));
}

#[test]
fn json_strings_escaped_like_json_stringify() {
    let p = Policy::canned("a\"b\\c\n\u{1}ü/", 1);
    assert!(p.to_json().contains(r#""Resource":"a\"b\\c\n\u0001ü/""#), "{}", p.to_json());
}

#[test]
fn written_policies_read_back() {
    for p in [Policy::canned(URL, EXP), full(), Policy { resource: None, ..full() }] {
        assert_eq!(Policy::parse(p.to_json().as_bytes()).unwrap(), p);
    }
}

#[test]
fn reads_whitespace_and_any_condition_order() {
    let text = r#"{ "Statement": [ { "Resource":"http://d111111abcdef8.cloudfront.net/game_download.zip",
        "Condition":{ "IpAddress":{"AWS:SourceIp":"192.0.2.0/24"},
                      "DateLessThan":{"AWS:EpochTime":1357034400} } } ] }"#;
    let p = Policy::parse(text.as_bytes()).unwrap();
    assert_eq!(p.expires, 1_357_034_400);
    assert_eq!(p.ip.unwrap().as_str(), "192.0.2.0/24");
    assert_eq!(p.starts, None);
}

#[test]
fn reading_fails_closed() {
    let cases = [
        ("", "not JSON"),
        ("[]", "not a JSON object"),
        (r#"{"Statement":[]}"#, "exactly one"),
        (
            r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}},{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
            "exactly one",
        ),
        (
            r#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}}}],"Version":"x"}"#,
            "other than `Statement`",
        ),
        (
            r#"{"Statement":[{"Resource":"x","Effect":"Allow","Condition":{"DateLessThan":{"AWS:EpochTime":1}}}]}"#,
            "other than `Resource`",
        ),
        (r#"{"Statement":[{"Resource":"x"}]}"#, "no `Condition`"),
        (r#"{"Statement":[{"Resource":"x","Condition":{}}]}"#, "no `DateLessThan`"),
        (
            r#"{"Statement":[{"Resource":"x","Condition":{"DateGreaterThan":{"AWS:EpochTime":1}}}]}"#,
            "no `DateLessThan`",
        ),
        (
            r#"{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":"1"}}}]}"#,
            "whole Unix seconds",
        ),
        (
            r#"{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":1.5}}}]}"#,
            "whole Unix seconds",
        ),
        (r#"{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":-1}}}]}"#, "whole Unix seconds"),
        (
            r#"{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":1,"Other":2}}}]}"#,
            "other than `AWS:EpochTime`",
        ),
        (
            r#"{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":9},"NotIpAddress":{"AWS:SourceIp":"1.2.3.4/32"}}}]}"#,
            "condition other than",
        ),
        (
            r#"{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":9},"IpAddress":{"AWS:SourceIp":"1.2.3.4/40"}}}]}"#,
            "not an address range",
        ),
        (
            r#"{"Statement":[{"Resource":"x","Condition":{"DateLessThan":{"AWS:EpochTime":9},"IpAddress":{"AWS:SourceIp":["1.2.3.4/32"]}}}]}"#,
            "not a string",
        ),
        (
            r#"{"Statement":[{"Resource":["a","b"],"Condition":{"DateLessThan":{"AWS:EpochTime":9}}}]}"#,
            "`Resource` is not a string",
        ),
    ];
    for (json, why) in cases {
        let e = Policy::parse(json.as_bytes()).unwrap_err();
        assert!(e.contains(why), "{json}: {e}");
    }
    let long = format!(
        r#"{{"Statement":[{{"Resource":"{}","Condition":{{"DateLessThan":{{"AWS:EpochTime":9}}}}}}]}}"#,
        "a".repeat(MAX_POLICY)
    );
    assert_eq!(Policy::parse(long.as_bytes()).unwrap_err(), "the policy is too long");
}

#[test]
fn each_condition_is_checked() {
    let p = full();
    let inside = ip("192.0.2.10");
    let url = "https://d111111abcdef8.cloudfront.net/training/orientation.pdf";
    assert_eq!(p.check(url, inside, NOW), Ok(()));
    // DateLessThan: valid strictly before
    assert_eq!(p.check(url, inside, EXP - 1), Ok(()));
    assert_eq!(p.check(url, inside, EXP), Err(Unmet::Expired { expires: EXP }));
    // DateGreaterThan: valid strictly after
    assert_eq!(p.check(url, inside, 1_700_000_001), Ok(()));
    assert_eq!(p.check(url, inside, 1_700_000_000), Err(Unmet::NotYetValid { starts: 1_700_000_000 }));
    assert_eq!(p.check(url, inside, 0), Err(Unmet::NotYetValid { starts: 1_700_000_000 }));
    // IpAddress
    assert_eq!(p.check(url, ip("192.0.3.10"), NOW), Err(Unmet::WrongIp));
    assert_eq!(p.check(url, ip("::ffff:192.0.2.10"), NOW), Ok(()));
    assert_eq!(p.check(url, ip("2001:db8::1"), NOW), Err(Unmet::WrongIp));
    // Resource
    assert_eq!(p.check("https://d111111abcdef8.cloudfront.net/secret/x", inside, NOW), Err(Unmet::WrongResource));
    let v6 = Policy { ip: Some(Cidr::parse("2001:db8::/32").unwrap()), ..full() };
    assert_eq!(v6.check(url, ip("2001:db8:ffff::1"), NOW), Ok(()));
    assert_eq!(v6.check(url, ip("2001:db9::1"), NOW), Err(Unmet::WrongIp));
    assert_eq!(v6.check(url, inside, NOW), Err(Unmet::WrongIp));
}

#[test]
fn resource_wildcards_match_as_cloudfront_documents() {
    let allows = |pattern: &str, url: &str| Policy::canned(pattern, EXP).allows(url);
    // the documentation's example: `*` anywhere, zero or more characters, query included
    let game = "http://d111111abcdef8.cloudfront.net/*game_download.zip*";
    assert!(allows(game, "http://d111111abcdef8.cloudfront.net/game_download.zip"));
    assert!(allows(game, "http://d111111abcdef8.cloudfront.net/example_game_download.zip?license=yes"));
    assert!(allows(game, "http://d111111abcdef8.cloudfront.net/test_game_download.zip?license=temp"));
    assert!(!allows(game, "http://d111111abcdef8.cloudfront.net/game_download.tar"));
    assert!(!allows(game, "https://d111111abcdef8.cloudfront.net/game_download.zip"), "scheme counts");
    // `?` is exactly one character
    let one = "https://x.test/file?.txt";
    assert!(allows(one, "https://x.test/file1.txt") && allows(one, "https://x.test/fileA.txt"));
    assert!(!allows(one, "https://x.test/file.txt") && !allows(one, "https://x.test/file12.txt"));
    // directory wildcards include everything below and the query
    let dir = "https://x.test/downloads/*";
    assert!(allows(dir, "https://x.test/downloads/a/b/c.zip?x=1"));
    assert!(allows(dir, "https://x.test/downloads/"));
    assert!(!allows(dir, "https://x.test/downloads"));
    assert!(!allows(dir, "https://x.test/Downloads/a.zip"), "case-sensitive");
    assert!(!allows(dir, "https://x.test.evil/downloads/a.zip"));
    // scheme and host wildcards
    assert!(allows("http*://x.test/*", "https://x.test/a") && allows("http*://x.test/*", "http://x.test/a"));
    assert!(allows("*", "https://anything.test/at/all?q"));
    assert!(allows("https://*.example.com/*", "https://cdn.example.com/a"));
    // exact resources are exact
    assert!(allows("https://x.test/a?b=1", "https://x.test/a?b=1"));
    assert!(!allows("https://x.test/a", "https://x.test/a?b=1"));
    assert!(!allows("https://x.test/a", "https://x.test/ab"));
    // no Resource: every URL
    assert!(Policy { resource: None, ..full() }.allows("https://other.test/x"));
}

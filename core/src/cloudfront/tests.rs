use std::net::IpAddr;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn base64_uses_cloudfront_alphabet_both_ways() {
    // 0xfb 0xef 0xff is "++//" in standard base64; one byte pads with "=="
    assert_eq!(b64::encode(&[0xfb, 0xef, 0xff]), "--~~");
    assert_eq!(b64::encode(b"a"), "YQ__");
    assert_eq!(b64::decode("YQ__").unwrap(), b"a");
    assert_eq!(b64::decode("--~~").unwrap(), [0xfb, 0xef, 0xff]);
    // other dialects are not CloudFront's
    assert_eq!(b64::decode("YQ=="), None);
    assert_eq!(b64::decode("++//"), None);
    assert_eq!(b64::decode("YQ_"), None);
    assert_eq!(b64::decode("Y Q__"), None);
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(b64::decode(&b64::encode(&all)).unwrap(), all);
}

#[test]
fn cidr_v4() {
    let c = Cidr::parse("192.0.2.0/24").unwrap();
    assert!(c.contains(ip("192.0.2.0")) && c.contains(ip("192.0.2.255")));
    assert!(!c.contains(ip("192.0.3.0")) && !c.contains(ip("10.0.0.1")));
    assert!(c.contains(ip("::ffff:192.0.2.7")), "IPv4-mapped client is its IPv4 address");
    assert!(!c.contains(ip("2001:db8::1")));
    let host = Cidr::parse("127.0.0.1").unwrap();
    assert_eq!(host.with_prefix(), "127.0.0.1/32");
    assert!(host.contains(ip("127.0.0.1")) && !host.contains(ip("127.0.0.2")));
    let odd = Cidr::parse("10.1.2.3/15").unwrap(); // host bits set: the network is what counts
    assert!(odd.contains(ip("10.0.255.255")) && odd.contains(ip("10.1.0.0")) && !odd.contains(ip("10.2.0.0")));
    assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
    assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("::ffff:1.2.3.4")));
    assert_eq!(Cidr::parse("192.0.2.0/24").unwrap().as_str(), "192.0.2.0/24");
}

#[test]
fn cidr_v6() {
    let c = Cidr::parse("2001:db8:1234::/48").unwrap();
    assert!(c.contains(ip("2001:db8:1234:ffff::1")));
    assert!(!c.contains(ip("2001:db8:1235::1")));
    assert!(!c.contains(ip("192.0.2.1")));
    let one = Cidr::parse("2001:db8::7").unwrap();
    assert_eq!(one.with_prefix(), "2001:db8::7/128");
    assert!(one.contains(ip("2001:db8::7")) && !one.contains(ip("2001:db8::8")));
    let odd = Cidr::parse("2001:db8::/29").unwrap();
    assert!(odd.contains(ip("2001:dbf::1")) && !odd.contains(ip("2001:dc0::1")));
    assert!(Cidr::parse("::/0").unwrap().contains(ip("2001:db8::1")));
    assert!(!Cidr::parse("::/0").unwrap().contains(ip("192.0.2.1")), "families never mix");
}

#[test]
fn cidr_refuses_nonsense() {
    for bad in [
        "",
        "192.0.2.0/33",
        "2001:db8::/129",
        "192.0.2/24",
        "192.0.2.0/",
        "192.0.2.0/-1",
        "/24",
        "a.b.c.d",
        "192.0.2.0/24/1",
        "192.0.2.0/ 24",
        "192.0.2.0/0024",
    ] {
        assert!(Cidr::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn when_forms() {
    const NOW: u64 = 1_700_000_000;
    assert_eq!(when::parse("1893456000", NOW).unwrap(), 1_893_456_000);
    assert_eq!(when::parse("2030-01-01T00:00:00Z", NOW).unwrap(), 1_893_456_000);
    assert_eq!(when::parse("2030-01-01", NOW).unwrap(), 1_893_456_000);
    assert_eq!(when::parse("2030-01-01T01:00:00+01:00", NOW).unwrap(), 1_893_456_000);
    assert_eq!(when::parse("2029-12-31T19:00:00-05:00", NOW).unwrap(), 1_893_456_000);
    assert_eq!(when::parse("2030-01-01t00:00:00.999z", NOW).unwrap(), 1_893_456_000);
    assert_eq!(when::parse("2030-01-01 00:00:00Z", NOW).unwrap(), 1_893_456_000);
    assert_eq!(when::parse("2024-02-29T12:00:00Z", NOW).unwrap(), 1_709_208_000);
    assert_eq!(when::parse("1970-01-01T00:00:00Z", NOW).unwrap(), 0);
    assert_eq!(when::parse("1h", NOW).unwrap(), NOW + 3600);
    assert_eq!(when::parse("+90m", NOW).unwrap(), NOW + 5400);
    assert_eq!(when::parse("7d", NOW).unwrap(), NOW + 7 * 86_400);
    assert_eq!(when::parse("2h 30m", NOW).unwrap(), NOW + 9000);
    for bad in [
        "",
        "soon",
        "2030-13-01",
        "2023-02-29",
        "2030-01-01T25:00:00Z",
        "2030-01-01T00:00:00",
        "2030-01-01T00:00:00+0100",
        "1h-",
        "-1h",
        "99999999999999999999999",
    ] {
        assert!(when::parse(bad, NOW).is_err(), "{bad:?}");
    }
}

#[test]
fn hash_algorithm_names() {
    assert_eq!(HashAlgorithm::parse("SHA1"), Some(HashAlgorithm::Sha1));
    assert_eq!(HashAlgorithm::parse("SHA256"), Some(HashAlgorithm::Sha256));
    assert_eq!(HashAlgorithm::parse("sha256"), None);
    assert_eq!(HashAlgorithm::parse("SHA-256"), None);
    assert_eq!(HashAlgorithm::Sha1.param(), None);
    assert_eq!(HashAlgorithm::Sha256.param(), Some("SHA256"));
    assert_eq!(HashAlgorithm::default(), HashAlgorithm::Sha1);
}

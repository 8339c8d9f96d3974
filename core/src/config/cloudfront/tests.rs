use super::*;
use crate::config::tests::minimal;
use crate::config::{Config, parse};

/// The config used by the CloudFront tests across the core: a key group of three keys (two
/// RSA, one ECDSA), two signed-path rules, and login mode with key `K1`.
pub(crate) fn cf_config() -> String {
    format!(
        r#"{}
[cloudfront.key_groups.partners]
K1 = {{ file = "rsa2048.pub.pem" }}
K2 = {{ file = "other2048.pub.pem" }}
K3 = {{ file = "ec256.pub.pem" }}

[cloudfront.key_groups.other]
K2 = {{ file = "other2048.pub.pem" }}

[[cloudfront.signed_paths]]
paths = ["/downloads/*", "/files/*.zip"]
key_group = "partners"

[[cloudfront.signed_paths]]
paths = ["/mail/*"]
key_group = "partners"
accept = ["url"]

[[cloudfront.signed_paths]]
paths = ["/jar/*"]
key_group = "partners"
accept = ["cookies"]

[[cloudfront.signed_paths]]
paths = ["/elsewhere/*"]
key_group = "other"

[cloudfront.login_cookies]
key_pair_id = "K1"
private_key = {{ file = "rsa2048.pem" }}
resource = "http://127.0.0.1:8080/*"
lifetime = "1h"
"#,
        minimal()
    )
}

/// Answers `{{ file = … }}` with the test keys.
pub(crate) fn testdata(s: &RawSecret) -> Result<String, String> {
    let RawSecret::File(name) = s else { return Err("only files here".into()) };
    Ok(match name.as_str() {
        "rsa2048.pub.pem" => include_str!("../../cloudfront/testdata/rsa2048.pub.pem"),
        "other2048.pub.pem" => include_str!("../../cloudfront/testdata/other2048.pub.pem"),
        "ec256.pub.pem" => include_str!("../../cloudfront/testdata/ec256.pub.pem"),
        "rsa2048.pem" => include_str!("../../cloudfront/testdata/rsa2048.pem"),
        "ec256.pem" => include_str!("../../cloudfront/testdata/ec256.pem"),
        "rsa1024.pub.pem" => include_str!("../../cloudfront/testdata/rsa1024.pub.pem"),
        other => return Err(format!("no test file {other}")),
    }
    .to_owned())
}

fn load(text: &str) -> Result<Config, ConfigError> {
    parse(text, &mut testdata)
}

#[test]
fn absent_table_means_nothing_signed() {
    let c = load(&minimal()).unwrap();
    assert!(c.cloudfront.signed_paths.is_empty());
    assert!(c.cloudfront.login_cookies.is_none());
}

#[test]
fn full_table_parses() {
    let c = load(&cf_config()).unwrap();
    let cf = &c.cloudfront;
    assert_eq!(cf.signed_paths.len(), 4);
    let first = &cf.signed_paths[0];
    assert_eq!(first.key_group_name, "partners");
    assert_eq!(first.key_group.ids().collect::<Vec<_>>(), ["K1", "K2", "K3"]);
    assert!(first.accept_url && first.accept_cookies);
    assert!(cf.signed_paths[1].accept_url && !cf.signed_paths[1].accept_cookies);
    assert!(!cf.signed_paths[2].accept_url && cf.signed_paths[2].accept_cookies);
    let lc = cf.login_cookies.as_ref().unwrap();
    assert_eq!(lc.key_pair_id, "K1");
    assert_eq!(lc.resource, "http://127.0.0.1:8080/*");
    assert_eq!(lc.lifetime_secs, 3600);
    assert_eq!(lc.path, "/");
    assert_eq!(lc.domain, None);
    assert_eq!(lc.hash, HashAlgorithm::Sha1);
    assert!(format!("{c:?}").contains("[redacted]"));
}

#[test]
fn login_cookie_lifetime_defaults_to_ten_minutes_within_the_session() {
    let c =
        load(&cf_config().replace("lifetime = \"1h\"\n", "hash_algorithm = \"SHA256\"\ndomain = \"example.com\"\n"))
            .unwrap();
    let lc = c.cloudfront.login_cookies.unwrap();
    // CloudFront checks them by itself: how long a signed-out user's copy keeps working there
    assert_eq!(lc.lifetime_secs, 600);
    assert_eq!(lc.hash, HashAlgorithm::Sha256);
    assert_eq!(lc.domain.as_deref(), Some("example.com"));
}

#[test]
fn mistakes_name_their_key() {
    let cases = [
        (
            cf_config().replace("key_group = \"other\"", "key_group = \"nope\""),
            "cloudfront.signed_paths[3].key_group",
            "not a key group",
        ),
        (
            cf_config().replace("accept = [\"url\"]", "accept = [\"query\"]"),
            "cloudfront.signed_paths[1].accept",
            "`query`",
        ),
        (cf_config().replace("accept = [\"url\"]", "accept = []"), "cloudfront.signed_paths[1].accept", "must name"),
        (
            cf_config().replace("paths = [\"/mail/*\"]", "paths = []"),
            "cloudfront.signed_paths[1].paths",
            "at least one",
        ),
        (
            cf_config().replace("paths = [\"/mail/*\"]", "paths = [\"mail/*\"]"),
            "cloudfront.signed_paths[1].paths[0]",
            "must start",
        ),
        (
            cf_config().replace("K3 = { file = \"ec256.pub.pem\" }", "K3 = { file = \"rsa1024.pub.pem\" }"),
            "cloudfront.key_groups.partners.K3",
            "1024 bits",
        ),
        (
            cf_config().replace("K3 = { file = \"ec256.pub.pem\" }", "K3 = \"not a key\""),
            "cloudfront.key_groups.partners.K3",
            "PEM",
        ),
        (cf_config().replace("K3 = { file", "\"K 3\" = { file"), "cloudfront.key_groups.partners.K 3", "not a key id"),
        (
            cf_config().replace(
                "[cloudfront.key_groups.other]\nK2 = { file = \"other2048.pub.pem\" }",
                "[cloudfront.key_groups.other]",
            ),
            "cloudfront.key_groups.other",
            "at least one",
        ),
        (
            cf_config().replace("key_pair_id = \"K1\"", "key_pair_id = \"K1;x\""),
            "cloudfront.login_cookies.key_pair_id",
            "not a key id",
        ),
        (
            cf_config().replace("{ file = \"rsa2048.pem\" }", "{ file = \"ec256.pem\" }"),
            "cloudfront.login_cookies.private_key",
            "RSA keys only",
        ),
        (
            cf_config().replace("{ file = \"rsa2048.pem\" }", "{ file = \"missing.pem\" }"),
            "cloudfront.login_cookies.private_key",
            "no test file",
        ),
        (
            cf_config().replace("resource = \"http://127.0.0.1:8080/*\"", "resource = \"/x/*\""),
            "cloudfront.login_cookies.resource",
            "must begin",
        ),
        (
            cf_config().replace("lifetime = \"1h\"", "lifetime = \"10s\""),
            "cloudfront.login_cookies.lifetime",
            "at least 1m",
        ),
        (
            cf_config().replace("lifetime = \"1h\"", "lifetime = \"1h\"\nhash_algorithm = \"MD5\""),
            "cloudfront.login_cookies.hash_algorithm",
            "`MD5`",
        ),
        (
            cf_config().replace("lifetime = \"1h\"", "lifetime = \"1h\"\ndomain = \"a b\""),
            "cloudfront.login_cookies.domain",
            "not a domain",
        ),
        (
            cf_config().replace("lifetime = \"1h\"", "lifetime = \"1h\"\npath = \"x\""),
            "cloudfront.login_cookies.path",
            "cookie path",
        ),
        (
            cf_config().replace("lifetime = \"1h\"", "lifetime = \"1h\"\nlifetme = \"1h\""),
            "cloudfront.login_cookies.lifetme",
            "unknown field",
        ),
        (
            cf_config().replace("accept = [\"url\"]", "acept = [\"url\"]"),
            "cloudfront.signed_paths[1].acept",
            "unknown field",
        ),
    ];
    for (text, key, problem) in cases {
        let e = load(&text).unwrap_err();
        assert_eq!(e.key, key, "{e}");
        assert!(e.problem.contains(problem), "{e}");
    }
}

#[test]
fn a_resource_that_misses_the_site_is_a_warning() {
    assert!(load(&cf_config()).unwrap().warnings.iter().all(|w| !w.contains("cloudfront")));
    let off = cf_config()
        .replace("resource = \"http://127.0.0.1:8080/*\"", "resource = \"https://d111111abcdef8.cloudfront.net/*\"");
    let w = load(&off).unwrap().warnings;
    assert!(w.iter().any(|w| w.contains("cloudfront.login_cookies.resource")), "{w:?}");
    let other_host = off.replace("lifetime = \"1h\"", "lifetime = \"1h\"\ndomain = \"cloudfront.net\"");
    assert!(load(&other_host).unwrap().warnings.iter().all(|w| !w.contains("cloudfront")));
}

use super::parse_size;
use crate::config::tests::minimal;
use crate::config::{Config, ConfigError, RawSecret, parse};

fn load(extra: &str) -> Result<Config, ConfigError> {
    parse(&format!("{}\n{extra}\n", minimal()), &mut |s: &RawSecret| match s {
        RawSecret::Env(_) => Ok("0123456789abcdef0123".into()),
        _ => Err("no files".into()),
    })
}

#[test]
fn defaults() {
    let c = load("").unwrap();
    assert_eq!(c.proxy.user_header.as_ref().unwrap().as_str(), "x-auth-request-user");
    assert_eq!(c.proxy.groups_header.as_ref().unwrap().as_str(), "x-auth-request-groups");
    assert!(c.proxy.forwarded_headers);
    assert_eq!(c.cache.max_size, 128 << 20);
    assert_eq!(c.cache.max_object_size, 8 << 20);
    assert_eq!((c.cache.default_ttl, c.cache.stale_if_error), (0, 3600));
    assert!(c.compression.enabled);
    assert_eq!(c.compression.min_size, 256);
    assert!(c.admin.is_none(), "the admin listener is off by default");
}

#[test]
fn everything_set() {
    let c = load(
        r#"
[proxy]
identity_headers = { user = "Remote-User", email = "", groups = "Remote-Groups" }
forwarded_headers = false
strip_cookies = ["_ga"]
[cache]
max_size = "1MiB"
max_object_size = 65536
default_ttl = "5m"
stale_if_error = "0s"
rules = [{ path = "/assets/*", default_ttl = "1d" }]
[compression]
enabled = false
min_size = "1KiB"
[admin]
listen = "127.0.0.1:9091"
token = { env = "ADMIN_TOKEN" }
"#,
    )
    .unwrap();
    assert_eq!(c.proxy.user_header.as_ref().unwrap().as_str(), "remote-user");
    assert!(c.proxy.email_header.is_none());
    assert_eq!(c.proxy.identity_names().count(), 3, "name keeps its default");
    assert_eq!((c.cache.max_size, c.cache.max_object_size, c.cache.default_ttl), (1 << 20, 65536, 300));
    assert_eq!(c.cache.rules[0].default_ttl, Some(86400));
    assert_eq!(c.compression.min_size, 1024);
    let a = c.admin.unwrap();
    assert_eq!(a.listen.port(), 9091);
    assert_eq!(format!("{:?}", a.token), "[redacted]");
}

#[test]
fn warnings_for_an_exposed_admin_and_a_lopsided_cache() {
    assert!(load("").unwrap().warnings.is_empty());
    let c = load("[admin]\nlisten = \"0.0.0.0:9090\"\ntoken = { env = \"T\" }\n[cache]\nmax_size = \"1MiB\"\nmax_object_size = \"1MiB\"").unwrap();
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
    assert!(c.warnings[0].contains("admin.listen"));
    assert!(c.warnings[1].contains("cache.max_object_size"));
}

#[test]
fn sizes() {
    assert_eq!(parse_size("64MiB"), Some(64 << 20));
    assert_eq!(parse_size("10 MB"), Some(10_000_000));
    assert_eq!(parse_size("512KiB"), Some(512 << 10));
    assert_eq!(parse_size("100"), Some(100));
    assert_eq!(parse_size("1.5GiB"), None);
    assert_eq!(parse_size("MiB"), None);
    assert_eq!(parse_size("99999999999999GiB"), None);
}

#[test]
fn mistakes_name_their_key() {
    let cases = [
        ("[cache]\nmax_size = \"lots\"", "cache.max_size"),
        ("[cache]\ndefault_ttl = \"soon\"", "cache.default_ttl"),
        ("[cache]\nrules = [{ path = \"assets\", default_ttl = \"1d\" }]", "cache.rules[0].path"),
        ("[cache]\nmax_sise = 1", "cache.max_sise"),
        ("[proxy]\nidentity_headers = { user = \"bad header\" }", "proxy.identity_headers.user"),
        ("[proxy]\nidentity_headers = { groups = \"Cookie\" }", "proxy.identity_headers.groups"),
        ("[proxy]\nstrip_cookies = [\"a=b\"]", "proxy.strip_cookies[0]"),
        ("[admin]\nlisten = \"nowhere\"\ntoken = \"0123456789abcdef\"", "admin.listen"),
        ("[admin]\nlisten = \"127.0.0.1:1\"\ntoken = \"short\"", "admin.token"),
        ("[compression]\nmin_size = \"x\"", "compression.min_size"),
        ("[cache]\nrules = [{ path = \"/a/*\" }]", "cache.rules[0]"),
        ("[proxy]\nmax_request_body = \"big\"", "proxy.max_request_body"),
    ];
    for (extra, key) in cases {
        match load(extra) {
            Err(e) => assert_eq!(e.key, key, "{e}"),
            Ok(_) => panic!("accepted: {extra}"),
        }
    }
}

#[test]
fn a_cache_rule_may_share_personal_answers_and_keep_the_global_ttl() {
    let c = load("[cache]\ndefault_ttl = \"5m\"\nrules = [{ path = \"/static/*\", shared = true }]\n[proxy]\nmax_request_body = \"1MiB\"").unwrap();
    assert_eq!((c.cache.rules[0].default_ttl, c.cache.rules[0].shared), (None, true));
    assert_eq!(crate::cache::default_ttl(&c.cache, "/static/x"), 300);
    assert_eq!(c.proxy.max_request_body, 1 << 20);
}

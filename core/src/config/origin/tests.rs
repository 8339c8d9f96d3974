use crate::config::tests::minimal;
use crate::config::{Config, ConfigError, OriginKind, RawSecret, parse};

fn with_origin(origin: &str) -> String {
    minimal().replace("[origin]\ndir = \"./site\"\n", &format!("[origin]\n{origin}\n"))
}

fn load(text: &str) -> Result<Config, ConfigError> {
    parse(text, &mut |s: &RawSecret| match s {
        RawSecret::Env(n) => Ok(format!("env:{n}")),
        _ => Err("no files".into()),
    })
}

#[test]
fn the_fixed_forms_parse() {
    let c = load(&with_origin(
        r#"s3 = { bucket = "site", region = "us-east-1", endpoint = "http://127.0.0.1:9700", path_style = true }"#,
    ))
    .unwrap();
    let OriginKind::S3(s3) = &c.origin.kind else { panic!("{:?}", c.origin.kind) };
    assert_eq!((s3.bucket.as_str(), s3.endpoint.as_str(), s3.path_style), ("site", "http://127.0.0.1:9700", true));
    assert!(s3.credentials.is_none(), "left to the loader (environment, credentials file)");
    assert!(c.origin.static_site, "S3 has no index documents of its own");
    let c = load(&with_origin(r#"http = "http://127.0.0.1:9800""#)).unwrap();
    let OriginKind::Http(h) = &c.origin.kind else { panic!() };
    assert_eq!(h.base, "http://127.0.0.1:9800");
    assert!(!c.origin.static_site, "an HTTP origin has its own index handling");
    assert_eq!(c.origin.timeouts.connect.as_secs(), 5);
    assert_eq!(c.origin.timeouts.read.as_secs(), 30);
}

#[test]
fn s3_details() {
    let c = load(&with_origin(
        r#"s3 = { bucket = "site", region = "eu-west-1", prefix = "www/", access_key_id = "AKIA1", secret_access_key = { env = "SK" }, session_token = { env = "TOK" } }
read_timeout = "500ms""#,
    ))
    .unwrap();
    let OriginKind::S3(s3) = &c.origin.kind else { panic!() };
    assert_eq!(s3.endpoint, "https://s3.eu-west-1.amazonaws.com");
    assert_eq!(s3.prefix, "www/");
    let k = s3.credentials.as_ref().unwrap();
    assert_eq!((k.access_key_id.as_str(), k.secret_access_key.expose()), ("AKIA1", "env:SK"));
    assert_eq!(k.session_token.as_ref().unwrap().expose(), "env:TOK");
    assert_eq!(format!("{k:?}").matches("[redacted]").count(), 2);
    assert_eq!(c.origin.timeouts.read.as_millis(), 500);
}

#[test]
fn http_base_path_and_secret_header() {
    let c = load(&with_origin(
        "http = \"https://backend.internal/site/\"\nsecret_header = { name = \"X-Origin-Verify\", value = { env = \"V\" } }",
    ))
    .unwrap();
    let OriginKind::Http(h) = &c.origin.kind else { panic!() };
    assert_eq!(h.base, "https://backend.internal/site");
    let s = c.origin.secret_header.as_ref().unwrap();
    assert_eq!((s.name.as_str(), s.value.expose()), ("x-origin-verify", "env:V"));
}

#[test]
fn routes_in_order() {
    let c = load(&format!(
        "{}\n[[origin.routes]]\npath = \"/api/*\"\nhttp = \"http://127.0.0.1:9800\"\n[[origin.routes]]\npath = \"/media/*\"\ns3 = {{ bucket = \"m\", region = \"us-east-1\" }}\nspa = true\n",
        minimal()
    ))
    .unwrap();
    assert_eq!(c.routes.len(), 2);
    assert_eq!(c.routes[0].path.as_str(), "/api/*");
    assert!(c.routes[1].origin.spa);
    assert!(matches!(c.origin.kind, OriginKind::Dir(_)));
}

#[test]
fn mistakes_name_their_key() {
    let route = |body: &str| format!("{}\n[[origin.routes]]\n{body}\n", minimal());
    let cases = [
        (with_origin(""), "origin"),
        (with_origin("dir = \"a\"\nhttp = \"http://x\""), "origin"),
        (with_origin("http = \"ftp://x\""), "origin.http"),
        (with_origin("http = \"http://x/?q=1\""), "origin.http"),
        (with_origin("dir = \"a\"\nread_timeout = \"1s\""), "origin.read_timeout"),
        (with_origin("http = \"http://x\"\nread_timeout = \"0s\""), "origin.read_timeout"),
        (
            with_origin("s3 = { bucket = \"b\", region = \"r\" }\nsecret_header = { name = \"x-a\", value = \"v\" }"),
            "origin.secret_header",
        ),
        (
            with_origin("http = \"http://x\"\nsecret_header = { name = \"Cookie\", value = \"v\" }"),
            "origin.secret_header.name",
        ),
        (
            with_origin("http = \"http://x\"\nsecret_header = { name = \"x-a\", value = \"a\\nb\" }"),
            "origin.secret_header.value",
        ),
        (with_origin("s3 = { bucket = \"b\", region = \"r\", bukket = \"c\" }"), "origin.s3.bukket"),
        (with_origin("s3 = { bucket = \"My_Bucket\", region = \"us-east-1\" }"), "origin.s3.path_style"),
        (
            with_origin("s3 = { bucket = \"b\", region = \"us-east-1\", access_key_id = \"a\" }"),
            "origin.s3.secret_access_key",
        ),
        (
            with_origin("s3 = { bucket = \"b\", region = \"us-east-1\", session_token = \"t\" }"),
            "origin.s3.session_token",
        ),
        (with_origin("s3 = { bucket = \"b\", region = \"us-east-1\", prefix = \"/x\" }"), "origin.s3.prefix"),
        (
            with_origin("s3 = { bucket = \"b\", region = \"us-east-1\", endpoint = \"http://h/p\" }"),
            "origin.s3.endpoint",
        ),
        (with_origin("dir = \"a\"\npath = \"/x/*\""), "origin.path"),
        (route("http = \"http://x\""), "origin.routes[0].path"),
        (route("path = \"x\"\nhttp = \"http://x\""), "origin.routes[0].path"),
        (route("path = \"/x/*\""), "origin.routes[0]"),
        (
            route("path = \"/x/*\"\nhttp = \"http://x\"\nroutes = [{ path = \"/y\", dir = \"d\" }]"),
            "origin.routes[0].routes",
        ),
    ];
    for (text, key) in cases {
        match load(&text) {
            Err(e) => assert_eq!(e.key, key, "{e}\n{text}"),
            Ok(_) => panic!("accepted:\n{text}"),
        }
    }
}

#[test]
fn file_cache_is_for_folders() {
    let c = load(&with_origin("dir = \"./site\"")).unwrap();
    assert_eq!(c.origin.file_cache, super::DEFAULT_FILE_CACHE);
    let c = load(&with_origin("dir = \"./site\"\nfile_cache = \"1MiB\"")).unwrap();
    assert_eq!(c.origin.file_cache, 1024 * 1024);
    let c = load(&with_origin("dir = \"./site\"\nfile_cache = 0")).unwrap();
    assert_eq!(c.origin.file_cache, 0);
    let e = load(&with_origin("dir = \"./site\"\nfile_cache = \"lots\"")).unwrap_err();
    assert_eq!(e.key, "origin.file_cache");
    let e = load(&with_origin("http = \"http://127.0.0.1:9800\"\nfile_cache = \"1MiB\"")).unwrap_err();
    assert_eq!((e.key.as_str(), e.problem.as_str()), ("origin.file_cache", "is for `dir` origins"));
}

use super::*;

pub(crate) const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

pub(crate) fn minimal() -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:8080"
public_url = "http://127.0.0.1:8080"
[oidc]
issuer = "http://127.0.0.1:9400"
client_id = "authfront-confidential"
client_secret = "s3cret"
scopes = ["openid", "email", "profile", "groups"]
[session]
keys = ["{KEY}"]
[origin]
dir = "./site"
[access]
public_paths = ["/public/*"]
required_groups = ["staff"]
"#
    )
}

fn no_refs(_: &RawSecret) -> Result<String, String> {
    Err("no references in this test".into())
}

fn load(text: &str) -> Result<Config, ConfigError> {
    parse(text, &mut no_refs)
}

fn err(text: &str) -> ConfigError {
    load(text).unwrap_err()
}

#[test]
fn minimal_parses_with_defaults() {
    let c = load(&minimal()).unwrap();
    assert_eq!(c.server.endpoints.callback, "/_authfront/callback");
    assert_eq!(c.oidc.client_auth, ClientAuth::SecretBasic);
    assert_eq!(c.oidc.clock_skew_secs, 60);
    assert_eq!(c.session.lifetime_secs, 8 * 3600);
    assert!(c.session.cookie.secure);
    assert_eq!(c.session.cookie.same_site, SameSite::Lax);
    assert_eq!(c.access.groups_claim, "groups");
    assert!(c.headers.iter().any(|(n, _)| n == "x-content-type-options"));
    assert!(!c.headers.iter().any(|(n, _)| n == "strict-transport-security"), "no HSTS over http");
    assert_eq!(format!("{:?}", c.oidc.client_secret), "Some([redacted])");
}

#[test]
fn unknown_key_is_named() {
    let e = err(&minimal().replace("issuer =", "isuer ="));
    assert_eq!(e.key, "oidc.isuer", "{e}");
    assert!(e.problem.contains("unknown field"), "{e}");
    let e = err(&minimal().replace("[access]", "[acess]"));
    assert!(e.to_string().contains("acess"), "{e}");
}

#[test]
fn hardening_defaults() {
    let c = load(&minimal()).unwrap();
    let g = c.server.guard;
    assert_eq!(g.limits, Limits::default());
    assert_eq!(g.limits.header_read_timeout, std::time::Duration::from_secs(10));
    assert_eq!(g.limits.max_header_size, 64 * 1024);
    assert_eq!(g.path_parameters, crate::path::Semicolons::Reject);
    assert_eq!(g.underscore_headers, Underscores::Reject);
    assert_eq!(c.access.preflight, Preflight::Authenticate);
    assert_eq!(c.proxy.max_request_body, 16 << 20);
    assert_eq!((c.origin.hidden_files, c.origin.symlinks), (HiddenFiles::Deny, Symlinks::Deny));
    assert!(c.oidc.trusted_audiences.is_empty());
    assert_eq!(c.session.refresh_retry_secs, 30);
    assert_eq!(c.store.queue_path, std::path::PathBuf::from("authfront-queue"));
    // the derived cap leaves room for everything else, and never falls below a floor
    assert_eq!(g.limits.connections(1024), 480);
    assert_eq!(g.limits.connections(256), 96);
    assert_eq!(g.limits.connections(10), 16);
    let set = load(&minimal().replace(
        "[server]",
        "[server]\nmax_connections = 7\nheader_read_timeout = \"2s\"\npath_parameters = \"encode\"\nunderscore_headers = \"strip\"",
    ))
    .unwrap();
    assert_eq!(set.server.guard.limits.connections(1024), 7);
    assert_eq!(set.server.guard.limits.header_read_timeout, std::time::Duration::from_secs(2));
    assert_eq!(set.server.guard.path_parameters, crate::path::Semicolons::Encode);
    assert_eq!(set.server.guard.underscore_headers, Underscores::Strip);
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        (minimal().replace("127.0.0.1:8080\"\npublic", "nowhere\"\npublic"), "server.listen"),
        (
            minimal().replace("public_url = \"http://127.0.0.1:8080\"", "public_url = \"http://h/app\""),
            "server.public_url",
        ),
        (minimal().replace("\"openid\", ", ""), "oidc.scopes"),
        (minimal().replace(KEY, "short"), "session.keys[0]"),
        (minimal().replace("[session]", "[session]\nlifetime = \"soon\""), "session.lifetime"),
        (minimal().replace("[session]", "[session]\nsame_site = \"none\"\nsecure = false"), "session.same_site"),
        (minimal().replace("\"/public/*\"", "\"public\""), "access.public_paths[0]"),
        (minimal().replace("[oidc]", "[oidc]\nid_token_algs = [\"HS256\"]"), "oidc.id_token_algs[0]"),
        (minimal().replace("[oidc]", "[oidc]\nid_token_algs = [\"none\"]"), "oidc.id_token_algs[0]"),
        (minimal().replace("[oidc]", "[oidc]\nclient_auth = \"none\""), "oidc.client_auth"),
        (minimal().replace("client_secret = \"s3cret\"", "client_auth = \"client_secret_post\""), "oidc.client_auth"),
        (minimal().replace("[oidc]", "[oidc]\nauth_params = { state = \"x\" }"), "oidc.auth_params.state"),
        (
            minimal().replace("[session]", "[session]\ncookie_name = \"__Host-a\"\nsecure = false"),
            "session.cookie_name",
        ),
        (minimal().replace("[server]", "[server]\nendpoint_prefix = \"/\""), "server.endpoint_prefix"),
        (minimal().replace("[server]", "[server]\ncallback_path = \"/a/../b\""), "server.callback_path"),
        (format!("{}\n[headers]\n\"Set-Cookie\" = \"x\"\n", minimal()), "headers.Set-Cookie"),
        (minimal().replace("dir = \"./site\"", ""), "origin"),
        (minimal().replace("[oidc]", "[oidc]\nhttp_timeout = \"0s\""), "oidc.http_timeout"),
        (minimal().replace("[oidc]", "[oidc]\ntrusted_audiences = [\"\"]"), "oidc.trusted_audiences[0]"),
        (minimal().replace("[server]", "[server]\nheader_read_timeout = \"0s\""), "server.header_read_timeout"),
        (minimal().replace("[server]", "[server]\nidle_timeout = \"soon\""), "server.idle_timeout"),
        (minimal().replace("[server]", "[server]\nmax_connections = 0"), "server.max_connections"),
        (minimal().replace("[server]", "[server]\nmax_header_size = \"1KiB\""), "server.max_header_size"),
        (minimal().replace("[server]", "[server]\nhttp2_max_streams = 0"), "server.http2_max_streams"),
        (minimal().replace("[server]", "[server]\npath_parameters = \"allow\""), "server.path_parameters"),
        (minimal().replace("[server]", "[server]\nunderscore_headers = \"keep\""), "server.underscore_headers"),
        (minimal().replace("[access]", "[access]\npreflight = \"yes\""), "access.preflight"),
        (minimal().replace("[session]", "[session]\nrefresh_retry = \"later\""), "session.refresh_retry"),
        (minimal().replace("dir = \"./site\"", "dir = \"./site\"\nsymlinks = \"yes\""), "origin.symlinks"),
        (minimal().replace("dir = \"./site\"", "dir = \"./site\"\nhidden_files = \"show\""), "origin.hidden_files"),
        (
            minimal().replace("dir = \"./site\"", "http = \"http://127.0.0.1:1\"\nsymlinks = \"follow\""),
            "origin.symlinks",
        ),
        (format!("{}\n[store]\nqueue_path = \"\"\n", minimal()), "store.queue_path"),
        (
            format!("{}\n[admin]\nlisten = \"127.0.0.1:8080\"\ntoken = \"0123456789abcdef\"\n", minimal()),
            "admin.listen",
        ),
    ];
    for (text, key) in cases {
        assert_eq!(err(&text).key, key, "{}", err(&text));
    }
}

#[test]
fn secrets_from_references() {
    let text = minimal()
        .replace("\"s3cret\"", "{ env = \"CLIENT_SECRET\" }")
        .replace(&format!("\"{KEY}\""), "{ file = \"k\" }");
    let mut resolve = |s: &RawSecret| match s {
        RawSecret::Env(n) if n == "CLIENT_SECRET" => Ok("from-env\n".to_owned()),
        RawSecret::File(f) if f == "k" => Ok(format!("{KEY}\n")),
        _ => Err("unexpected".to_owned()),
    };
    let c = parse(&text, &mut resolve).unwrap();
    assert_eq!(c.oidc.client_secret.unwrap().expose(), "from-env");
    let text = minimal().replace("\"s3cret\"", "{ env = \"MISSING\" }");
    let mut resolve = |_: &RawSecret| Err("environment variable `MISSING` is not set".to_owned());
    let e = parse(&text, &mut resolve).unwrap_err();
    assert_eq!(e.key, "oidc.client_secret");
    let e = err(&minimal().replace("\"s3cret\"", "{ vault = \"x\" }"));
    assert_eq!(e.key, "oidc.client_secret", "{e}");
}

#[test]
fn public_client_and_renamed_callback() {
    let text = minimal()
        .replace("client_secret = \"s3cret\"", "")
        .replace("[server]", "[server]\ncallback_path = \"/parseauth\"");
    let c = load(&text).unwrap();
    assert_eq!(c.oidc.client_auth, ClientAuth::None);
    assert_eq!(c.server.endpoints.callback, "/parseauth");
}

#[test]
fn headers_override_and_remove_defaults() {
    let text = format!(
        "{}\n[headers]\n\"X-Frame-Options\" = \"SAMEORIGIN\"\n\"Content-Security-Policy\" = \"\"\n\"X-Extra\" = \"1\"\n",
        minimal().replace("http://127.0.0.1:8080\"\n[oidc]", "https://docs.example.com\"\n[oidc]")
    );
    let c = load(&text).unwrap();
    let get = |n: &str| c.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.to_str().unwrap().to_owned());
    assert_eq!(get("x-frame-options").as_deref(), Some("SAMEORIGIN"));
    assert_eq!(get("content-security-policy"), None);
    assert_eq!(get("x-extra").as_deref(), Some("1"));
    assert!(get("strict-transport-security").is_some());
}

#[test]
fn switch_account_prompt_is_login_unless_told() {
    assert_eq!(load(&minimal()).unwrap().oidc.switch_account_prompt, crate::prompt::Prompt::Login);
    let google = minimal().replace("[oidc]", "[oidc]\nswitch_account_prompt = \"select_account\"");
    assert_eq!(load(&google).unwrap().oidc.switch_account_prompt, crate::prompt::Prompt::SelectAccount);
    let bad = minimal().replace("[oidc]", "[oidc]\nswitch_account_prompt = \"none\"");
    let e = load(&bad).unwrap_err();
    assert!(e.to_string().contains("oidc.switch_account_prompt"), "{e}");
}

#[test]
fn origin_is_required_unless_forward_auth_alone() {
    let without = minimal().replace("[origin]\ndir = \"./site\"\n", "");
    assert_eq!(err(&without).key, "origin");
    let c = load(&format!("{without}\n[forward_auth]\n")).unwrap();
    assert!(matches!(c.origin.kind, crate::config::OriginKind::None));
    assert!(c.routes.is_empty());
}

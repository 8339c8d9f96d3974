//! Target `config`: `config::parse`, TOML text to a checked `Config`, with the fake secret
//! resolver of [`crate::fixtures::fake_secrets`] (the pure part of `check-config`: resolving
//! references and checking folders is the adapter's).
//!
//! Invariants: the same text gives the same answer twice; an error names something and, when it
//! gives a line, a line the text has; a config that parses has an `http(s)` public URL without
//! a trailing slash, own endpoints that are normalised absolute paths under no trailing slash,
//! public-path patterns that start with `/` or `*`, no HMAC among the ID-token algorithms,
//! lifetimes of at least a minute, three distinct cookie names, and makes a site whose redirect
//! URI is the public URL plus the callback path.

use authfront_core::config::{Config, ConfigError, parse};
use authfront_core::site::Site;
use jsonwebtoken::Algorithm;

use crate::fixtures::{fake_secrets, normalize, site_toml};

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let first = parse(&text, &mut fake_secrets);
    let again = parse(&text, &mut fake_secrets);
    assert_eq!(format!("{first:?}"), format!("{again:?}"), "two parses of one text differ");
    match first {
        Ok(c) => check_config(c),
        Err(e) => check_error(&e, &text),
    }
}

fn check_error(e: &ConfigError, text: &str) {
    assert!(!e.to_string().is_empty() && !e.problem.is_empty(), "an empty error");
    if let Some(line) = e.problem.rsplit_once("(line ").and_then(|(_, l)| l.strip_suffix(')')?.parse::<usize>().ok()) {
        assert!(
            line >= 1 && line <= text.split('\n').count(),
            "line {line} of a {}-line text: {e}",
            text.lines().count()
        );
    }
}

fn check_config(c: Config) {
    let url = &c.server.public_url;
    assert!((url.starts_with("http://") || url.starts_with("https://")) && !url.ends_with('/'), "public_url {url}");
    let e = &c.server.endpoints;
    for p in
        [&e.prefix, &e.callback, &e.signout, &e.signed_out, &e.login, &e.userinfo, &e.backchannel_logout, &e.health]
    {
        assert!(p.starts_with('/') && (p.len() == 1 || !p.ends_with('/')), "endpoint {p:?}");
        assert_eq!(normalize(p).map(|n| n.as_str().to_owned()).as_ref(), Ok(p), "endpoint {p:?} is not normalised");
    }
    assert_ne!(e.prefix, "/");
    let rules = &c.access.rules;
    for p in rules.public_paths.iter().chain(rules.rules.iter().flat_map(|r| &r.paths)) {
        assert!(p.as_str().starts_with('/') || p.as_str().starts_with('*'), "pattern {p:?}");
    }
    for a in &c.oidc.id_token_algs {
        assert!(!matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512), "HMAC allowed");
    }
    let s = &c.session;
    assert!(s.lifetime_secs >= 60 && s.idle_timeout_secs.is_none_or(|t| t >= 60));
    let names = [&s.cookie.name, &s.cookie.login_name, &s.cookie.tokens_name];
    assert!(names[0] != names[1] && names[1] != names[2] && names[0] != names[2], "cookie names {names:?}");
    assert!(names.iter().all(|n| !n.is_empty() && !n.contains([';', '=', ' '])), "cookie names {names:?}");
    assert!(c.warnings.iter().all(|w| !w.is_empty()));
    let callback = e.callback.clone();
    let public = url.clone();
    let site = Site::new(c);
    assert_eq!(site.redirect_uri, format!("{public}{callback}"));
}

pub fn seeds() -> crate::Seeds {
    let examples: &[(&str, &str)] = &[
        ("cloudfront", include_str!("../../examples/cloudfront.toml")),
        ("cluster", include_str!("../../examples/cluster.toml")),
        ("demo", include_str!("../../examples/demo.toml")),
        ("http", include_str!("../../examples/http.toml")),
        ("public-client", include_str!("../../examples/public-client.toml")),
        ("s3", include_str!("../../examples/s3.toml")),
        ("spa-sessions", include_str!("../../examples/spa-sessions.toml")),
    ];
    let mut out: Vec<(String, Vec<u8>)> =
        examples.iter().map(|(n, t)| (format!("example-{n}"), t.as_bytes().to_vec())).collect();
    let site = site_toml();
    out.push(("site".to_owned(), site.clone().into_bytes()));
    let variants = [
        ("unknown-key", site.replace("[access]", "[access]\nmystery = 1")),
        ("bad-duration", site.replace("[session]", "[session]\nlifetime = \"0s\"")),
        ("missing-secret", site.replace("client_secret = \"s3cret\"", "client_secret = { env = \"MISSING\" }")),
        ("hmac", site.replace("[oidc]", "[oidc]\nid_token_algs = [\"HS256\"]")),
        ("bad-url", site.replace("https://docs.example.com", "https://docs.example.com/app/")),
        ("endpoint", site.replace("[server]", "[server]\nendpoint_prefix = \"/_af/../x\"")),
        ("bad-toml", site.replace("[origin]", "[origin")),
        ("unicode", site.replace("/public/*", "/caf\u{e9}/*")),
    ];
    out.extend(variants.into_iter().map(|(n, t)| (n.to_owned(), t.into_bytes())));
    out
}

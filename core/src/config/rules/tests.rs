use http::Method;

use super::*;
use crate::config::parse;
use crate::config::tests::minimal;
use crate::path::normalize;

fn rules_of(extra: &str) -> Result<Rules, ConfigError> {
    let text =
        format!("{}\n[forward_auth]\nhosts = [\"*.apps.example.com\", \"wiki.example.com\"]\n{extra}", minimal());
    parse(&text, &mut |_| Err("no references".into())).map(|c| c.access.rules)
}

fn session(groups: &[&str]) -> Session {
    Session {
        id: crate::session::SessionId([1; 16]),
        sub: "u".into(),
        sid: None,
        email: None,
        name: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        iat: 0,
        exp: 10,
        seen: 0,
        refresh_at: None,
        generation: 0,
    }
}

const RULES: &str = r#"
[[access.rules]]
hosts = ["admin.apps.example.com"]
groups = ["admins"]
[[access.rules]]
paths = ["/billing/*"]
methods = ["post", "PUT"]
groups = ["staff"]
all_groups = ["finance"]
[[access.rules]]
hosts = ["wiki.example.com"]
paths = ["/edit/*"]
action = "deny"
[[access.rules]]
hosts = ["*.apps.example.com"]
paths = ["/status"]
action = "public"
"#;

#[test]
fn first_match_wins_by_host_path_and_method() {
    let r = rules_of(RULES).unwrap();
    let v = |host: &str, path: &str, m: Method| r.verdict(host, &normalize(path).unwrap(), &m).clone();
    let admins = Verdict::Allow { any: vec!["admins".into()], all: vec![] };
    let staff = Verdict::Allow { any: vec!["staff".into()], all: vec![] };
    // public_paths first, for every host
    assert_eq!(v("admin.apps.example.com", "/public/x", Method::GET), Verdict::Public);
    assert_eq!(v("admin.apps.example.com", "/reports", Method::GET), admins);
    // the admin host's rule came first: /status there is not public
    assert_eq!(v("admin.apps.example.com", "/status", Method::GET), admins);
    assert_eq!(v("other.apps.example.com", "/status", Method::GET), Verdict::Public);
    assert_eq!(
        v("other.apps.example.com", "/billing/pay", Method::POST),
        Verdict::Allow { any: vec!["staff".into()], all: vec!["finance".into()] }
    );
    // another method: the next rule, or what no rule matched (required_groups)
    assert_eq!(v("other.apps.example.com", "/billing/pay", Method::GET), staff);
    assert_eq!(v("wiki.example.com", "/edit/page", Method::GET), Verdict::Deny);
    assert_eq!(v("wiki.example.com", "/read/page", Method::GET), staff);
    assert_eq!(v("127.0.0.1", "/status", Method::GET), staff);
    // sessions keep the groups of every rule
    assert_eq!(r.groups(), vec!["admins".to_owned(), "finance".into(), "staff".into()]);
}

#[test]
fn groups_any_and_all() {
    let any_all = Verdict::Allow { any: vec!["staff".into(), "ops".into()], all: vec!["finance".into()] };
    assert!(any_all.admits(&session(&["ops", "finance"])));
    assert!(!any_all.admits(&session(&["ops"])));
    assert!(!any_all.admits(&session(&["finance"])));
    let all_only = Verdict::Allow { any: vec![], all: vec!["a".into(), "b".into()] };
    assert!(all_only.admits(&session(&["b", "a"])));
    assert!(!all_only.admits(&session(&["a"])));
    assert!(Verdict::Allow { any: vec![], all: vec![] }.admits(&session(&[])));
    assert!(!Verdict::Deny.admits(&session(&["staff"])));
}

#[test]
fn mistakes_name_the_key() {
    let cases = [
        ("[[access.rules]]\naction = \"maybe\"", "access.rules[0].action", "`maybe`"),
        ("[[access.rules]]\naction = \"deny\"\ngroups = [\"x\"]", "access.rules[0].groups", "only go with `allow`"),
        ("[[access.rules]]\ngroups = [\"\"]", "access.rules[0].groups", "empty"),
        ("[[access.rules]]\nall_groups = [\"\"]", "access.rules[0].all_groups", "empty"),
        ("[[access.rules]]\nmethods = [\"GE T\"]", "access.rules[0].methods[0]", "not a method"),
        ("[[access.rules]]\npaths = [\"no-slash\"]", "access.rules[0].paths[0]", "must start with"),
        ("[[access.rules]]\nhosts = [\"http://x.apps.example.com\"]", "access.rules[0].hosts[0]", "not a host"),
        // a host no request can be checked for
        ("[[access.rules]]\nhosts = [\"evil.example\"]", "access.rules[0].hosts[0]", "can never match"),
        ("[[access.rules]]\nhosts = [\"*.example.com\"]", "access.rules[0].hosts[0]", "can never match"),
        // a rule after one that matches everything
        (
            "[[access.rules]]\ngroups = [\"a\"]\n[[access.rules]]\npaths = [\"/x\"]",
            "access.rules[1]",
            "access.rules[0]",
        ),
        ("[[access.rules]]\npath = [\"/x\"]", "access", "unknown field"),
    ];
    for (toml, key, words) in cases {
        let e = rules_of(toml).unwrap_err();
        assert!(e.to_string().contains(key) && e.to_string().contains(words), "{toml}: {e}");
    }
    // hosts a rule may name: the public URL's, and those forward_auth.hosts covers
    for ok in ["127.0.0.1", "x.apps.example.com", "*.apps.example.com", "*.eu.apps.example.com", "wiki.example.com"] {
        assert!(rules_of(&format!("[[access.rules]]\nhosts = [\"{ok}\"]")).is_ok(), "{ok}");
    }
}

#[test]
fn cloudfront_login_cookies_cannot_keep_rules_that_narrow() {
    let cf = crate::config::cloudfront::tests::cf_config();
    let parse_cf = |extra: &str| parse(&format!("{cf}\n{extra}"), &mut crate::config::cloudfront::tests::testdata);
    for narrowing in ["action = \"deny\"", "groups = [\"admins\"]", "all_groups = [\"admins\"]"] {
        let e = parse_cf(&format!("[[access.rules]]\npaths = [\"/x/*\"]\n{narrowing}")).unwrap_err();
        assert!(e.to_string().contains("access.rules[0]") && e.to_string().contains("CloudFront"), "{e}");
    }
    // public, or any signed-in user: nothing CloudFront would serve that authfront refuses
    for fine in ["action = \"public\"", "action = \"allow\""] {
        assert!(parse_cf(&format!("[[access.rules]]\npaths = [\"/x/*\"]\n{fine}")).is_ok(), "{fine}");
    }
}

//! The seeds reach what the targets check: a corpus whose sessions never open or whose tokens
//! never verify would leave the invariants on success untested.

use authfront_core::cloudfront::verify::{Params, verify};
use authfront_core::config::parse;
use authfront_core::oidc::{KeySet, verify_id_token, verify_logout_token};
use authfront_core::session::Session;

use super::*;
use crate::fixtures::{ALGS, NONCE, SESSION_NOW, fake_secrets, keys};

fn seed(target: &str, name: &str) -> Vec<u8> {
    let all = seeds();
    let (_, list) = all.iter().find(|(t, _)| *t == target).unwrap();
    list.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no seed {target}/{name}")).1.clone()
}

fn raw_token(target: &str, name: &str) -> String {
    String::from_utf8(seed(target, name)[1..].to_vec()).unwrap()
}

#[test]
fn every_seed_passes_its_target() {
    for (target, list) in seeds() {
        for (name, bytes) in list {
            let run = runner(target);
            let ok = std::panic::catch_unwind(|| run(&bytes));
            assert!(ok.is_ok(), "seed {target}/{name}");
        }
    }
}

#[test]
fn cookie_seeds_open() {
    let text = String::from_utf8(seed("cookies", "bare")).unwrap();
    assert!(Session::open(keys(), &text, SESSION_NOW).is_some());
}

#[test]
fn token_seeds_verify() {
    for name in ["rs256", "rs256-no-kid", "ps256", "es256", "es384", "eddsa", "fractional", "aud-list-azp"] {
        let t = raw_token("id_token", name);
        let r = verify_id_token(&t, fixtures::key_set(), &id_token::check(ALGS, Some(NONCE)));
        assert!(r.is_ok(), "{name}: {r:?}");
    }
    for name in ["rs256", "es256-typ", "eddsa-sid-only", "sub-only"] {
        let t = raw_token("logout_token", name);
        let r = verify_logout_token(&t, fixtures::key_set(), &logout_token::check(ALGS));
        assert!(r.is_ok(), "{name}: {r:?}");
    }
    let set = KeySet::parse(&seed("jwks", "ed25519")).unwrap();
    assert!(verify_id_token(&raw_token("id_token", "eddsa"), &set, &id_token::check(ALGS, Some(NONCE))).is_ok());
}

#[test]
fn cloudfront_seeds_verify() {
    for name in ["query-0", "query-1", "query-2", "query-3", "query-4", "query-5", "ecdsa0", "ecdsa22"] {
        let text = String::from_utf8(seed("cloudfront_verify", name)).unwrap();
        let lines: Vec<&str> = text.split('\n').collect();
        let (params, rest) = Params::from_query(Some(lines[1]));
        let url = match rest {
            Some(r) => format!("{}?{r}", lines[0]),
            None => lines[0].to_owned(),
        };
        let r = verify(fixtures::cf_group(), &params, &url, lines[3].parse().unwrap(), 1_800_000_000);
        assert!(r.is_ok(), "{name}: {r:?}");
    }
}

#[test]
fn example_configs_parse() {
    for (name, bytes) in config::seeds().into_iter().filter(|(n, _)| n.starts_with("example-") || n == "site") {
        let r = parse(std::str::from_utf8(&bytes).unwrap(), &mut fake_secrets);
        assert!(r.is_ok(), "{name}: {r:?}");
    }
}

#[test]
fn forward_auth_seeds_reach_each_answer() {
    use authfront_core::forward_auth::Check;
    let got = |name: &str| forward_auth::ask(&seed("forward_auth", name)).unwrap().got;
    // alice's session is due for a refresh at the corpus' clock: a signed-in check that passes
    for name in ["nginx", "traefik", "ingress", "envoy"] {
        assert!(matches!(got(name), Check::Refresh(_)), "{name}: {:?}", got(name));
    }
    assert!(matches!(got("nginx-anonymous-public"), Check::Allow(f) if f.public && f.user.is_none()));
    assert!(matches!(got("nginx-anonymous"), Check::Respond(r) if r.status == 401));
    assert!(matches!(got("denied"), Check::Respond(r) if r.status == 403));
    for name in ["ingress-spoofed", "encoded", "own-endpoint", "twice", "stranger"] {
        assert!(!matches!(got(name), Check::Allow(_) | Check::Refresh(_)), "{name}: {:?}", got(name));
    }
}

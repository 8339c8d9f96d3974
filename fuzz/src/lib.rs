//! authfront's fuzz targets: each `fuzz_targets/<name>.rs` hands its input to `<name>::run`
//! here, which feeds it to authfront-core and asserts the invariants that matter (a panic is
//! the finding). `<name>::seeds` makes the committed corpus (`fuzz/corpus/<name>/`, written by
//! `scripts/fuzz.sh --seeds`). How to run them: docs/fuzzing.md.
//!
//! # Layout
//! - [`fixtures`]: the fixed site, keyring, provider and CloudFront keys, clocks.
//! - [`reference`]: obvious reference implementations (normalise, glob, cookie lookup), and
//!   the switches for bugs issue 10 names that other changes fix.
//! - [`jws`]: token cases shared by [`id_token`] and [`logout_token`].
//! - one module per target: [`path`], [`cookies`], [`sealed`], [`id_token`],
//!   [`logout_token`], [`jwks`], [`cloudfront_policy`], [`cloudfront_verify`],
//!   [`conditional`], [`config`], [`forward_auth`].

// A failed assertion is what a fuzz target reports; panics are the point here.
#![allow(clippy::unwrap_used, clippy::panic)]

pub mod cloudfront_policy;
pub mod cloudfront_verify;
pub mod conditional;
pub mod config;
pub mod cookies;
pub mod fixtures;
pub mod forward_auth;
pub mod id_token;
pub mod jwks;
pub mod jws;
pub mod logout_token;
pub mod path;
pub mod reference;
pub mod sealed;

/// A target's seeds: file name (without `seed-`) and content.
pub type Seeds = Vec<(String, Vec<u8>)>;

/// Every target's name and its seeds.
pub fn seeds() -> Vec<(&'static str, Seeds)> {
    vec![
        ("path", path::seeds()),
        ("cookies", cookies::seeds()),
        ("sealed", sealed::seeds()),
        ("id_token", id_token::seeds()),
        ("logout_token", logout_token::seeds()),
        ("jwks", jwks::seeds()),
        ("cloudfront_policy", cloudfront_policy::seeds()),
        ("cloudfront_verify", cloudfront_verify::seeds()),
        ("conditional", conditional::seeds()),
        ("config", config::seeds()),
        ("forward_auth", forward_auth::seeds()),
    ]
}

/// The `run` of target `name` (the seeds' check and the tests use it; each fuzz target calls
/// its own directly).
pub fn runner(name: &str) -> fn(&[u8]) {
    match name {
        "path" => path::run,
        "cookies" => cookies::run,
        "sealed" => sealed::run,
        "id_token" => id_token::run,
        "logout_token" => logout_token::run,
        "jwks" => jwks::run,
        "cloudfront_policy" => cloudfront_policy::run,
        "cloudfront_verify" => cloudfront_verify::run,
        "conditional" => conditional::run,
        "config" => config::run,
        "forward_auth" => forward_auth::run,
        other => panic!("unknown target {other}"),
    }
}

#[cfg(test)]
mod tests;

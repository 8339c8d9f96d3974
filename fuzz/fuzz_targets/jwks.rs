//! Fuzz target `jwks`: the input goes to [`authfront_fuzz::jwks::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::jwks::run(data));

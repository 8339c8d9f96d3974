//! Fuzz target `forward_auth`: the input goes to [`authfront_fuzz::forward_auth::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::forward_auth::run(data));

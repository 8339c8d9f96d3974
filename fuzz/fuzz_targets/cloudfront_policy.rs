//! Fuzz target `cloudfront_policy`: the input goes to [`authfront_fuzz::cloudfront_policy::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::cloudfront_policy::run(data));

//! Fuzz target `cloudfront_verify`: the input goes to [`authfront_fuzz::cloudfront_verify::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::cloudfront_verify::run(data));

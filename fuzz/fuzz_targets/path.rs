//! Fuzz target `path`: the input goes to [`authfront_fuzz::path::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::path::run(data));

//! Fuzz target `cookies`: the input goes to [`authfront_fuzz::cookies::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::cookies::run(data));

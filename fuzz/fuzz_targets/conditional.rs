//! Fuzz target `conditional`: the input goes to [`authfront_fuzz::conditional::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::conditional::run(data));

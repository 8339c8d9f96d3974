//! Fuzz target `sealed`: the input goes to [`authfront_fuzz::sealed::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::sealed::run(data));

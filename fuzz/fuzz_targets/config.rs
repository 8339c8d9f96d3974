//! Fuzz target `config`: the input goes to [`authfront_fuzz::config::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::config::run(data));

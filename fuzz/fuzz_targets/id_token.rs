//! Fuzz target `id_token`: the input goes to [`authfront_fuzz::id_token::run`], which holds the invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authfront_fuzz::id_token::run(data));

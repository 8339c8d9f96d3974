//! Every example config in `examples/` parses and passes every check. Secret references are
//! answered with a valid key, so the test needs neither the environment nor the files.

// The test reads the example files itself; the core library never touches the disk.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use authfront_core::config::{RawSecret, parse};
use authfront_core::keyring::Keyring;

#[test]
fn every_example_config_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // A different valid key for each reference, so key lists stay distinct.
        let mut n = 0u8;
        let mut resolve = |_: &RawSecret| {
            n += 1;
            Ok(Keyring::encode_key(&[n; 32]))
        };
        if let Err(e) = parse(&text, &mut resolve) {
            panic!("{}: {e}", path.display());
        }
        seen += 1;
    }
    assert!(seen >= 1, "no example configs found in {}", dir.display());
}

//! Every example config in `examples/` parses and passes every check. Secret references are
//! answered with a valid key, so the test needs neither the environment nor the files.

use std::path::Path;

use authfront_core::config::{RawSecret, parse};

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
        let mut resolve = |_: &RawSecret| Ok("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8".to_owned());
        if let Err(e) = parse(&text, &mut resolve) {
            panic!("{}: {e}", path.display());
        }
        seen += 1;
    }
    assert!(seen >= 1, "no example configs found in {}", dir.display());
}

//! Every example config in `examples/` parses and passes every check. Secret references are
//! answered with a valid value of their kind (a session key; the test RSA key pair for `.pem`
//! files), so the test needs neither the environment nor the files.

// The test reads the example files itself; the core library never touches the disk.
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use authfront_core::config::{RawSecret, parse};
use authfront_core::keyring::Keyring;

const PUBLIC_PEM: &str = include_str!("../src/cloudfront/testdata/rsa2048.pub.pem");
const PRIVATE_PEM: &str = include_str!("../src/cloudfront/testdata/rsa2048.pem");

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
        let mut resolve = |r: &RawSecret| match r {
            RawSecret::File(f) if f.ends_with(".pub.pem") => Ok(PUBLIC_PEM.to_owned()),
            RawSecret::File(f) if f.ends_with(".pem") => Ok(PRIVATE_PEM.to_owned()),
            _ => {
                n += 1;
                Ok(Keyring::encode_key(&[n; 32]))
            }
        };
        if let Err(e) = parse(&text, &mut resolve) {
            panic!("{}: {e}", path.display());
        }
        seen += 1;
    }
    assert!(seen >= 1, "no example configs found in {}", dir.display());
}

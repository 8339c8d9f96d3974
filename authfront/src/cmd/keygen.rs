//! `authfront keygen`: prints a new session key (base64url of 32 random bytes).

use std::process::ExitCode;

use authfront_core::keyring::{KEY_LEN, Keyring};

pub fn command() -> ExitCode {
    let mut key = [0u8; KEY_LEN];
    if aws_lc_rs::rand::fill(&mut key).is_err() {
        eprintln!("authfront: the operating system's random number generator failed");
        return ExitCode::FAILURE;
    }
    println!("{}", Keyring::encode_key(&key));
    ExitCode::SUCCESS
}

//! CloudFront's URL-safe base64: standard base64 (with padding) in which `+` becomes `-`,
//! `=` becomes `_` and `/` becomes `~`, so that policies and signatures need no percent-encoding
//! in a query string or a cookie.
//!
//! Decoding accepts exactly that alphabet (the characters CloudFront's own signers write); it
//! never guesses at other base64 dialects, so one value has one meaning.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Encodes `bytes` in CloudFront's alphabet.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes).chars().map(swap_out).collect()
}

/// Decodes CloudFront base64; `None` for anything outside the alphabet or badly padded.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut standard = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' => standard.push(c),
            '-' => standard.push('+'),
            '_' => standard.push('='),
            '~' => standard.push('/'),
            _ => return None,
        }
    }
    STANDARD.decode(standard).ok()
}

fn swap_out(c: char) -> char {
    match c {
        '+' => '-',
        '=' => '_',
        '/' => '~',
        c => c,
    }
}

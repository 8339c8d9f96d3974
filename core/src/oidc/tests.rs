#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use super::*;

#[test]
fn printable_collapses_whitespace_and_drops_controls() {
    assert_eq!(printable("  a \n\t b\u{0}c\u{202e}d  ", 100), "a bcd");
    assert_eq!(printable("", 10), "");
    assert_eq!(printable("\n\r\t", 10), "");
}

#[test]
fn printable_cuts_within_the_limit() {
    assert_eq!(printable("abcdef", 6), "abcdef");
    assert_eq!(printable("abcdefg", 6), "abcde…");
    assert_eq!(printable("abcd efgh", 6), "abcd…");
    assert_eq!(printable("é".repeat(300).as_str(), 200).chars().count(), 200);
    assert_eq!(printable("abc", 0), "");
}

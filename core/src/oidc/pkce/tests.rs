use super::*;

/// RFC 7636 Appendix B.
const RFC_RANDOM: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240,
    91, 88, 5, 88, 83, 132, 141, 121,
];

#[test]
fn rfc7636_appendix_b() {
    let v = verifier(&RFC_RANDOM);
    assert_eq!(v, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(challenge(&v), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

#[test]
fn verifier_is_43_unreserved_chars() {
    for fill in [0u8, 0xff, 0x3e, 0x3f] {
        let v = verifier(&[fill; 32]);
        assert_eq!(v.len(), 43);
        // RFC 7636 §4.1: [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
        assert!(v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)), "{v}");
    }
}

#[test]
fn challenge_is_43_chars_and_depends_on_verifier() {
    let a = challenge(&verifier(&[1; 32]));
    let b = challenge(&verifier(&[2; 32]));
    assert_eq!(a.len(), 43);
    assert!(!a.contains('='));
    assert_ne!(a, b);
}

//! Random bytes for the core's decisions (state, nonces, session ids), from the operating
//! system's CSPRNG.

/// `N` random bytes.
pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS RNG failing means the machine cannot do cryptography at all; a login must not go
    // ahead with predictable values, so this is one of the few places that may abort.
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut b).expect("the operating system's random number generator failed");
    b
}

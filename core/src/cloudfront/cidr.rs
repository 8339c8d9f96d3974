//! `AWS:SourceIp`: one IPv4 or IPv6 address range in CIDR notation, and whether a client
//! address falls inside it.
//!
//! Text is kept exactly as written (the signer chose it and the signature covers it); only the
//! meaning is parsed. An IPv4 client seen through an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
//! what a dual-stack socket reports) is compared as the IPv4 address it is.

use std::fmt;
use std::net::IpAddr;

/// An address range: network address and prefix length.
#[derive(Clone, PartialEq, Eq)]
pub struct Cidr {
    /// As written in the policy, e.g. `192.0.2.0/24`.
    text: String,
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x:y::z/n`; a bare address means one host (`/32`, `/128`).
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| format!("`{text}` is not an IPv4 or IPv6 address range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => p
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("`{text}`: the prefix length must be between 0 and {max}"))?,
            Some(_) => return Err(format!("`{text}`: the prefix length must be a number")),
        };
        Ok(Cidr { text: text.to_owned(), network, prefix })
    }

    /// The range as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The same range with the prefix spelt out (`/32` or `/128` added to a bare address), the
    /// way both reference signers write a single IPv4 address.
    pub fn with_prefix(&self) -> String {
        if self.text.contains('/') { self.text.clone() } else { format!("{}/{}", self.text, self.prefix) }
    }

    /// True when `client` is inside the range. Families never match each other, except that an
    /// IPv4-mapped IPv6 client is its IPv4 address.
    pub fn contains(&self, client: IpAddr) -> bool {
        match (self.network, client.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(c)) => prefix_eq(&n.octets(), &c.octets(), self.prefix),
            (IpAddr::V6(n), IpAddr::V6(c)) => prefix_eq(&n.octets(), &c.octets(), self.prefix),
            _ => false,
        }
    }
}

/// True when the first `bits` bits of `a` and `b` agree.
fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let whole = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (a[whole] & mask) == (b[whole] & mask)
}

impl fmt::Debug for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cidr({})", self.text)
    }
}

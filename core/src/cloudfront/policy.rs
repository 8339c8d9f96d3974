//! The policy statement: what a signature grants (a resource pattern, an expiry, an optional
//! start and client address range), written as CloudFront's JSON and read back from it.
//!
//! Writing follows the AWS documentation's template byte for byte: no whitespace, keys in the
//! order `Resource`, `Condition`; conditions in the order `DateLessThan`, `DateGreaterThan`,
//! `IpAddress` (the order `@aws-sdk/cloudfront-signer` also writes; botocore puts `IpAddress`
//! before `DateGreaterThan`, see docs/cloudfront.md). A canned policy is the same JSON with
//! `DateLessThan` only; it is never sent, CloudFront rebuilds it from the request URL.
//!
//! Reading is strict and fails closed: exactly one statement, only the keys CloudFront defines,
//! whole-second times. A condition this code does not understand is an error, never ignored.
//! The JSON read is the one that was signed; it is parsed, never re-serialised.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::cidr::Cidr;

/// Longest policy accepted for reading (decoded bytes); real ones are a few hundred bytes.
pub const MAX_POLICY: usize = 4096;

/// What a signature grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// URL pattern (`*` any run of characters, `?` one). `None`: a custom policy without
    /// `Resource`, which CloudFront applies to every URL the key group protects.
    pub resource: Option<String>,
    /// `DateLessThan`: valid while `now < expires` (Unix seconds).
    pub expires: u64,
    /// `DateGreaterThan`: valid only once `now > starts`.
    pub starts: Option<u64>,
    /// `IpAddress`: the client address must be inside this range.
    pub ip: Option<Cidr>,
}

/// Why a policy's conditions do not hold now, for this client and URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmet {
    Expired { expires: u64 },
    NotYetValid { starts: u64 },
    WrongIp,
    WrongResource,
}

impl Policy {
    /// A policy for exactly one URL until `expires`: what a canned policy says.
    pub fn canned(resource: &str, expires: u64) -> Policy {
        Policy { resource: Some(resource.to_owned()), expires, starts: None, ip: None }
    }

    /// True when only a canned policy's fields are set and the resource has no `*`, so that
    /// `Expires=` can stand for it (as the AWS CLI decides). A `?` is not counted: in a URL it is
    /// the query separator, and a canned policy is rebuilt from the very URL requested.
    pub fn is_canned(&self) -> bool {
        self.starts.is_none() && self.ip.is_none() && self.resource.as_deref().is_some_and(|r| !r.contains('*'))
    }

    /// The policy statement as CloudFront's documentation writes it, without whitespace.
    pub fn to_json(&self) -> String {
        let mut s = String::with_capacity(160);
        s.push_str("{\"Statement\":[{");
        if let Some(r) = &self.resource {
            s.push_str("\"Resource\":");
            json_string(&mut s, r);
            s.push(',');
        }
        s.push_str("\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":");
        s.push_str(&self.expires.to_string());
        s.push('}');
        if let Some(t) = self.starts {
            s.push_str(",\"DateGreaterThan\":{\"AWS:EpochTime\":");
            s.push_str(&t.to_string());
            s.push('}');
        }
        if let Some(ip) = &self.ip {
            s.push_str(",\"IpAddress\":{\"AWS:SourceIp\":");
            json_string(&mut s, ip.as_str());
            s.push('}');
        }
        s.push_str("}}]}");
        s
    }

    /// Reads a custom policy statement exactly as sent (after base64 decoding).
    pub fn parse(json: &[u8]) -> Result<Policy, &'static str> {
        if json.len() > MAX_POLICY {
            return Err("the policy is too long");
        }
        let v: Value = serde_json::from_slice(json).map_err(|_| "the policy is not JSON")?;
        let top = object(&v, "the policy is not a JSON object")?;
        only_keys(top, &["Statement"], "the policy has a key other than `Statement`")?;
        let statements = top.get("Statement").and_then(Value::as_array).ok_or("the policy has no `Statement` list")?;
        let [statement] = statements.as_slice() else {
            return Err("the policy must hold exactly one statement");
        };
        let st = object(statement, "the statement is not a JSON object")?;
        only_keys(st, &["Resource", "Condition"], "the statement has a key other than `Resource` and `Condition`")?;
        let resource = match st.get("Resource") {
            None => None,
            Some(Value::String(r)) => Some(r.clone()),
            Some(_) => return Err("`Resource` is not a string"),
        };
        let cond =
            object(st.get("Condition").ok_or("the statement has no `Condition`")?, "`Condition` is not an object")?;
        only_keys(
            cond,
            &["DateLessThan", "DateGreaterThan", "IpAddress"],
            "`Condition` holds a condition other than `DateLessThan`, `DateGreaterThan`, `IpAddress`",
        )?;
        let expires = epoch(cond.get("DateLessThan").ok_or("the policy has no `DateLessThan`")?)?;
        let starts = cond.get("DateGreaterThan").map(epoch).transpose()?;
        let ip = match cond.get("IpAddress") {
            None => None,
            Some(v) => {
                let o = object(v, "`IpAddress` is not an object")?;
                only_keys(o, &["AWS:SourceIp"], "`IpAddress` has a key other than `AWS:SourceIp`")?;
                let text = o.get("AWS:SourceIp").and_then(Value::as_str).ok_or("`AWS:SourceIp` is not a string")?;
                Some(Cidr::parse(text).map_err(|_| "`AWS:SourceIp` is not an address range")?)
            }
        };
        Ok(Policy { resource, expires, starts, ip })
    }

    /// Checks every condition for a request of `url` from `client` at `now`.
    pub fn check(&self, url: &str, client: IpAddr, now: u64) -> Result<(), Unmet> {
        if now >= self.expires {
            return Err(Unmet::Expired { expires: self.expires });
        }
        if let Some(starts) = self.starts
            && now <= starts
        {
            return Err(Unmet::NotYetValid { starts });
        }
        if let Some(ip) = &self.ip
            && !ip.contains(client)
        {
            return Err(Unmet::WrongIp);
        }
        if !self.allows(url) {
            return Err(Unmet::WrongResource);
        }
        Ok(())
    }

    /// True when `url` matches the resource pattern (`*` any run of characters, `?` exactly
    /// one, case-sensitive, over the whole URL with its query string). Both are compared in
    /// one spelling of their percent-escapes (RFC 3986 §6.2.2), so `%c3%a9` in a policy
    /// matches the `%C3%A9` of a normalised path, and `%2e%2e` stays two dots that no
    /// normalised path contains.
    pub fn allows(&self, url: &str) -> bool {
        self.resource
            .as_deref()
            .is_none_or(|r| crate::path::glob(canonical_escapes(r).as_bytes(), canonical_escapes(url).as_bytes()))
    }
}

/// `text` with its percent-escapes in one spelling (RFC 3986 §6.2.2): upper-case hex, and
/// unreserved characters (letters, digits, `-._~`) decoded. Borrowed when there is no `%`.
pub(crate) fn canonical_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('%') {
        return std::borrow::Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex))
        {
            // two hex digits: the value fits a byte
            let c = (h * 16 + l) as u8;
            if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
                out.push(c as char);
            } else {
                out.push('%');
                out.push(char::from(b[i + 1]).to_ascii_uppercase());
                out.push(char::from(b[i + 2]).to_ascii_uppercase());
            }
            i += 3;
            continue;
        }
        // not an escape: copy the character whole (the text is UTF-8)
        let len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + len]);
        i += len;
    }
    std::borrow::Cow::Owned(out)
}

fn object<'v>(v: &'v Value, problem: &'static str) -> Result<&'v Map<String, Value>, &'static str> {
    v.as_object().ok_or(problem)
}

fn only_keys(o: &Map<String, Value>, allowed: &[&str], problem: &'static str) -> Result<(), &'static str> {
    if o.keys().all(|k| allowed.contains(&k.as_str())) { Ok(()) } else { Err(problem) }
}

/// `{"AWS:EpochTime": <whole non-negative seconds>}`; a quoted or fractional time is refused,
/// as the AWS documentation says it must not be quoted.
fn epoch(v: &Value) -> Result<u64, &'static str> {
    let o = object(v, "a date condition is not an object")?;
    only_keys(o, &["AWS:EpochTime"], "a date condition has a key other than `AWS:EpochTime`")?;
    o.get("AWS:EpochTime").and_then(Value::as_u64).ok_or("`AWS:EpochTime` is not whole Unix seconds")
}

/// Appends `s` as a JSON string the way `JSON.stringify` writes it: `"` and `\` escaped, the
/// short escapes for control characters, `\u00XX` for the other controls, everything else as is.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;

//! Reference implementations the targets compare core with: written for obviousness, not speed,
//! straight from the documented rules (path normalisation, glob patterns, `Cookie` lookup).
//!
//! Where core has a bug that issue 10 names and another change fixes, the comparison is skipped
//! for the inputs that hit it, behind one switch each: turning the switch off is the one-line
//! change that makes the fuzzer hold core to the full rule.

use authfront_core::path::PathError;

/// Issue 10: the glob works on bytes, so `?` after `*` can match half of a multi-byte
/// character, and a literal `*` in the path is taken for the pattern's wildcard. `false` once
/// the glob fix lands.
pub const KNOWN_GLOB_BUGS: bool = false;

/// Issue 10 (one path): `;` in a path segment will be refused by default. `true` once
/// `path::normalize` does so.
pub const REFUSES_SEMICOLON: bool = true;

/// Issue 10 item 12: one non-ASCII pair hides every cookie of its `Cookie` line. `true` once
/// cookies are parsed pair by pair (then only the pairs that are not visible ASCII are skipped).
pub const COOKIES_PAIR_BY_PAIR: bool = true;

/// Longest raw path `normalize` takes.
pub const MAX_PATH: usize = 4096;

/// The normalisation rule: decode `%XX` once, refuse what is not UTF-8, a backslash or a
/// control character, resolve `.`/`..`/empty segments (never above the root), keep a trailing
/// slash (also the one a final `.` or `..` implies).
pub fn normalize(raw: &str) -> Result<String, PathError> {
    if raw.len() > MAX_PATH {
        return Err(PathError::TooLong);
    }
    if !raw.starts_with('/') {
        return Err(PathError::NotAbsolute);
    }
    let decoded = String::from_utf8(percent_decode(raw.as_bytes())).map_err(|_| PathError::NotUtf8)?;
    if decoded.contains('\\') {
        return Err(PathError::Backslash);
    }
    if decoded.chars().any(char::is_control) {
        return Err(PathError::Control);
    }
    if REFUSES_SEMICOLON && decoded.contains(';') {
        return Err(PathError::Semicolon);
    }
    let segments: Vec<&str> = decoded.split('/').collect();
    let mut kept: Vec<&str> = Vec::new();
    for seg in &segments {
        if *seg == ".." {
            kept.pop().ok_or(PathError::AboveRoot)?;
        } else if !seg.is_empty() && *seg != "." {
            kept.push(seg);
        }
    }
    let trailing = matches!(segments.last(), Some(&"" | &"." | &".."));
    let mut out = String::from("/");
    out.push_str(&kept.join("/"));
    if trailing && !kept.is_empty() {
        out.push('/');
    }
    Ok(out)
}

fn percent_decode(b: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(|c| hex(*c)), b.get(i + 2).and_then(|c| hex(*c)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// `*` any run of characters (slashes included), `?` exactly one character, everything else
/// literally; the whole string. By characters, with a table: `m[j]` is whether the pattern's
/// first `j` characters match the text read so far.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let mut m = vec![false; p.len() + 1];
    m[0] = true;
    for j in 0..p.len() {
        m[j + 1] = m[j] && p[j] == '*';
    }
    for c in text.chars() {
        let mut next = vec![false; p.len() + 1];
        for j in 0..p.len() {
            next[j + 1] = match p[j] {
                '*' => next[j] || m[j + 1],
                '?' => m[j],
                lit => m[j] && lit == c,
            };
        }
        m = next;
    }
    m[p.len()]
}

/// True when comparing core's glob with [`glob`] would only find a bug issue 10 already names.
pub fn hits_known_glob_bug(pattern: &str, text: &str) -> bool {
    let star_then_any = pattern.find('*').is_some_and(|i| pattern[i..].contains('?'));
    KNOWN_GLOB_BUGS && (text.contains('*') || (star_then_any && !text.is_ascii()))
}

/// [`glob`] is quadratic; inputs beyond this product are not compared (the fuzzer's inputs are
/// a few KiB at most, real patterns and paths far smaller).
pub fn glob_affordable(pattern: &str, text: &str) -> bool {
    pattern.len().saturating_mul(text.len()) <= 200_000
}

/// The value of the first `name=value` pair of the `Cookie` lines: each line split at `;`, each
/// pair at its first `=`, name and value trimmed of ASCII whitespace; a pair whose value is not
/// UTF-8 is skipped, and hides no other pair. (Before [`COOKIES_PAIR_BY_PAIR`], a line that was
/// not visible ASCII hid all of its pairs.)
pub fn find_cookie(lines: &[&[u8]], name: &str) -> Option<String> {
    let visible = |b: &[u8]| b.iter().all(|c| *c == b'\t' || (0x20..0x7f).contains(c));
    for line in lines {
        if !COOKIES_PAIR_BY_PAIR && !visible(line) {
            continue;
        }
        for pair in line.split(|b| *b == b';') {
            let pair = pair.trim_ascii();
            let (n, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (pair[..i].trim_ascii(), pair[i + 1..].trim_ascii()),
                None => (pair, &pair[pair.len()..]),
            };
            if n == name.as_bytes()
                && let Ok(v) = std::str::from_utf8(v)
            {
                return Some(v.to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_glob() {
        assert!(glob("/public/*", "/public/"));
        assert!(glob("/public/*", "/public/a/b"));
        assert!(!glob("/public/*", "/public"));
        assert!(glob("/?", "/é"));
        assert!(!glob("/*??", "/€"));
        assert!(glob("/public/*", "/public/*x"));
        assert!(glob("*", ""));
        assert!(!glob("?", ""));
    }

    #[test]
    fn reference_normalize() {
        assert_eq!(normalize("/a/./b/../c/"), Ok("/a/c/".to_owned()));
        assert_eq!(normalize("/a/.."), Ok("/".to_owned()));
        assert_eq!(normalize("/a/."), Ok("/a/".to_owned()));
        assert_eq!(normalize("/%2e%2e"), Err(PathError::AboveRoot));
        assert_eq!(normalize("/%zz"), Ok("/%zz".to_owned()));
        assert_eq!(normalize("//"), Ok("/".to_owned()));
    }
}

/// A signed URL's Resource and the URL compared in one spelling of their percent-escapes (RFC
/// 3986 §6.2.2), as issue 10 decided: every `%` followed by two hex digits is one escaped octet,
/// written with upper-case digits, or the character itself when it is unreserved (letters,
/// digits, `-._~`); anything else stays as it is. So the `Da` of an escape `%Da` is never the
/// literal text `Da` of a pattern. Written apart from core's, by the rule.
pub fn one_spelling(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '%'
            && i + 2 < chars.len()
            && chars[i + 1].is_ascii_hexdigit()
            && chars[i + 2].is_ascii_hexdigit()
        {
            let value = u8::from_str_radix(&format!("{}{}", chars[i + 1], chars[i + 2]), 16).unwrap_or(0);
            let c = value as char;
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                out.push(c);
            } else {
                out.push('%');
                out.push(chars[i + 1].to_ascii_uppercase());
                out.push(chars[i + 2].to_ascii_uppercase());
            }
            i += 3;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

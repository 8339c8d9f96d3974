//! `WHEN`, as the signing commands take it: Unix seconds (`1893456000`), an RFC 3339 date and
//! time (`2030-01-01T00:00:00Z`, `2030-01-01T01:00:00+01:00`), a date (`2030-01-01`, midnight
//! UTC, as the AWS CLI reads it), or a duration from now (`1h`, `90m`, `7d`, `+2h 30m`).
//!
//! `now` is an argument: this never reads a clock.

/// Parses `text` to Unix seconds; durations count from `now`.
pub fn parse(text: &str, now: u64) -> Result<u64, String> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| format!("`{text}` is too large for Unix seconds"));
    }
    if t.len() >= 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' {
        return rfc3339(t)
            .ok_or_else(|| format!("`{text}` is not a date and time like `2030-01-01T00:00:00Z` or `2030-01-01`"));
    }
    let d = t.strip_prefix('+').unwrap_or(t);
    humantime::parse_duration(d).map(|d| now.saturating_add(d.as_secs())).map_err(|_| {
        format!("`{text}` is not Unix seconds, an RFC 3339 date and time, or a duration like `1h` or `7d`")
    })
}

/// `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t`, `z` and a space accepted);
/// fractions of a second are dropped (CloudFront counts whole seconds).
fn rfc3339(t: &str) -> Option<u64> {
    let num = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let date = t.get(..10)?;
    let (y, m, d) = (num(date.get(..4)?)?, num(date.get(5..7)?)?, num(date.get(8..10)?)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    let rest = &t[10..];
    if rest.is_empty() {
        return u64::try_from(days * 86_400).ok();
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (hh, mm, ss) = (num(rest.get(..2)?)?, num(rest.get(3..5)?)?, num(rest.get(6..8)?)?);
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut zone = &rest[8..];
    if let Some(frac) = zone.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        zone = &frac[digits..];
    }
    let offset = match zone {
        "Z" | "z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && z.get(3..4) == Some(":") => {
            let (oh, om) = (num(z.get(1..3)?)?, num(z.get(4..6)?)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if z.starts_with('-') { -o } else { o }
        }
        _ => return None,
    };
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss - offset).ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

//! Durations as Go's `time.ParseDuration` reads them and `time.Duration.String` prints them,
//! which is how compose-go decodes `healthcheck.interval`, `stop_grace_period`,
//! `deploy.restart_policy.delay` and the other durations.
//!
//! The grammar (`[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`):
//!
//! ```text
//! duration = ["-" | "+"] ("0" | part {part})
//! part     = number unit
//! number   = digits ["." [digits]] | "." digits
//! unit     = "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
//! ```
//!
//! A number without a unit is not a duration (`10`), except `0`. Fractions are exact to the
//! nanosecond the way Go computes them (truncated, not rounded), and a value beyond the range of
//! an `i64` of nanoseconds (about 292 years) is an error, as in Go.

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    const LIMIT: u64 = 1 << 63;
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let b = rest.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return None;
        }
        // [0-9]*
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &c in &b[..int_len] {
            if v > LIMIT / 10 {
                return None;
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return None;
            }
        }
        rest = &rest[int_len..];
        // (\.[0-9]*)?
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if let Some(after) = rest.strip_prefix('.') {
            let frac_len = after.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in after[..frac_len].bytes() {
                if overflow || f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = frac_len > 0;
            rest = &after[frac_len..];
        }
        if int_len == 0 && !post {
            return None;
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: u64 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        if v > LIMIT / unit {
            return None;
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return None;
            }
        }
        total += v;
        if total > LIMIT {
            return None;
        }
    }
    if neg {
        return Some((total as i128).wrapping_neg() as i64);
    }
    i64::try_from(total).ok()
}

/// Go's `time.Duration.String`: `1h2m3.5s`, `1.5s`, `500ms`, `2µs`, `0s`.
pub fn format_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let u = ns.unsigned_abs();
    let fraction = |value: u64, digits: u32| -> String {
        let div = 10u64.pow(digits);
        let frac = value % div;
        if frac == 0 {
            format!("{}", value / div)
        } else {
            let f = format!("{frac:0width$}", width = digits as usize);
            format!("{}.{}", value / div, f.trim_end_matches('0'))
        }
    };
    if u < 1_000 {
        return format!("{sign}{u}ns");
    }
    if u < 1_000_000 {
        return format!("{sign}{}µs", fraction(u, 3));
    }
    if u < 1_000_000_000 {
        return format!("{sign}{}ms", fraction(u, 6));
    }
    let hours = u / 3_600_000_000_000;
    let minutes = (u / 60_000_000_000) % 60;
    let seconds = fraction(u % 60_000_000_000, 9);
    if hours > 0 {
        format!("{sign}{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{sign}{minutes}m{seconds}s")
    } else {
        format!("{sign}{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_round_trip() {
        for (input, out) in [
            ("30s", "30s"),
            ("1m", "1m0s"),
            ("90s", "1m30s"),
            ("1500ms", "1.5s"),
            ("1h", "1h0m0s"),
            ("500ms", "500ms"),
            ("1.5h", "1h30m0s"),
            ("2us", "2µs"),
            ("2µs", "2µs"),
            ("0", "0s"),
            ("-1s", "-1s"),
            ("+1s", "1s"),
            (".5s", "500ms"),
            ("1.s", "1s"),
            ("1h2m3s4ms", "1h2m3.004s"),
            // Go truncates a fraction below the nanosecond (a rounding copy said 1.000000001s).
            ("1.0000000005s", "1s"),
        ] {
            assert_eq!(
                parse_duration(input).map(format_duration).as_deref(),
                Some(out),
                "{input}"
            );
        }
    }

    #[test]
    fn not_durations() {
        for bad in [
            "",
            "10",
            "1d",
            ".",
            "-",
            "s",
            "1.2.3s",
            "1 s",
            " 1s",
            "1S",
            "9999999999h",
            "--1s",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
        assert_eq!(parse_duration("-2562047h47m16.854775808s"), Some(i64::MIN));
        assert_eq!(parse_duration("2562047h47m16.854775808s"), None);
    }
}

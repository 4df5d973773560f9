//! Numbers as Go's `strconv` reads decimal text, which is how compose-go converts interpolated
//! strings to numbers (`interpolateTypeCastMapping`) and how go-units reads the number of a size.
//!
//! - [`parse_int`]: `strconv.ParseInt(s, 10, 64)`: an optional sign, then ASCII digits only (no
//!   spaces, no `_`), within `i64`.
//! - [`parse_float`]: `strconv.ParseFloat(s, 64)` on decimal text: an optional sign, digits with
//!   an optional `.` and exponent (`1`, `.5`, `1.`, `1e3`), and `inf`/`nan`. Not accepted: `_`
//!   separators and hexadecimal floats (Go takes those only with a base prefix, which compose
//!   values never use).

/// Go's `strconv.ParseInt(s, 10, 64)`.
pub fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// Go's `strconv.ParseFloat(s, 64)` on decimal text.
pub fn parse_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains('_') || s.to_ascii_lowercase().contains('x') {
        return None;
    }
    s.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int("-7"), Some(-7));
        for bad in [
            "",
            "+",
            " 1",
            "1 ",
            "1_000",
            "0x10",
            "1.0",
            "99999999999999999999",
        ] {
            assert_eq!(parse_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float("0.5"), Some(0.5));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("1."), Some(1.0));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("-2"), Some(-2.0));
        for bad in ["", "1_0", "0x1p3", "abc", " 1"] {
            assert_eq!(parse_float(bad), None, "{bad:?}");
        }
    }
}

//! Byte sizes as docker/go-units `RAMInBytes` reads them, which is how compose-go decodes
//! `mem_limit`, `shm_size`, `deploy.resources.*.memory`, `tmpfs.size` and the other sizes
//! (`transformSize`; an integer is bytes as it is).
//!
//! The grammar (go-units `parseSize` with the binary unit map):
//!
//! ```text
//! size   = number [" "] [unit]
//! number = what strconv.ParseFloat reads (see super::number), not negative
//! unit   = "b" | ("k" | "m" | "g" | "t" | "p") ["b" | "ib"]      (any case; 1024-based)
//! ```
//!
//! The number is everything up to the last digit, `.` or space (`strings.LastIndexAny`), so
//! `1.5GiB`, `512m`, `100 MB` and `1e3k` are sizes and `1ki`, `1kbb`, `-1`, `.` and `1x` are not.
//! The value is truncated to whole bytes. Nothing is trimmed: `" 1g"` is not a size.

use super::number::parse_float;

/// go-units `RAMInBytes`: bytes, or `None` when Compose rejects the size.
pub fn ram_in_bytes(s: &str) -> Option<i64> {
    let sep = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    let (num, suffix) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..=sep], &s[sep + 1..])
    };
    let size = parse_float(num)?;
    if size < 0.0 || !size.is_finite() {
        return None;
    }
    if suffix.is_empty() {
        return Some(size as i64);
    }
    let suffix = suffix.to_ascii_lowercase();
    let mut chars = suffix.chars();
    let power = match chars.next()? {
        'b' => return (suffix.len() == 1).then_some(size as i64),
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        _ => return None,
    };
    if !matches!(chars.as_str(), "" | "b" | "ib") {
        return None;
    }
    Some((size * 1024f64.powi(power)) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_go_units() {
        let g = 1024 * 1024 * 1024;
        for (s, bytes) in [
            ("1g", g),
            ("1G", g),
            ("1gb", g),
            ("1GiB", g),
            ("1 gb", g),
            ("1 GiB", g),
            ("1.5g", g * 3 / 2),
            ("1.5gb", g * 3 / 2),
            ("512m", 512 * 1024 * 1024),
            ("512M", 512 * 1024 * 1024),
            ("128m", 128 * 1024 * 1024),
            ("1024m", g),
            ("512kb", 512 * 1024),
            ("1k", 1024),
            ("1b", 1),
            ("100", 100),
            ("10", 10),
            ("1P", 1024_i64.pow(5)),
            // Where the copies disagreed, go-units: a number as ParseFloat reads it.
            (".5k", 512),
            ("1e3", 1000),
            ("1 ", 1),
        ] {
            assert_eq!(ram_in_bytes(s), Some(bytes), "{s:?}");
        }
        for bad in [
            "", "-1", "abc", "1x", "1kbb", "1bb", "1.2.3m", "g", "1ki", "1gi", "0x10", " 1g",
            "1g ", "1_0m",
        ] {
            assert_eq!(ram_in_bytes(bad), None, "{bad:?}");
        }
    }
}

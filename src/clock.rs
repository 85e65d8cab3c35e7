//! Wall-clock time as Unix seconds and its RFC 3339 (UTC) spelling.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// When this binary was built (its commit's time, Unix seconds), if the build knew.
pub fn built() -> Option<u64> {
    option_env!("DYNCFDNS_BUILT")
        .and_then(|s| s.parse().ok())
        .filter(|t| *t > 0)
}

/// A clock reading earlier than the build cannot be right: a router or a Raspberry Pi with no
/// real-time clock, before NTP has answered. Pure.
pub fn is_behind(now: u64, built: Option<u64>) -> bool {
    built.is_some_and(|b| now < b)
}

/// `2025-07-15T10:30:32Z` for a Unix time in seconds.
pub fn rfc3339(unix: u64) -> String {
    String::from_utf8_lossy(&rfc3339_bytes(unix)).into_owned()
}

/// The same, without allocating (a signal handler uses it). Years past 9999 are not written.
pub fn rfc3339_bytes(unix: u64) -> [u8; 20] {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut out = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, value: u64| {
        let mut v = value;
        for i in (at..at + width).rev() {
            out[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, y.clamp(0, 9999) as u64);
    put(5, 2, u64::from(m));
    put(8, 2, u64::from(d));
    put(11, 2, secs / 3600);
    put(14, 2, secs / 60 % 60);
    put(17, 2, secs % 60);
    out
}

/// Howard Hinnant's days-to-civil algorithm: exact for the proleptic Gregorian calendar,
/// so no date crate is needed.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_before_the_build_is_behind() {
        assert!(is_behind(0, Some(1_764_000_000)));
        assert!(!is_behind(1_764_000_000, Some(1_764_000_000)));
        assert!(!is_behind(0, None), "an unknown build time says nothing");
        assert!(built().is_some(), "the build script sets DYNCFDNS_BUILT");
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_752_575_432), "2025-07-15T10:30:32Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    }
}

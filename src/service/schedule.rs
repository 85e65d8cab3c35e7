//! When the next pass is: pure decisions on time, for the event loop.

use crate::config::Config;
use std::time::{Duration, Instant};

/// The first retry after a failed pass; it doubles up to the interval.
const FIRST_RETRY: u64 = crate::bounds::RECHECK;
/// A new address that only one answer gave is asked for again this soon (the first retry's
/// delay), whatever the interval: a change waits seconds for its second answer, not minutes.
pub const RECHECK: Duration = Duration::from_secs(crate::bounds::RECHECK);
/// A pass asked for (SIGHUP, SIGUSR1) while one runs starts this long after it ends: the
/// running pass may have detected the address before it changed, and a burst of hook
/// signals is one pass, not many.
pub const ASKED_DURING_PASS: Duration = Duration::from_secs(5);

/// At start, or one interval later with UPDATE_ON_START=false.
pub fn first_pass(cfg: &Config, now: Instant) -> Instant {
    if cfg.lifecycle.update_on_start {
        now
    } else {
        crate::info!(
            "UPDATE_ON_START=false: the first pass in {} s",
            cfg.lifecycle.update_interval
        );
        now + Duration::from_secs(cfg.lifecycle.update_interval)
    }
}

/// Start to start: the interval after a good pass; after failures 15 s, 30 s, 60 s, ...
/// but never later than the interval.
pub fn next_delay(failures: u32, interval: u64) -> Duration {
    let secs = match failures {
        0 => interval,
        n => FIRST_RETRY
            .saturating_mul(1u64 << (n - 1).min(20))
            .min(interval),
    };
    Duration::from_secs(secs)
}

/// Cloudflare's `Retry-After`, bounded by the interval: an absurd value neither overflows the
/// clock nor stops updates.
pub fn retry_wait(retry_after: u64, interval: u64) -> Duration {
    Duration::from_secs(retry_after.min(interval))
}

/// Rounds up, so the loop never wakes a hair early and spins.
pub fn timeout_ms(d: Duration) -> i32 {
    let ms = d.as_nanos().div_ceil(1_000_000);
    ms.min(i32::MAX as u128) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_interval() {
        let secs = |f| next_delay(f, 300).as_secs();
        assert_eq!(
            [
                secs(0),
                secs(1),
                secs(2),
                secs(3),
                secs(4),
                secs(5),
                secs(40)
            ],
            [300, 15, 30, 60, 120, 240, 300]
        );
        assert_eq!(next_delay(1, 10).as_secs(), 10);
    }

    #[test]
    fn retry_after_never_waits_past_the_interval() {
        assert_eq!(retry_wait(30, 60), Duration::from_secs(30));
        assert_eq!(retry_wait(u64::MAX, 300), Duration::from_secs(300));
        let now = Instant::now();
        let _ = now + retry_wait(u64::MAX, 7 * 86_400);
    }

    #[test]
    fn timeouts_round_up() {
        assert_eq!(timeout_ms(Duration::from_micros(1)), 1);
        assert_eq!(timeout_ms(Duration::ZERO), 0);
        assert_eq!(timeout_ms(Duration::from_secs(u64::MAX)), i32::MAX);
    }
}

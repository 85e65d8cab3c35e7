//! Every time bound of the one-thread design, computed in one place. The loop serves the
//! status API between outbound calls, so the listener goes unserved for at most one call;
//! everything that watches the service (`/health`, `dyncfdns healthcheck`, the image's
//! HEALTHCHECK, the Kubernetes probes, the stop timeouts of systemd, compose and procd)
//! derives its patience from the numbers here, and the README's table quotes them.

use crate::config::{Config, Confirm};

/// A new address that only one answer gave is asked for again this soon, and a clock that is
/// not set yet is tried this often (whatever the interval or the backoff).
pub const RECHECK: u64 = 15;
/// `once`: when no other provider seconds a new address, the same one is asked again after
/// this pause (the service asks on its next pass instead, `schedule::RECHECK`).
pub const ONCE_RECHECK: u64 = 1;
/// The network watch: a pass starts once the kernel's changes have been quiet this long (a
/// PPPoE reconnect is a burst of them) ...
pub const WATCH_SETTLE: std::time::Duration = std::time::Duration::from_secs(1);
/// ... and at most one pass the watch asked for starts in this time, however a link flaps.
pub const WATCH_GAP: std::time::Duration = std::time::Duration::from_secs(5);
/// Changes that never go quiet (a link flapping faster than the settle time) still ask for a
/// pass this long after the first of them.
pub const WATCH_LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// The watch's datagrams read per wake of the poll loop: a flood of them cannot keep the loop
/// from the status API and the pass; the rest wait for the next wake (poll is level-triggered).
pub const WATCH_READS: usize = 64;
/// A WAF list's change is an asynchronous operation, polled at most this many times in a
/// pass (the pass's Cloudflare time bounds them too) ...
pub const LIST_POLLS: u32 = 10;
/// ... waiting 0.1 s, then twice as long each time up to this: shorter than any one call's
/// stall, so the status API waits no longer than it does for a call.
pub const LIST_POLL_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
/// Each heartbeat or notification call.
pub const REPORT_TIMEOUT: u64 = 2;
/// All of a pass's notifications and heartbeats after it, together.
pub const REPORTS_AFTER_PASS: u64 = 6;
/// Each delete of DELETE_ON_STOP.
pub const STOP_CALL_TIMEOUT: u64 = 3;
/// All deletes of DELETE_ON_STOP together, however many zones (Docker's grace is 10 s).
pub const STOP_DELETES: u64 = 7;
/// From SIGTERM or SIGINT to exit without DELETE_ON_STOP: the handler ends the process itself
/// when the loop is inside a call, and the loop wakes at once otherwise.
pub const STOP_AT_ONCE: u64 = 1;
/// What a health probe allows beyond the longest stall (a busy machine, the probe's own start).
pub const PROBE_MARGIN: u64 = 5;
/// The timeout the shipped probes use (Dockerfile, compose, Kubernetes): enough for the
/// default settings; the service warns at start when its settings need more.
pub const SHIPPED_PROBE_TIMEOUT: u64 = 30;
/// Work between two calls (reading an answer, deciding), generous for a slow router.
const BETWEEN_CALLS: u64 = 1;
/// A pass's Cloudflare calls end by this many seconds (or four timeouts, if longer); what is
/// left is not attempted and the next pass goes on from the cache.
const CLOUDFLARE_FLOOR: u64 = 60;
/// The seed's grace beyond a pass, for /health.
const HEALTH_MARGIN: u64 = 15;

// A stop with DELETE_ON_STOP ends within Docker's default grace of 10 s.
const _: () = assert!(STOP_AT_ONCE + STOP_DELETES < 10);
const _: () = assert!(STOP_CALL_TIMEOUT <= STOP_DELETES);
const _: () = assert!(LIST_POLL_WAIT.as_secs() <= REPORT_TIMEOUT);

/// The longest the listener can go unserved, in seconds: one call's timeout, which both HTTP
/// paths (minreq, the direct client) keep as a deadline over name resolution, connect, a
/// proxy's tunnel, TLS and the answer (our redirect hops share it), plus the work around it.
pub fn stall(cloudflare_timeout: u64, detection_timeout: u64) -> u64 {
    cloudflare_timeout
        .max(detection_timeout)
        .max(REPORT_TIMEOUT)
        + BETWEEN_CALLS
}

/// How long `dyncfdns healthcheck` waits for /health before it says unhealthy.
pub fn probe_wait(cloudflare_timeout: u64, detection_timeout: u64) -> u64 {
    stall(cloudflare_timeout, detection_timeout) + PROBE_MARGIN
}

/// The time a pass's Cloudflare calls may take together.
pub fn cloudflare_phase(cloudflare_timeout: u64) -> u64 {
    CLOUDFLARE_FLOOR.max(4 * cloudflare_timeout)
}

/// The longest a pass can take, reports included: each detection provider once per family
/// (a second opinion asks only providers after the one that answered), the Cloudflare phase
/// (which confirming pauses, not spends), the healthchecks `/start` ping and the reports
/// after it. `once` may ask one provider per family again, after a pause.
pub fn pass(cfg: &Config) -> u64 {
    let providers = (cfg.detection.ip4.len() + cfg.detection.ip6.len()) as u64;
    let again = match cfg.detection.confirm {
        Confirm::InPass => cfg.families().count() as u64 * (ONCE_RECHECK + cfg.detection.timeout),
        Confirm::NextPass | Confirm::Off => 0,
    };
    providers * cfg.detection.timeout
        + again
        + cloudflare_phase(cfg.cloudflare.timeout)
        + REPORT_TIMEOUT
        + REPORTS_AFTER_PASS
}

/// /health says unhealthy when no pass ended for this long: a pass starts at most one interval
/// after the last one ended (failures retry sooner), and takes at most `pass`.
pub fn health_patience(cfg: &Config) -> u64 {
    cfg.lifecycle.update_interval + pass(cfg) + HEALTH_MARGIN
}

/// From SIGTERM or SIGINT to exit.
pub fn stop(cfg: &Config) -> u64 {
    STOP_AT_ONCE
        + if cfg.lifecycle.delete_on_stop {
            STOP_DELETES
        } else {
            0
        }
}

/// The numbers, for the start-up log.
pub fn describe(cfg: &Config) -> String {
    let (cf, det) = (cfg.cloudflare.timeout, cfg.detection.timeout);
    format!(
        "bounds: the status API waits at most {} s during one outbound call (a health probe must allow {} s); a pass takes at most {} s; /health stays ok for {} s after a pass; a stop takes at most {} s",
        stall(cf, det),
        probe_wait(cf, det),
        pass(cfg),
        health_patience(cfg),
        stop(cfg)
    )
}

/// A warning when these settings need more than the shipped probes allow.
pub fn probe_warning(cfg: &Config) -> Option<String> {
    let need = probe_wait(cfg.cloudflare.timeout, cfg.detection.timeout);
    (need > SHIPPED_PROBE_TIMEOUT).then(|| {
        format!(
            "UPDATE_TIMEOUT={} s and DETECTION_TIMEOUT={} s let one call hold the status API for {} s: give health probes a timeout of at least {need} s (the shipped ones allow {SHIPPED_PROBE_TIMEOUT} s)",
            cfg.cloudflare.timeout,
            cfg.detection.timeout,
            stall(cfg.cloudflare.timeout, cfg.detection.timeout)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fit_the_shipped_probes_and_dockers_stop_grace() {
        // UPDATE_TIMEOUT 15, DETECTION_TIMEOUT 5.
        assert_eq!(stall(15, 5), 16);
        assert_eq!(probe_wait(15, 5), 21);
        assert!(probe_wait(15, 5) <= SHIPPED_PROBE_TIMEOUT);
        assert!(probe_wait(24, 5) <= SHIPPED_PROBE_TIMEOUT);
        assert!(probe_wait(25, 5) > SHIPPED_PROBE_TIMEOUT);
    }

    #[test]
    fn the_stall_is_the_longest_single_call() {
        assert_eq!(stall(1, 1), REPORT_TIMEOUT + 1);
        assert_eq!(stall(1, 40), 41);
        assert_eq!(stall(300, 5), 301);
        assert_eq!(cloudflare_phase(1), 60);
        assert_eq!(cloudflare_phase(30), 120);
    }
}

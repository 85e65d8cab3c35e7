//! Heartbeats for outside monitors, with favonia/cloudflare-ddns's variable names:
//! HEALTHCHECKS (healthchecks.io: `/start` before a pass, the URL on success, `/fail` on
//! failure) and UPTIMEKUMA (an Uptime Kuma push URL: `status=up` or `status=down`, `msg`).

use crate::bounds::REPORT_TIMEOUT;
use crate::config::{Config, Secret};
use crate::sync::Report;
use crate::transport::{percent_encode, redacted, Method, Request, Transport, Url};

pub struct Heartbeats {
    healthchecks: Option<Secret>,
    uptime_kuma: Option<Secret>,
}

impl Heartbeats {
    pub fn new(cfg: &Config) -> Heartbeats {
        Heartbeats {
            healthchecks: cfg.reporters.healthchecks.clone(),
            uptime_kuma: cfg.reporters.uptime_kuma.clone(),
        }
    }

    pub fn start(&self, transport: &mut dyn Transport) {
        if let Some(hc) = &self.healthchecks {
            ping(transport, &healthchecks_url(hc.expose(), "/start"));
        }
    }

    /// Reports the pass; the caller bounds the pings together (`bounds::REPORTS_AFTER_PASS`).
    pub fn finish(&self, report: &Report, transport: &mut dyn Transport) {
        let suffix = if report.ok() { "" } else { "/fail" };
        if let Some(hc) = &self.healthchecks {
            ping(transport, &healthchecks_url(hc.expose(), suffix));
        }
        if let Some(kuma) = &self.uptime_kuma {
            ping(
                transport,
                &kuma_url(kuma.expose(), report.ok(), &report.summary()),
            );
        }
    }
}

fn healthchecks_url(base: &str, suffix: &str) -> String {
    format!("{}{suffix}", base.trim_end_matches('/'))
}

/// The push URL without its query (Uptime Kuma shows one with `?status=up&msg=OK&ping=`).
fn kuma_url(base: &str, ok: bool, msg: &str) -> String {
    let base = base.split('?').next().unwrap_or(base);
    let status = if ok { "up" } else { "down" };
    let msg: String = msg.chars().take(200).collect();
    format!("{base}?status={status}&msg={}&ping=", percent_encode(&msg))
}

#[inline(never)]
fn ping(transport: &mut dyn Transport, url: &str) {
    let checked = match Url::parse(url) {
        Ok(u) => u,
        Err(e) => return crate::warn!("heartbeat to {} not sent: the URL {e}", redacted(url)),
    };
    let result = transport.send(Request {
        method: Method::Get,
        url: checked,
        headers: Vec::new(),
        body: None,
        timeout_secs: REPORT_TIMEOUT,
        max_body: 4096,
        redirects: crate::transport::REDIRECTS,
        dial: crate::transport::Dial::Any,
    });
    match result {
        Ok(r) if (200..300).contains(&r.status) => {}
        Ok(r) => crate::warn!("heartbeat to {} answered HTTP {}", redacted(url), r.status),
        Err(e) => crate::warn!("heartbeat to {} failed: {e}", redacted(url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_each_service() {
        assert_eq!(
            healthchecks_url("https://hc-ping.com/uuid/", "/fail"),
            "https://hc-ping.com/uuid/fail"
        );
        assert_eq!(
            kuma_url(
                "https://kuma.lan/api/push/k1?status=up&msg=OK&ping=",
                false,
                "pass FAILED: x"
            ),
            "https://kuma.lan/api/push/k1?status=down&msg=pass%20FAILED%3A%20x&ping="
        );
    }
}

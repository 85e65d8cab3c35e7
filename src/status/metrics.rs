//! Prometheus metrics (text format 0.0.4): counters kept across passes, rendered on request.

use super::records::RecordStatus;
use crate::config::Family;
use crate::sync::Report;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Default)]
pub struct Metrics {
    passes_ok: u64,
    passes_failed: u64,
    /// (method, HTTP status or 0) -> count.
    requests: BTreeMap<(&'static str, u16), u64>,
    /// family -> (provider that answered, seconds the detection took), from the last pass.
    detections: BTreeMap<&'static str, (Option<String>, f64)>,
    last_success: Option<u64>,
    /// The network watch's (changes read, passes they asked for), when it runs.
    pub network: Option<(u64, u64)>,
}

impl Metrics {
    pub fn record(&mut self, report: &Report, unix: u64) {
        if report.ok() {
            self.passes_ok += 1;
            self.last_success = Some(unix);
        } else {
            self.passes_failed += 1;
        }
        for (method, status) in &report.cloudflare_log {
            *self.requests.entry((method.name(), *status)).or_default() += 1;
        }
        for d in &report.detections {
            let label = match d.family {
                Family::V4 => "ipv4",
                Family::V6 => "ipv6",
            };
            // A `url:` provider already shows only its scheme and host.
            let provider = d.provider.clone();
            self.detections.insert(label, (provider, d.seconds));
        }
    }

    #[inline(never)]
    pub fn render(&self, records: &[RecordStatus]) -> String {
        let mut out = String::with_capacity(2048);
        self.render_passes(&mut out);
        self.render_network(&mut out);
        self.render_detections(&mut out);
        render_records(&mut out, records);
        out
    }

    fn render_network(&self, out: &mut String) {
        let Some((events, passes)) = self.network else {
            return;
        };
        header(
            out,
            "network_events_total",
            "counter",
            "Address and route changes the network watch read (WATCH_NETWORK).",
        );
        let _ = writeln!(out, "dyncfdns_network_events_total {events}");
        header(
            out,
            "network_passes_total",
            "counter",
            "Passes a network change asked for.",
        );
        let _ = writeln!(out, "dyncfdns_network_passes_total {passes}");
    }

    fn render_passes(&self, out: &mut String) {
        header(out, "passes_total", "counter", "Sync passes, by result.");
        let _ = writeln!(
            out,
            "dyncfdns_passes_total{{result=\"ok\"}} {}",
            self.passes_ok
        );
        let _ = writeln!(
            out,
            "dyncfdns_passes_total{{result=\"failed\"}} {}",
            self.passes_failed
        );
        header(
            out,
            "cloudflare_requests_total",
            "counter",
            "Cloudflare API requests, by method and HTTP status (0: no answer).",
        );
        for ((method, status), n) in &self.requests {
            let _ = writeln!(
                out,
                "dyncfdns_cloudflare_requests_total{{method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        header(
            out,
            "last_success_timestamp_seconds",
            "gauge",
            "Unix time of the last pass that succeeded (0: none yet).",
        );
        let _ = writeln!(
            out,
            "dyncfdns_last_success_timestamp_seconds {}",
            self.last_success.unwrap_or(0)
        );
    }

    fn render_detections(&self, out: &mut String) {
        header(
            out,
            "detection_seconds",
            "gauge",
            "How long the last address detection took, by family.",
        );
        for (fam, (_, secs)) in &self.detections {
            let _ = writeln!(
                out,
                "dyncfdns_detection_seconds{{family=\"{fam}\"}} {secs:.6}"
            );
        }
        header(
            out,
            "detection_provider",
            "gauge",
            "The provider that gave the last address, by family (1).",
        );
        for (fam, (provider, _)) in &self.detections {
            if let Some(p) = provider {
                let _ = writeln!(
                    out,
                    "dyncfdns_detection_provider{{family=\"{fam}\",provider=\"{}\"}} 1",
                    escape(p)
                );
            }
        }
    }
}

fn render_records(out: &mut String, records: &[RecordStatus]) {
    header(
        out,
        "record_state",
        "gauge",
        "Each managed record's state after the last pass (1).",
    );
    for r in records {
        let _ = writeln!(
            out,
            "dyncfdns_record_state{{{},state=\"{}\"}} 1",
            record_labels(r),
            r.state.label()
        );
    }
    header(
        out,
        "record_last_change_timestamp_seconds",
        "gauge",
        "Unix time dyncfdns last changed each record (0: never).",
    );
    for r in records {
        let _ = writeln!(
            out,
            "dyncfdns_record_last_change_timestamp_seconds{{{}}} {}",
            record_labels(r),
            r.last_change.unwrap_or(0)
        );
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(
        out,
        "# HELP dyncfdns_{name} {help}\n# TYPE dyncfdns_{name} {kind}"
    );
}

fn record_labels(r: &RecordStatus) -> String {
    format!(
        "name=\"{}\",type=\"{}\"",
        escape(&r.name),
        r.family.record_type()
    )
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

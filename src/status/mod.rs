//! What the status API reports: the outcome of the passes so far. Pure state and JSON;
//! `records` is each record's state, `metrics` the Prometheus counters.

mod metrics;
mod records;

pub use records::{RecordState, RecordStatus};

use crate::config::{Config, Family};
use crate::json::{text, time, Fields};
use crate::sync::{Report, State};
use metrics::Metrics;
use miniserde::json::{Number, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

pub struct Status {
    hosts: Vec<String>,
    ipv6_on: bool,
    /// How long /health waits for a pass before it says unhealthy.
    patience: Duration,
    started: Instant,
    last_check: Option<u64>,
    last_check_at: Option<Instant>,
    last_update: Option<u64>,
    ipv4: Option<IpAddr>,
    ipv6: Option<IpAddr>,
    pub records: Vec<RecordStatus>,
    metrics: Metrics,
    /// Whether the last pass succeeded; `None` before the first.
    pub last_ok: Option<bool>,
    /// (host, family) → its place in `records`: a pass's outcomes are filed without a scan.
    index: HashMap<(String, Family), usize>,
    /// Counts passes, so shared answers know when they are stale.
    generation: u64,
    /// The last `/metrics` and `/widget` bodies, alive while some client still holds them:
    /// clients asking at the same time share one copy.
    metrics_body: RefCell<(u64, Weak<String>)>,
    widget_body: RefCell<(u64, &'static str, Weak<String>)>,
}

impl Status {
    pub fn new(cfg: &Config, now: Instant) -> Status {
        let families: Vec<Family> = cfg.families().collect();
        let records: Vec<RecordStatus> = cfg
            .hosts
            .iter()
            .flat_map(|h| {
                cfg.families_of(h).map(move |f| RecordStatus {
                    name: h.clone(),
                    family: f,
                    content: None,
                    state: RecordState::Pending,
                    last_change: None,
                })
            })
            .collect();
        Status {
            hosts: cfg.hosts.clone(),
            ipv6_on: families.contains(&Family::V6),
            patience: Duration::from_secs(crate::bounds::health_patience(cfg)),
            started: now,
            last_check: None,
            last_check_at: None,
            last_update: None,
            last_ok: None,
            ipv4: None,
            ipv6: None,
            index: records
                .iter()
                .enumerate()
                .map(|(i, r)| ((r.name.clone(), r.family), i))
                .collect(),
            records,
            metrics: Metrics::default(),
            generation: 0,
            metrics_body: RefCell::new((0, Weak::new())),
            widget_body: RefCell::new((0, "", Weak::new())),
        }
    }

    pub fn record_pass(&mut self, report: &Report, unix: u64, now: Instant) {
        self.generation += 1;
        self.last_check = Some(unix);
        self.last_check_at = Some(now);
        self.last_ok = Some(report.ok());
        self.metrics.record(report, unix);
        self.ipv4 = report.ipv4.or(self.ipv4);
        self.ipv6 = report.ipv6.or(self.ipv6);
        // A name kept as a set has an outcome per record: its row shows them together.
        let mut filed: Vec<usize> = Vec::new();
        for outcome in &report.outcomes {
            let Some(&i) = self.index.get(&(outcome.host.clone(), outcome.family)) else {
                continue;
            };
            let rec = &mut self.records[i];
            let state = RecordState::from(&outcome.state);
            if filed.contains(&i) {
                rec.state = rec.state.max(state);
                if let (Some(held), Some(more)) = (&mut rec.content, &outcome.content) {
                    held.push_str(", ");
                    held.push_str(more);
                } else if rec.content.is_none() {
                    rec.content = outcome.content.clone();
                }
            } else {
                filed.push(i);
                rec.state = state;
                if outcome.content.is_some() || outcome.state == State::Deleted {
                    rec.content = outcome.content.clone();
                }
            }
            if matches!(
                outcome.state,
                State::Updated | State::Created | State::Deleted
            ) {
                rec.last_change = Some(unix);
                self.last_update = Some(unix);
            }
        }
    }

    /// The network watch's counts, shown by /metrics from the next pass on.
    pub fn record_watch(&mut self, events: u64, passes: u64) {
        self.metrics.network = Some((events, passes));
    }

    pub fn metrics_text(&self) -> String {
        self.metrics.render(&self.records)
    }

    /// `/metrics`, shared with every client asking before the next pass.
    pub fn metrics_shared(&self) -> Rc<String> {
        let mut cached = self.metrics_body.borrow_mut();
        if cached.0 == self.generation {
            if let Some(body) = cached.1.upgrade() {
                return body;
            }
        }
        let body = Rc::new(self.metrics_text());
        *cached = (self.generation, Rc::downgrade(&body));
        body
    }

    /// `/widget`, shared with every client asking while the state and status hold.
    pub fn widget_shared(&self, now: Instant) -> Rc<String> {
        let status = self.status_label(now);
        let mut cached = self.widget_body.borrow_mut();
        if cached.0 == self.generation && cached.1 == status {
            if let Some(body) = cached.2.upgrade() {
                return body;
            }
        }
        let body = Rc::new(self.widget_json(now));
        *cached = (self.generation, status, Rc::downgrade(&body));
        body
    }

    fn status_label(&self, now: Instant) -> &'static str {
        match self.last_ok {
            _ if !self.healthy(now) => "unhealthy",
            None => "starting",
            Some(true) => "active",
            Some(false) => "unhealthy",
        }
    }

    /// Liveness: a pass finished recently, or the service is still young.
    pub fn healthy(&self, now: Instant) -> bool {
        let since = self.last_check_at.unwrap_or(self.started);
        now.saturating_duration_since(since) <= self.patience
    }

    pub fn health_json(&self, now: Instant) -> (u16, String) {
        let healthy = self.healthy(now);
        let body = Fields::default()
            .put("status", text(if healthy { "ok" } else { "unhealthy" }))
            .put("last_check", time(self.last_check))
            .end();
        (if healthy { 200 } else { 503 }, body)
    }

    /// The seed's fields in the seed's order, then `current_ipv6` (with AAAA on) and `records`.
    pub fn widget_json(&self, now: Instant) -> String {
        let status = self.status_label(now);
        let records: Vec<String> = self
            .records
            .iter()
            .map(|r| {
                let fields = Fields::default()
                    .put("name", text(&r.name))
                    .put("type", text(r.family.record_type().as_str()))
                    .put("content", r.content.as_deref().map_or(Value::Null, text))
                    .put("state", text(r.state.label()))
                    .put("last_change", time(r.last_change));
                // An internationalized name's Unicode form, only where it has one.
                match crate::idna::to_unicode(&r.name) {
                    Some(unicode) => fields.put("unicode", text(&unicode)).end(),
                    None => fields.end(),
                }
            })
            .collect();
        let mut w = Fields::default()
            .put("last_check", time(self.last_check))
            .put("last_update", time(self.last_update))
            .put(
                "host_count",
                Value::Number(Number::U64(self.hosts.len() as u64)),
            )
            .put("hosts", text(&self.hosts.join("\n")))
            .put("current_ip", ip(self.ipv4))
            .put("status", text(status));
        if self.ipv6_on {
            w = w.put("current_ipv6", ip(self.ipv6));
        }
        w.raw("records", &format!("[{}]", records.join(","))).end()
    }
}

fn ip(a: Option<IpAddr>) -> Value {
    a.map_or(Value::Null, |a| text(&a.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, Source};
    use crate::sync::Outcome;

    fn cfg(ip6: bool) -> Config {
        let var = move |k: &str| match k {
            "HOST_LIST" => Some("a.example.com,b.example.com".to_string()),
            "CLOUDFLARE_API_TOKEN" => Some("t".to_string()),
            "IP6_PROVIDER" if ip6 => Some("ipify".to_string()),
            _ => None,
        };
        let read_file = |_: &str| Err(std::io::Error::other("none"));
        config::parse(&Source {
            var: &var,
            read_file: &read_file,
        })
        .unwrap()
    }

    #[test]
    fn a_sets_records_share_a_row_and_a_unicode_name_shows_both_forms() {
        let var = |k: &str| match k {
            "HOST_LIST" => Some("☕.example.org".to_string()),
            "CLOUDFLARE_API_TOKEN" => Some("t".to_string()),
            _ => None,
        };
        let read_file = |_: &str| Err(std::io::Error::other("none"));
        let c = config::parse(&Source {
            var: &var,
            read_file: &read_file,
        })
        .unwrap();
        let mut s = Status::new(&c, Instant::now());
        let o = |content: Option<&str>, state| Outcome {
            host: "xn--53h.example.org".into(),
            family: Family::V4,
            content: content.map(Into::into),
            previous: None,
            state,
        };
        let pass = Report {
            ipv4: Some("93.184.216.1".parse().unwrap()),
            outcomes: vec![
                o(Some("93.184.216.1"), State::Unchanged),
                o(Some("93.184.216.2"), State::Created),
                o(None, State::Deleted),
            ],
            ..Report::default()
        };
        s.record_pass(&pass, 100, Instant::now());
        let w = s.widget_json(Instant::now());
        assert!(
            w.contains(r#""name":"xn--53h.example.org","type":"A","content":"93.184.216.1, 93.184.216.2","state":"created""#),
            "{w}"
        );
        assert!(w.contains(r#""unicode":"☕.example.org""#), "{w}");
    }

    fn report(ok: bool) -> Report {
        Report {
            ipv4: Some("8.8.8.8".parse().unwrap()),
            outcomes: vec![Outcome {
                host: "a.example.com".into(),
                family: Family::V4,
                content: Some("8.8.8.8".into()),
                previous: None,
                state: if ok {
                    State::Updated
                } else {
                    State::Failed(crate::sync::Failure::Throttled)
                },
            }],
            ..Report::default()
        }
    }

    #[test]
    fn widget_before_and_after_a_pass() {
        let t0 = Instant::now();
        let mut s = Status::new(&cfg(false), t0);
        let w = s.widget_json(t0);
        assert!(
            w.contains(r#""last_check":null"#) && w.contains(r#""status":"starting""#),
            "{w}"
        );
        assert!(
            w.contains(r#""hosts":"a.example.com\nb.example.com""#),
            "{w}"
        );
        assert!(!w.contains("current_ipv6"));
        s.record_pass(&report(true), 1_752_575_432, t0);
        let w = s.widget_json(t0);
        for part in [
            r#""last_check":"2025-07-15T10:30:32Z""#,
            r#""last_update":"2025-07-15T10:30:32Z""#,
            r#""host_count":2"#,
            r#""current_ip":"8.8.8.8""#,
            r#""status":"active""#,
            r#""state":"updated""#,
            r#""state":"pending""#,
        ] {
            assert!(w.contains(part), "{part} in {w}");
        }
        s.record_pass(&report(false), 1_752_575_492, t0);
        assert!(s.widget_json(t0).contains(r#""status":"unhealthy""#));
    }

    #[test]
    fn a_record_not_attempted_no_longer_shows_its_old_state() {
        let t0 = Instant::now();
        let mut s = Status::new(&cfg(false), t0);
        s.record_pass(&report(true), 1_752_575_432, t0);
        let mut skipped = report(true);
        skipped.outcomes[0].state = State::NotAttempted;
        skipped.outcomes[0].content = None;
        s.record_pass(&skipped, 1_752_575_492, t0);
        let w = s.widget_json(t0);
        assert!(
            w.contains(r#""content":"8.8.8.8","state":"not-attempted""#),
            "{w}"
        );
        assert!(s
            .metrics_text()
            .contains(r#"name="a.example.com",type="A",state="not-attempted"} 1"#));
    }

    #[test]
    fn widget_keeps_the_seed_field_order() {
        let s = Status::new(&cfg(false), Instant::now());
        let w = s.widget_json(Instant::now());
        let order = [
            "last_check",
            "last_update",
            "host_count",
            "hosts",
            "current_ip",
            "status",
            "records",
        ];
        let positions: Vec<usize> = order
            .iter()
            .map(|k| w.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|p| p[0] < p[1]), "{w}");
    }

    #[test]
    fn ipv6_field_only_when_on() {
        let s = Status::new(&cfg(true), Instant::now());
        assert!(s
            .widget_json(Instant::now())
            .contains(r#""current_ipv6":null"#));
        assert_eq!(s.records.len(), 4);
    }

    #[test]
    fn health_turns_503_when_passes_stop() {
        let t0 = Instant::now();
        let c = cfg(false);
        let mut s = Status::new(&c, t0);
        assert_eq!(s.health_json(t0).0, 200);
        s.record_pass(&report(true), 1_752_575_432, t0);
        let patience = Duration::from_secs(crate::bounds::health_patience(&c));
        assert_eq!(s.health_json(t0 + patience).0, 200);
        let (code, body) = s.health_json(t0 + patience + Duration::from_secs(1));
        assert_eq!(code, 503);
        assert_eq!(
            body,
            r#"{"status":"unhealthy","last_check":"2025-07-15T10:30:32Z"}"#
        );
        assert!(s
            .widget_json(t0 + patience * 2)
            .contains(r#""status":"unhealthy""#));
    }
}

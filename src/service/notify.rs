//! Notifications: one JSON POST to NOTIFY_URL per pass that changed a record, failed or fell
//! in doubt after a good pass (or the first pass did), or recovered. Bounded: a few tries per message and a
//! few messages queued, each send within the time left before the next pass.

use crate::config::Secret;
use crate::json::{opt, text, time, Fields};
use crate::sync::{PassError, Report, Standing, State};
use crate::transport::{redacted, Method, Request, Transport, TransportError, Url};
use std::collections::VecDeque;

const MAX_QUEUED: usize = 8;
const MAX_TRIES: u8 = 3;

/// What a message announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Updated,
    Failed,
    /// Two providers disagree: a doubt, told as such, not as an outage.
    Doubted,
    Recovered,
    /// A record of a set that held an address no longer wanted.
    Deleted,
}

impl Event {
    fn label(self) -> &'static str {
        match self {
            Event::Updated => "updated",
            Event::Failed => "failed",
            Event::Doubted => "doubted",
            Event::Recovered => "recovered",
            Event::Deleted => "deleted",
        }
    }
}

/// What a pass has to say, if anything: `{"event", "time", "error", "records": [{"event",
/// "host", "type", "old", "new", "error", "time"}]}`. Pure.
#[inline(never)]
pub fn message(report: &Report, previous_ok: Option<bool>, unix: u64) -> Option<String> {
    let entry = |o: &crate::sync::Outcome, event: Event, error: Option<&str>| {
        let new = o.content.as_deref().filter(|_| error.is_none());
        Fields::default()
            .put("event", text(event.label()))
            .put("host", text(&o.host))
            .put("type", text(o.family.record_type().as_str()))
            .put("old", opt(o.previous.as_deref()))
            .put("new", opt(new))
            .put("error", opt(error))
            .put("time", time(Some(unix)))
            .end()
    };
    let mut records: Vec<String> = report
        .outcomes
        .iter()
        .filter_map(|o| match o.state {
            State::Updated | State::Created => Some(entry(o, Event::Updated, None)),
            State::Deleted => Some(entry(o, Event::Deleted, None)),
            State::Unchanged
            | State::WouldChange(_)
            | State::Missing
            | State::Failed(_)
            | State::NotAttempted
            | State::Doubted
            | State::Unconfirmed => None,
        })
        .collect();
    // A failure or a doubt that goes on is announced once; recovery once; changes always.
    let trouble = match report.standing() {
        Standing::Ok => None,
        Standing::InDoubt => Some(Event::Doubted),
        Standing::Failed => Some(Event::Failed),
    };
    let event = match (trouble, previous_ok) {
        (Some(_), Some(false)) | (None, Some(true) | None) => None,
        (Some(trouble), _) => Some(trouble),
        (None, Some(false)) => Some(Event::Recovered),
    };
    let event = event.or((!records.is_empty()).then_some(Event::Updated))?;
    let mut error: Option<String> = None;
    if matches!(event, Event::Failed | Event::Doubted) {
        for o in &report.outcomes {
            let (label, why) = match &o.state {
                State::Failed(why) => (Event::Failed, why.to_string()),
                State::Doubted => (Event::Doubted, doubt_of(report, o.family)),
                State::Unchanged
                | State::Updated
                | State::Created
                | State::WouldChange(_)
                | State::Deleted
                | State::Missing
                | State::NotAttempted
                | State::Unconfirmed => continue,
            };
            records.push(entry(o, label, Some(&why)));
            error = error.or(Some(why));
        }
        error = report.errors.first().map(ToString::to_string).or(error);
    }
    Some(
        Fields::default()
            .put("event", text(event.label()))
            .put("time", time(Some(unix)))
            .put("error", opt(error.as_deref()))
            .raw("records", &format!("[{}]", records.join(",")))
            .end(),
    )
}

/// What the pass said about the family's doubt.
fn doubt_of(report: &Report, family: crate::config::Family) -> String {
    report
        .errors
        .iter()
        .find_map(|e| match e {
            PassError::Doubt(d) if d.family == family => Some(d.to_string()),
            PassError::Doubt(_) | PassError::NoAddress { .. } | PassError::Filtered { .. } => None,
        })
        .unwrap_or_default()
}

pub struct Notifier {
    url: Secret,
    queue: VecDeque<(String, u8)>,
}

impl Notifier {
    pub fn new(url: Secret) -> Notifier {
        Notifier {
            url,
            queue: VecDeque::new(),
        }
    }

    pub fn push(&mut self, body: String) {
        if self.queue.len() == MAX_QUEUED {
            self.queue.pop_front();
            crate::warn!("notification queue full; dropped the oldest message");
        }
        self.queue.push_back((body, 0));
    }

    /// Sends what is queued, oldest first, each within `bounds::REPORT_TIMEOUT`; stops at the
    /// first failure, to try again after the next pass. A message the caller's deadline left
    /// no time for stays queued without using a try.
    #[inline(never)]
    pub fn flush(&mut self, transport: &mut dyn Transport) {
        while let Some((body, tries)) = self.queue.front_mut() {
            // Checked at start (`config`): a failure here is named like any other.
            let url = Url::parse(self.url.expose()).map_err(TransportError::from);
            let result = url.and_then(|url| {
                transport.send(Request {
                    method: Method::Post,
                    url,
                    headers: Vec::new(),
                    body: Some(body.clone()),
                    timeout_secs: crate::bounds::REPORT_TIMEOUT,
                    max_body: 4096,
                    redirects: crate::transport::REDIRECTS,
                    dial: crate::transport::Dial::Any,
                })
            });
            let why = match result {
                Ok(r) if (200..300).contains(&r.status) => {
                    self.queue.pop_front();
                    continue;
                }
                Ok(r) => format!("HTTP {}", r.status),
                Err(TransportError::OutOfTime) => return,
                Err(e) => e.to_string(),
            };
            *tries += 1;
            let dest = redacted(self.url.expose());
            if *tries >= MAX_TRIES {
                crate::warn!("notification to {dest} failed {MAX_TRIES} times ({why}); dropped");
                self.queue.pop_front();
            } else {
                crate::warn!(
                    "notification to {dest} failed ({why}); will retry after the next pass"
                );
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Family;
    use crate::sync::Outcome;

    fn report(states: Vec<State>) -> Report {
        Report {
            outcomes: states
                .into_iter()
                .map(|state| Outcome {
                    host: "a.example.com".into(),
                    family: Family::V4,
                    content: Some("8.8.8.8".into()),
                    previous: Some("1.1.1.1".into()),
                    state,
                })
                .collect(),
            ..Report::default()
        }
    }

    #[test]
    fn a_doubt_is_told_as_a_doubt_once() {
        let mut r = report(vec![State::Doubted]);
        let doubt = crate::sync::Doubt {
            family: Family::V4,
            first: ("ipify".into(), "8.8.8.8".parse().unwrap()),
            second: ("icanhazip".into(), "9.9.9.9".parse().unwrap()),
        };
        r.errors.push(PassError::Doubt(doubt));
        let m = message(&r, Some(true), 0).unwrap();
        assert!(m.starts_with(r#"{"event":"doubted""#), "{m}");
        assert!(
            m.contains(r#""event":"doubted","host":"a.example.com""#)
                && m.contains("ipify says 8.8.8.8 but icanhazip says 9.9.9.9"),
            "{m}"
        );
        assert!(message(&r, Some(false), 0).is_none(), "told once");
        let m = message(&report(vec![State::Unchanged]), Some(false), 0).unwrap();
        assert!(m.starts_with(r#"{"event":"recovered""#), "{m}");
    }

    #[test]
    fn an_update_is_announced_with_old_and_new() {
        let m = message(&report(vec![State::Updated]), Some(true), 1_752_575_432).unwrap();
        assert_eq!(
            m,
            r#"{"event":"updated","time":"2025-07-15T10:30:32Z","error":null,"records":[{"event":"updated","host":"a.example.com","type":"A","old":"1.1.1.1","new":"8.8.8.8","error":null,"time":"2025-07-15T10:30:32Z"}]}"#
        );
        assert!(message(&report(vec![State::Unchanged]), Some(true), 0).is_none());
    }

    #[test]
    fn failure_is_announced_once_and_recovery_once() {
        let failed = report(vec![State::Failed(crate::sync::Failure::Blocked(
            "HTTP 500".into(),
        ))]);
        let m = message(&failed, Some(true), 0).unwrap();
        assert!(
            m.starts_with(r#"{"event":"failed""#) && m.contains(r#""error":"HTTP 500""#),
            "{m}"
        );
        assert!(
            message(&failed, Some(false), 0).is_none(),
            "still failing: no new message"
        );
        assert!(
            message(&failed, None, 0).is_some(),
            "a first pass that fails is news"
        );
        let m = message(&report(vec![State::Unchanged]), Some(false), 0).unwrap();
        assert!(
            m.starts_with(r#"{"event":"recovered""#) && m.contains(r#""records":[]"#),
            "{m}"
        );
        let m = message(&report(vec![State::Updated]), Some(false), 0).unwrap();
        assert!(
            m.starts_with(r#"{"event":"recovered""#) && m.contains(r#""old":"1.1.1.1""#),
            "{m}"
        );
    }
}

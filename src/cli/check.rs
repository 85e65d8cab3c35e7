//! `dyncfdns check`: the configuration in force, then read-only questions to Cloudflare —
//! does the credential work, which zone holds each host, what a pass would do now — each
//! problem on a line with its fix. Writes nothing: the pass it runs is a dry run.

use crate::cloudflare::{Client, Credential};
use crate::config::{self, Config};
use crate::reconcile::Write;
use crate::sync::{self, Cache, Outcome, Report, State};
use crate::transport::Transport;
use std::fmt::Write as _;

/// What `check` found: the text to print and whether everything is ready.
pub struct Findings {
    pub text: String,
    pub problems: usize,
}

/// The configuration in force: every variable, its value and where it came from.
pub fn configuration(cfg: &Config) -> String {
    let mut text = String::from("configuration (value, where it came from):\n");
    for (name, value, origin) in config::effective(cfg) {
        let _ = writeln!(text, "  {name:<22} {value:<40} {origin}");
    }
    for w in &cfg.warnings {
        let _ = writeln!(text, "  warning: {w}");
    }
    text
}

/// `check --offline`: the configuration and what can be learnt on this machine alone.
pub fn offline(cfg: &Config) -> Findings {
    let (mut text, problems) = local(cfg);
    conclude(
        &mut text,
        &problems,
        "ready as far as this machine can tell",
    );
    Findings {
        text,
        problems: problems.len(),
    }
}

fn local(cfg: &Config) -> (String, Vec<String>) {
    let mut text = configuration(cfg);
    let (watch, problem) = crate::service::watch::summary(cfg);
    let _ = writeln!(text, "\nnetwork watch: {watch}");
    (text, problem.into_iter().collect())
}

fn conclude(text: &mut String, problems: &[String], ready: &str) {
    if problems.is_empty() {
        let _ = writeln!(text, "\n{ready}");
    } else {
        let _ = writeln!(text, "\n{} problem(s):", problems.len());
        for p in problems {
            let _ = writeln!(text, "  - {p}");
        }
    }
}

pub fn run(cfg: &Config, transport: &mut dyn Transport, now: u64) -> Findings {
    let (mut text, mut problems) = local(cfg);
    text.push_str("\nCloudflare:\n");
    match Client::new(&cfg.cloudflare, transport).verify() {
        Ok(Credential::Active) => text.push_str("  credential: works\n"),
        Ok(Credential::Not(status)) => problems.push(format!(
            "the API token is {status}: create a new one with Zone:Read and DNS:Edit and set CLOUDFLARE_API_TOKEN"
        )),
        Err(e) => problems.push(format!("the credential does not work: {e}")),
    }
    if !cfg.waf.lists.is_empty() {
        let _ = writeln!(
            text,
            "  WAF lists: the token needs {} on each list's account as well",
            crate::cloudflare::PERMISSION
        );
    }
    let mut dry = cfg.clone();
    dry.lifecycle.dry_run = true;
    let mut cache = Cache::default();
    let report = sync::run_pass(&dry, &mut cache, transport, now);
    describe_pass(&report, &cache, &mut text, &mut problems);
    conclude(&mut text, &problems, "ready: a pass would succeed");
    Findings {
        text,
        problems: problems.len(),
    }
}

fn describe_pass(report: &Report, cache: &Cache, text: &mut String, problems: &mut Vec<String>) {
    for d in &report.detections {
        if let (Some(ip), Some(p)) = (report.address(d.family), &d.provider) {
            let _ = writeln!(text, "  {}: {ip} (from {p})", d.family.name());
        }
    }
    for e in &report.errors {
        problems.push(e.to_string());
    }
    for o in &report.outcomes {
        let rtype = o.family.record_type();
        let known = cache.known_zone(&o.host);
        let record = known
            .and_then(|z| cache.records(&z.id))
            .and_then(|records| crate::reconcile::managed(&o.host, rtype, records))
            .map_or(String::new(), |r| format!(", record {}", r.id));
        let zone = known.map_or("no zone".to_string(), |z| {
            format!("zone {}{record}", z.name)
        });
        let ip = report.address(o.family);
        let _ = writeln!(
            text,
            "  {} {} ({zone}): {}",
            o.host,
            o.family.record_type(),
            what(o, ip)
        );
        if let Some(p) = problem(o) {
            problems.push(p);
        }
    }
    for l in &report.lists {
        match l.state {
            sync::ListState::Failed(_) => problems.push(l.to_string()),
            sync::ListState::Unchanged
            | sync::ListState::Changed { .. }
            | sync::ListState::WouldChange { .. }
            | sync::ListState::HeldBack => {
                let _ = writeln!(text, "  {l}");
            }
        }
    }
}

/// What a pass would do for one record.
fn what(o: &Outcome, ip: Option<std::net::IpAddr>) -> String {
    let ip = ip.map_or("-".to_string(), |ip| ip.to_string());
    match (&o.state, &o.content) {
        (State::Unchanged, Some(c)) => format!("holds {c}; nothing to do"),
        (State::WouldChange(change), _) => match change.as_ref() {
            Write::Update { patch, old } => format!("would update {old} -> {}", patch.content),
            Write::Create(n) => format!("would create it with {}", n.content),
            Write::Delete(r) => format!("would delete it ({})", r.content),
        },
        (State::Missing, _) => "no record".to_string(),
        (State::Failed(_), _) => "cannot be managed (see problems)".to_string(),
        (State::NotAttempted, _) => "not checked (an earlier step failed)".to_string(),
        (State::Doubted, _) => "left alone: the providers disagree (see problems)".to_string(),
        (State::Unconfirmed, _) => format!("{ip} is new and no second answer came: left alone"),
        (State::Unchanged | State::Updated | State::Created | State::Deleted, _) => {
            o.state.label().to_string()
        }
    }
}

fn problem(o: &Outcome) -> Option<String> {
    let rtype = o.family.record_type();
    match &o.state {
        State::Missing => Some(format!(
            "{} has no {rtype} record: set ALLOW_CREATE_HOSTS=true to let dyncfdns create it, or create it in Cloudflare",
            o.host
        )),
        State::Failed(f) => Some(format!("{} {rtype}: {f}", o.host)),
        State::Unconfirmed => Some(format!(
            "{} {rtype}: the new address was given once and not again; a pass would not write it yet",
            o.host
        )),
        State::Unchanged
        | State::Updated
        | State::Created
        | State::WouldChange(_)
        | State::Deleted
        | State::NotAttempted
        | State::Doubted => None,
    }
}

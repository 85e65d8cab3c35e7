//! Writing a zone's changes: one batch (one transaction) for two or more, falling back to one
//! call per record when Cloudflare refuses the batch.

use super::cache::Cache;
use super::read::{owns, records_named};
use super::report::{Failure, Outcome, State, Want};
use crate::cloudflare::{CfError, Client};
use crate::dns::{CreatePolicy, Record, Zone};
use crate::pattern::Pattern;
use crate::reconcile::{self, Action, Write};

/// What writing a zone's changes came to: an outcome per change, and the error that must
/// stop the pass (throttling or a stop), if any.
#[derive(Default)]
pub struct Written {
    pub outcomes: Vec<Outcome>,
    pub stop: Option<CfError>,
}

/// Changes in one batch at most: Cloudflare's limit on the Free plan (paid plans allow more).
pub const BATCH_LIMIT: usize = 200;

/// Writes a zone's changes: batches of up to `BATCH_LIMIT` (each one transaction), one call
/// each for a batch Cloudflare refuses. A failed write invalidates the zone's cached records,
/// so the next pass reads them again.
pub fn write(
    client: &mut Client,
    cache: &mut Cache,
    zone: &Zone,
    owned: Option<&Pattern>,
    mut writes: Vec<(Want, Write)>,
) -> Written {
    let mut out = Written::default();
    while !writes.is_empty() {
        let rest = writes.split_off(writes.len().min(BATCH_LIMIT));
        let chunk = std::mem::replace(&mut writes, rest);
        if let Some(stop) = &out.stop {
            let state = left_over(stop);
            out.outcomes
                .extend(chunk.iter().map(|(w, _)| w.outcome(state.clone(), None)));
            continue;
        }
        let done = write_chunk(client, cache, zone, owned, chunk);
        out.outcomes.extend(done.outcomes);
        out.stop = done.stop;
    }
    out
}

/// Whether a refused batch may be retried one call per record: Cloudflare said no in JSON, or
/// something in between answered 4xx/5xx with a page of its own.
fn falls_back(e: &CfError) -> bool {
    matches!(
        e,
        CfError::Api { .. }
            | CfError::NotJson {
                status: 400..=599,
                ..
            }
    )
}

fn write_chunk(
    client: &mut Client,
    cache: &mut Cache,
    zone: &Zone,
    owned: Option<&Pattern>,
    writes: Vec<(Want, Write)>,
) -> Written {
    if writes.len() >= 2 {
        match write_batch(client, cache, zone, &writes) {
            Ok(outcomes) => {
                return Written {
                    outcomes,
                    stop: None,
                }
            }
            Err(e) if falls_back(&e) => {
                crate::warn!(
                    "batch write to zone {} refused ({e}); sending one call per record",
                    zone.name
                );
            }
            Err(error) => {
                cache.invalidate(zone, error.is_stale_id());
                let context = format!("writing to zone {} failed", zone.name);
                let failure = failed(context, &error);
                let outcomes = writes
                    .iter()
                    .map(|(w, _)| w.outcome(State::from_failure(failure.clone()), None))
                    .collect();
                return Written {
                    outcomes,
                    stop: Some(error),
                };
            }
        }
    }
    let mut out = Written::default();
    for (want, action) in writes {
        if let Some(stop) = &out.stop {
            out.outcomes.push(want.outcome(left_over(stop), None));
            continue;
        }
        match write_one(client, cache, zone, owned, &want, action) {
            Ok(outcome) => out.outcomes.push(outcome),
            Err(error) => {
                cache.invalidate(zone, error.is_stale_id());
                let context = format!("{} {}", want.host, want.family.record_type());
                let failure = failed(context, &error);
                out.outcomes
                    .push(want.outcome(State::from_failure(failure), None));
                if matches!(error, CfError::Throttled { .. }) || error.is_unreachable() {
                    out.stop = Some(error);
                }
            }
        }
    }
    out
}

/// A failure, logged once (an abandoned call is not a failure of its own).
fn failed(context: String, error: &CfError) -> Failure {
    let failure = Failure::Cloudflare {
        context,
        error: error.clone(),
    };
    if !failure.is_abandoned() {
        crate::error!("{failure}");
    }
    failure
}

/// The state of a change not sent because the pass had to stop: throttled, or not attempted
/// (a stop, or Cloudflare stopped answering).
fn left_over(stop: &CfError) -> State {
    match stop {
        CfError::Throttled { .. } => State::Failed(Failure::Throttled),
        _ => State::NotAttempted,
    }
}

fn write_batch(
    client: &mut Client,
    cache: &mut Cache,
    zone: &Zone,
    writes: &[(Want, Write)],
) -> Result<Vec<Outcome>, CfError> {
    let (mut deletes, mut patches, mut posts) = (Vec::new(), Vec::new(), Vec::new());
    for (_, write) in writes {
        match write {
            Write::Delete(r) => deletes.push(r.id.clone()),
            Write::Update { patch, .. } => patches.push(patch.clone()),
            Write::Create(n) => posts.push(n.clone()),
        }
    }
    let (patched, posted) = client.batch(&zone.id, &deletes, &patches, &posts)?;
    for id in &deletes {
        cache.remove(&zone.id, id);
    }
    for record in patched.into_iter().chain(posted) {
        cache.update(&zone.id, record);
    }
    Ok(writes.iter().map(|(w, a)| written(w, a)).collect())
}

fn write_one(
    client: &mut Client,
    cache: &mut Cache,
    zone: &Zone,
    owned: Option<&Pattern>,
    want: &Want,
    action: Write,
) -> Result<Outcome, CfError> {
    let record = match &action {
        Write::Update { patch, .. } => client.patch(&zone.id, patch)?,
        Write::Create(new) => match client.create(&zone.id, new) {
            Ok(r) => r,
            Err(e) if e.is_already_exists() => {
                return adopt_existing(client, cache, zone, owned, want, &new.content)
            }
            Err(e) => return Err(e),
        },
        Write::Delete(r) => {
            client.delete(&zone.id, &r.id)?;
            cache.remove(&zone.id, &r.id);
            return Ok(written(want, &action));
        }
    };
    cache.update(&zone.id, record);
    Ok(written(want, &action))
}

/// Someone created the record between our read and our write: read it and converge. For a
/// set, Cloudflare's "an identical record exists" says the member is there.
fn adopt_existing(
    client: &mut Client,
    cache: &mut Cache,
    zone: &Zone,
    owned: Option<&Pattern>,
    want: &Want,
    content: &str,
) -> Result<Outcome, CfError> {
    let rtype = want.family.record_type();
    crate::info!("{} {rtype} already exists; reading it again", want.host);
    let mut budget = crate::cloudflare::MAX_PAGES;
    let records: Vec<Record> = records_named(client, zone, &want.host, &mut budget)?
        .into_iter()
        .filter_map(Result::ok)
        .filter(|r| owns(owned, r))
        .collect();
    for r in &records {
        cache.update(&zone.id, r.clone());
    }
    let (false, [ip]) = (want.set, want.ips.as_slice()) else {
        return Ok(want.outcome(State::Unchanged, Some(content.to_string())));
    };
    let never = CreatePolicy::never();
    match reconcile::decide(&want.host, rtype, *ip, &records, &never).action {
        Action::Keep(r) => Ok(want.outcome(State::Unchanged, Some(r.content.to_string()))),
        Action::Write(update @ Write::Update { .. }) => {
            write_one(client, cache, zone, owned, want, update)
        }
        // With creation off, "create" cannot come back; the record was said to exist.
        Action::Write(Write::Create(_) | Write::Delete(_))
        | Action::Missing
        | Action::Blocked(_) => Err(CfError::Malformed(format!(
            "Cloudflare says {} {rtype} exists but does not list it",
            want.host
        ))),
    }
}

/// A record this pass wrote: it now holds the wanted address (or, deleted, nothing).
fn written(want: &Want, action: &Write) -> Outcome {
    let state = match action {
        Write::Update { .. } => State::Updated,
        Write::Create(_) => State::Created,
        Write::Delete(_) => State::Deleted,
    };
    let previous = action.old().map(String::from);
    let content = action.new_content().map(String::from);
    let new = content.clone().unwrap_or_default();
    crate::log::event(
        crate::log::Level::Info,
        &action.past(),
        &[
            ("event", state.label()),
            ("host", &want.host),
            ("type", want.family.record_type().as_str()),
            ("old", previous.as_deref().unwrap_or("")),
            ("new", &new),
        ],
    );
    let mut outcome = want.outcome(state, content);
    outcome.previous = previous;
    outcome
}

//! WAF lists in a pass (`WAF_LISTS`): the items this instance owns are kept covering the
//! detected addresses. Read only when the memo says something changed (0 calls in steady
//! state); a change is one asynchronous operation where it can be, polled to its end within
//! the pass's Cloudflare time.

use super::cache::ListMemo;
use super::confirm::Verdict;
use super::pass::Pass;
use crate::cloudflare::{CfError, Client, Progress, PERMISSION};
use crate::config::{Config, Family};
use crate::detect::Detected;
use crate::reconcile::lists::{bulk, decide, Bulk, Change};
use crate::waf::{Item, Range, WafList};
use std::fmt;
use std::time::{Duration, Instant};

/// What a pass did with one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListOutcome {
    pub list: WafList,
    pub state: ListState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListState {
    /// The owned items cover the detected addresses (and nothing else).
    Unchanged,
    Changed {
        added: Vec<Range>,
        removed: Vec<Range>,
    },
    /// A dry run's report of the same.
    WouldChange {
        added: Vec<Range>,
        removed: Vec<Range>,
    },
    /// The change waits: its family's new address is doubted or not confirmed yet.
    HeldBack,
    Failed(ListFailure),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListFailure {
    Cloudflare(CfError),
    /// A list of that name exists and holds something else than addresses.
    NotIpList,
    /// Cloudflare ran the operation and it failed, for this reason.
    Operation(String),
    /// The operation had not ended when the pass's Cloudflare time ran out.
    StillRunning,
}

impl fmt::Display for ListOutcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let list = &self.list;
        let shown = |r: &[Range]| {
            r.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.state {
            ListState::Unchanged => write!(f, "WAF list {list}: holds the addresses"),
            ListState::Changed { added, removed } => {
                write!(f, "WAF list {list}: added [{}], removed [{}]", shown(added), shown(removed))
            }
            ListState::WouldChange { added, removed } => write!(
                f,
                "WAF list {list}: would add [{}], remove [{}]",
                shown(added),
                shown(removed)
            ),
            ListState::HeldBack => write!(f, "WAF list {list}: change held back until the new address is confirmed"),
            ListState::Failed(ListFailure::Cloudflare(e)) => write!(
                f,
                "WAF list {list}: {}",
                e.refused_for(&format!("the token needs {PERMISSION} on account {}", list.account))
            ),
            ListState::Failed(ListFailure::NotIpList) => write!(
                f,
                "WAF list {list}: a list of that name exists and is not an IP list; name another"
            ),
            ListState::Failed(ListFailure::Operation(why)) => write!(
                f,
                "WAF list {list}: Cloudflare could not change it: {}",
                crate::log::escape(why)
            ),
            ListState::Failed(ListFailure::StillRunning) => write!(
                f,
                "WAF list {list}: Cloudflare had not finished the change in time; it is read again next pass"
            ),
        }
    }
}

/// A list whose items must change, as read this pass.
pub(super) struct ListPlan {
    index: usize,
    /// `None`: the list is not there and is created first.
    id: Option<String>,
    all: Vec<Item>,
    /// Every item is ours (and could be read), so a change may rewrite the whole list.
    all_owned: bool,
    owned: Vec<Item>,
    changes: Vec<(Family, Change)>,
}

pub(super) enum Planned {
    Holds(usize),
    Change(ListPlan),
    Failed(usize, ListFailure),
}

/// The ranges each detected family's items must cover: an IPv4 address at `IP4_PREFIX_LEN`
/// (32), an IPv6 one at its prefix, at most /64 (the narrowest an IP list holds).
pub fn wanted(cfg: &Config, found: &[(Family, Detected)]) -> Vec<(Family, Vec<Range>)> {
    found
        .iter()
        .map(|(family, d)| {
            let ranges = d
                .nets
                .iter()
                .map(|n| match family {
                    Family::V4 => Range::new(n.ip, cfg.waf.ip4_prefix_len),
                    Family::V6 => Range::new(
                        n.ip,
                        n.prefix_len.unwrap_or(cfg.detection.ip6_prefix_len).min(64),
                    ),
                })
                .collect();
            (*family, ranges)
        })
        .collect()
}

fn of_family(items: &[Item], family: Family) -> Vec<&Item> {
    items
        .iter()
        .filter(|i| i.range.family() == family)
        .collect()
}

/// Each list's plan; a list whose memo already covers what is wanted costs no call.
pub(super) fn plan(pass: &mut Pass, wanted: &[(Family, Vec<Range>)]) -> Vec<Planned> {
    let lists = pass.cfg.waf.lists.clone();
    let mut plans = Vec::new();
    for (index, list) in lists.iter().enumerate() {
        let key = list.to_string();
        let holds = pass.cache.list(&key).is_some_and(|memo| {
            wanted
                .iter()
                .all(|(f, w)| decide(w, &of_family(&memo.owned, *f)).is_empty())
        });
        if holds {
            plans.push(Planned::Holds(index));
            continue;
        }
        let planned = match read(pass, list, wanted) {
            Ok(plan) if plan.changes.is_empty() => Planned::Holds(index),
            Ok(mut plan) => {
                plan.index = index;
                Planned::Change(plan)
            }
            Err(failure) => {
                pass.cache.forget_list(&key);
                Planned::Failed(index, failure)
            }
        };
        plans.push(planned);
    }
    plans
}

fn read(
    pass: &mut Pass,
    list: &WafList,
    wanted: &[(Family, Vec<Range>)],
) -> Result<ListPlan, ListFailure> {
    let key = list.to_string();
    let cf = |pass: &mut Pass, e: CfError| {
        pass.stops(&e);
        ListFailure::Cloudflare(e)
    };
    let id = match pass.cache.known_list_id(&key).map(String::from) {
        Some(id) => Some(id),
        None => match pass.client.find_list(list) {
            Ok(Some(found)) if !found.ip => return Err(ListFailure::NotIpList),
            Ok(found) => found.map(|f| f.id),
            Err(e) => return Err(cf(pass, e)),
        },
    };
    let (all, odd) = match &id {
        Some(id) => pass.client.items(list, id).map_err(|e| cf(pass, e))?,
        None => (Vec::new(), 0),
    };
    let owns = |i: &&Item| {
        pass.cfg
            .waf
            .owned
            .as_ref()
            .is_none_or(|p| p.matches(i.comment.as_deref()))
    };
    let owned: Vec<Item> = all.iter().filter(owns).cloned().collect();
    if let Some(id) = &id {
        let memo = ListMemo {
            id: id.clone(),
            owned: owned.clone(),
        };
        pass.cache.set_list(&key, memo);
    }
    let changes = wanted
        .iter()
        .map(|(f, w)| (*f, decide(w, &of_family(&owned, *f))))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    Ok(ListPlan {
        index: 0,
        id,
        all_owned: odd == 0 && owned.len() == all.len(),
        all,
        owned,
        changes,
    })
}

/// The families whose new address some list is waiting for (a second answer may be asked).
pub(super) fn changing(plans: &[Planned]) -> impl Iterator<Item = Family> + '_ {
    plans.iter().flat_map(|p| match p {
        Planned::Change(plan) => plan.changes.iter().map(|(f, _)| *f).collect(),
        Planned::Holds(_) | Planned::Failed(..) => Vec::new(),
    })
}

/// Whether every list was read (or remembered) and holds the family's address.
pub(super) fn hold(plans: &[Planned], family: Family) -> bool {
    !plans.is_empty()
        && plans.iter().all(|p| match p {
            Planned::Holds(_) => true,
            Planned::Change(plan) => plan.changes.iter().all(|(f, _)| *f != family),
            Planned::Failed(..) => false,
        })
}

/// Writes the believed changes; reports every list.
pub(super) fn write(pass: &mut Pass, plans: Vec<Planned>, verdicts: &[(Family, Verdict)]) {
    for planned in plans {
        let (index, state) = match planned {
            Planned::Holds(i) => (i, ListState::Unchanged),
            Planned::Failed(i, failure) => (i, ListState::Failed(failure)),
            Planned::Change(plan) => (plan.index, change(pass, plan, verdicts)),
        };
        let outcome = ListOutcome {
            list: pass.cfg.waf.lists[index].clone(),
            state,
        };
        match &outcome.state {
            ListState::Failed(_) => crate::error!("{outcome}"),
            ListState::Changed { .. } | ListState::WouldChange { .. } => crate::info!("{outcome}"),
            ListState::HeldBack | ListState::Unchanged => {}
        }
        pass.report.lists.push(outcome);
    }
}

fn change(pass: &mut Pass, plan: ListPlan, verdicts: &[(Family, Verdict)]) -> ListState {
    let believed = |f: &Family| {
        verdicts
            .iter()
            .find(|(v, _)| v == f)
            .is_none_or(|(_, v)| *v == Verdict::Believed)
    };
    let (add, remove): (Vec<Range>, Vec<Item>) = plan
        .changes
        .iter()
        .filter(|(f, _)| believed(f))
        .fold((Vec::new(), Vec::new()), |(mut a, mut r), (_, c)| {
            a.extend(c.add.iter().copied());
            r.extend(c.remove.iter().cloned());
            (a, r)
        });
    if add.is_empty() && remove.is_empty() {
        return ListState::HeldBack;
    }
    let removed: Vec<Range> = remove.iter().map(|i| i.range).collect();
    if pass.cfg.lifecycle.dry_run {
        return ListState::WouldChange {
            added: add,
            removed,
        };
    }
    let list = pass.cfg.waf.lists[plan.index].clone();
    match apply(pass, &list, &plan, add.clone(), remove) {
        Ok(id) => {
            let mut owned: Vec<Item> = plan
                .owned
                .into_iter()
                .filter(|i| !removed.contains(&i.range))
                .collect();
            owned.extend(add.iter().map(|r| Item {
                id: String::new(),
                range: *r,
                comment: pass.cfg.waf.item_comment.clone(),
            }));
            pass.cache
                .set_list(&list.to_string(), ListMemo { id, owned });
            ListState::Changed {
                added: add,
                removed,
            }
        }
        Err(failure) => {
            pass.cache.forget_list(&list.to_string());
            ListState::Failed(failure)
        }
    }
}

/// Creates the list if needed, sends the change and waits for it; returns the list's id.
fn apply(
    pass: &mut Pass,
    list: &WafList,
    plan: &ListPlan,
    add: Vec<Range>,
    remove: Vec<Item>,
) -> Result<String, ListFailure> {
    let waf = &pass.cfg.waf;
    let id = match &plan.id {
        Some(id) => id.clone(),
        None => {
            let id = pass
                .client
                .create_list(list, waf.description.as_deref())
                .map_err(ListFailure::Cloudflare)?;
            crate::info!("WAF list {list} created");
            id
        }
    };
    let comment = waf.item_comment.clone();
    let Some(bulk) = bulk(&plan.all, plan.all_owned, add, remove, comment.as_deref()) else {
        return Ok(id);
    };
    let with = |ranges: Vec<Range>| {
        ranges
            .into_iter()
            .map(|r| (r, comment.clone()))
            .collect::<Vec<_>>()
    };
    let client = &mut *pass.client;
    let ops = match bulk {
        Bulk::Append(add) => vec![client.put_items(list, &id, &with(add), false)],
        Bulk::Replace(content) => vec![client.put_items(list, &id, &content, true)],
        Bulk::Delete(items) => vec![client.delete_items(list, &id, &items)],
        Bulk::AppendThenDelete(add, items) => {
            let first = client.put_items(list, &id, &with(add), false);
            let then = match first {
                Ok(_) => client.delete_items(list, &id, &items),
                Err(_) => Err(CfError::Abandoned),
            };
            vec![first, then]
        }
    };
    for op in ops {
        let op = op.map_err(ListFailure::Cloudflare)?;
        finish(client, list, &op, pass.until)?;
    }
    Ok(id)
}

/// Polls an operation until it ends, waiting a little longer each time (at most
/// `bounds::LIST_POLL_WAIT`, `bounds::LIST_POLLS` times, never past `until`).
pub fn finish(
    client: &mut Client,
    list: &WafList,
    op: &str,
    until: Instant,
) -> Result<(), ListFailure> {
    let mut wait = Duration::from_millis(100);
    for _ in 0..crate::bounds::LIST_POLLS {
        match client
            .operation(list, op)
            .map_err(ListFailure::Cloudflare)?
        {
            Progress::Completed => return Ok(()),
            Progress::Failed(why) => return Err(ListFailure::Operation(why)),
            Progress::Running => {}
        }
        if Instant::now() + wait >= until {
            break;
        }
        std::thread::sleep(wait);
        wait = (wait * 2).min(crate::bounds::LIST_POLL_WAIT);
    }
    Err(ListFailure::StillRunning)
}

/// The lists' part of a pass's summary line.
pub fn summary(lists: &[ListOutcome]) -> String {
    let count = |f: fn(&ListState) -> bool| lists.iter().filter(|l| f(&l.state)).count();
    let mut s = format!(
        "; WAF lists: {} unchanged, {} changed",
        count(|s| matches!(s, ListState::Unchanged)),
        count(|s| matches!(s, ListState::Changed { .. })),
    );
    for (n, what) in [
        (count(|s| matches!(s, ListState::Failed(_))), "failed"),
        (count(|s| matches!(s, ListState::HeldBack)), "held back"),
        (
            count(|s| matches!(s, ListState::WouldChange { .. })),
            "would change (dry run)",
        ),
    ] {
        if n > 0 {
            s.push_str(&format!(", {n} {what}"));
        }
    }
    s
}

/// DELETE_ON_STOP: the owned items of the detected families go from every list, read first
/// (the stop may run in a fresh process); items of a family dyncfdns does not detect stay.
/// Returns how many went.
pub fn delete_owned(cfg: &Config, client: &mut Client, until: Instant) -> usize {
    let families: Vec<Family> = cfg.families().collect();
    let mut deleted = 0;
    for list in &cfg.waf.lists {
        let gone = (|| {
            let Some(found) = client.find_list(list).map_err(ListFailure::Cloudflare)? else {
                return Ok(Vec::new());
            };
            let (all, _) = client
                .items(list, &found.id)
                .map_err(ListFailure::Cloudflare)?;
            let doomed: Vec<Item> = all
                .into_iter()
                .filter(|i| families.contains(&i.range.family()))
                .filter(|i| {
                    cfg.waf
                        .owned
                        .as_ref()
                        .is_none_or(|p| p.matches(i.comment.as_deref()))
                })
                .collect();
            if !doomed.is_empty() {
                let op = client
                    .delete_items(list, &found.id, &doomed)
                    .map_err(ListFailure::Cloudflare)?;
                finish(client, list, &op, until)?;
            }
            Ok(doomed)
        })();
        match gone {
            Ok(items) => {
                for i in &items {
                    crate::info!("deleted {} from WAF list {list} (DELETE_ON_STOP)", i.range);
                }
                deleted += items.len();
            }
            Err(failure) => {
                let outcome = ListOutcome {
                    list: list.clone(),
                    state: ListState::Failed(failure),
                };
                crate::error!("{outcome}");
            }
        }
    }
    deleted
}

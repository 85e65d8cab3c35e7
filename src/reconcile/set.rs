//! A name whose records of one type are kept as a set (`static:a,b`, `file:`, `interface:`,
//! several host IDs): afterwards they hold exactly the wanted addresses. A record already
//! holding one is kept; a wanted address no record holds takes over a record holding an
//! address no longer wanted (an update), else is created (when allowed); records left over are
//! deleted. Only records of that name and type are looked at. Pure.

use super::{create, holds, update, Action, Write};
use crate::dns::{CreatePolicy, Record, RecordType};
use std::net::IpAddr;

/// Each step for the set: the wanted address it serves (none for a delete or a block).
#[inline(never)]
pub fn decide_set(
    host: &str,
    rtype: RecordType,
    wants: &[IpAddr],
    records: &[Record],
    policy: &CreatePolicy,
) -> Vec<(Option<IpAddr>, Action)> {
    let on_name: Vec<&Record> = records
        .iter()
        .filter(|r| r.name.eq_ignore_ascii_case(host))
        .collect();
    if on_name.iter().any(|r| r.rtype == RecordType::Cname) {
        return vec![(
            None,
            Action::Blocked(format!(
                "{host} holds a CNAME record, so it cannot have {rtype} records; remove the CNAME or take {host} out of the host list"
            )),
        )];
    }
    let mut spare: Vec<&Record> = on_name.into_iter().filter(|r| r.rtype == rtype).collect();
    spare.sort_by(|a, b| (&a.created_on, &a.id).cmp(&(&b.created_on, &b.id)));
    let mut steps = Vec::new();
    let mut unheld = Vec::new();
    for ip in dedup(wants) {
        match spare.iter().position(|r| holds(r, ip)) {
            Some(i) => steps.push((Some(ip), Action::Keep(spare.remove(i).clone()))),
            None => unheld.push(ip),
        }
    }
    // The oldest spare records are reused first; what is left over after that goes.
    let mut spare = spare.into_iter();
    for ip in unheld {
        let action = match spare.next() {
            Some(record) => Action::Write(update(record, ip)),
            None if policy.allowed => Action::Write(create(host, rtype, ip, policy)),
            None => Action::Missing,
        };
        steps.push((Some(ip), action));
    }
    for record in spare {
        steps.push((None, Action::Write(Write::Delete(record.clone()))));
    }
    steps
}

fn dedup(wants: &[IpAddr]) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for ip in wants {
        if !out.contains(ip) {
            out.push(*ip);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::tests::{policy, rec};

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    /// The set's steps, as short words: keep/update/create/delete/missing with addresses.
    fn steps(wants: &[&str], records: &[Record], allowed: bool) -> Vec<String> {
        decide_set(
            "a.example.com",
            RecordType::A,
            &ips(wants),
            records,
            &policy(allowed),
        )
        .into_iter()
        .map(|(_, a)| match a {
            Action::Keep(r) => format!("keep {}", r.content),
            Action::Write(Write::Update { patch, old }) => {
                format!("update {} {old}->{}", patch.id, patch.content)
            }
            Action::Write(Write::Create(n)) => format!("create {}", n.content),
            Action::Write(Write::Delete(r)) => format!("delete {} {}", r.id, r.content),
            Action::Missing => "missing".to_string(),
            Action::Blocked(_) => "blocked".to_string(),
        })
        .collect()
    }

    const A: &str = "93.184.216.1";
    const B: &str = "93.184.216.2";
    const C: &str = "93.184.216.3";

    #[test]
    fn a_growing_set_keeps_what_is_held_and_creates_the_rest() {
        let r = [rec("1", "a.example.com", "A", A, "2020")];
        assert_eq!(
            steps(&[A, B, C], &r, true),
            [
                "keep 93.184.216.1",
                "create 93.184.216.2",
                "create 93.184.216.3"
            ]
        );
        assert_eq!(steps(&[A, B], &r, false), ["keep 93.184.216.1", "missing"]);
    }

    #[test]
    fn a_changed_member_reuses_the_record_and_a_shrunk_set_deletes() {
        let r = [
            rec("old", "a.example.com", "A", C, "2020"),
            rec("b", "a.example.com", "A", B, "2021"),
            rec("x", "a.example.com", "A", "93.184.216.9", "2022"),
        ];
        // B stays; A takes over the oldest spare record (C's); the last one goes.
        assert_eq!(
            steps(&[A, B], &r, true),
            [
                "keep 93.184.216.2",
                "update old 93.184.216.3->93.184.216.1",
                "delete x 93.184.216.9"
            ]
        );
        // The empty set (static.empty) deletes every record of the type.
        assert_eq!(steps(&[], &r, true).len(), 3);
        assert!(steps(&[], &r, true).iter().all(|s| s.starts_with("delete")));
    }

    #[test]
    fn only_that_name_and_type_are_touched() {
        let r = [
            rec("v6", "a.example.com", "AAAA", "2a00::1", "2020"),
            rec("other", "b.example.com", "A", "93.184.216.9", "2020"),
            rec("dup", "a.example.com", "A", A, "2021"),
            rec("dup2", "a.example.com", "A", A, "2022"),
        ];
        // A duplicate of a held address is left over, so it goes; nothing else is touched.
        assert_eq!(
            steps(&[A], &r, true),
            ["keep 93.184.216.1", "delete dup2 93.184.216.1"]
        );
        let cname = [rec("c", "a.example.com", "CNAME", "b.example.com", "2020")];
        assert_eq!(steps(&[A], &cname, true), ["blocked"]);
    }
}

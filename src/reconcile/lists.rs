//! A WAF list's items against the detected addresses, per family (favonia's rules): an owned
//! item that covers a wanted range keeps it covered; a wanted range nobody of ours covers is
//! added; an owned item that covers nothing wanted goes. Items not owned are never touched.
//! Pure: the caller reads and writes.

use crate::waf::{Item, Range};

/// One family's change to one list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    pub add: Vec<Range>,
    /// Owned items that cover nothing wanted.
    pub remove: Vec<Item>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// The change that makes the `owned` items of a family cover exactly what is `wanted`.
pub fn decide(wanted: &[Range], owned: &[&Item]) -> Change {
    let mut add: Vec<Range> = Vec::new();
    for w in wanted {
        if !owned.iter().any(|i| i.range.covers(w)) && !add.contains(w) {
            add.push(*w);
        }
    }
    let remove = owned
        .iter()
        .filter(|i| !wanted.iter().any(|w| i.range.covers(w)))
        .map(|i| (*i).clone())
        .collect();
    Change { add, remove }
}

/// How a change is sent: each is one of the Lists API's asynchronous operations, except
/// `AppendThenDelete`, which is two.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bulk {
    Append(Vec<Range>),
    Delete(Vec<Item>),
    /// The list's whole new content, each value with its comment: only when every item the
    /// list holds is owned, so nobody else's item is rewritten.
    Replace(Vec<(Range, Option<String>)>),
    /// Added first: a missing address is worse than a stale one if the second fails.
    AppendThenDelete(Vec<Range>, Vec<Item>),
}

/// The fewest operations for `add` and `remove` on a list that holds `all`; `all_owned`
/// says whether every item of it (read in full) is ours. `comment` goes on the added items.
pub fn bulk(
    all: &[Item],
    all_owned: bool,
    add: Vec<Range>,
    remove: Vec<Item>,
    comment: Option<&str>,
) -> Option<Bulk> {
    match (add.is_empty(), remove.is_empty()) {
        (true, true) => None,
        (false, true) => Some(Bulk::Append(add)),
        (true, false) => Some(Bulk::Delete(remove)),
        (false, false) if all_owned => {
            let mut content: Vec<(Range, Option<String>)> = all
                .iter()
                .filter(|i| !remove.iter().any(|r| r.id == i.id))
                .map(|i| (i.range, i.comment.clone()))
                .collect();
            content.extend(add.into_iter().map(|r| (r, comment.map(String::from))));
            Some(Bulk::Replace(content))
        }
        (false, false) => Some(Bulk::AppendThenDelete(add, remove)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Range {
        Range::parse(s).unwrap()
    }

    fn item(id: &str, range: &str, comment: Option<&str>) -> Item {
        Item {
            id: id.to_string(),
            range: r(range),
            comment: comment.map(String::from),
        }
    }

    #[test]
    fn a_covered_address_costs_nothing_and_a_new_one_replaces_the_old() {
        let old = item("i1", "203.0.113.7", None);
        let wide = item("i2", "198.51.100.0/24", None);
        assert!(decide(&[r("203.0.113.7")], &[&old]).is_empty());
        assert!(decide(&[r("198.51.100.9")], &[&wide]).is_empty());
        let c = decide(&[r("203.0.113.8")], &[&old]);
        assert_eq!(c.add, vec![r("203.0.113.8")]);
        assert_eq!(c.remove, vec![old.clone()]);
        // Nothing wanted (static.empty): every owned item of the family goes.
        assert_eq!(decide(&[], &[&old, &wide]).remove.len(), 2);
        // Two wanted addresses inside one new range are one item.
        let c = decide(&[r("2001:db8:1:2::/64"), r("2001:db8:1:2::/64")], &[]);
        assert_eq!(c.add, vec![r("2001:db8:1:2::/64")]);
    }

    #[test]
    fn one_operation_where_the_list_is_all_ours_and_two_where_it_is_not() {
        let mine = item("i1", "203.0.113.7", Some("home"));
        let v6 = item("i2", "2001:db8::/64", Some("home"));
        let theirs = item("i3", "192.0.2.1", Some("office"));
        let add = vec![r("203.0.113.8")];
        assert_eq!(bulk(&[], true, vec![], vec![], None), None);
        assert_eq!(
            bulk(std::slice::from_ref(&mine), true, add.clone(), vec![], None),
            Some(Bulk::Append(add.clone()))
        );
        assert_eq!(
            bulk(
                &[mine.clone(), v6.clone()],
                true,
                add.clone(),
                vec![mine.clone()],
                Some("home")
            ),
            Some(Bulk::Replace(vec![
                (r("2001:db8::/64"), Some("home".to_string())),
                (r("203.0.113.8"), Some("home".to_string())),
            ]))
        );
        assert_eq!(
            bulk(
                &[mine.clone(), theirs],
                false,
                add.clone(),
                vec![mine.clone()],
                None
            ),
            Some(Bulk::AppendThenDelete(add, vec![mine.clone()]))
        );
        assert_eq!(
            bulk(
                std::slice::from_ref(&mine),
                true,
                vec![],
                vec![mine.clone()],
                None
            ),
            Some(Bulk::Delete(vec![mine]))
        );
    }
}

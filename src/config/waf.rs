//! WAF_LISTS and the settings that go with it, under favonia's names.

use super::model::Waf;
use super::reader::Reader;

pub(super) fn read(r: &mut Reader) -> Waf {
    let mut lists = Vec::new();
    if let Some(text) = r.text("WAF_LISTS") {
        for piece in text.split([',', ' ', '\n', '\t']) {
            let piece = piece.trim();
            if piece.is_empty() {
                continue;
            }
            match crate::waf::parse_list(piece) {
                Ok(l) if lists.contains(&l) => {}
                Ok(l) => lists.push(l),
                Err(why) => r.problems.push(format!("WAF_LISTS: {why}")),
            }
        }
        if lists.is_empty() && !r.problems.iter().any(|p| p.starts_with("WAF_LISTS")) {
            r.problems
                .push("WAF_LISTS: no <account-id>/<list-name> found".to_string());
        }
    }
    let description = r.text("WAF_LIST_DESCRIPTION");
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 500)
    {
        r.problems
            .push("WAF_LIST_DESCRIPTION: Cloudflare takes at most 500 characters".to_string());
    }
    let item_comment = r.text("WAF_LIST_ITEM_COMMENT");
    let owned = super::ownership(
        r,
        "MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX",
        ("WAF_LIST_ITEM_COMMENT", item_comment.as_deref()),
        "list items",
    );
    if let (false, Some(c), None) = (lists.is_empty(), &item_comment, &owned) {
        r.warnings.push(format!(
            "WAF_LIST_ITEM_COMMENT ({c:?}) is given to the items dyncfdns adds; every item of the lists is still managed, whatever its comment, until MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX says which are its own"
        ));
    }
    Waf {
        lists,
        description,
        item_comment,
        owned,
        ip4_prefix_len: r.number("IP4_PREFIX_LEN", 32, 8, 32) as u8,
    }
}

#[cfg(test)]
mod tests {
    use crate::config::tests::{parse_map, problems};

    const TOKEN: (&str, &str) = ("CLOUDFLARE_API_TOKEN", "t");
    const ACCT: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn lists_alone_are_a_configuration() {
        let lists = format!("{ACCT}/home, {ACCT}/office {ACCT}/home");
        let c = parse_map(&[TOKEN, ("WAF_LISTS", lists.as_str())]).unwrap();
        let names: Vec<String> = c.waf.lists.iter().map(|l| l.name.clone()).collect();
        assert_eq!(names, ["home", "office"]);
        assert!(c.hosts.is_empty());
        assert_eq!(c.families().count(), 1, "IPv4 is detected for the lists");
        assert_eq!(c.waf.ip4_prefix_len, 32);
        let c = parse_map(&[
            TOKEN,
            ("WAF_LISTS", lists.as_str()),
            ("IP4_DEFAULT_PREFIX_LEN", "24"),
        ])
        .unwrap();
        assert_eq!(c.waf.ip4_prefix_len, 24);
    }

    #[test]
    fn bad_lists_and_comments_are_named() {
        let p = problems(&[TOKEN, ("WAF_LISTS", "home")]);
        assert!(
            p.iter()
                .any(|p| p.starts_with("WAF_LISTS: \"home\" is not <account-id>/<list-name>")),
            "{p:?}"
        );
        let p = problems(&[TOKEN, ("WAF_LISTS", ",")]);
        assert!(
            p.iter().any(|p| p.contains("no <account-id>/<list-name>")),
            "{p:?}"
        );
        let lists = format!("{ACCT}/home");
        let p = problems(&[
            TOKEN,
            ("WAF_LISTS", lists.as_str()),
            ("WAF_LIST_ITEM_COMMENT", "office"),
            ("MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX", "^home$"),
        ]);
        assert!(p.iter().any(|p| p.starts_with("WAF_LIST_ITEM_COMMENT (\"office\") does not match MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX")), "{p:?}");
        let p = problems(&[
            TOKEN,
            ("WAF_LISTS", lists.as_str()),
            ("MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX", "(home)"),
        ]);
        assert!(
            p.iter()
                .any(|p| p.starts_with("MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX: ")),
            "{p:?}"
        );
        let long = "d".repeat(501);
        let p = problems(&[
            TOKEN,
            ("WAF_LISTS", lists.as_str()),
            ("WAF_LIST_DESCRIPTION", long.as_str()),
        ]);
        assert!(
            p.iter().any(|p| p.starts_with("WAF_LIST_DESCRIPTION")),
            "{p:?}"
        );
    }

    #[test]
    fn a_comment_without_a_pattern_is_warned_about() {
        let lists = format!("{ACCT}/home");
        let c = parse_map(&[
            TOKEN,
            ("HOST_LIST", "a.example.com"),
            ("WAF_LISTS", lists.as_str()),
            ("WAF_LIST_ITEM_COMMENT", "home"),
        ])
        .unwrap();
        assert!(
            c.warnings
                .iter()
                .any(|w| w.starts_with("WAF_LIST_ITEM_COMMENT (\"home\")")),
            "{:?}",
            c.warnings
        );
    }
}

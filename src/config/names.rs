//! Every variable name the configuration knows: ours, the names other updaters use for the
//! same thing (read as ours), the ones that have no equivalent here (refused with a fix), and
//! near misses of any of them (warned about). Pure tables and functions; ours are `vars::VARS`.

use super::vars::VARS;

/// Another updater's name for one of ours, with the same meaning and syntax: (theirs, ours).
/// favonia/cloudflare-ddns and timothymiller/cloudflare-ddns share these.
pub const ALIASES: &[(&str, &str)] = &[
    ("DOMAINS", "HOST_LIST"),
    ("CF_API_TOKEN", "CLOUDFLARE_API_TOKEN"),
    ("CF_API_TOKEN_FILE", "CLOUDFLARE_API_TOKEN_FILE"),
    ("CACHE_EXPIRATION", "RECORD_CACHE_TTL"),
    ("IP6_DEFAULT_PREFIX_LEN", "IP6_PREFIX_LEN"),
    ("IP4_DEFAULT_PREFIX_LEN", "IP4_PREFIX_LEN"),
];

/// Names read with a meaning of their own (see the reader): favonia's additive per-family
/// lists, its schedule, and its quiet switch. `EMOJI` is accepted and changes nothing (the log
/// has no emoji); `TZ` belongs to the system (the log is UTC).
pub const TRANSLATED: &[&str] = &[
    "IP4_DOMAINS",
    "IP6_DOMAINS",
    "UPDATE_CRON",
    "QUIET",
    "EMOJI",
];

/// Other updaters' settings that have no equivalent here: refused, with what to do instead.
pub const NO_EQUIVALENT: &[(&str, &str)] = &[
    (
        "SHOUTRRR",
        "use NOTIFY_URL (one JSON POST per event) or HEALTHCHECKS/UPTIMEKUMA",
    ),
    (
        "DELETE_ON_FAILURE",
        "records are never deleted when detection fails; remove it",
    ),
];

/// What a name is to us, if anything.
pub fn known(name: &str) -> bool {
    VARS.iter().any(|v| v.name == name || v.file == Some(name))
        || ALIASES.iter().any(|(theirs, _)| *theirs == name)
        || TRANSLATED.contains(&name)
        || NO_EQUIVALENT.iter().any(|(n, _)| *n == name)
}

/// The compatibility names read as `ours`.
pub fn aliases_of(ours: &str) -> Vec<&'static str> {
    ALIASES
        .iter()
        .filter(|(_, o)| *o == ours)
        .map(|(theirs, _)| *theirs)
        .collect()
}

/// For a variable that is not ours but looks like a typo of one of our names (or of a
/// compatibility name), that name.
pub fn near_miss(name: &str) -> Option<&'static str> {
    if known(name)
        || !name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let candidates = VARS
        .iter()
        .map(|v| v.name)
        .chain(VARS.iter().filter_map(|v| v.file))
        .chain(ALIASES.iter().map(|(t, _)| *t))
        .chain(TRANSLATED.iter().copied());
    let allowed = if name.len() >= 8 { 2 } else { 1 };
    candidates
        .filter(|c| c.len().abs_diff(name.len()) <= allowed)
        .map(|c| (distance(name, c), c))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance with adjacent transpositions (optimal string alignment), on bytes.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_caught_and_strangers_left_alone() {
        assert_eq!(near_miss("UPDATE_INTERVALL"), Some("UPDATE_INTERVAL"));
        assert_eq!(near_miss("HOSTS_LIST"), Some("HOST_LIST"));
        assert_eq!(
            near_miss("CLOUDFLARE_API_TOKNE"),
            Some("CLOUDFLARE_API_TOKEN")
        );
        assert_eq!(near_miss("DOMIANS"), Some("DOMAINS"));
        assert_eq!(near_miss("API_TOKEN_FILE"), None, "ours");
        assert_eq!(near_miss("UPDATE_INTERVAL"), None);
        for stranger in [
            "PATH", "HOME", "HOSTNAME", "TERM", "TZ", "PWD", "USER", "SHLVL", "LANG",
        ] {
            assert_eq!(near_miss(stranger), None, "{stranger}");
        }
        assert_eq!(near_miss("update_interval"), None, "not our style");
    }

    #[test]
    fn every_name_is_known_once() {
        assert!(known("CF_API_TOKEN_FILE") && known("SHOUTRRR") && known("UPTIMEKUMA_FILE"));
        assert!(!known("DEBUG_FILE"));
        let mut all: Vec<&str> = VARS.iter().map(|v| v.name).collect();
        all.extend(VARS.iter().filter_map(|v| v.file));
        all.extend(ALIASES.iter().map(|(t, _)| *t));
        all.extend(TRANSLATED);
        all.extend(NO_EQUIVALENT.iter().map(|(n, _)| *n));
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }
}

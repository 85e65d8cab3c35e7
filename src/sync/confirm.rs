//! A change is believed only when two answers agree. A remote provider's new address (one the
//! records do not hold and that was not confirmed before) is written once a second answer
//! gives the same: the next observing provider in the list, or, when none answers, the same
//! provider on its next try (the service's next pass, soon; `once` after a short pause). Two
//! answers that differ are a doubt: nothing is written for the family. `interface:`, `local`
//! and `static:` read the machine or the user's word and need no second opinion.

use super::report::Want;
use crate::config::{Config, Confirm, Family, Provider};
use crate::detect::{self, Detected};
use crate::transport::Transport;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// What is remembered of one family between passes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Belief {
    /// The address last found in the records, confirmed or written.
    confirmed: Option<IpAddr>,
    /// A new address that only one answer gave: the next try must give it again.
    pending: Option<IpAddr>,
}

/// Both families' beliefs, kept in the cache.
#[derive(Clone, Copy, Debug, Default)]
pub struct Beliefs {
    v4: Belief,
    v6: Belief,
}

impl Beliefs {
    pub fn of(&mut self, family: Family) -> &mut Belief {
        match family {
            Family::V4 => &mut self.v4,
            Family::V6 => &mut self.v6,
        }
    }
}

/// Two answers that differ: (provider, address) each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doubt {
    pub family: Family,
    pub first: (String, IpAddr),
    pub second: (String, IpAddr),
}

impl fmt::Display for Doubt {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{} in doubt: {} says {} but {} says {}; no {} record is changed until two answers agree",
            self.family.name(),
            self.first.0,
            self.first.1,
            self.second.0,
            self.second.1,
            self.family.record_type()
        )
    }
}

/// Whether a family's new address may be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Believed,
    Doubted(Doubt),
    /// One answer only; the next try decides.
    Unconfirmed,
}

/// Whether `ip` from `provider` needs a second answer before it is written. Pure.
pub fn needs_second(confirm: Confirm, provider: &Provider, belief: &Belief, ip: IpAddr) -> bool {
    let known = belief.confirmed == Some(ip) || belief.pending == Some(ip);
    confirm != Confirm::Off && provider.is_remote() && !known
}

/// The verdict on the first answer given the second (if any answered). Pure.
pub fn judge(family: Family, first: (&str, IpAddr), second: Option<(String, IpAddr)>) -> Verdict {
    match second {
        None => Verdict::Unconfirmed,
        Some((_, ip)) if ip == first.1 => Verdict::Believed,
        Some(second) => Verdict::Doubted(Doubt {
            family,
            first: (first.0.to_string(), first.1),
            second,
        }),
    }
}

impl Belief {
    /// The records hold `ip`: believed, and any pending address is dropped (a provider that
    /// flaps back never gets its other answer written).
    pub fn holds(&mut self, ip: IpAddr) {
        self.confirmed = Some(ip);
        self.pending = None;
    }

    pub fn settle(&mut self, ip: IpAddr, verdict: &Verdict) {
        match verdict {
            Verdict::Believed => self.holds(ip),
            Verdict::Doubted(_) => self.pending = None,
            Verdict::Unconfirmed => self.pending = Some(ip),
        }
    }
}

/// Asks for the second answer: the observing providers after the one that answered, each at
/// most once; in `once`, the same provider again after `bounds::ONCE_RECHECK` s when none did.
pub fn second_answer(
    cfg: &Config,
    family: Family,
    first: &Detected,
    transport: &mut dyn Transport,
) -> Option<(String, IpAddr)> {
    let providers = cfg.providers(family);
    let timeout = cfg.detection.timeout;
    let later = providers
        .iter()
        .skip(first.index + 1)
        .filter(|p| p.observes());
    if let Ok(d) = detect::detect(family, later, timeout, transport) {
        return seconding(first, d);
    }
    match cfg.detection.confirm {
        Confirm::InPass => {
            std::thread::sleep(Duration::from_secs(crate::bounds::ONCE_RECHECK));
            let same = providers.get(first.index);
            let again = detect::detect(family, same, timeout, transport).ok()?;
            seconding(first, again)
        }
        Confirm::NextPass | Confirm::Off => None,
    }
}

/// A second answer as one address: the first answer's own when a set (an interface's
/// addresses) holds it, else the set's first.
fn seconding(first: &Detected, second: Detected) -> Option<(String, IpAddr)> {
    let ip = first
        .first()
        .filter(|ip| second.ips().contains(ip))
        .or_else(|| second.first())?;
    Some((second.provider, ip))
}

/// The families whose wants include a change, each once.
pub fn families(changes: impl Iterator<Item = Family>) -> Vec<Family> {
    let mut seen = Vec::new();
    for f in changes {
        if !seen.contains(&f) {
            seen.push(f);
        }
    }
    seen
}

/// A want's verdict: its family's, and believed for a family that was not in question.
pub fn verdict_of<'v>(verdicts: &'v [(Family, Verdict)], want: &Want) -> &'v Verdict {
    verdicts
        .iter()
        .find(|(f, _)| *f == want.family)
        .map_or(&Verdict::Believed, |(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(8, 8, 8, 8));
    const Y: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(9, 9, 9, 9));

    #[test]
    fn only_a_remote_answer_not_known_before_needs_a_second() {
        let none = Belief::default();
        assert!(needs_second(Confirm::NextPass, &Provider::Ipify, &none, X));
        assert!(needs_second(
            Confirm::InPass,
            &Provider::Url(crate::url::Url::parse("http://ip.lan/").unwrap()),
            &none,
            X
        ));
        assert!(!needs_second(Confirm::Off, &Provider::Ipify, &none, X));
        for local in [
            Provider::Local,
            Provider::Interface("eth0".into()),
            Provider::Static(vec![X]),
        ] {
            assert!(!needs_second(Confirm::NextPass, &local, &none, X));
        }
        let mut b = Belief::default();
        b.holds(X);
        assert!(!needs_second(Confirm::NextPass, &Provider::Ipify, &b, X));
        assert!(needs_second(Confirm::NextPass, &Provider::Ipify, &b, Y));
        b.settle(Y, &Verdict::Unconfirmed);
        assert!(
            !needs_second(Confirm::NextPass, &Provider::Ipify, &b, Y),
            "the next try"
        );
    }

    #[test]
    fn two_answers_agree_or_doubt_and_one_is_not_enough() {
        let f = Family::V4;
        assert_eq!(judge(f, ("a", X), Some(("b".into(), X))), Verdict::Believed);
        assert_eq!(judge(f, ("a", X), None), Verdict::Unconfirmed);
        let Verdict::Doubted(d) = judge(f, ("a", X), Some(("b".into(), Y))) else {
            panic!("a doubt")
        };
        assert_eq!(
            d.to_string(),
            "IPv4 in doubt: a says 8.8.8.8 but b says 9.9.9.9; no A record is changed until two answers agree"
        );
    }

    #[test]
    fn a_flapping_answer_is_never_pending_twice() {
        let mut b = Belief::default();
        b.holds(Y);
        b.settle(X, &Verdict::Unconfirmed);
        b.holds(Y); // the next pass found the records in line again
        assert!(needs_second(Confirm::NextPass, &Provider::Ipify, &b, X));
        b.settle(X, &Verdict::Unconfirmed);
        b.settle(
            X,
            &Verdict::Doubted(Doubt {
                family: Family::V4,
                first: ("a".into(), X),
                second: ("b".into(), Y),
            }),
        );
        assert!(needs_second(Confirm::NextPass, &Provider::Ipify, &b, X));
    }
}

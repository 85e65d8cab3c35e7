//! What the configuration holds, grouped by the concern that uses it. Plain data: read by
//! `reader`, checked by `parsers`, used everywhere else.

pub use crate::dns::CreatePolicy;
use crate::dns::RecordType;
use crate::log::{Format, Level};
use crate::transport::proxy::Proxies;
use crate::url::Url;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

pub const DEFAULT_API_URL: &str = "https://api.cloudflare.com/client/v4";

/// A credential. Its `Debug` hides the value so it cannot leak through `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Sent as `Authorization: Bearer`.
    Token(Secret),
    /// The Global API Key, sent as `X-Auth-Key` + `X-Auth-Email`.
    Key { key: Secret, email: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn record_type(self) -> RecordType {
        match self {
            Family::V4 => RecordType::A,
            Family::V6 => RecordType::Aaaa,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
    pub fn matches(self, ip: &IpAddr) -> bool {
        matches!(
            (self, ip),
            (Family::V4, IpAddr::V4(_)) | (Family::V6, IpAddr::V6(_))
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provider {
    Cloudflare,
    Ipify,
    Icanhazip,
    /// The local address the system would use to reach Cloudflare (no packet is sent).
    Local,
    Url(Url),
    /// A URL reached over the detection's family only (favonia's `url.via4:` / `url.via6:`).
    UrlVia(Family, Url),
    Interface(String),
    /// These addresses, as given; none is favonia's `static.empty` (the records are deleted).
    Static(Vec<IpAddr>),
    /// Addresses read from this file (an absolute path) on each pass, one per line.
    File(std::path::PathBuf),
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Provider::Cloudflare => f.write_str("cloudflare"),
            Provider::Ipify => f.write_str("ipify"),
            Provider::Icanhazip => f.write_str("icanhazip"),
            Provider::Local => f.write_str("local"),
            // Its path and query may hold a key: scheme and host only, everywhere it is shown.
            Provider::Url(u) => write!(f, "url:{}", crate::transport::redacted(u.as_str())),
            Provider::UrlVia(family, u) => {
                let via = if *family == Family::V4 { 4 } else { 6 };
                write!(f, "url.via{via}:{}", crate::transport::redacted(u.as_str()))
            }
            Provider::Interface(i) => write!(f, "interface:{i}"),
            Provider::Static(ips) if ips.is_empty() => f.write_str("static.empty"),
            Provider::Static(ips) => {
                let ips: Vec<String> = ips.iter().map(ToString::to_string).collect();
                write!(f, "static:{}", ips.join(","))
            }
            Provider::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

impl Provider {
    /// Asked over the network: its word alone could be wrong (a captive portal, a misrouted
    /// node, a rotating egress), so a change it reports wants a second answer.
    pub fn is_remote(&self) -> bool {
        match self {
            Provider::Cloudflare
            | Provider::Ipify
            | Provider::Icanhazip
            | Provider::Url(_)
            | Provider::UrlVia(..) => true,
            Provider::Local | Provider::Interface(_) | Provider::Static(_) | Provider::File(_) => {
                false
            }
        }
    }

    /// Can second a remote answer: anything that observes, not `static:` (the user's
    /// fallback, which differs from an observed address by design).
    pub fn observes(&self) -> bool {
        !matches!(self, Provider::Static(_))
    }

    /// Gives a set of addresses, so a name's records of the family are kept as exactly that
    /// set (created, updated, deleted); the others give one address, kept in one record.
    pub fn gives_set(&self) -> bool {
        match self {
            Provider::Static(ips) => ips.len() != 1,
            Provider::File(_) | Provider::Interface(_) => true,
            Provider::Cloudflare
            | Provider::Ipify
            | Provider::Icanhazip
            | Provider::Local
            | Provider::Url(_)
            | Provider::UrlVia(..) => false,
        }
    }
}

/// Where a setting came from, for `dyncfdns check`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The environment, under this name (ours, or another updater's).
    Env(String),
    /// A file named by this `*_FILE` variable.
    File { var: String, path: String },
}

/// Talking to Cloudflare.
#[derive(Clone, Debug)]
pub struct Cloudflare {
    pub auth: Auth,
    pub api_url: String,
    /// Seconds per request (`UPDATE_TIMEOUT`).
    pub timeout: u64,
    /// Seconds before zones and records are read again, 0 = every pass (`RECORD_CACHE_TTL`).
    pub cache_ttl: u64,
}

/// Finding the public addresses.
#[derive(Clone, Debug)]
pub struct Detection {
    /// Empty when the family is off (`none`).
    pub ip4: Vec<Provider>,
    pub ip6: Vec<Provider>,
    /// Seconds per detection request.
    pub timeout: u64,
    /// How a new address from a remote provider is confirmed before it is written.
    pub confirm: Confirm,
    /// `WATCH_NETWORK`: a pass soon after the kernel says an address or a default route changed.
    pub watch: WatchNetwork,
    /// `IP4_DETECTION_FILTER` / `IP6_DETECTION_FILTER`: which detected addresses may be
    /// used; `None` keeps all.
    pub ip4_filter: Option<crate::filter::Filter>,
    pub ip6_filter: Option<crate::filter::Filter>,
    /// `IP6_PREFIX_LEN`: the bits of a detected IPv6 address kept under a host ID, unless the
    /// answer brings its own (CIDR).
    pub ip6_prefix_len: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchNetwork {
    /// Where the socket can be opened (the default).
    Auto,
    /// Not being able to open it is an error at start.
    On,
    Off,
}

/// `CONFIRM_CHANGES`: a remote provider's new address is written only once a second answer
/// agrees (the next provider, or the same one on its next try).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// One answer is enough (`CONFIRM_CHANGES=false`).
    Off,
    /// The service: when no other provider answers, the next pass (soon) asks again.
    NextPass,
    /// `once`: there is no next pass, so the same provider is asked again after a pause.
    InPass,
}

impl Detection {
    pub fn providers(&self, family: Family) -> &[Provider] {
        match family {
            Family::V4 => &self.ip4,
            Family::V6 => &self.ip6,
        }
    }
}

/// `WAF_LISTS` and its settings: Cloudflare IP lists kept on the detected addresses.
#[derive(Clone, Debug, Default)]
pub struct Waf {
    /// None: no list is managed.
    pub lists: Vec<crate::waf::WafList>,
    /// `WAF_LIST_DESCRIPTION`, given to a list dyncfdns creates.
    pub description: Option<String>,
    /// `WAF_LIST_ITEM_COMMENT`, given to the items dyncfdns adds.
    pub item_comment: Option<String>,
    /// `MANAGED_WAF_LIST_ITEMS_COMMENT_REGEX`: the items this instance owns, by their comment;
    /// `None` owns them all.
    pub owned: Option<crate::pattern::Pattern>,
    /// `IP4_PREFIX_LEN`: the bits of a detected IPv4 address an item covers (32: the address).
    pub ip4_prefix_len: u8,
}

/// The status API.
#[derive(Clone, Debug)]
pub struct StatusApi {
    /// `None` when the status API is disabled.
    pub port: Option<u16>,
    pub bind: IpAddr,
    pub token: Option<Secret>,
    /// Where a generated token is kept.
    pub config_file: PathBuf,
    /// `/metrics` without the token.
    pub metrics_public: bool,
}

/// Who hears about passes.
#[derive(Clone, Debug, Default)]
pub struct Reporters {
    /// Receives a JSON POST when records change, a pass fails, or passes recover.
    pub notify_url: Option<Secret>,
    /// A healthchecks.io ping URL.
    pub healthchecks: Option<Secret>,
    /// An Uptime Kuma push URL.
    pub uptime_kuma: Option<Secret>,
}

/// When passes run and what happens at the end.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    /// Seconds between pass starts.
    pub update_interval: u64,
    /// Run the first pass at start (otherwise one interval later).
    pub update_on_start: bool,
    pub dry_run: bool,
    pub delete_on_stop: bool,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Every managed host, in order: those of `ip4_hosts`, then the rest of `ip6_hosts`.
    pub hosts: Vec<String>,
    /// The hosts that get A records (IP4_HOST_LIST, else HOST_LIST).
    pub ip4_hosts: Vec<String>,
    /// The hosts that get AAAA records (IP6_HOST_LIST, else HOST_LIST).
    pub ip6_hosts: Vec<String>,
    /// `MANAGED_RECORDS_COMMENT_REGEX`: the A and AAAA records this instance owns, by their
    /// comment; the others are left alone whatever they hold. `None` owns them all.
    pub owned: Option<crate::pattern::Pattern>,
    /// The AAAA hosts given a host ID (`{hostid6=…}`): their records hold the detected
    /// prefix with these host bits.
    pub host_ids: std::collections::BTreeMap<String, Vec<crate::hostid::HostId>>,
    pub cloudflare: Cloudflare,
    pub waf: Waf,
    pub create: CreatePolicy,
    pub detection: Detection,
    pub status_api: StatusApi,
    pub reporters: Reporters,
    pub lifecycle: Lifecycle,
    pub log_level: Level,
    pub log_format: Format,
    /// Where syslog lines go with LOG_FORMAT=syslog.
    pub syslog_socket: String,
    /// Things worth a warning that do not stop the program.
    pub warnings: Vec<String>,
    /// Each variable that was set and where from (for `dyncfdns check`).
    pub origins: BTreeMap<String, Origin>,
    /// HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
    pub proxies: Proxies,
    /// The CA roots; `transport::trust::configure` moves the extra ones out.
    pub trust: crate::transport::trust::Trust,
}

impl Config {
    pub fn providers(&self, family: Family) -> &[Provider] {
        self.detection.providers(family)
    }

    pub fn filter(&self, family: Family) -> Option<&crate::filter::Filter> {
        match family {
            Family::V4 => self.detection.ip4_filter.as_ref(),
            Family::V6 => self.detection.ip6_filter.as_ref(),
        }
    }

    /// Whether a host's records of the family are kept as a set (exactly the addresses
    /// detected: created, updated and deleted), not as the one record.
    pub fn kept_as_set(&self, host: &str, family: Family) -> bool {
        let ids = match family {
            Family::V6 => self.host_ids.get(host).map_or(0, Vec::len),
            Family::V4 => 0,
        };
        ids > 1 || self.providers(family).iter().any(Provider::gives_set)
    }

    /// The hosts whose records of this family are managed.
    pub fn hosts_for(&self, family: Family) -> &[String] {
        match family {
            Family::V4 => &self.ip4_hosts,
            Family::V6 => &self.ip6_hosts,
        }
    }

    /// The families that are detected, in order: a provider, and hosts or WAF lists to keep.
    pub fn families(&self) -> impl Iterator<Item = Family> + '_ {
        [Family::V4, Family::V6].into_iter().filter(|f| {
            !self.providers(*f).is_empty()
                && (!self.hosts_for(*f).is_empty() || !self.waf.lists.is_empty())
        })
    }

    /// The families of `host` whose records are managed.
    pub fn families_of<'s>(&'s self, host: &'s str) -> impl Iterator<Item = Family> + 's {
        self.families()
            .filter(move |f| self.hosts_for(*f).iter().any(|h| h == host))
    }
}

/// All the problems found in the configuration; main exits with 2 on it.
#[derive(Debug)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("invalid configuration:")?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

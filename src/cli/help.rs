//! The help texts, one per command.

use super::Topic;

#[inline(never)]
pub fn text(topic: Topic) -> &'static str {
    match topic {
        Topic::General => GENERAL,
        Topic::Service => SERVICE,
        Topic::Once => ONCE,
        Topic::Check => CHECK,
        Topic::Healthcheck => HEALTHCHECK,
    }
}

const GENERAL: &str = "\
dyncfdns - keep Cloudflare DNS A/AAAA records on this machine's public IP

Usage: dyncfdns [COMMAND] [FLAGS]

Commands:
  (none)        run the updater service: a pass now, then every UPDATE_INTERVAL
  once          run one pass and exit
  check         check the configuration and what Cloudflare says, change nothing
                (--offline: the configuration alone)
  healthcheck   ask the local status API for /health: exit 0 healthy, 1 otherwise
  help [CMD]    show this text, or a command's
  --version     print the version, commit and target

Flags:
  --dry-run     (the service and once) log what would change, write nothing
  --help        (after a command) that command's help

Variables (see README.md for details; favonia/cloudflare-ddns names work too):
  HOST_LIST              comma-separated host names to keep updated
  IP4_HOST_LIST          hosts that get A records (default: HOST_LIST)
  IP6_HOST_LIST          hosts that get AAAA records (default: HOST_LIST); a LAN device by
                         its host ID: nas.example.com{hostid6=::11:22ff:fe33:4455}
  CLOUDFLARE_API_TOKEN   API token with Zone:Read + DNS:Edit (or *_FILE)
  CLOUDFLARE_API_KEY     Global API Key, with CLOUDFLARE_API_EMAIL (or *_FILE)
  CLOUDFLARE_API_EMAIL   account email for the Global API Key
  UPDATE_INTERVAL        seconds between passes (60)
  UPDATE_ON_START        run the first pass at start (true)
  ALLOW_CREATE_HOSTS     create missing records (false)
  API_PORT               status API port, <= 0 disables (5000)
  API_TOKEN              status API bearer token (or *_FILE; generated if unset)
  API_BIND               status API address (0.0.0.0)
  CONFIG_FILE            where a generated API token is kept (./config/.config.json)
  IP4_PROVIDER           IPv4 sources in order (cloudflare,ipify)
  IP6_PROVIDER           IPv6 sources in order (none = no AAAA records)
                         providers: cloudflare, ipify, icanhazip, local, url:<URL>,
                         url.via4:<URL>, url.via6:<URL>, interface:<name>,
                         static:<address>, none
  IP6_PREFIX_LEN         prefix bits kept under a host ID (64; an answer's own /n wins)
  TTL                    TTL of created records, 1 = automatic (1)
  PROXIED                proxy created records through Cloudflare (false)
  RECORD_COMMENT         comment on created records (none)
  DETECTION_TIMEOUT      seconds per detection request (5)
  CONFIRM_CHANGES        write a new address only when two answers agree (true)
  WATCH_NETWORK          a pass when the kernel says the network changed (auto)
  UPDATE_TIMEOUT         seconds per Cloudflare request (15)
  RECORD_CACHE_TTL       seconds before records are read again, 0 = every pass (3600)
  DRY_RUN                log what would change, write nothing (false)
  NOTIFY_URL             JSON POST on change, failure and recovery (or *_FILE)
  HEALTHCHECKS           healthchecks.io ping URL (or *_FILE)
  UPTIMEKUMA             Uptime Kuma push URL (or *_FILE)
  METRICS_PUBLIC         serve /metrics without the token (false)
  DELETE_ON_STOP         delete the managed records on SIGTERM/SIGINT (false)
  CLOUDFLARE_API_URL     API base URL (https://api.cloudflare.com/client/v4)
  DEBUG, LOG_LEVEL       DEBUG=true or LOG_LEVEL=debug|info|warn|error (info)
  LOG_FORMAT             text, json or syslog (text)
  HTTPS_PROXY, HTTP_PROXY   an http:// proxy for outbound calls (CONNECT; or *_FILE)
  NO_PROXY               hosts that go direct
  SSL_CERT_FILE, SSL_CERT_DIR   CA certificates (PEM) to trust too
  TLS_ROOTS              builtin (built-in roots and those), or file (only those)

Signals: SIGTERM/SIGINT stop it; SIGHUP/SIGUSR1 ask for a pass now.
";

const SERVICE: &str = "\
Usage: dyncfdns [--dry-run]

Runs the updater service: a pass at start (UPDATE_ON_START), then every UPDATE_INTERVAL
seconds, with the status API on API_BIND:API_PORT. SIGTERM/SIGINT stop it within a second
(8 s with DELETE_ON_STOP); SIGHUP/SIGUSR1 ask for a pass now.

  --dry-run   log what would change, write nothing (the same as DRY_RUN=true)

Exit: 0 stopped by a signal, 1 a runtime failure, 2 bad configuration (including a status API
port it cannot listen on).
";

const ONCE: &str = "\
Usage: dyncfdns once [--dry-run]

Runs one pass and exits.

  --dry-run   log what would change, write nothing (the same as DRY_RUN=true)

Exit: 0 every managed record holds the address (hosts without a record while
ALLOW_CREATE_HOSTS is off are warnings, not failures), 1 something failed, 2 bad configuration.
";

const CHECK: &str = "\
Usage: dyncfdns check [--offline]

Checks the configuration and prints it (every variable, its value or default and where it came
from; secrets as their length), then asks Cloudflare read-only questions: does the credential
work, which zone each host is in, which record it would manage, and what a pass would do now.
Writes nothing. For ExecStartPre= and init scripts.

  --offline   the configuration only: no outbound request (exit 0 or 2)

Exit: 0 ready, 1 something is not (each problem on a line with its fix), 2 bad configuration.
";

const HEALTHCHECK: &str = "\
Usage: dyncfdns healthcheck

Asks the local status API (API_PORT, API_BIND) for /health, waiting as long as one outbound call
can hold the service (UPDATE_TIMEOUT + 6 s). For a container HEALTHCHECK.

Exit: 0 healthy (or the status API is disabled), 1 unhealthy or no answer, 2 bad configuration.
";

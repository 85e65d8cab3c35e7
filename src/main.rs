//! The command line: parses the command, maps results to exit codes.

use dyncfdns::{
    bounds, clock, config, error, event_loop, healthcheck, info, log, signals, sync, warn,
};

use std::process::ExitCode;
use std::time::Duration;

const HELP: &str = "\
dyncfdns - keep Cloudflare DNS A/AAAA records on this machine's public IP

Usage: dyncfdns [COMMAND]

Commands:
  (none)        run the updater service: a pass now, then every UPDATE_INTERVAL
  once          run one pass and exit: 0 all records hold the address, 1 failure,
                2 bad configuration
  healthcheck   ask the local status API for /health: exit 0 healthy, 1 otherwise
  --help        show this text
  --version     print the version

Variables (see README.md for details):
  HOST_LIST              comma-separated host names to keep updated (required)
  CLOUDFLARE_API_TOKEN   API token with Zone:Read + DNS:Edit (or *_FILE)
  CLOUDFLARE_API_KEY     Global API Key, with CLOUDFLARE_API_EMAIL (or *_FILE)
  CLOUDFLARE_API_EMAIL   account email for the Global API Key
  UPDATE_INTERVAL        seconds between passes (60)
  ALLOW_CREATE_HOSTS     create missing records (false)
  API_PORT               status API port, <= 0 disables (5000)
  API_TOKEN              status API bearer token (or *_FILE; generated if unset)
  API_BIND               status API address (0.0.0.0)
  CONFIG_FILE            where a generated API token is kept (./config/.config.json)
  IP4_PROVIDER           IPv4 sources in order (cloudflare,ipify)
  IP6_PROVIDER           IPv6 sources in order (none = no AAAA records)
                         providers: cloudflare, ipify, icanhazip, url:<URL>,
                         interface:<name>, static:<address>, none
  TTL                    TTL of created records, 1 = automatic (1)
  PROXIED                proxy created records through Cloudflare (false)
  RECORD_COMMENT         comment on created records (none)
  DETECTION_TIMEOUT      seconds per detection request (5)
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
";

fn main() -> ExitCode {
    dyncfdns::tls::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => run_service(),
        Some("once") => run_once(),
        Some("healthcheck") => run_healthcheck(),
        Some(signals::DELETE_ON_STOP_COMMAND) => run_delete_on_stop(),
        Some("-h" | "--help" | "help") => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version" | "version") => {
            println!("dyncfdns {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("dyncfdns: unknown command {other:?}; see dyncfdns --help");
            ExitCode::from(2)
        }
    }
}

fn load_config() -> Result<config::Config, ExitCode> {
    log::set_level(config::load_log_level());
    match config::load() {
        Ok(cfg) => {
            log::set_level(cfg.log_level);
            for w in &cfg.warnings {
                warn!("{w}");
            }
            Ok(cfg)
        }
        Err(e) => {
            log_config_error(&e);
            Err(ExitCode::from(2))
        }
    }
}

/// One log line per problem.
fn log_config_error(e: &config::ConfigError) {
    for problem in &e.0 {
        error!("invalid configuration: {problem}");
    }
}

fn run_once() -> ExitCode {
    let cfg = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // As PID 1 (a Kubernetes CronJob) nothing else would stop it; a stop ends a hung call at once.
    if let Err(e) = signals::install() {
        warn!("cannot install signal handlers: {e}");
    }
    let mut cache = sync::Cache::default();
    let report = sync::run_pass(&cfg, &mut cache, &mut event_loop::AtOnce, clock::now_unix());
    if report.ok() {
        info!("{}", report.summary());
        ExitCode::SUCCESS
    } else {
        error!("{}", report.summary());
        ExitCode::from(1)
    }
}

fn run_service() -> ExitCode {
    let cfg = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let store = config::FileStore(cfg.status_api.config_file.clone());
    let token = match cfg.status_api.port {
        None => None,
        Some(_) => match config::status_token(cfg.status_api.token.as_ref(), &store) {
            Ok((token, origin)) => {
                announce_token(&cfg, &token, &origin);
                Some(token)
            }
            Err(e) => {
                log_config_error(&e);
                return ExitCode::from(2);
            }
        },
    };
    match event_loop::run(&cfg, token) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            ExitCode::from(1)
        }
    }
}

/// The one place a secret is logged: a token made just now, which the user needs to read.
fn announce_token(cfg: &config::Config, token: &config::Secret, origin: &config::TokenOrigin) {
    match origin {
        config::TokenOrigin::Environment => info!("status API token from API_TOKEN"),
        config::TokenOrigin::ConfigFile => {
            info!(
                "status API token from {}",
                cfg.status_api.config_file.display()
            )
        }
        config::TokenOrigin::Generated { saved } => {
            let place = if *saved {
                format!("saved to {}", cfg.status_api.config_file.display())
            } else {
                "not saved".to_string()
            };
            warn!(
                "generated a status API token ({place}); use it as 'Authorization: Bearer {}'",
                token.expose()
            );
        }
    }
}

/// What a stop signal during an outbound call turns the service into when DELETE_ON_STOP is
/// set: the same process (PID 1 stays PID 1), which reads and deletes the managed records.
fn run_delete_on_stop() -> ExitCode {
    let cfg = match load_config() {
        Ok(c) => c,
        Err(code) => return code,
    };
    // A second stop signal ends the deletes at once.
    if let Err(e) = signals::install() {
        warn!("cannot install signal handlers: {e}");
    }
    let mut cache = sync::Cache::default();
    cache.begin(clock::now_unix(), cfg.cloudflare.cache_ttl);
    event_loop::delete_on_stop(&cfg, &mut cache);
    ExitCode::SUCCESS
}

fn run_healthcheck() -> ExitCode {
    let probe = match config::load_healthcheck() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("dyncfdns healthcheck: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(port) = probe.port else {
        // Nothing to ask; saying "unhealthy" would restart a service that is fine.
        eprintln!(
            "dyncfdns healthcheck: the status API is disabled (API_PORT <= 0); nothing to check"
        );
        return ExitCode::SUCCESS;
    };
    let wait = bounds::probe_wait(probe.cloudflare_timeout, probe.detection_timeout);
    match healthcheck::check(port, probe.bind, Duration::from_secs(wait)) {
        Ok(body) => {
            println!("healthy: {body}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            println!("unhealthy: {why}");
            ExitCode::from(1)
        }
    }
}

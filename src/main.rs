//! The command line: parses the command, maps results to exit codes.

use dyncfdns::cli::{self, check, healthcheck, Command};
use dyncfdns::service::{event_loop, signals};
use dyncfdns::{bounds, clock, config, error, info, log, sync, transport, warn};

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    dyncfdns::transport::tls::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(c) => c,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Service { dry_run } => run_service(dry_run),
        Command::Once { dry_run } => run_once(dry_run),
        Command::Check { offline } => run_check(offline),
        Command::Healthcheck => run_healthcheck(),
        Command::DeleteOnStop => run_delete_on_stop(),
        Command::Help(topic) => {
            print!("{}", cli::help(topic));
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("{}", version());
            ExitCode::SUCCESS
        }
    }
}

/// `dyncfdns 0.1.0 (commit 1a2b3c4d5e6f, x86_64-unknown-linux-musl)`.
fn version() -> String {
    let commit = option_env!("DYNCFDNS_COMMIT").filter(|c| !c.is_empty());
    format!(
        "dyncfdns {} (commit {}, {})",
        env!("CARGO_PKG_VERSION"),
        commit.unwrap_or("unknown"),
        env!("DYNCFDNS_TARGET")
    )
}

/// The configuration, with `--dry-run` applied; problems logged one line each (exit 2).
fn load_config(dry_run: bool) -> Result<config::Config, ExitCode> {
    let (level, format, socket) = config::load_log_settings();
    log::set_level(level);
    let no_syslog = log::set_format(format, &socket).err();
    match config::load() {
        Ok(mut cfg) => {
            cfg.lifecycle.dry_run |= dry_run;
            log::set_level(cfg.log_level);
            if let Some(why) = no_syslog {
                warn!("{why}");
            }
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

fn run_once(dry_run: bool) -> ExitCode {
    let mut cfg = match load_config(dry_run) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // As PID 1 (a Kubernetes CronJob) nothing else would stop it; a stop ends a hung call at once.
    let mut outbound = one_shot(&mut cfg);
    no_next_pass(&mut cfg);
    let mut cache = sync::Cache::default();
    let report = sync::run_pass(&cfg, &mut cache, &mut outbound, clock::now_unix());
    let (warnings, _) = sync::missing_news(&mut Default::default(), &report);
    warnings.iter().for_each(|w| warn!("{w}"));
    // An address still unconfirmed was not written: there is no next pass to write it.
    report.log_summary();
    if report.ok() && !report.recheck() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run_service(dry_run: bool) -> ExitCode {
    let mut cfg = match load_config(dry_run) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // The deletes a stop signal may turn the process into get this environment, proxies
    // included.
    if cfg.lifecycle.delete_on_stop {
        if let Err(e) = signals::delete_on_stop_by_exec() {
            warn!(
                "DELETE_ON_STOP: a stop during an outbound call will exit without deleting ({e})"
            );
        }
    }
    let http = outbound(&mut cfg);
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
    match event_loop::run(&cfg, token, http, &signals::Handlers) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            ExitCode::from(if e.is_configuration() { 2 } else { 1 })
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
///
/// Out of line and cold, as `run_check` and `run_healthcheck`: scripts/cold-code.ld keeps them
/// out of the pages the service runs.
#[cold]
#[inline(never)]
fn run_delete_on_stop() -> ExitCode {
    let mut cfg = match load_config(false) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // A second stop signal ends the deletes at once.
    let mut outbound = one_shot(&mut cfg);
    let mut cache = sync::Cache::default();
    cache.begin(clock::now_unix(), cfg.cloudflare.cache_ttl);
    event_loop::delete_on_stop(&cfg, &mut cache, &mut outbound);
    ExitCode::SUCCESS
}

/// A single pass (`once`, `check`): a lone answer about a new address is checked by asking
/// again within it, as there is no next pass to do it.
fn no_next_pass(cfg: &mut config::Config) {
    if cfg.detection.confirm == config::Confirm::NextPass {
        cfg.detection.confirm = config::Confirm::InPass;
    }
}

/// The transport for this process's outbound calls, with the configuration's proxies and CA
/// roots (the extra roots move into it).
fn outbound(cfg: &mut config::Config) -> transport::Http {
    // Said once, so a TLS or proxy failure in the log can be read against what was in force.
    if cfg.trust.has_extra() {
        info!("TLS roots: {}", cfg.trust.describe());
    }
    for (scheme, proxy) in [("https", &cfg.proxies.https), ("http", &cfg.proxies.http)] {
        if let Some(p) = proxy {
            info!("{scheme}:// calls go through the proxy {p}");
        }
    }
    transport::Http::new(cfg.proxies.clone(), &mut cfg.trust)
}

/// For a command that runs once: outbound calls as configured, and stop signals that end a
/// hung call at once.
fn one_shot(cfg: &mut config::Config) -> event_loop::AtOnce {
    let http = outbound(cfg);
    if let Err(e) = signals::install() {
        warn!("cannot install signal handlers: {e}");
    }
    event_loop::AtOnce(http)
}

#[cold]
#[inline(never)]
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

#[cold]
#[inline(never)]
fn run_check(offline: bool) -> ExitCode {
    let mut cfg = match load_config(false) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if offline {
        return findings(check::offline(&cfg));
    }
    let mut outbound = event_loop::AtOnce(outbound(&mut cfg));
    no_next_pass(&mut cfg);
    findings(check::run(&cfg, &mut outbound, clock::now_unix()))
}

fn findings(found: check::Findings) -> ExitCode {
    print!("{}", found.text);
    if found.problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

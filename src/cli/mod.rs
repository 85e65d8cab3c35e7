//! The command line, strictly: each command takes only the flags it documents, and anything
//! else is a usage error (exit 2) with a one-line hint. Pure; `main` runs the result.

pub mod check;
pub mod healthcheck;
mod help;

pub use help::text as help;

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// The service; `dry_run` is `--dry-run` (the same as DRY_RUN=true).
    Service {
        dry_run: bool,
    },
    Once {
        dry_run: bool,
    },
    /// `offline`: the configuration alone, no question to Cloudflare.
    Check {
        offline: bool,
    },
    Healthcheck,
    Help(Topic),
    Version,
    /// What a stop signal during an outbound call turns the service into (DELETE_ON_STOP).
    DeleteOnStop,
}

/// Which help text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    General,
    Service,
    Once,
    Check,
    Healthcheck,
}

/// A command line that means nothing we do.
#[derive(Debug, PartialEq, Eq)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "dyncfdns: {}; see 'dyncfdns --help'", self.0)
    }
}

pub fn parse(args: &[String]) -> Result<Command, Usage> {
    let first = args.first().map(String::as_str);
    let (topic, flags) = match first {
        None => return Ok(Command::Service { dry_run: false }),
        Some("-h" | "--help") => return no_more(&args[1..], Command::Help(Topic::General)),
        Some("-V" | "--version") => return no_more(&args[1..], Command::Version),
        Some("help") => return help_for(&args[1..]),
        Some(crate::service::signals::DELETE_ON_STOP_COMMAND) => {
            return no_more(&args[1..], Command::DeleteOnStop)
        }
        Some("once") => (Topic::Once, &args[1..]),
        Some("check") => (Topic::Check, &args[1..]),
        Some("healthcheck") => (Topic::Healthcheck, &args[1..]),
        // Flags without a command are the service's.
        Some(f) if f.starts_with('-') => (Topic::Service, args),
        Some(other) => return Err(Usage(format!("unknown command {other:?}"))),
    };
    let (mut dry_run, mut offline) = (false, false);
    for flag in flags {
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help(topic)),
            "--dry-run" if matches!(topic, Topic::Service | Topic::Once) => dry_run = true,
            "--offline" if topic == Topic::Check => offline = true,
            other => return Err(Usage(unexpected(topic, other))),
        }
    }
    Ok(match topic {
        Topic::Once => Command::Once { dry_run },
        Topic::Check => Command::Check { offline },
        Topic::Healthcheck => Command::Healthcheck,
        Topic::Service | Topic::General => Command::Service { dry_run },
    })
}

fn help_for(args: &[String]) -> Result<Command, Usage> {
    let topic = match args.first().map(String::as_str) {
        None => Topic::General,
        Some("once") => Topic::Once,
        Some("check") => Topic::Check,
        Some("healthcheck") => Topic::Healthcheck,
        Some("service") => Topic::Service,
        Some(other) => return Err(Usage(format!("no help for {other:?}"))),
    };
    no_more(&args[args.len().min(1)..], Command::Help(topic))
}

fn no_more(rest: &[String], command: Command) -> Result<Command, Usage> {
    match rest.first() {
        None => Ok(command),
        Some(extra) => Err(Usage(format!("unexpected argument {extra:?}"))),
    }
}

fn unexpected(topic: Topic, arg: &str) -> String {
    let name = match topic {
        Topic::Once => "once",
        Topic::Check => "check",
        Topic::Healthcheck => "healthcheck",
        Topic::Service | Topic::General => "the service",
    };
    let takes = match topic {
        Topic::Once | Topic::Service | Topic::General => "--dry-run and --help",
        Topic::Check => "--offline and --help",
        Topic::Healthcheck => "only --help",
    };
    let what = if arg.starts_with('-') {
        "unknown flag"
    } else {
        "unexpected argument"
    };
    format!("{what} {arg:?} for {name} (it takes {takes})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, Usage> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn commands_and_their_flags() {
        assert_eq!(p(&[]), Ok(Command::Service { dry_run: false }));
        assert_eq!(p(&["--dry-run"]), Ok(Command::Service { dry_run: true }));
        assert_eq!(p(&["once"]), Ok(Command::Once { dry_run: false }));
        assert_eq!(
            p(&["once", "--dry-run"]),
            Ok(Command::Once { dry_run: true })
        );
        assert_eq!(p(&["once", "--help"]), Ok(Command::Help(Topic::Once)));
        assert_eq!(p(&["help", "check"]), Ok(Command::Help(Topic::Check)));
        assert_eq!(p(&["check"]), Ok(Command::Check { offline: false }));
        assert_eq!(
            p(&["check", "--offline"]),
            Ok(Command::Check { offline: true })
        );
        assert_eq!(
            p(&["healthcheck", "-h"]),
            Ok(Command::Help(Topic::Healthcheck))
        );
        assert_eq!(p(&["--version"]), Ok(Command::Version));
    }

    #[test]
    fn anything_else_is_a_usage_error() {
        for bad in [
            &["once", "--dryrun"][..],
            &["once", "extra"],
            &["check", "--dry-run"],
            &["healthcheck", "--port", "5"],
            &["--verbose"],
            &["--version", "x"],
            &["run"],
            &["help", "nope"],
        ] {
            let e = p(bad).unwrap_err();
            assert!(!e.to_string().contains('\n'), "{e}");
        }
        assert!(p(&["once", "--dryrun"])
            .unwrap_err()
            .0
            .contains("unknown flag \"--dryrun\" for once"));
    }
}

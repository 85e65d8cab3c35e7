//! One line per event: on stderr as text (RFC 3339 UTC time, level, message) or as a JSON
//! object, or to the local syslog socket with a priority per level (LOG_FORMAT).

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s.to_ascii_lowercase().as_str() {
            "debug" | "trace" => Some(Level::Debug),
            "info" => Some(Level::Info),
            "warn" | "warning" => Some(Level::Warn),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    /// syslog's severity, with the daemon facility (3 << 3).
    fn priority(self) -> u8 {
        24 + match self {
            Level::Debug => 7,
            Level::Info => 6,
            Level::Warn => 4,
            Level::Error => 3,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// How lines are written (LOG_FORMAT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text = 0,
    Json = 1,
    Syslog = 2,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "syslog" => Some(Format::Syslog),
            _ => None,
        }
    }
}

static THRESHOLD: AtomicU8 = AtomicU8::new(Level::Info as u8);
static FORMAT: AtomicU8 = AtomicU8::new(Format::Text as u8);
static SYSLOG: OnceLock<UnixDatagram> = OnceLock::new();
/// The syslog socket's descriptor, for a line written from a signal handler (-1: none).
static SYSLOG_FD: AtomicI32 = AtomicI32::new(-1);

pub fn set_level(level: Level) {
    THRESHOLD.store(level as u8, Ordering::Relaxed);
}

/// Chooses the format; for syslog, connects to `socket` (e.g. /dev/log). Without a socket
/// lines go to stderr as text, and the reason is returned to be logged.
pub fn set_format(format: Format, socket: &str) -> Result<(), String> {
    if format == Format::Syslog && SYSLOG.get().is_none() {
        let connected = UnixDatagram::unbound().and_then(|s| s.connect(socket).map(|()| s));
        match connected {
            Ok(s) => {
                use std::os::fd::AsRawFd;
                SYSLOG_FD.store(s.as_raw_fd(), Ordering::SeqCst);
                let _ = SYSLOG.set(s);
            }
            Err(e) => {
                return Err(format!(
                    "no syslog socket at {socket} ({e}); logging to stderr"
                ))
            }
        }
    }
    FORMAT.store(format as u8, Ordering::SeqCst);
    Ok(())
}

/// The format in force, for a line written from a signal handler.
pub fn format() -> Format {
    match FORMAT.load(Ordering::SeqCst) {
        1 => Format::Json,
        2 => Format::Syslog,
        _ => Format::Text,
    }
}

/// The syslog socket's descriptor, if lines go to syslog.
pub fn syslog_fd() -> Option<i32> {
    Some(SYSLOG_FD.load(Ordering::SeqCst)).filter(|fd| *fd >= 0)
}

pub fn enabled(level: Level) -> bool {
    level as u8 >= THRESHOLD.load(Ordering::Relaxed)
}

pub fn write(level: Level, args: std::fmt::Arguments) {
    if enabled(level) {
        event(level, &args.to_string(), &[]);
    }
}

/// One event with fields of its own (host, type, old, new...): JSON lines carry them as
/// members; text and syslog lines have them in the message already.
pub fn event(level: Level, message: &str, fields: &[(&str, &str)]) {
    if !enabled(level) {
        return;
    }
    let now = crate::clock::now_unix();
    let line = match format() {
        Format::Json => {
            let mut o = crate::json::Fields::default()
                .put("time", crate::json::time(Some(now)))
                .put("level", crate::json::text(level.name()))
                .put("message", crate::json::text(message));
            for (k, v) in fields {
                o = o.put(k, crate::json::text(v));
            }
            o.end() + "\n"
        }
        Format::Syslog => {
            let line = format!(
                "<{}>dyncfdns[{}]: {}",
                level.priority(),
                std::process::id(),
                escape(message)
            );
            if SYSLOG
                .get()
                .is_some_and(|s| s.send(line.as_bytes()).is_ok())
            {
                return;
            }
            text_line(now, level, message)
        }
        Format::Text => text_line(now, level, message),
    };
    // A closed stderr must not take the updater down with it.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

fn text_line(now: u64, level: Level, message: &str) -> String {
    format!(
        "{} {:<5} {}\n",
        crate::clock::rfc3339(now),
        level.label(),
        escape(message)
    )
}

/// Control characters written as escapes, so text from outside (an API's message, a record's
/// content, a variable's value) can neither forge a log line nor drive the terminal.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[macro_export]
macro_rules! debug { ($($a:tt)*) => { $crate::log::write($crate::log::Level::Debug, format_args!($($a)*)) } }
#[macro_export]
macro_rules! info { ($($a:tt)*) => { $crate::log::write($crate::log::Level::Info, format_args!($($a)*)) } }
#[macro_export]
macro_rules! warn { ($($a:tt)*) => { $crate::log::write($crate::log::Level::Warn, format_args!($($a)*)) } }
#[macro_export]
macro_rules! error { ($($a:tt)*) => { $crate::log::write($crate::log::Level::Error, format_args!($($a)*)) } }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("plain text"), "plain text");
        assert_eq!(
            escape("a\n2026 INFO  pass ok\u{1b}[2J\u{85}"),
            "a\\n2026 INFO  pass ok\\u{1b}[2J\\u{85}"
        );
    }
}

//! Shared test harness: fakes on 127.0.0.1 and a runner for the real binary.
#![allow(dead_code, unused_imports)]

pub mod client;
pub mod cloudflare;
pub mod daemon;
pub mod ipecho;
pub mod lists;
pub mod proxy;
pub mod recorder;
pub mod server;
pub mod tls;

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use client::connect_small;
pub use cloudflare::{FakeCloudflare, Fault, EMAIL, KEY, TOKEN};
pub use daemon::*;
pub use ipecho::{Answer, IpEcho};
pub use recorder::Recorder;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// The environment of a normal `once` run against the fakes.
pub fn env(cf: &FakeCloudflare, ip: &IpEcho, hosts: &str) -> Vec<(String, String)> {
    [
        ("HOST_LIST", hosts.to_string()),
        ("CLOUDFLARE_API_TOKEN", TOKEN.to_string()),
        ("CLOUDFLARE_API_URL", cf.api_url()),
        ("IP4_PROVIDER", ip.provider()),
        ("API_PORT", "0".to_string()),
        ("DETECTION_TIMEOUT", "2".to_string()),
        // Room for a busy 2-core machine; tests about timeouts set their own.
        ("UPDATE_TIMEOUT", "5".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The configuration `env` makes, parsed in process (no files), for tests that run a pass or
/// the loop without the binary.
pub fn config_of(env: Vec<(String, String)>) -> dyncfdns::config::Config {
    let vars: std::collections::HashMap<String, String> = env.into_iter().collect();
    let var = move |k: &str| vars.get(k).cloned();
    let read_file = |_: &str| Err(std::io::Error::other("no files here"));
    dyncfdns::config::parse(&dyncfdns::config::Source {
        var: &var,
        read_file: &read_file,
    })
    .expect("valid config")
}

/// For a service test about something else with one provider: its new address is written at
/// once instead of on the next try 15 s later (that rule is tested in tests/confirm.rs).
pub fn one_answer_is_enough(env: &mut Vec<(String, String)>) {
    set(env, "CONFIRM_CHANGES", "false");
}

pub fn set(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_string(), value.to_string()));
}

pub fn unset(env: &mut Vec<(String, String)>, key: &str) {
    env.retain(|(k, _)| k != key);
}

/// Runs the real binary with only the given environment; fails the test if it outlives 60 s
/// or prints a credential.
pub fn run(args: &[&str], env: &[(String, String)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dyncfdns"));
    command.args(args);
    run_command(command, args, env)
}

/// Runs the binary in a mount namespace of its own whose `/etc/hosts` is `hosts` (see
/// `binary_with_hosts`); `None` when the test is skipped.
pub fn run_with_hosts(args: &[&str], env: &[(String, String)], hosts: &str) -> Option<Run> {
    let mut command = binary_with_hosts(hosts)?;
    command.args(args);
    Some(run_command(command, args, env))
}

/// The binary, to be run in a mount namespace of its own whose `/etc/hosts` is `hosts`: names
/// that resolve only as a test says (only to ::1, say). `None` when this machine cannot make
/// one (it takes root): the caller skips, saying so, unless DYNCFDNS_TEST_NAMESPACES=required
/// (CI sets it) makes that a failure.
pub fn binary_with_hosts(hosts: &str) -> Option<Command> {
    let able = Command::new("unshare")
        .args(["-m", "--propagation", "private", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !able {
        let required = std::env::var("DYNCFDNS_TEST_NAMESPACES").as_deref() == Ok("required");
        assert!(
            !required,
            "cannot make a mount namespace (unshare -m), and CI requires it"
        );
        eprintln!("skipped: this test needs a mount namespace (run as root)");
        return None;
    }
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let file = std::env::temp_dir().join(format!("dyncfdns-hosts-{}-{n}", std::process::id()));
    std::fs::write(&file, hosts).unwrap();
    let mut command = Command::new("unshare");
    command
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg("PATH=/usr/sbin:/usr/bin:/sbin:/bin mount --bind \"$0\" /etc/hosts && exec \"$@\"")
        .arg(&file)
        .arg(env!("CARGO_BIN_EXE_dyncfdns"));
    Some(command)
}

/// Runs `body` on a thread of its own moved into a new network namespace (unshare(2) with
/// CLONE_NEWNET: only that thread, and what it spawns, see it), so a test can make interfaces
/// and addresses without touching the machine's. Listeners it starts and processes it runs
/// are inside. `None` when this machine cannot (it takes root): skipped with a line, unless
/// DYNCFDNS_TEST_NAMESPACES=required (CI) makes that a failure.
pub fn in_network_namespace<T: Send + 'static>(
    body: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let joined = std::thread::spawn(move || {
        // SAFETY: unshare(2) changes only the calling thread's namespaces; no memory is shared.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return None;
        }
        sh("ip link set lo up");
        Some(body())
    })
    .join();
    let out = match joined {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    if out.is_none() {
        let required = std::env::var("DYNCFDNS_TEST_NAMESPACES").as_deref() == Ok("required");
        assert!(
            !required,
            "cannot make a network namespace (unshare -n), and CI requires it"
        );
        eprintln!("skipped: this test needs a network namespace (run as root)");
    }
    out
}

/// Runs a shell command (ip, sysctl), failing the test with its output if it fails.
pub fn sh(script: &str) -> String {
    let out = Command::new("sh")
        .args([
            "-c",
            &format!("PATH=/usr/sbin:/usr/bin:/sbin:/bin; {script}"),
        ])
        .output()
        .expect("run sh");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{script}: {}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn run_command(mut command: Command, args: &[&str], env: &[(String, String)]) -> Run {
    let start = Instant::now();
    let child = command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dyncfdns");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.expect("wait for dyncfdns"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("dyncfdns {args:?} did not finish within 60 s");
        }
    };
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).to_string(),
        stderr: String::from_utf8_lossy(&output.stderr).to_string(),
        elapsed: start.elapsed(),
    };
    assert_no_secrets(&run);
    run
}

pub fn assert_no_secrets(run: &Run) {
    for secret in [TOKEN, KEY] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a credential leaked into the output:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
}

/// Waits until `done()` holds, looking every 20 ms (for counters the fakes keep without a
/// condition variable); panics naming `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh, empty working directory for one test: `dyncfdns-<kind>-<name>-<pid>` under the
/// system's temporary directory.
pub fn work_dir(kind: &str, name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("dyncfdns-{kind}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

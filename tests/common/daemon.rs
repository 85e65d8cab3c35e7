//! The real binary running as a service, with its log captured, and a raw HTTP client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

type Log = Arc<(Mutex<String>, Condvar)>;

pub struct Daemon {
    child: Option<Child>,
    pub port: u16,
    log: Log,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Daemon {
    /// Starts `dyncfdns` (no command) in `dir` with only `env`, its API on 127.0.0.1.
    pub fn start(env: &[(String, String)], dir: &Path) -> Daemon {
        Self::start_command(Command::new(env!("CARGO_BIN_EXE_dyncfdns")), env, dir)
    }

    /// The same, with `command` running the binary (in a namespace, say).
    pub fn start_command(mut command: Command, env: &[(String, String)], dir: &Path) -> Daemon {
        let port = env
            .iter()
            .find(|(k, _)| k == "API_PORT")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut child = command
            .current_dir(dir)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dyncfdns");
        let log: Log = Arc::new((Mutex::new(String::new()), Condvar::new()));
        let (stderr, log2) = (child.stderr.take().unwrap(), log.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let (text, cond) = &*log2;
                let mut t = text.lock().unwrap_or_else(|e| e.into_inner());
                t.push_str(&line);
                t.push('\n');
                cond.notify_all();
            }
        });
        Daemon {
            child: Some(child),
            port,
            log,
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    pub fn log(&self) -> String {
        self.log.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until `needle` appears `count` times in the log; panics after `limit`.
    pub fn wait_for(&self, needle: &str, count: usize, limit: Duration) {
        let (text, cond) = &*self.log;
        let deadline = Instant::now() + limit;
        let mut t = text.lock().unwrap();
        while t.matches(needle).count() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited {limit:?} for {count}x {needle:?}; log:\n{t}"
            );
            t = cond.wait_timeout(t, left).unwrap().0;
        }
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.pid(), sig) };
    }

    /// Sends SIGTERM and waits for the exit; returns the status and how long it took.
    pub fn terminate(mut self) -> (ExitStatus, Duration) {
        let mut child = self.child.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let start = Instant::now();
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(status) => (status.unwrap(), start.elapsed()),
            Err(_) => panic!("dyncfdns ignored SIGTERM; log:\n{}", self.log()),
        }
    }

    pub fn threads(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/task", self.pid()))
            .unwrap()
            .count()
    }

    /// Resident memory in KB (VmRSS).
    pub fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    pub fn voluntary_switches(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            return;
        }
        let log = self.log();
        for secret in [super::TOKEN, super::KEY] {
            assert!(
                !log.contains(secret),
                "a credential leaked into the log:\n{log}"
            );
        }
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

pub fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the status API");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Reads one response (head + Content-Length body), or None if the server closed first.
pub fn read_response(s: &mut TcpStream, head_only: bool) -> Option<Resp> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let status = head.get(9..12)?.parse().ok()?;
    let mut r = Resp {
        status,
        head,
        body: String::new(),
    };
    let len: usize = r
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .expect("Content-Length");
    if !head_only {
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).ok()?;
        r.body = String::from_utf8_lossy(&body).to_string();
    }
    Some(r)
}

/// One request on a fresh connection.
pub fn request(port: u16, raw: &str) -> Resp {
    let mut s = connect(port);
    s.write_all(raw.as_bytes()).unwrap();
    read_response(&mut s, raw.starts_with("HEAD")).expect("a response")
}

pub fn get(port: u16, path: &str, auth: Option<&str>) -> Resp {
    let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    request(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n"),
    )
}

/// True once the server has closed the connection (reads end of file).
pub fn closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0))
}

/// Lets this test process hold `want` descriptors (within its hard limit).
pub fn raise_own_fd_limit(want: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit on this test process with a valid struct.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        if lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

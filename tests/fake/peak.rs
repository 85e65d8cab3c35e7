//! `peak PROGRAM [ARGS...]`: runs PROGRAM and prints its peak resident set (`VmHWM`, KB) read
//! at its exit, on stderr as `peak-rss-kb N`; exits with PROGRAM's code. `/usr/bin/time` and
//! `wait4` report the largest RSS of the process over its life, which for a small program is
//! mostly the launcher's own pages before exec (time and env: ~800 KB); the kernel resets
//! VmHWM at exec, so reading it at the program's exit (stopped there by ptrace's
//! PTRACE_O_TRACEEXIT) measures the program alone.

use std::ffi::CString;

fn main() {
    let args: Vec<CString> = std::env::args()
        .skip(1)
        .map(|a| CString::new(a).expect("no NUL in arguments"))
        .collect();
    if args.is_empty() {
        eprintln!("usage: peak PROGRAM [ARGS...]");
        std::process::exit(2);
    }
    // SAFETY: fork in a single-threaded program; the child only calls async-signal-safe
    // functions (ptrace, execvp, _exit) before exec.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        // SAFETY: argv is NUL-terminated and outlives the call; on failure the child exits.
        unsafe {
            libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
            libc::execvp(argv[0], argv.as_ptr());
            libc::_exit(127);
        }
    }
    std::process::exit(trace(pid));
}

/// Follows the child to its exit, passing its signals on; returns its exit code.
fn trace(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    let mut first = true;
    loop {
        // SAFETY: waitpid on our own child with a valid status pointer.
        if unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
            return 1;
        }
        if libc::WIFEXITED(status) {
            return libc::WEXITSTATUS(status);
        }
        if libc::WIFSIGNALED(status) {
            return 128 + libc::WTERMSIG(status);
        }
        let mut pass = 0;
        if first {
            // The stop after exec: from here on, stop once more at the exit.
            first = false;
            // SAFETY: the child is stopped and traced by us.
            let options = libc::PTRACE_O_TRACEEXIT | libc::PTRACE_O_TRACEEXEC;
            unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, options) };
        } else if status >> 8 == (libc::SIGTRAP | (libc::PTRACE_EVENT_EXEC << 8)) {
            // A later exec (a program that execs another): VmHWM starts again there.
        } else if status >> 8 == (libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8)) {
            let hwm = std::fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .and_then(|l| l.split_whitespace().nth(1).map(String::from))
                })
                .unwrap_or_else(|| "unknown".into());
            eprintln!("peak-rss-kb {hwm}");
        } else {
            pass = libc::WSTOPSIG(status);
        }
        // SAFETY: the child is stopped and traced by us; `pass` is its pending signal or 0.
        unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0, pass) };
    }
}

//! Build facts for `dyncfdns --version`: the git commit (DYNCFDNS_COMMIT from the environment,
//! else `git rev-parse`, else unknown) and the target triple; and when it was built, as the
//! commit's time (SOURCE_DATE_EPOCH, else `git log`), so reproducible builds agree: a clock
//! that reads earlier than that is not set yet (DYNCFDNS_BUILT, empty when unknown).

use std::process::Command;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=DYNCFDNS_TARGET={target}");
    println!("cargo:rerun-if-env-changed=DYNCFDNS_COMMIT");
    let commit = std::env::var("DYNCFDNS_COMMIT").ok().or_else(git_commit);
    println!(
        "cargo:rustc-env=DYNCFDNS_COMMIT={}",
        commit.unwrap_or_default()
    );
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let built = std::env::var("SOURCE_DATE_EPOCH").ok().or_else(git_time);
    println!(
        "cargo:rustc-env=DYNCFDNS_BUILT={}",
        built.unwrap_or_default()
    );
    // A new commit moves HEAD or the branch it names. Only paths that exist are watched: Cargo
    // reads a missing one (no packed refs in a fresh clone) as changed on every build.
    println!("cargo:rerun-if-changed=scripts/build-info.rs");
    let mut watch = vec![".git/HEAD".to_string(), ".git/packed-refs".to_string()];
    if let Ok(head) = std::fs::read_to_string(".git/HEAD") {
        if let Some(branch) = head.trim().strip_prefix("ref: ") {
            watch.push(format!(".git/{branch}"));
        }
    }
    for path in watch.iter().filter(|p| std::path::Path::new(p).exists()) {
        println!("cargo:rerun-if-changed={path}");
    }
}

fn git_time() -> Option<String> {
    // A checkout owned by another user (a CI container) is still ours to read.
    let out = Command::new("git")
        .args(["-c", "safe.directory=*", "log", "-1", "--format=%ct"])
        .output()
        .ok()?;
    let time = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && time.parse::<u64>().is_ok()).then_some(time)
}

fn git_commit() -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    let commit = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !commit.is_empty()).then_some(commit)
}

//! Build facts for `dyncfdns --version`: the git commit (DYNCFDNS_COMMIT from the environment,
//! else `git rev-parse`, else unknown) and the target triple; and when it was built, as the
//! commit's time (SOURCE_DATE_EPOCH, else `git log`), so reproducible builds agree: a clock
//! that reads earlier than that is not set yet (DYNCFDNS_BUILT, empty when unknown).

use std::process::Command;

fn main() {
    check_cold_patterns();
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

/// Each of our patterns in scripts/cold-code.ld names code that exists: a module renamed or a
/// function gone would otherwise move nothing into the cold segment, without a word. Rust's
/// v0 mangling writes a path as `<length><name>` runs, so `*8dyncfdns9transport5trust*11add_anchors*`
/// is the module `transport::trust` (a file under src/) holding an item `add_anchors`.
fn check_cold_patterns() {
    println!("cargo:rerun-if-changed=scripts/cold-code.ld");
    println!("cargo:rerun-if-changed=src");
    let Ok(script) = std::fs::read_to_string("scripts/cold-code.ld") else {
        return;
    };
    let ours = script
        .split_whitespace()
        .filter_map(|word| word.split_once("8dyncfdns").map(|(_, rest)| (word, rest)));
    for (pattern, rest) in ours {
        if let Err(why) = names_code(rest) {
            panic!("scripts/cold-code.ld: the pattern {pattern} places nothing: {why}");
        }
    }
}

/// `rest` after the crate's name: module names, then (after a `*`) item names.
fn names_code(rest: &str) -> Result<(), String> {
    let mut runs = rest.split('*').filter(|r| !r.is_empty());
    let path = runs.next().map(idents).unwrap_or_default();
    let items: Vec<String> = runs.flat_map(idents).collect();
    // The longest leading run of names that is a file is the module; the rest are items in it.
    let mut module = None;
    for n in (0..=path.len()).rev() {
        let dir = format!("src/{}", path[..n].join("/"));
        let files = if n == 0 {
            vec!["src/main.rs".to_string(), "src/lib.rs".to_string()]
        } else {
            vec![format!("{dir}.rs"), format!("{dir}/mod.rs")]
        };
        if let Some(f) = files.into_iter().find(|f| std::path::Path::new(f).exists()) {
            module = Some((f, path[n..].to_vec()));
            break;
        }
    }
    let (file, mut wanted) = module.ok_or("no such module")?;
    wanted.extend(items);
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?;
    match wanted.iter().find(|item| {
        !["fn", "struct", "enum"]
            .iter()
            .any(|k| text.contains(&format!("{k} {item}")))
    }) {
        Some(item) => Err(format!("{file} has no fn, struct or enum {item}")),
        None => Ok(()),
    }
}

/// The `<length><name>` runs at the start of `s`.
fn idents(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(len) = rest[..digits].parse::<usize>() else {
            return out;
        };
        let Some(name) = rest.get(digits..digits + len) else {
            return out;
        };
        out.push(name.to_string());
        rest = &rest[digits + len..];
    }
}

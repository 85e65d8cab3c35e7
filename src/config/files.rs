//! The files configuration reads and writes: small regular files read with a limit (never a
//! FIFO, a device or a huge file), and the token file replaced atomically through a temp file
//! nobody else can have planted.

use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The largest settings file read: a token, a key or a small JSON object.
pub const MAX_FILE: u64 = 64 * 1024;

/// Reads a regular file of at most `MAX_FILE` bytes, as UTF-8. Opening does not block on a
/// FIFO, and anything that is not a regular file is refused before a byte is read.
pub fn read_limited(path: &Path) -> io::Result<String> {
    let bytes = read_capped(path, MAX_FILE, "a settings file")?;
    String::from_utf8(bytes).map_err(|_| io::Error::other("not valid UTF-8 text"))
}

/// Reads a regular file of at most `max` bytes (`what` names such a file in the error).
pub fn read_capped(path: &Path, max: u64, what: &str) -> io::Result<Vec<u8>> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if meta.len() > max {
        return Err(io::Error::other(format!(
            "{} bytes, more than the {max} {what} may hold",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::other("the file grew past the limit while read"));
    }
    Ok(bytes)
}

/// Writes `data` to a new 0600 temp file beside `path` (a random name, created exclusively,
/// never through a symlink), syncs it, and renames it over `path`, so a crash leaves the old
/// file or the new one, never half of one, and no one else's file is ever written.
pub fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| io::Error::other(e.to_string()))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".tmp-{suffix}"));
    let tmp = PathBuf::from(tmp_name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(&tmp)?;
    let result = (|| {
        file.write_all(data)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        std::fs::File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dyncfdns-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn only_small_regular_files_are_read() {
        let d = scratch("read");
        let ok = d.join("ok");
        std::fs::write(&ok, "token\n").unwrap();
        assert_eq!(read_limited(&ok).unwrap(), "token\n");
        let big = d.join("big");
        std::fs::write(&big, vec![b'a'; MAX_FILE as usize + 1]).unwrap();
        assert!(read_limited(&big)
            .unwrap_err()
            .to_string()
            .contains("more than"));
        assert!(read_limited(Path::new("/dev/zero")).is_err());
        assert!(read_limited(&d).is_err(), "a directory");
        let fifo = d.join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(read_limited(&fifo)
            .unwrap_err()
            .to_string()
            .contains("regular"));
    }

    #[test]
    fn the_temp_file_is_new_private_and_never_followed() {
        use std::os::unix::fs::PermissionsExt;
        let d = scratch("write");
        let target = d.join("victim");
        std::fs::write(&target, "keep me").unwrap();
        let path = d.join(".config.json");
        // Plant symlinks at every name the old code would have used.
        for pid in [std::process::id(), 1] {
            let planted = d.join(format!(".config.json.tmp{pid}"));
            std::os::unix::fs::symlink(&target, planted).unwrap();
        }
        write_atomically(&path, b"{\"api_token\":\"t\"}").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let left: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(left.is_empty(), "no temp file is left behind");
    }
}

//! `file:<path>`: addresses the user (or a script) keeps in a file, read afresh each pass: one
//! address or CIDR per line, `#` comments and blank lines ignored. A file that is missing, too
//! large or holds a line that is not an address of the family fails the family's detection,
//! naming the file and the line, and nothing is written.

use super::{DetectError, Net};
use crate::config::Family;
use std::net::IpAddr;
use std::path::Path;

/// A list of addresses, not a database: the bound of every file dyncfdns reads.
pub const MAX_ADDRESS_FILE: u64 = 64 * 1024;

#[inline(never)]
pub fn file_addresses(path: &Path, family: Family) -> Result<Vec<Net>, DetectError> {
    let failed = |why: String| DetectError::File {
        path: path.display().to_string(),
        line: None,
        why,
    };
    let bytes = crate::config::read_capped(path, MAX_ADDRESS_FILE, "an address file")
        .map_err(|e| failed(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| failed("not UTF-8 text".to_string()))?;
    parse(&text, family).map_err(|(line, why)| DetectError::File {
        path: path.display().to_string(),
        line: Some(line),
        why,
    })
}

/// The addresses of the family in `text`, in order, each once; the first bad line (numbered
/// from 1) and why. Pure.
pub fn parse(text: &str, family: Family) -> Result<Vec<Net>, (usize, String)> {
    let mut nets: Vec<Net> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let net = parse_line(line, family).map_err(|why| (i + 1, why))?;
        if !nets.iter().any(|n| n.ip == net.ip) {
            nets.push(net);
        }
    }
    Ok(nets)
}

fn parse_line(line: &str, family: Family) -> Result<Net, String> {
    let (addr, prefix_len) = match line.split_once('/') {
        Some((a, len)) => {
            let max = if family == Family::V4 { 32 } else { 128 };
            match len.trim().parse::<u8>() {
                Ok(n) if n <= max => (a.trim(), Some(n)),
                _ => {
                    return Err(format!(
                        "{line:?}: /{len} is not a prefix length of {}",
                        family.name()
                    ))
                }
            }
        }
        None => (line, None),
    };
    let shown: String = addr.chars().take(45).collect();
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("{shown:?} is not an IP address"))?;
    if !family.matches(&ip) {
        return Err(format!("{ip} is not an {} address", family.name()));
    }
    Ok(Net { ip, prefix_len })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_comments_and_cidr() {
        let text = "# the NAS and the printer\n2a01:4f8:10:1::5\n\n  2a01:4f8:10:1::6/56 # printer\n2a01:4f8:10:1::5\n";
        let nets = parse(text, Family::V6).unwrap();
        assert_eq!(nets.len(), 2);
        assert_eq!(nets[1].ip.to_string(), "2a01:4f8:10:1::6");
        assert_eq!(nets[1].prefix_len, Some(56));
        assert!(parse("# nothing\n\n", Family::V4).unwrap().is_empty());
    }

    #[test]
    fn a_bad_line_is_named() {
        assert_eq!(
            parse("93.184.216.34\n2a01::1\n", Family::V4).unwrap_err(),
            (2, "2a01::1 is not an IPv4 address".to_string())
        );
        assert_eq!(parse("nas\n", Family::V4).unwrap_err().0, 1);
        assert!(parse("93.184.216.34/33", Family::V4)
            .unwrap_err()
            .1
            .contains("/33"));
    }

    #[test]
    fn a_missing_or_large_file_fails_naming_it() {
        let err = file_addresses(Path::new("/nonexistent/dyncfdns-ips"), Family::V4).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/dyncfdns-ips"),
            "{err}"
        );
        let dir = std::env::temp_dir().join(format!("dyncfdns-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big");
        std::fs::write(&big, "93.184.216.34\n".repeat(10_000)).unwrap();
        let err = file_addresses(&big, Family::V4).unwrap_err().to_string();
        assert!(
            err.contains("more than the 65536 an address file may hold"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

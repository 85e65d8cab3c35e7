//! What a remote provider's answer says: a bare address, a `/cdn-cgi/trace` body or JSON.

use super::DetectError;
use crate::config::Family;
use std::net::IpAddr;

/// A real answer is an address or a short trace; anything longer is a page, not an answer.
pub const MAX_ANSWER: usize = 4096;

/// Accepts a bare address, a `/cdn-cgi/trace` body (`ip=` line) or JSON with an `"ip"` field;
/// an IPv6 address may come in CIDR form (`2001:db8:1:2::5/56`), which gives its prefix.
pub fn parse_answer(body: &[u8], family: Family) -> Result<(IpAddr, Option<u8>), DetectError> {
    if body.len() > MAX_ANSWER {
        return Err(DetectError::TooLong);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| DetectError::NotText)?
        .trim();
    let candidate = if text.starts_with('{') {
        json_ip(text)?
    } else if let Some(line) = text.lines().find_map(|l| l.trim().strip_prefix("ip=")) {
        line.trim().to_string()
    } else {
        text.to_string()
    };
    let not_one = || DetectError::NotAnAddress(preview(&candidate));
    let (addr, prefix_len) = match candidate.split_once('/') {
        Some((a, len)) => match len.parse::<u8>() {
            Ok(n) if n <= 128 && family == Family::V6 => (a, Some(n)),
            _ => return Err(not_one()),
        },
        None => (candidate.as_str(), None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| not_one())?;
    if !family.matches(&ip) {
        return Err(DetectError::WrongFamily(ip, family));
    }
    Ok((ip, prefix_len))
}

fn json_ip(text: &str) -> Result<String, DetectError> {
    #[derive(miniserde::Deserialize)]
    struct Answer {
        ip: String,
    }
    miniserde::json::from_str::<Answer>(text)
        .map(|a| a.ip.trim().to_string())
        .map_err(|_| DetectError::NoJsonIp)
}

fn preview(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(body: &str) -> Result<IpAddr, DetectError> {
        parse_answer(body.as_bytes(), Family::V4).map(|(ip, _)| ip)
    }

    #[test]
    fn parses_the_three_answer_shapes() {
        assert_eq!(v4("93.184.216.34\n").unwrap().to_string(), "93.184.216.34");
        let trace = "fl=1\nh=1.1.1.1\nip=93.184.216.34\nts=1\nvisit_scheme=https\n";
        assert_eq!(v4(trace).unwrap().to_string(), "93.184.216.34");
        assert_eq!(
            v4(r#"{"ip": "93.184.216.34"}"#).unwrap().to_string(),
            "93.184.216.34"
        );
        let (v6, len) = parse_answer(b"2a00:1450:4001::1", Family::V6).unwrap();
        assert_eq!(
            (v6.to_string(), len),
            ("2a00:1450:4001::1".to_string(), None)
        );
    }

    #[test]
    fn an_ipv6_answer_in_cidr_form_brings_its_prefix() {
        let (ip, len) = parse_answer(b"2a00:1450:4001:5::1/56\n", Family::V6).unwrap();
        assert_eq!(
            (ip.to_string(), len),
            ("2a00:1450:4001:5::1".to_string(), Some(56))
        );
        assert!(parse_answer(b"2a00:1450:4001::1/129", Family::V6).is_err());
        assert!(v4("93.184.216.34/24").is_err(), "IPv4 has no host IDs");
    }

    #[test]
    fn rejects_junk_and_wrong_family() {
        assert!(v4("not-an-ip").is_err());
        assert!(v4("<html><body>93.184.216.34</body></html>").is_err());
        assert!(v4(r#"{"address": "93.184.216.34"}"#).is_err());
        assert!(v4("").is_err());
        assert!(v4("2a00:1450:4001::1")
            .unwrap_err()
            .to_string()
            .contains("not an IPv4"));
        assert!(parse_answer(b"93.184.216.34", Family::V6).is_err());
        assert!(parse_answer(&[0xff, 0xfe], Family::V4).is_err());
        let long = format!("{}93.184.216.34", " ".repeat(MAX_ANSWER));
        assert!(v4(&long).is_err());
    }
}

//! What a remote provider's answer says: a bare address, a `/cdn-cgi/trace` body or JSON.

use super::DetectError;
use crate::config::Family;
use std::net::IpAddr;

/// A real answer is an address or a short trace; anything longer is a page, not an answer.
pub const MAX_ANSWER: usize = 4096;

/// Accepts a bare address, a `/cdn-cgi/trace` body (`ip=` line) or JSON with an `"ip"` field.
pub fn parse_answer(body: &[u8], family: Family) -> Result<IpAddr, DetectError> {
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
    let ip: IpAddr = candidate
        .parse()
        .map_err(|_| DetectError::NotAnAddress(preview(&candidate)))?;
    if !family.matches(&ip) {
        return Err(DetectError::WrongFamily(ip, family));
    }
    Ok(ip)
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
        parse_answer(body.as_bytes(), Family::V4)
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
        let v6 = parse_answer(b"2a00:1450:4001::1", Family::V6).unwrap();
        assert_eq!(v6.to_string(), "2a00:1450:4001::1");
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

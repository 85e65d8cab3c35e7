//! The status API's request path: bytes in, responses out (parse, route, respond).
#![no_main]

use dyncfdns::http::{answer, Api};
use libfuzzer_sys::fuzz_target;

struct Fixed;

impl Api for Fixed {
    fn health(&self) -> (u16, String) {
        (200, r#"{"status":"ok","last_check":null}"#.to_string())
    }
    fn widget(&self) -> String {
        r#"{"status":"active"}"#.to_string()
    }
    fn metrics(&self) -> String {
        "dyncfdns_passes_total{result=\"ok\"} 1\n".to_string()
    }
    fn metrics_public(&self) -> bool {
        false
    }
    fn token(&self) -> &str {
        "fuzz-token"
    }
}

fuzz_target!(|data: &[u8]| {
    // Feed the bytes in two pieces, as a socket might deliver them.
    let cut = data.first().map_or(0, |b| *b as usize % (data.len() + 1));
    let mut input = data[..cut].to_vec();
    let mut output = Vec::new();
    let closed = answer(&mut input, &mut output, false, &Fixed);
    if !closed {
        input.extend_from_slice(&data[cut..]);
        answer(&mut input, &mut output, true, &Fixed);
    }
    // Every response is a well-formed HTTP/1.1 status line with a Content-Length.
    let text = String::from_utf8_lossy(&output);
    for response in text.split("HTTP/1.1 ").skip(1) {
        assert!(response.get(..3).is_some_and(|c| c.bytes().all(|b| b.is_ascii_digit())));
        assert!(response.contains("Content-Length: "));
    }
    assert!(output.is_empty() || output.starts_with(b"HTTP/1.1 "));
});

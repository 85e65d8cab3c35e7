//! The status API's request path: bytes in, responses out (parse, route, respond).
#![no_main]

use dyncfdns::http::{answer, Api, Body, Output, Room};
use libfuzzer_sys::fuzz_target;

struct Fixed;

impl Api for Fixed {
    fn health(&self) -> (u16, String) {
        (200, r#"{"status":"ok","last_check":null}"#.to_string())
    }
    fn widget(&self) -> Body {
        Body::Text(r#"{"status":"active"}"#.to_string())
    }
    fn metrics(&self) -> Body {
        Body::Shared(std::rc::Rc::new("dyncfdns_passes_total{result=\"ok\"} 1\n".to_string()))
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
    let mut output = Output::default();
    let mut room = Room::default();
    room.refresh(0);
    let mut sent = Vec::new();
    if !answer(&mut input, &mut output, false, &Fixed, &mut room) {
        input.extend_from_slice(&data[cut..]);
        // Drain as a reading client would, so every request gets its answer.
        loop {
            let before = input.len();
            let close = answer(&mut input, &mut output, true, &Fixed, &mut room);
            let wrote = output.write_to(&mut sent).unwrap();
            room.refresh(0);
            // A full queue waits for the client: the round after it drains goes on.
            if close || (input.len() == before && wrote == 0) {
                break;
            }
        }
        assert!(input.is_empty(), "a half-closed client's input is all answered or dropped");
    }
    output.write_to(&mut sent).unwrap();
    // Every response is a well-formed HTTP/1.1 status line with a Content-Length.
    let text = String::from_utf8_lossy(&sent);
    for response in text.split("HTTP/1.1 ").skip(1) {
        assert!(response.get(..3).is_some_and(|c| c.bytes().all(|b| b.is_ascii_digit())));
        assert!(response.contains("Content-Length: "));
    }
    assert!(sent.is_empty() || sent.starts_with(b"HTTP/1.1 "));
});

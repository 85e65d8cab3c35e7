//! What an upstream (an API, a detector, a webhook, a proxy) answers the direct client: the
//! head and body readers never panic, never hand back more than the body budget, and the URL
//! reader never panics on any text.
#![no_main]

use dyncfdns::transport::{answer, target};
use libfuzzer_sys::fuzz_target;

const MAX_BODY: usize = 512;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    if let Ok((head, rest)) = answer::read_head(&mut input) {
        if let Ok(body) = answer::read_body(&head, rest, &mut input, MAX_BODY) {
            assert!(body.len() <= MAX_BODY);
        }
    }
    if let Ok(url) = std::str::from_utf8(data) {
        if let Ok(t) = target::parse(url) {
            assert!(t.path.starts_with('/'));
            assert!(!t.host.is_empty());
        }
    }
});

//! Cloudflare's answers: any status and body must decode or fail cleanly.
#![no_main]

use dyncfdns::cloudflare::{decode_listing, decode_page, decode_record};
use dyncfdns::dns::Zone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let status = [200u16, 400, 403, 404, 429, 500][first as usize % 6];
    let body = String::from_utf8_lossy(rest);
    // Record listings are read as the client reads them: a page of values, each on its own.
    if let Ok(page) = decode_listing(status, &body) {
        assert!(page.total_pages >= 1);
        assert!((200..300).contains(&status));
    }
    let _ = decode_page::<Zone>(status, &body);
    if let Err(e) = decode_record(status, &body) {
        let _ = e.to_string();
    }
});

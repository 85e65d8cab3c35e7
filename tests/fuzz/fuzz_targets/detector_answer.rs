//! What an IP-echo service says: only a public address of the asked family may come out.
#![no_main]

use dyncfdns::config::Family;
use dyncfdns::detect::{check_public, parse_answer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for family in [Family::V4, Family::V6] {
        if let Ok((ip, prefix_len)) = parse_answer(data, family) {
            assert!(family.matches(&ip));
            assert!(prefix_len.is_none_or(|n| n <= 128 && family == Family::V6));
            let _ = check_public(&ip);
        }
    }
});

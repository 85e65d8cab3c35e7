//! The configuration: any environment (KEY=VALUE lines) parses or is rejected with messages.
#![no_main]

use dyncfdns::config::{parse, Source};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let vars: HashMap<String, String> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let file = text.to_string();
    let var = |k: &str| vars.get(k).cloned();
    let read_file = |_: &str| Ok(file.clone());
    match parse(&Source { var: &var, read_file: &read_file }) {
        Ok(cfg) => {
            assert!(!cfg.hosts.is_empty());
            for h in &cfg.hosts {
                assert!(dyncfdns::config::check_host(h).is_ok());
            }
        }
        Err(e) => assert!(!e.0.is_empty()),
    }
});

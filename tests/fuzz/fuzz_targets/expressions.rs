//! What users type into expressions and lists: detection filters, PROXIED, comment patterns,
//! host IDs and address files. Nothing panics; what parses prints back to what parses the same.
#![no_main]

use dyncfdns::config::Family;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for v4 in [true, false] {
        if let Ok(Some(filter)) = dyncfdns::filter::parse(text, v4) {
            let again = dyncfdns::filter::parse(&filter.to_string(), v4);
            assert_eq!(again, Ok(Some(filter.clone())));
            let _ = dyncfdns::filter::keeps(&filter, &"93.184.216.34".parse().unwrap());
        }
    }
    if let Ok(proxied) = dyncfdns::proxied::parse(text) {
        let again = dyncfdns::proxied::parse(&proxied.to_string());
        assert_eq!(again, Ok(proxied.clone()));
        let _ = dyncfdns::proxied::for_host(&proxied, "www.example.org");
    }
    if let Ok(pattern) = dyncfdns::pattern::parse(text) {
        let _ = pattern.matches(Some(text));
    }
    if let Ok(ids) = dyncfdns::hostid::parse(text) {
        for id in &ids {
            for len in [0u8, 48, 56, 64, 128] {
                let _ = dyncfdns::hostid::apply("2001:db8::1".parse().unwrap(), len, id);
            }
        }
    }
    for family in [Family::V4, Family::V6] {
        let _ = dyncfdns::detect::parse_address_file(text, family);
    }
});

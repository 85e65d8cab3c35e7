//! The kernel's address and route messages: any bytes are addresses, events or an error,
//! never a panic; an address read is of the family its bytes have, and its flags decide
//! stability alone.
#![no_main]

use dyncfdns::netlink::parse_addresses;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(addresses) = parse_addresses(data) {
        for a in addresses {
            let _ = a.unstable();
        }
    }
    let _ = dyncfdns::netlink::messages(data);
    // What the watch reads: address and route changes, and whether they count.
    if let Ok(events) = dyncfdns::netlink::events(data) {
        let watched = dyncfdns::netlink::Watched::DefaultPath(vec![1, 2]);
        for e in &events {
            let _ = dyncfdns::netlink::counts(e, &watched);
        }
    }
});

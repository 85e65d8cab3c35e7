//! The kernel's address messages: any bytes are addresses or an error, never a panic; an
//! address read is of the family its bytes have, and its flags decide stability alone.
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
});

//! Bytes from the wire are untrusted: records, handshake messages, decryption and key changes,
//! in any order and any split, must never panic nor allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    certbench_wire::observe::exercise(data);
});

//! OCSP requests (what `certbench ocsp` reads from anyone) and responses (what a server staples
//! and a responder sends): read, written back, judged, described; nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    certbench_fuzzing::ocsp(data);
});

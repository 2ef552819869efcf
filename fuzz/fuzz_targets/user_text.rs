//! Text a user types (times, days, SANs, IP ranges, names, key types, roles, usages, reasons,
//! suites, groups; a whole request; a workspace journal read back): never a panic, and what
//! parses holds its promises (see certbench_fuzzing::user_text).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    certbench_fuzzing::user_text(data);
});

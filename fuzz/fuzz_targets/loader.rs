//! Files a user points `inspect` at: PEM bundles, DER, CRLs, CSRs, other containers, garbage.
//! Every item decoded is linted, its field tree made and its chain verified; nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    certbench_fuzzing::loader(data);
});

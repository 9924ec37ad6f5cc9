//! Arbitrary bytes into the candidaturas reader: an error is fine, a panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = prep_csv::read_candidaturas(data);
});

//! The integration tests of `prep-csv`, in one test binary: each module is one area of them.

mod dialect_detection;
mod dialects;
mod fuzz_regressions;
mod published;
mod puebla;

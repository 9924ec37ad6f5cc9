//! The integration tests of `prep-package`, in one test binary: each module is one area of them.

mod fuzz_seed;
mod signing;

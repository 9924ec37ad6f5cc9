//! The integration tests of `prep-audit`, in one test binary: each module is one area of them.

mod auto_profile;
mod ine_dialect;
mod parallel;
mod properties;
mod synth_recount;

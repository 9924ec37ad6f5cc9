//! The integration tests of `prep-monitor`, in one test binary: each module is one area of them.

mod common;
mod hostile;
mod monitor;

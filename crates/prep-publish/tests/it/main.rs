//! The integration tests of `prep-publish`, in one test binary: each module is one area of them.

mod common;
mod difusores;
mod incremental;
mod replay_puebla;

//! The integration tests of `prep-store`, in one test binary: each module is one area of them.

mod common;
mod crash;
mod fold;
mod record;
mod snapshot;

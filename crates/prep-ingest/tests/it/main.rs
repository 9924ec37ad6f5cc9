//! The integration tests of `prep-ingest`, in one test binary: each module is one area of them.

mod api;
mod bulk;
mod common;
mod openapi;
mod ownership;

//! The integration tests of `prep-site`, in one test binary: each module is one area of them.

mod browser;
mod support;
mod templates;

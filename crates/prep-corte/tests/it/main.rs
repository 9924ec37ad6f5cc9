//! The integration tests of `prep-corte`, in one test binary: each module is one area of them.

mod layout;
mod puebla;

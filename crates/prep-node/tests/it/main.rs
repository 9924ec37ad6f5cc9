//! The integration tests of `prep-node`, in one test binary: each module is one area of them.

mod audit;
mod common;
mod delta;
mod export;
mod hostile;
mod http;
mod hygiene;
mod limits;
mod notice;
mod pull;
mod tls;
mod variant_cache;
mod webservers;

//! The HTTP layer, the node's top: [`server::serve`] answers requests from the active corte
//! (handlers in [`server`], the read-only history under `/historial/` in [`audit`]); the
//! connections, TLS, timeouts and the connection limit in [`listener`], with what each
//! connection is doing in [`activity`]; the per-IP token bucket in [`rate_limit`]; the
//! combined-format [`access_log`].
//!
//! Imports from every layer below it, most of all [`crate::node`].

pub mod access_log;
pub mod activity;
pub mod audit;
pub mod listener;
pub mod rate_limit;
pub mod server;

//! The difusor node: receives corte packages, verifies everything before publishing,
//! keeps every accepted corte, switches to a new one atomically and serves it.
//!
//! Principal types, in the order a package meets them:
//!
//! - [`NodeConfig`]: the TOML configuration (`docs/node.md`): the institute's public key,
//!   inbox, data directory, listen address, size [`prep_inbox::Limits`], `frame-ancestors`.
//! - [`Node`]: [`Node::poll_inbox`] takes complete packages from the inbox (the protocol is
//!   in [`node`]), checks each with [`verify_package`] — the listing and limits here, then
//!   [`prep_package::check_package`] for signature, chain, expiry and files, then the pointer
//!   — and either stores it in the [`Store`] and activates it, or moves it to `rejected/`
//!   with its [`Refusal`]. [`Node::open`] recovers after a crash and verifies the active corte
//!   again before it is served.
//! - [`Store`]: content-addressed objects (each corte's new files in one [`pack`]), one
//!   [`CorteRecord`] per accepted corte, and the `active` file, the single switch point;
//!   every write is temporary file, fsync, rename.
//! - [`Corte`]: the active corte in memory; [`Node::current`] hands out an `Arc` so a request
//!   finishes on the corte it started on. A corte with many new bytes is served at once and
//!   its compressed variants made after, by the node's one background compressor thread
//!   (which drops a corte replaced meanwhile and goes on with the newer one).
//! - [`EventLog`] (`events.jsonl`), [`Metrics`] (`/metrics`), [`AccessLog`] (combined format).
//! - [`export`]: the web-root export for nginx or Apache: each activated corte as files
//!   under `<export_root>/cortes/<sequence>/`, `current` switched by rename.
//! - The institute's signed suspension notice ([`prep_inbox::Notice`]), delivered through the
//!   inbox: while in force the site is the notice page and `json/main.json` says `suspended`.
//! - [`serve`]: the HTTP server (handlers in [`server`]; connections, TLS, timeouts and the
//!   connection limit in [`listener`]; [`compress`] for the precompressed variants,
//!   [`rate_limit`] for the per-IP token bucket); [`run`] puts the inbox poller and the
//!   server together.
//! - The inbox protocol (file names, the bounded listing, the sender's side) is
//!   `prep-inbox`'s: a delta package (only the files the node lacks, marked
//!   [`prep_inbox::DELTA_MARKER`]) is filled by [`verify_package_with`] from the node's [`Store`];
//!   [`patched`]: a delta package may instead carry zstd patches against a corte the node
//!   holds (the manifest and the changed files), rebuilt before the same checks;
//!   [`hygiene`]: abandoned deliveries and old refused packages removed.
//! - [`pull`]: the pull channel, the node's side: [`Puller`] fetches each new corte from the
//!   institute's origin (only the files the store lacks, by SHA-256) into the inbox as a
//!   delta package; the origin's event stream wakes it within a second.
//! - [`history()`] and [`check_history`]: the stored history, read and verified offline;
//!   [`audit`]: every accepted corte served read-only under `/historial/<sequence>/`.
//!
//! Crates used: `prep-inbox` for the inbox protocol, `prep-package` for every check of a package, `http-body-util` for bodies,
//! `hyper`/`hyper-util` (on `tokio`) for HTTP/1.1 and HTTP/2 connections, `tokio-rustls`
//! (rustls with `ring`) for TLS, `flate2` and `brotli` for precompression with `rayon` to
//! do it in parallel, `ureq` for the pull channel's requests, `toml` for the configuration, `serde_json` for records and events,
//! `bytes` to share file bytes between the corte and responses without copies, `log` for its
//! warnings and notes (target `prep_node`; the binary chooses the logger).

pub mod access_log;
pub mod activity;
pub mod audit;
mod bounded;
pub mod compress;
mod compressor;
pub mod config;
pub mod corte;
pub mod events;
pub mod export;
pub mod history;
pub mod hygiene;
pub mod listener;
pub mod metrics;
pub mod node;
mod node_notice;
mod node_trust;
pub mod pack;
pub mod package_dir;
pub mod patched;
pub mod pull;
pub mod rate_limit;
mod refusal;
pub mod server;
pub mod store;
pub mod trust;

pub use access_log::AccessLog;
pub use config::{NodeConfig, ServerConfig};
pub use corte::{Corte, ServedFile};
pub use events::EventLog;
pub use history::{CheckReport, History, HistoryEntry, check_history, check_history_with, history};
pub use metrics::Metrics;
pub use node::{Node, Outcome};
pub use package_dir::{Held, Refusal, VerifiedPackage, verify_package, verify_package_with};
pub use pull::{PullConfig, Pulled, Puller};
pub use server::serve;
pub use store::{CorteRecord, Store};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Runs the node until SIGINT or SIGTERM: opens it (recovering and verifying the active
/// corte), binds the listen address and calls `on_listening` with the bound address, polls
/// the inbox on a thread of its own, and serves.
pub fn run(
    config: NodeConfig,
    resync: bool,
    on_listening: impl FnOnce(SocketAddr, Option<u64>),
) -> anyhow::Result<()> {
    let listen = config.listen;
    let node = Arc::new(Node::open(config, resync)?);
    let listener = std::net::TcpListener::bind(listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    on_listening(listener.local_addr()?, node.current().map(|c| c.sequence));
    let receiver = Arc::clone(&node);
    std::thread::Builder::new()
        .name("inbox".into())
        .spawn(move || receive(&receiver))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(serve(Arc::clone(&node), listener, shutdown_signal()));
    node.stopped();
    served
}

/// The receiving loop, on a thread of its own: pulls from the origin when `[pull]` is
/// configured (every `interval_ms`, or at once when its event stream announces a corte), and
/// polls the inbox every `poll_interval_ms`. One thread does both, so packages are checked
/// and activated one at a time.
fn receive(node: &Node) {
    let interval = Duration::from_millis(node.config().poll_interval_ms);
    let (wake, woken) = std::sync::mpsc::channel::<u64>();
    let puller = node.config().pull.clone().and_then(|config| {
        if config.events {
            let (listen_config, wake) = (config.clone(), wake.clone());
            let spawned = std::thread::Builder::new()
                .name("pull-events".into())
                .spawn(move || pull::Puller::listen(&listen_config, &wake));
            if let Err(e) = spawned {
                log::warn!("cannot listen to the origin's events: {e}");
            }
        }
        match pull::Puller::new(config.clone()) {
            Ok(p) => Some((p, Duration::from_millis(config.interval_ms))),
            Err(e) => {
                log::warn!("cannot start pulling: {e:#}");
                None
            }
        }
    });
    // This end of the channel stays open for as long as the loop runs: were every sender
    // gone (no `[pull]`, or its listener thread ended), `recv_timeout` would return at once
    // and the loop would spin instead of waiting `poll_interval_ms`.
    let _keep_open = wake;
    let mut last_pull: Option<std::time::Instant> = None;
    let mut announced = false;
    // A fault that persists (a full disk, an origin down) is reported once, not every poll.
    let mut last_error = None;
    let mut tidied: Option<std::time::Instant> = None;
    loop {
        if tidied.is_none_or(|t| t.elapsed() >= hygiene::TIDY_INTERVAL) {
            tidied = Some(std::time::Instant::now());
            if let Err(e) = hygiene::tidy(node, std::time::SystemTime::now()) {
                log::warn!("tidying the inbox: {e:#}");
            }
        }
        let mut result = Ok(());
        if let Some((puller, every)) = &puller
            && (announced || last_pull.is_none_or(|t| t.elapsed() >= *every))
        {
            last_pull = Some(std::time::Instant::now());
            result = puller.pull(node).map(|_| ());
        }
        let result = result.and(node.poll_inbox().map(|_| ()));
        node.metrics().inbox_polled();
        match result {
            Ok(()) => last_error = None,
            Err(e) => {
                let reason = format!("{e:#}");
                if last_error.as_ref() != Some(&reason) {
                    log::warn!("{reason}");
                    node.events().record(prep_inbox::events::NodeEvent::Error {
                        reason: reason.clone(),
                    });
                    last_error = Some(reason);
                }
            }
        }
        announced = match woken.recv_timeout(interval) {
            Ok(sequence) => node.last_accepted().is_none_or(|last| sequence > last),
            Err(_) => false,
        };
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
            return;
        }
    }
    let _ = ctrl_c.await;
}

//! The node put together: [`run`] opens the [`Node`], starts the receiving loop and serves
//! until [`shutdown_signal`].

use crate::config::NodeConfig;
use crate::http::server::serve;
use crate::node::{Node, receive::receive};
use std::net::SocketAddr;
use std::sync::Arc;

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

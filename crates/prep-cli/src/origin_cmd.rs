//! `prep origin`: serve an election directory's cortes to pull nodes.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `prep origin`.
#[derive(clap::Args)]
#[command(after_help = "\
Paths served (docs/node.md, Pull channel): latest.json, cortes/<N>/manifest.json,
cortes/<N>/manifest.json.minisig, cortes/<N>/json/main.json, objects/<sha256>, and events
(server-sent events: `event: corte`, `data: {\"sequence\": N}` as soon as DIR/origin switches).
Put TLS in front (a reverse proxy) when nodes pull over the internet; nodes verify every
signature and hash themselves.")]
pub struct OriginArgs {
    /// The election directory (made by `prep init`; `prep publish` writes its cortes).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Address to listen on (port 0 picks a free one; the first line printed names it).
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// How often DIR/origin is looked at for a new corte, in milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    poll_ms: u64,
}

/// Runs `prep origin` until SIGINT or SIGTERM.
pub fn run(args: OriginArgs) -> anyhow::Result<ExitCode> {
    let origin = Arc::new(prep_origin::Origin::open(&args.dir)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?;
        let mut out = crate::output::stdout();
        writeln!(out, "listening on {}", listener.local_addr()?)?;
        match origin.latest() {
            Some(s) => writeln!(out, "serving cortes up to {s}")?,
            None => writeln!(out, "no corte published yet")?,
        }
        out.flush()?;
        drop(out);
        prep_origin::serve(
            origin,
            listener,
            Duration::from_millis(args.poll_ms),
            prep_node::shutdown_signal(),
        )
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}

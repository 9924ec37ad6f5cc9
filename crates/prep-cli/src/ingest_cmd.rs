//! `prep ingest`: the HTTP API the capture centres (CATD) and the PREP Casilla app submit
//! actas to (`serve`), and their bearer tokens (`token`).

use anyhow::{Context, bail};
use prep_ingest::{AppState, Limits, Role, TokenKind, Tokens};
use prep_store::Store;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `prep ingest`.
#[derive(clap::Args)]
pub struct IngestArgs {
    #[command(subcommand)]
    command: IngestCommand,
}

#[derive(clap::Subcommand)]
enum IngestCommand {
    /// Serve the ingest API on the acta store until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Issue (or rotate) a capture centre's bearer token; prints it once.
    Token(TokenArgs),
}

/// Arguments of `prep ingest serve`.
#[derive(clap::Args)]
#[command(long_about = "\
Serve the ingest HTTP API (docs/ingest-api.md; its OpenAPI document at GET /openapi.json) on
the acta store. Every submission is answered once its event is on disk. The first line printed
is `listening on http://ADDRESS` (with --listen 127.0.0.1:0 the system picks the port).
SIGTERM or Ctrl-C stops accepting requests and finishes those in flight.")]
pub struct ServeArgs {
    /// The acta store (an SQLite file made by `prep init`).
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The tokens file (`prep ingest token` writes it).
    #[arg(long, value_name = "FILE")]
    tokens: PathBuf,
    /// The address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Largest CSV body of a bulk load, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    bulk_limit_mib: usize,
    /// Do not log each request (method, path, status, milliseconds) on standard error.
    #[arg(long)]
    quiet: bool,
}

/// Arguments of `prep ingest token`.
#[derive(clap::Args)]
#[command(long_about = "\
Issue a random bearer token for a capture centre, store its SHA-256 in the tokens file (the
token itself is never stored) and print the token once on standard output. A running server
reads the tokens file when it starts: restart it to take a new token into account.")]
pub struct TokenArgs {
    /// The tokens file (created if missing).
    #[arg(long, value_name = "FILE")]
    tokens: PathBuf,
    /// The capture centre's id (letters, digits, '.', '_', '-'); its events are recorded
    /// with origin `catd:ID` or `prep-casilla:ID`.
    #[arg(long, value_name = "ID")]
    centre: String,
    /// What the token may do: `catd` submits and loads CSV files; `casilla` (the PREP
    /// Casilla app) only submits.
    #[arg(long, value_enum, default_value_t = Kind::Catd)]
    kind: Kind,
    /// Whose actas the token may verify or correct: `capture`, only those its centre
    /// captured; `supervisor`, any centre's.
    #[arg(long, value_enum, default_value_t = RoleArg::Capture)]
    role: RoleArg,
    /// Replace the centre's existing token (the old one stops working).
    #[arg(long)]
    rotate: bool,
}

/// The `--kind` values.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Kind {
    Catd,
    Casilla,
}

/// The `--role` values.
#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Capture,
    Supervisor,
}

/// Runs `prep ingest`.
pub fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IngestCommand::Serve(a) => serve(a),
        IngestCommand::Token(a) => token(a),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if !args.store.is_file() {
        bail!(
            "no acta store at {}: create one with `prep init`, or give --store the store.sqlite of an election directory",
            args.store.display()
        );
    }
    let tokens = Tokens::load(&args.tokens, false)?;
    if tokens.centres.is_empty() {
        bail!(
            "{} lists no capture centre: issue a token with `prep ingest token --tokens {} --centre ID`",
            args.tokens.display(),
            args.tokens.display()
        );
    }
    let store = Store::open(&args.store)
        .with_context(|| format!("cannot open the acta store {}", args.store.display()))?;
    if store.elections()?.is_empty() {
        eprintln!(
            "prep ingest: warning: {} defines no election yet; every submission will be refused",
            args.store.display()
        );
    }
    let mut state =
        AppState::new(Arc::new(store), tokens).context("cannot start the writer thread")?;
    state.limits = Limits {
        bulk_bytes: args.bulk_limit_mib.saturating_mul(1 << 20),
        access_log: !args.quiet,
        ..Limits::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let mut out = crate::output::stdout();
        writeln!(out, "listening on http://{addr}")?;
        out.flush()?;
        drop(out);
        eprintln!(
            "prep ingest: serving {} for {} centre(s); SIGTERM or Ctrl-C stops",
            args.store.display(),
            state.tokens.centres.len()
        );
        prep_ingest::serve(listener, state, prep_ingest::shutdown_signal())
            .await
            .context("the server failed")?;
        eprintln!("prep ingest: stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn token(args: TokenArgs) -> anyhow::Result<ExitCode> {
    let mut tokens = Tokens::load(&args.tokens, true)?;
    let kind = match args.kind {
        Kind::Catd => TokenKind::Catd,
        Kind::Casilla => TokenKind::Casilla,
    };
    let role = match args.role {
        RoleArg::Capture => Role::Capture,
        RoleArg::Supervisor => Role::Supervisor,
    };
    let token = tokens.issue_as(&args.centre, kind, role, args.rotate)?;
    tokens.save(&args.tokens)?;
    outln!("{token}");
    eprintln!(
        "prep ingest: {} token{} for centre '{}' issued; only its SHA-256 is kept in {}. It is shown this once: give it to the centre now{}.",
        match kind {
            TokenKind::Catd => "capture centre (CATD)",
            TokenKind::Casilla => "PREP Casilla",
        },
        match role {
            Role::Capture => "",
            Role::Supervisor =>
                " with the supervisor role (it may verify and correct any centre's actas)",
        },
        args.centre,
        args.tokens.display(),
        if args.rotate {
            " (the previous token no longer works once the server restarts)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

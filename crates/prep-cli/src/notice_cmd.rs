//! `prep notice`: the institute signs a suspension notice for the difusor nodes.

use anyhow::Context;
use prep_inbox::Notice;
use prep_inbox::notice::{NOTICE_FORMAT, write_notice};
use prep_package::SigningKey;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `prep notice`.
#[derive(clap::Args)]
#[command(after_help = "\
Writes DIR/notice.json and DIR/notice.json.minisig (trusted comment `prep notice sequence:N`).
Deliver DIR into each node's inbox like a package (copy to INBOX/.tmp-<name>/, write the empty
marker .prep-complete last, rename to INBOX/<name>/). While the notice is in force every page of
the node is the notice page and json/main.json says \"suspended\": true; the next corte the node
activates lifts it. N must be greater than every notice sent before (the node refuses replays).
Example:
  prep notice --key prep.key --sequence 1 --institute \"Instituto Electoral del Estado de Puebla\" \\
    --message \"Por causas de fuerza mayor se suspende la publicación.\" --out aviso-1")]
pub struct NoticeArgs {
    /// The institute's secret key (`prep.key`); its password comes from --password-file or
    /// PREP_KEY_PASSWORD.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// A file whose first line is the secret key's password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// The notice's sequence: greater than every notice sent before.
    #[arg(long)]
    sequence: u64,
    /// The message shown (es-MX); paragraphs separated by a blank line (at most 8,000
    /// characters).
    #[arg(long, value_name = "TEXT")]
    message: String,
    /// The page's heading.
    #[arg(long, default_value = "Suspensión temporal del PREP")]
    title: String,
    /// The institute's name as shown on the page.
    #[arg(long, default_value = "Instituto Electoral")]
    institute: String,
    /// The election process id (the `process` of the cortes it suspends): a node serving
    /// another process's cortes refuses the notice.
    #[arg(long, value_name = "ID")]
    process: String,
    /// The newest corte published when the notice is issued: a node serving a newer corte
    /// refuses it.
    #[arg(long, value_name = "N")]
    corte_sequence: u64,
    /// Hours the notice stays valid from its issue (at most 168).
    #[arg(long, default_value_t = 24)]
    expires_hours: u32,
    /// When it is issued, RFC 3339 (default: now, in UTC).
    #[arg(long, value_name = "TIME")]
    issued: Option<String>,
    /// The notice directory to write (must not exist).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Runs `prep notice`.
pub fn run(args: NoticeArgs) -> anyhow::Result<ExitCode> {
    let issued = match args.issued {
        Some(t) => {
            prep_package::rfc3339_seconds(&t).with_context(|| {
                format!("--issued {t:?} is not an RFC 3339 time (2024-06-02T23:00:00-06:00)")
            })?;
            t
        }
        None => prep_inbox::now_rfc3339(),
    };
    let password = prep_publish::key_password(args.password_file.as_deref())?;
    let key_text = std::fs::read_to_string(&args.key)
        .with_context(|| format!("cannot read the secret key {}", args.key.display()))?;
    let key = SigningKey::from_secret_key_file(&key_text, password.as_deref())
        .with_context(|| format!("cannot open the secret key {}", args.key.display()))?;
    let issued_at = prep_package::rfc3339_seconds(&issued).unwrap_or_default();
    let notice = Notice {
        format: NOTICE_FORMAT.to_owned(),
        institute: args.institute,
        process: args.process,
        corte_sequence: args.corte_sequence,
        sequence: args.sequence,
        expires: prep_package::rfc3339_utc(issued_at + i64::from(args.expires_hours) * 3600),
        issued,
        title: args.title,
        message: args.message.replace("\r\n", "\n"),
    };
    write_notice(&key, &notice, &args.out)?;
    outln!(
        "notice {} written to {}: deliver it into each node's inbox",
        notice.sequence,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

//! `prep keys generate`: the institute's signing key pair.

use anyhow::{Context, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `prep keys`.
#[derive(clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(clap::Subcommand)]
enum KeysCommand {
    /// Generate a minisign key pair: `prep.pub` (publish it; difusores and citizens verify
    /// with it) and `prep.key` (keep it secret; encrypted with a password unless --unencrypted).
    Generate(GenerateArgs),
}

#[derive(clap::Args)]
#[command(after_help = "\
The password is read from --password-file, else from the PREP_KEY_PASSWORD environment
variable; it is never printed. Existing key files are never overwritten.
Verify a signed manifest with the stock tool: minisign -Vm manifest.json -p prep.pub")]
struct GenerateArgs {
    /// Directory to write `prep.pub` and `prep.key` into (created when missing).
    #[arg(long, default_value = "keys")]
    out: PathBuf,
    /// A file whose first line is the password that encrypts the secret key.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Write the secret key unencrypted (only for drills on one machine).
    #[arg(long)]
    unencrypted: bool,
}

/// Runs `prep keys`.
pub fn run(args: KeysArgs) -> anyhow::Result<ExitCode> {
    let KeysCommand::Generate(g) = args.command;
    let password = prep_publish::key_password(g.password_file.as_deref())?;
    if password.is_none() && !g.unencrypted {
        bail!(
            "no password for the secret key: give --password-file FILE or set PREP_KEY_PASSWORD \
             (or --unencrypted for a drill)"
        );
    }
    let (pk, sk) = prep_package::generate_keys(password.as_deref())?;
    std::fs::create_dir_all(&g.out)
        .with_context(|| format!("cannot create {}", g.out.display()))?;
    let (pk_path, sk_path) = (g.out.join("prep.pub"), g.out.join("prep.key"));
    write_new(&sk_path, sk.as_bytes(), 0o600)?;
    write_new(&pk_path, pk.as_bytes(), 0o644)?;
    let key = prep_package::VerifyingKey::from_text(&pk)?;
    println!("public key:  {} ({})", pk_path.display(), key.to_base64());
    println!(
        "secret key:  {} ({})",
        sk_path.display(),
        if g.unencrypted {
            "UNENCRYPTED"
        } else {
            "encrypted"
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Creates a file that must not exist yet, with the given permissions.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("cannot create {} (it is never overwritten)", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

//! `prep keys generate`: the institute's signing key pair; `prep keys delegate`: the root
//! key's signed list of which online keys sign which cortes (key rotation).

use anyhow::{Context, bail};
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
    /// Sign a key delegation with the offline root key: which online keys may sign which
    /// corte sequences. Deliver the directory into each node's inbox like a package; a node
    /// that pins the root key uses it from the next corte on.
    Delegate(DelegateArgs),
}

#[derive(clap::Args)]
#[command(after_help = "\
Each --key is PUBLIC_KEY_FILE:FROM-UNTIL (UNTIL empty for the current key), e.g. to retire a
leaked key after corte 40 and sign from corte 41 with a new one:
  prep keys delegate --root-key root/prep.key --institute IEEPUE --version 2 \\
    --key keys/prep.pub:1-40 --key keys-2/prep.pub:41- --out keys-v2
The version must grow with every delegation (a node refuses an older one). Writes
DIR/keys.json and DIR/keys.json.minisig (trusted comment `prep keys version:V institute:ID`).")]
struct DelegateArgs {
    /// The root secret key (kept off the publishing machine); its password comes from
    /// --password-file or PREP_KEY_PASSWORD.
    #[arg(long, value_name = "FILE")]
    root_key: PathBuf,
    /// A file whose first line is the root key's password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// The institute's id, as in its manifests.
    #[arg(long)]
    institute: String,
    /// The delegation's version: greater than every one delivered before.
    #[arg(long)]
    version: u64,
    /// An online key and the sequences it may sign: `FILE:FROM-UNTIL` (`UNTIL` empty: open).
    #[arg(long = "key", value_name = "FILE:FROM-UNTIL", required = true)]
    keys: Vec<String>,
    /// The directory to write (must not exist).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
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
    let g = match args.command {
        KeysCommand::Generate(g) => g,
        KeysCommand::Delegate(d) => return delegate(d),
    };
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
    outln!("public key:  {} ({})", pk_path.display(), key.to_base64());
    outln!(
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

/// `FILE:FROM-UNTIL` as a delegated key.
fn parse_delegated(spec: &str) -> anyhow::Result<prep_package::DelegatedKey> {
    let usage = || format!("--key {spec:?} is not FILE:FROM-UNTIL (e.g. keys/prep.pub:41-)");
    let (file, range) = spec.rsplit_once(':').with_context(usage)?;
    let (from, until) = range.split_once('-').with_context(usage)?;
    let from: u64 = from.parse().ok().with_context(usage)?;
    let until: Option<u64> = match until {
        "" => None,
        u => Some(u.parse().ok().with_context(usage)?),
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read the key {file}"))?;
    let key = prep_package::VerifyingKey::from_text(&text).with_context(|| file.to_owned())?;
    Ok(prep_package::DelegatedKey {
        key: key.to_base64(),
        from_sequence: from,
        until_sequence: until,
    })
}

/// Runs `prep keys delegate`.
fn delegate(args: DelegateArgs) -> anyhow::Result<ExitCode> {
    if std::fs::symlink_metadata(&args.out).is_ok() {
        bail!(
            "{} already exists; a delegation is never written over another",
            args.out.display()
        );
    }
    let keys = args
        .keys
        .iter()
        .map(|k| parse_delegated(k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let password = prep_publish::key_password(args.password_file.as_deref())?;
    let text = std::fs::read_to_string(&args.root_key)
        .with_context(|| format!("cannot read the root key {}", args.root_key.display()))?;
    let root = prep_package::SigningKey::from_secret_key_file(&text, password.as_deref())
        .with_context(|| format!("cannot open the root key {}", args.root_key.display()))?;
    let delegation = prep_package::Delegation {
        format: prep_package::delegation::DELEGATION_FORMAT.into(),
        institute: args.institute,
        version: args.version,
        keys,
    };
    let (bytes, minisig) = prep_package::sign_delegation(&root, &delegation)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    write_new(&args.out.join(prep_package::DELEGATION_PATH), &bytes, 0o644)?;
    write_new(
        &args.out.join(prep_package::DELEGATION_SIGNATURE_PATH),
        minisig.as_bytes(),
        0o644,
    )?;
    outln!(
        "keys version {} ({} keys) signed by the root key {}; written to {}: deliver it into each node's inbox",
        delegation.version,
        delegation.keys.len(),
        root.verifying_key().to_base64(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Creates a file that must not exist yet, with the given permissions, durably
/// ([`prep_fs::write_durably_with`]: it appears whole or not at all).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    prep_fs::write_durably_with(
        path,
        bytes,
        prep_fs::WriteOptions::new().mode(mode).create_new(true),
    )
    .with_context(|| format!("cannot create {} (it is never overwritten)", path.display()))
}

//! `prep corte`: build and sign a corte package, from an election directory's store
//! (`--dir`) or from a published database (`--from-database`).

use anyhow::{Context, bail};
use prep_corte::{CorteInfo, ElectionInput, MANIFEST_PATH, PackageFile};
use prep_count::{CorteStage, Rules};
use prep_csv::Database;
use prep_package::{Manifest, SigningKey, rfc3339_seconds, rfc3339_utc, sign_manifest};
use prep_publish::{ElectionDir, Publisher};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `prep corte`.
#[derive(clap::Args)]
#[command(after_help = "\
With --dir, the corte is cut from the directory's store (one consistent snapshot of every
election), numbered after the last one under DIR/cortes/, chained to it, signed with the key
prep.toml names, written to DIR/cortes/<sequence>/ and DIR/origin switched to it.
With --from-database, the package is built from a published database and written to --out.
Either way the package is written to a temporary directory and renamed into place, so a
crash never leaves half a package. Check it with `prep verify PACKAGE --key prep.pub` or with
`minisign -Vm PACKAGE/manifest.json -p prep.pub`.")]
pub struct CorteArgs {
    /// An election directory (made by `prep init`): cut the corte from its store.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["from_database", "out", "key"])]
    dir: Option<PathBuf>,
    /// The corte time, RFC 3339. With --dir the default is now; with --from-database it is
    /// the database's corte line (give --at to package the same database again as a later
    /// corte: corte times must move forward).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// A published database: the corte's actas are its rows (a replay at its final state).
    #[arg(long, value_name = "FILE", required_unless_present = "dir")]
    from_database: Option<PathBuf>,
    /// Its candidacy file, for votes per candidacy and for the zipped database.
    #[arg(long, value_name = "FILE")]
    candidaturas: Option<PathBuf>,
    /// Election id used in paths (default: from the file name, `PUE_GUB_2024.csv` → `gub`).
    #[arg(long)]
    election: Option<String>,
    /// The secret key (`prep.key`); its password comes from --password-file or PREP_KEY_PASSWORD.
    #[arg(long, value_name = "FILE", required_unless_present = "dir")]
    key: Option<PathBuf>,
    /// A file whose first line is the secret key's password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Directory to write the package to (must not exist).
    #[arg(long, value_name = "DIR", required_unless_present = "dir")]
    out: Option<PathBuf>,
    /// Institute id written in the manifest.
    #[arg(long, default_value = "INSTITUTO")]
    institute: String,
    /// Election process id written in the manifest.
    #[arg(long, default_value = "PROCESO")]
    process: String,
    /// The corte's sequence number.
    #[arg(long, default_value_t = 1)]
    sequence: u64,
    /// The previous corte's package directory (chain and sequence are checked against it).
    #[arg(long, value_name = "DIR")]
    previous: Option<PathBuf>,
    /// This is the last corte (participation then counts casillas especiales).
    #[arg(long = "final")]
    is_final: bool,
    /// Hours after which receivers must not newly publish this package.
    #[arg(long, default_value_t = 24)]
    expires_hours: u32,
}

/// Cuts a corte from an election directory's store.
fn run_dir(dir: &Path, at: Option<&str>, is_final: bool) -> anyhow::Result<ExitCode> {
    let dir = ElectionDir::open(dir)?;
    let at = match at {
        Some(t) => prep_publish::parse_rfc3339(t).map_err(|e| anyhow::anyhow!("--at: {e}"))?,
        None => now_after_last_corte(&dir)?,
    };
    let store = dir.open_store()?;
    let key = dir.signing_key()?;
    let mut publisher = Publisher::open(dir, key)?;
    let report = publisher.cut(&store, at, is_final)?;
    outln!("{report}");
    outln!("written to {}", report.path.display());
    Ok(ExitCode::SUCCESS)
}

/// Now, to the second; when the last corte was cut this very second (corte times are whole
/// seconds and must move forward), the next second, after waiting for it.
fn now_after_last_corte(dir: &ElectionDir) -> anyhow::Result<jiff::Timestamp> {
    let now = jiff::Timestamp::now();
    let Some(last) =
        prep_publish::last_corte(dir)?.and_then(|l| rfc3339_seconds(&l.manifest.corte))
    else {
        return Ok(now);
    };
    let wait = last.saturating_add(1).saturating_sub(now.as_second());
    if (1..=2).contains(&wait) {
        let until = jiff::Timestamp::from_second(last + 1)?;
        let left = until.duration_since(now).unsigned_abs();
        std::thread::sleep(left);
        return Ok(until);
    }
    Ok(now)
}

/// Runs `prep corte`.
pub fn run(args: CorteArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.dir {
        return run_dir(dir, args.at.as_deref(), args.is_final);
    }
    let (Some(from_database), Some(key_path), Some(out)) =
        (&args.from_database, &args.key, &args.out)
    else {
        bail!("give --dir DIR, or --from-database FILE --key FILE --out DIR");
    };
    if out.exists() {
        bail!(
            "{} already exists; a package is never written over another",
            out.display()
        );
    }
    let inputs = read_inputs(&args, key_path, from_database)?;
    let source = Source::of(&args, from_database, &inputs.db)?;
    let zip = zipped_database(&args, &inputs, &source)?;

    let rules = Rules::anexo13();
    let input = ElectionInput {
        id: &source.election,
        title: inputs
            .db
            .preamble
            .title
            .as_deref()
            .unwrap_or(&source.election),
        database: &inputs.db,
        candidacies: inputs.candidacies.as_ref(),
        rules: &rules,
        stage: if args.is_final {
            CorteStage::Final
        } else {
            CorteStage::Preliminary
        },
        database_path: Some(&zip.path),
    };
    let data = prep_corte::build_data(&[input]);
    let previous = previous_hash(&args, &source.corte_rfc3339)?;
    let info = corte_info(&args, source.corte, source.corte_rfc3339, previous);
    let package = prep_corte::assemble(data, vec![zip], &info);
    package
        .manifest
        .validate()
        .context("the package breaks a rule of the package format, so it is not signed")?;
    let signature = sign_manifest(&inputs.key, &package.manifest)?;
    prep_publish::write_package(out, &package, &signature, args.previous.as_deref())?;
    outln!(
        "corte {} (sequence {}): {} files, {} bytes, signed; written to {}",
        info.corte,
        info.sequence,
        package.files.len(),
        package.manifest.total_size(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What `--from-database` reads: the signing key, the database, its candidacy file.
struct Inputs {
    key: SigningKey,
    db_bytes: Vec<u8>,
    db: Database,
    cand_bytes: Option<Vec<u8>>,
    candidacies: Option<prep_model::CandidacyMap>,
}

/// Reads the key (with its password), the database and the candidacy file, naming the file
/// that cannot be read.
fn read_inputs(args: &CorteArgs, key_path: &Path, from_database: &Path) -> anyhow::Result<Inputs> {
    let password = prep_publish::key_password(args.password_file.as_deref())?;
    let key_text = std::fs::read_to_string(key_path)
        .with_context(|| format!("cannot read {}", key_path.display()))?;
    let key = SigningKey::from_secret_key_file(&key_text, password.as_deref())?;
    let db_bytes = std::fs::read(from_database)
        .with_context(|| format!("cannot read {}", from_database.display()))?;
    let db =
        Database::from_bytes(&db_bytes).with_context(|| format!("{}", from_database.display()))?;
    let (cand_bytes, candidacies) = match &args.candidaturas {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            let map = prep_csv::read_candidaturas(&bytes[..])
                .with_context(|| format!("{}", p.display()))?;
            (Some(bytes), Some(map))
        }
        None => (None, None),
    };
    Ok(Inputs {
        key,
        db_bytes,
        db,
        cand_bytes,
        candidacies,
    })
}

/// The names and times a database gives its corte.
struct Source {
    /// The database's file name (`PUE_GUB_2024.csv`).
    stem: String,
    /// The file name's first part (`PUE`), which names the zip.
    prefix: String,
    /// The election id used in paths.
    election: String,
    /// The database's own corte line.
    printed: String,
    /// The corte line of the package (`--at`'s, or the database's).
    corte: String,
    /// The same time, RFC 3339.
    corte_rfc3339: String,
}

impl Source {
    /// The election id (`--election`, or the file name's middle part, `PUE_GUB_2024.csv` →
    /// `gub`) and the corte time (`--at`, or the database's corte line).
    fn of(args: &CorteArgs, from_database: &Path, db: &Database) -> anyhow::Result<Source> {
        let stem = file_name(from_database);
        let parts: Vec<&str> = stem.trim_end_matches(".csv").split('_').collect();
        let election = args.election.clone().unwrap_or_else(|| {
            parts
                .get(1..parts.len().saturating_sub(1))
                .map(|p| p.join("_").to_lowercase())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "eleccion".into())
        });
        let printed = db
            .preamble
            .corte
            .clone()
            .context("the database has no corte line (dd/mm/yyyy hh:mm (UTC-6))")?;
        let (corte, corte_rfc3339) = match args.at.as_deref() {
            None => {
                let rfc3339 = prep_corte::corte_rfc3339(&printed)
                    .with_context(|| format!("cannot read the corte time {printed:?}"))?;
                (printed.clone(), rfc3339)
            }
            Some(at) => corte_at(at)?,
        };
        let prefix = parts.first().copied().unwrap_or("PREP").to_owned();
        Ok(Source {
            stem,
            prefix,
            election,
            printed,
            corte,
            corte_rfc3339,
        })
    }
}

/// The zipped database (`datos/<name>.zip`): the database, its candidacy file, and the LEEME.
fn zipped_database(
    args: &CorteArgs,
    inputs: &Inputs,
    source: &Source,
) -> anyhow::Result<PackageFile> {
    let zip_name = prep_corte::database_zip_name(&source.printed, &source.prefix)
        .unwrap_or_else(|| "PREP.zip".into());
    let mut entries: Vec<(&str, &[u8])> = vec![(&source.stem, &inputs.db_bytes)];
    let cand_name = args.candidaturas.as_deref().map(file_name);
    if let (Some(name), Some(bytes)) = (&cand_name, &inputs.cand_bytes) {
        entries.push((name, bytes));
    }
    let utc_offset = source
        .printed
        .rsplit_once('(')
        .map_or("UTC-6", |(_, zone)| zone.trim_end_matches(')'));
    let leeme = prep_csv::leeme(
        &prep_csv::LeemeInfo {
            process: &args.process,
            election: inputs
                .db
                .preamble
                .title
                .as_deref()
                .unwrap_or(&source.election),
            database_file: &source.stem,
            candidacy_file: cand_name.as_deref(),
            utc_offset,
        },
        &inputs.db.header,
    )?;
    entries.push(("LEEME.txt", leeme.as_bytes()));
    Ok(PackageFile {
        path: format!("datos/{zip_name}"),
        bytes: prep_corte::zip(&entries)?,
    })
}

/// The hash of `--previous`'s manifest, once the new corte is checked to follow it.
fn previous_hash(args: &CorteArgs, corte_rfc3339: &str) -> anyhow::Result<Option<String>> {
    let Some(dir) = &args.previous else {
        return Ok(None);
    };
    let bytes = std::fs::read(dir.join(MANIFEST_PATH))
        .with_context(|| format!("cannot read {}/{MANIFEST_PATH}", dir.display()))?;
    let m = Manifest::from_bytes(&bytes)?;
    if m.sequence >= args.sequence {
        bail!(
            "--sequence {} is not greater than the previous corte's {}",
            args.sequence,
            m.sequence
        );
    }
    let hash = m.hash();
    prep_publish::follows(&m, &hash, args.sequence, corte_rfc3339)?;
    Ok(Some(hash))
}

/// The manifest's facts: created now, expiring `--expires-hours` after the later of now and
/// the corte time.
fn corte_info(
    args: &CorteArgs,
    corte: String,
    corte_rfc3339: String,
    previous: Option<String>,
) -> CorteInfo {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let created = rfc3339_utc(now);
    let expires = rfc3339_utc(
        now.max(rfc3339_seconds(&corte_rfc3339).unwrap_or(now))
            + i64::from(args.expires_hours) * 3600,
    );
    CorteInfo {
        institute: args.institute.clone(),
        process: args.process.clone(),
        sequence: args.sequence,
        corte,
        corte_rfc3339,
        created,
        expires,
        is_final: args.is_final,
        previous,
        databases: Default::default(),
        difusores: None,
    }
}

/// The corte line and RFC 3339 time of `--at` (`2024-06-03T20:30:00-06:00`), in its offset.
fn corte_at(at: &str) -> anyhow::Result<(String, String)> {
    let t = prep_publish::parse_rfc3339(at).map_err(|e| anyhow::anyhow!("--at: {e}"))?;
    let offset = at.get(19..).filter(|o| o.len() == 6).unwrap_or("+00:00");
    let tz = prep_publish::TimeZone::parse(offset)
        .map_err(|e| anyhow::anyhow!("--at {at}: the offset {e}"))?;
    Ok((tz.corte_line(t), tz.rfc3339(t)))
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

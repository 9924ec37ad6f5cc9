//! `prep corte`: build and sign a corte package.

use anyhow::{Context, bail};
use prep_corte::{CorteInfo, ElectionInput, MANIFEST_PATH, POINTER_PATH, PackageFile};
use prep_count::{CorteStage, Rules};
use prep_csv::Database;
use prep_package::{Manifest, SigningKey, rfc3339_seconds, rfc3339_utc, sign_manifest};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `prep corte`.
#[derive(clap::Args)]
#[command(after_help = "\
The package is written to a temporary directory beside --out and renamed into place, so a
crash never leaves half a package. Check it with `prep verify OUT --key prep.pub` or with
`minisign -Vm OUT/manifest.json -p prep.pub`.")]
pub struct CorteArgs {
    /// A published database: the corte's actas are its rows (a replay at its final state).
    #[arg(long, value_name = "FILE")]
    from_database: PathBuf,
    /// Its candidacy file, for votes per candidacy and for the zipped database.
    #[arg(long, value_name = "FILE")]
    candidaturas: Option<PathBuf>,
    /// Election id used in paths (default: from the file name, `PUE_GUB_2024.csv` → `gub`).
    #[arg(long)]
    election: Option<String>,
    /// The secret key (`prep.key`); its password comes from --password-file or PREP_KEY_PASSWORD.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// A file whose first line is the secret key's password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Directory to write the package to (must not exist).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
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

/// Runs `prep corte`.
pub fn run(args: CorteArgs) -> anyhow::Result<ExitCode> {
    if args.out.exists() {
        bail!(
            "{} already exists; a package is never written over another",
            args.out.display()
        );
    }
    let password = crate::keys_cmd::password(args.password_file.as_deref())?;
    let key_text = std::fs::read_to_string(&args.key)
        .with_context(|| format!("cannot read {}", args.key.display()))?;
    let key = SigningKey::from_secret_key_file(&key_text, password.as_deref())?;
    let db_bytes = std::fs::read(&args.from_database)
        .with_context(|| format!("cannot read {}", args.from_database.display()))?;
    let db = Database::from_bytes(&db_bytes)
        .with_context(|| format!("{}", args.from_database.display()))?;
    let (cand_bytes, candidacies) = match &args.candidaturas {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            let map = prep_csv::read_candidaturas(&bytes[..])
                .with_context(|| format!("{}", p.display()))?;
            (Some(bytes), Some(map))
        }
        None => (None, None),
    };
    let stem = file_name(&args.from_database);
    let parts: Vec<&str> = stem.trim_end_matches(".csv").split('_').collect();
    let election = args.election.clone().unwrap_or_else(|| {
        parts
            .get(1..parts.len().saturating_sub(1))
            .map(|p| p.join("_").to_lowercase())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "eleccion".into())
    });
    let corte = db
        .preamble
        .corte
        .clone()
        .context("the database has no corte line (dd/mm/yyyy hh:mm (UTC-6))")?;
    let corte_rfc3339 = prep_corte::corte_rfc3339(&corte)
        .with_context(|| format!("cannot read the corte time {corte:?}"))?;
    let zip_name = prep_corte::database_zip_name(&corte, parts.first().copied().unwrap_or("PREP"))
        .unwrap_or_else(|| "PREP.zip".into());
    let mut entries: Vec<(&str, &[u8])> = vec![(&stem, &db_bytes)];
    let cand_name = args.candidaturas.as_deref().map(file_name);
    if let (Some(name), Some(bytes)) = (&cand_name, &cand_bytes) {
        entries.push((name, bytes));
    }
    let utc_offset = corte
        .rsplit_once('(')
        .map_or("UTC-6", |(_, zone)| zone.trim_end_matches(')'));
    let leeme = prep_csv::leeme(
        &prep_csv::LeemeInfo {
            process: &args.process,
            election: db.preamble.title.as_deref().unwrap_or(&election),
            database_file: &stem,
            candidacy_file: cand_name.as_deref(),
            utc_offset,
        },
        &db.header,
    )?;
    entries.push(("LEEME.txt", leeme.as_bytes()));
    let zip_path = format!("datos/{zip_name}");
    let zip = PackageFile {
        path: zip_path.clone(),
        bytes: prep_corte::zip(&entries)?,
    };

    let rules = Rules::anexo13();
    let input = ElectionInput {
        id: &election,
        title: db.preamble.title.as_deref().unwrap_or(&election),
        database: &db,
        candidacies: candidacies.as_ref(),
        rules: &rules,
        stage: if args.is_final {
            CorteStage::Final
        } else {
            CorteStage::Preliminary
        },
        database_path: Some(&zip_path),
    };
    let data = prep_corte::build_data(&[input]);
    let previous = match &args.previous {
        Some(dir) => {
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
            Some(m.hash())
        }
        None => None,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let created = rfc3339_utc(now);
    let expires = rfc3339_utc(
        now.max(rfc3339_seconds(&corte_rfc3339).unwrap_or(now))
            + i64::from(args.expires_hours) * 3600,
    );
    let info = CorteInfo {
        institute: args.institute.clone(),
        process: args.process.clone(),
        sequence: args.sequence,
        corte,
        corte_rfc3339,
        created,
        expires,
        is_final: args.is_final,
        previous,
    };
    let package = prep_corte::assemble(data, vec![zip], &info);
    let signature = sign_manifest(&key, &package.manifest)?;
    write_package(&args.out, &package, &signature)?;
    println!(
        "corte {} (sequence {}): {} files, {} bytes, signed; written to {}",
        info.corte,
        info.sequence,
        package.files.len(),
        package.manifest.total_size(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Writes every file into a temporary directory beside `out`, then renames it into place.
fn write_package(out: &Path, package: &prep_corte::Package, signature: &str) -> anyhow::Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = parent.join(format!(".{}.tmp-{}", file_name(out), std::process::id()));
    let write = |rel: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let path = tmp.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    };
    for f in &package.files {
        write(&f.path, &f.bytes)?;
    }
    write(MANIFEST_PATH, &package.manifest.to_bytes())?;
    write(&format!("{MANIFEST_PATH}.minisig"), signature.as_bytes())?;
    write(POINTER_PATH, &package.pointer.to_bytes())?;
    std::fs::rename(&tmp, out)
        .with_context(|| format!("cannot move the package into {}", out.display()))?;
    Ok(())
}

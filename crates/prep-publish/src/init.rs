//! `prep init`: a new election directory from published databases (or synthetic ones).
//!
//! Everything is made in a temporary directory beside the target and renamed into place at
//! the end, so a failed or interrupted init leaves nothing behind; an existing directory is
//! never touched.

use crate::clock::TimeZone;
use crate::config::{Config, ElectionConfig, Named, PackageConfig, RulesConfig, Schedule, Signing};
use crate::directory::{ElectionDir, FORMAT_FILE, STORE_FILE};
use crate::source::{ElectionFormat, catalogue, election_spec};
use anyhow::{Context, bail};
use prep_csv::Database;
use prep_synth::{ElectionId, Synth, SynthConfig};
use std::path::{Path, PathBuf};

/// One election's source files.
#[derive(Debug, Clone)]
pub struct ElectionSource {
    /// Election id (`gub`).
    pub id: String,
    /// Title; `None`: the database's title line.
    pub title: Option<String>,
    /// Prefix of database names (`PUE_GUB`).
    pub file_prefix: String,
    /// File name of the database (`PUE_GUB_2024.csv`).
    pub database_name: String,
    /// The database's bytes.
    pub database: Vec<u8>,
    /// File name of the candidacy file.
    pub candidaturas_name: String,
    /// The candidacy file's bytes.
    pub candidaturas: Vec<u8>,
}

impl ElectionSource {
    /// Reads a database and its candidacy file; id and prefix come from the database's
    /// name (`PUE_GUB_2024.csv` → `gub`, `PUE_GUB`) unless given.
    pub fn from_files(
        database: &Path,
        candidaturas: &Path,
        id: Option<&str>,
    ) -> anyhow::Result<ElectionSource> {
        let name = file_name(database)?;
        let (guessed_id, prefix) = names_of(&name);
        Ok(ElectionSource {
            id: id.map_or(guessed_id, str::to_owned),
            title: None,
            file_prefix: prefix,
            database: std::fs::read(database)
                .with_context(|| format!("cannot read {}", database.display()))?,
            database_name: name,
            candidaturas_name: file_name(candidaturas)?,
            candidaturas: std::fs::read(candidaturas)
                .with_context(|| format!("cannot read {}", candidaturas.display()))?,
        })
    }
}

impl ElectionSource {
    /// Reads a database for which no candidacy file was published (IEE Sonora 2021, IEC
    /// Coahuila 2023): each candidacy column (party, coalition, candidatura común,
    /// independent) is its own candidacy, in a generated `<PREFIX>_Candidaturas.csv`.
    pub fn from_database(database: &Path, id: Option<&str>) -> anyhow::Result<ElectionSource> {
        let name = file_name(database)?;
        let (guessed_id, prefix) = names_of(&name);
        let bytes = std::fs::read(database)
            .with_context(|| format!("cannot read {}", database.display()))?;
        let db = Database::from_bytes(&bytes).with_context(|| name.clone())?;
        let candidaturas = candidacy_per_column(&db);
        Ok(ElectionSource {
            id: id.map_or(guessed_id, str::to_owned),
            title: None,
            candidaturas_name: format!("{prefix}_Candidaturas.csv"),
            file_prefix: prefix,
            database: bytes,
            database_name: name,
            candidaturas,
        })
    }
}

/// A candidacy file (`ID_ENTIDAD,PARTIDO_CI,CANDIDATURA`) naming each candidacy column of
/// `db` as its own candidacy, for the entidad of its first row.
pub fn candidacy_per_column(db: &Database) -> Vec<u8> {
    let entidad = db
        .layout
        .id_entidad
        .and_then(|i| db.rows.first().map(|r| r.text(i)))
        .unwrap_or_default();
    let mut out = String::from("ID_ENTIDAD,PARTIDO_CI,CANDIDATURA\n");
    for c in db
        .layout
        .vote_columns
        .iter()
        .filter(|c| c.is_candidacy_column())
    {
        out.push_str(&format!("{entidad},{0},{0}\n", c.name));
    }
    out.into_bytes()
}

/// `PUE_GUB_2024.csv` → (`gub`, `PUE_GUB`); `PRES_2024.csv` → (`pres`, `PRES`).
pub fn names_of(file: &str) -> (String, String) {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let parts: Vec<&str> = stem.split('_').collect();
    let prefix_parts = match parts.last() {
        Some(y) if parts.len() > 1 && y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => {
            &parts[..parts.len() - 1]
        }
        _ => &parts[..],
    };
    let prefix = prefix_parts.join("_");
    let id = if prefix_parts.len() > 1 {
        prefix_parts[1..].join("_")
    } else {
        prefix.clone()
    };
    let clean = |s: String| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    (clean(id.to_lowercase()), clean(prefix))
}

fn file_name(p: &Path) -> anyhow::Result<String> {
    p.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .with_context(|| format!("{} has no usable file name", p.display()))
}

/// The synthetic federal elections (presidencia, senadurías, diputaciones), every acta
/// captured, as sources.
pub fn synth_sources(casillas: usize, seed: u64) -> anyhow::Result<Vec<ElectionSource>> {
    let synth = Synth::new(SynthConfig::new(seed, casillas))
        .map_err(|e| anyhow::anyhow!("synthetic election: {e}"))?;
    ElectionId::ALL
        .iter()
        .map(|&e| {
            let mut database = Vec::new();
            synth.write_database(e, &mut database, &mut |_, _| {})?;
            let mut candidaturas = Vec::new();
            synth.write_candidaturas(e, &mut candidaturas)?;
            Ok(ElectionSource {
                id: e.to_string(),
                title: Some(e.title().to_owned()),
                file_prefix: e.code().to_owned(),
                database_name: e.database_file_name(),
                database,
                candidaturas_name: e.candidaturas_file_name(),
                candidaturas,
            })
        })
        .collect()
}

/// Where the signing key comes from.
#[derive(Debug, Clone)]
pub enum KeySetup {
    /// Generate a pair into `DIR/keys/`, encrypted with the password (`None`: unencrypted,
    /// only when asked for).
    Generate {
        /// The password.
        password: Option<String>,
    },
    /// Use an existing pair.
    Existing {
        /// The secret key.
        secret_key: PathBuf,
        /// The public key.
        public_key: PathBuf,
        /// Its password file, if any.
        password_file: Option<PathBuf>,
    },
}

/// Settings of a new directory; times left out come from the first database's corte line
/// (closing = that corte, opening = 24 hours earlier).
#[derive(Debug, Clone)]
pub struct InitSettings {
    /// Institute id and name.
    pub institute: Named,
    /// Process id and name.
    pub process: Named,
    /// UTC offset (`-06:00`).
    pub utc_offset: Option<String>,
    /// Minutes between cortes.
    pub period_minutes: u32,
    /// Opening, RFC 3339.
    pub opening: Option<String>,
    /// Closing, RFC 3339.
    pub closing: Option<String>,
    /// Counting rules.
    pub rules: RulesConfig,
    /// Package expiry.
    pub expiry_hours: u32,
    /// Image host base URL.
    pub image_host: String,
}

/// What `init` made.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The configuration written.
    pub config: Config,
    /// Per election: id, expected actas loaded.
    pub catalogues: Vec<(String, usize)>,
}

/// Creates the election directory `dir` (which must not exist).
pub fn init(
    dir: &Path,
    settings: &InitSettings,
    sources: &[ElectionSource],
    keys: &KeySetup,
) -> anyhow::Result<InitReport> {
    if dir.exists() || dir.is_symlink() {
        bail!(
            "{} already exists; `prep init` never writes over a directory",
            dir.display()
        );
    }
    if sources.is_empty() {
        bail!("no election: give --from-database FILE --candidaturas FILE, or --synth");
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .with_context(|| format!("{} has no directory name", dir.display()))?;
    let tmp = parent.join(format!(
        ".{}.init-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    prep_fs::remove_if_present(&tmp)?;
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let result = build(&tmp, settings, sources, keys);
    match result {
        Ok(report) => {
            std::fs::rename(&tmp, dir)
                .with_context(|| format!("cannot move the new directory to {}", dir.display()))?;
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

fn build(
    root: &Path,
    settings: &InitSettings,
    sources: &[ElectionSource],
    keys: &KeySetup,
) -> anyhow::Result<InitReport> {
    let mut databases = Vec::new();
    for s in sources {
        let db = Database::from_bytes(&s.database)
            .with_context(|| format!("{} is not a PREP database", s.database_name))?;
        prep_csv::read_candidaturas(&s.candidaturas[..])
            .with_context(|| format!("{} is not a candidacy file", s.candidaturas_name))?;
        databases.push(db);
    }
    let corte = databases[0].preamble.corte.clone();
    let tz_text = match &settings.utc_offset {
        Some(o) => o.clone(),
        None => offset_of_corte_line(corte.as_deref()).context(
            "cannot tell the UTC offset from the database's corte line: give --utc-offset",
        )?,
    };
    let tz = TimeZone::parse(&tz_text).map_err(|r| anyhow::anyhow!("--utc-offset: {r}"))?;
    let closing = match &settings.closing {
        Some(c) => c.clone(),
        None => {
            let t = corte
                .as_deref()
                .and_then(|c| tz.parse_corte_line(c))
                .context("the database has no corte line in this offset: give --closing")?;
            tz.rfc3339(t)
        }
    };
    let opening = match &settings.opening {
        Some(o) => o.clone(),
        None => {
            let c = crate::clock::parse_rfc3339(&closing).map_err(anyhow::Error::msg)?;
            let t = jiff::Timestamp::from_second(c.as_second() - 24 * 3600)?;
            tz.rfc3339(t)
        }
    };
    let signing = setup_keys(root, keys)?;
    let mut elections = Vec::new();
    for (s, db) in sources.iter().zip(&databases) {
        let folder = ElectionDir::election_dir(root, &s.id);
        std::fs::create_dir_all(&folder)?;
        for (name, bytes) in [
            (&s.database_name, &s.database),
            (&s.candidaturas_name, &s.candidaturas),
        ] {
            crate::config::check_inside("file name", Path::new(name))?;
            std::fs::write(folder.join(name), bytes)?;
        }
        let rel = PathBuf::from("elections").join(&s.id);
        elections.push(ElectionConfig {
            id: s.id.clone(),
            title: s
                .title
                .clone()
                .or_else(|| db.preamble.title.clone())
                .unwrap_or_else(|| s.id.to_uppercase()),
            file_prefix: s.file_prefix.clone(),
            catalogue: rel.join(&s.database_name),
            candidaturas: rel.join(&s.candidaturas_name),
        });
    }
    let config = Config {
        institute: settings.institute.clone(),
        process: settings.process.clone(),
        schedule: Schedule {
            utc_offset: tz.rfc3339_offset(),
            period_minutes: settings.period_minutes,
            opening,
            closing,
        },
        rules: settings.rules.clone(),
        package: PackageConfig {
            expiry_hours: settings.expiry_hours,
            image_host: settings.image_host.clone(),
        },
        signing,
        site: Default::default(),
        elections,
    };
    config.validate()?;
    let rules = config.rules()?;
    let store = prep_store::Store::open(root.join(STORE_FILE))?;
    let mut catalogues = Vec::new();
    for (e, db) in config.elections.iter().zip(&databases) {
        let format = serde_json::to_vec_pretty(&ElectionFormat::of(db, &rules))?;
        std::fs::write(
            ElectionDir::election_dir(root, &e.id).join(FORMAT_FILE),
            format,
        )?;
        let spec = election_spec(&e.id, &e.title, db, &rules);
        store.define_election(&spec)?;
        let entries = catalogue(db, &rules);
        store.load_catalogue(&e.id, &entries)?;
        catalogues.push((e.id.clone(), entries.len()));
    }
    drop(store);
    let toml = config
        .to_toml()
        .context("the configuration cannot be written as TOML")?;
    std::fs::write(root.join(crate::config::CONFIG_FILE), toml)?;
    Ok(InitReport { config, catalogues })
}

/// `(UTC-6)` at the end of a corte line → `-06:00`.
fn offset_of_corte_line(line: Option<&str>) -> Option<String> {
    let label = line?.trim().get(16..)?.trim();
    let inner = label.strip_prefix("(UTC")?.strip_suffix(')')?;
    if inner.is_empty() {
        return Some("+00:00".into());
    }
    let (sign, hours) = inner.split_at(1);
    let h: u8 = hours.parse().ok()?;
    matches!(sign, "+" | "-").then(|| format!("{sign}{h:02}:00"))
}

fn setup_keys(root: &Path, keys: &KeySetup) -> anyhow::Result<Signing> {
    match keys {
        KeySetup::Existing {
            secret_key,
            public_key,
            password_file,
        } => {
            let abs = |p: &Path| {
                std::fs::canonicalize(p).with_context(|| format!("cannot find {}", p.display()))
            };
            Ok(Signing {
                secret_key: abs(secret_key)?,
                public_key: abs(public_key)?,
                password_file: password_file.as_deref().map(abs).transpose()?,
            })
        }
        KeySetup::Generate { password } => {
            let (pk, sk) = prep_package::generate_keys(password.as_deref())?;
            let folder = root.join("keys");
            std::fs::create_dir_all(&folder)?;
            prep_fs::write_durably_with(
                folder.join("prep.key"),
                &sk,
                prep_fs::WriteOptions::new().mode(0o600).create_new(true),
            )?;
            std::fs::write(folder.join("prep.pub"), pk)?;
            Ok(Signing {
                secret_key: PathBuf::from("keys/prep.key"),
                public_key: PathBuf::from("keys/prep.pub"),
                password_file: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_files() {
        assert_eq!(
            names_of("PUE_GUB_2024.csv"),
            ("gub".into(), "PUE_GUB".into())
        );
        assert_eq!(names_of("PRES_2024.csv"), ("pres".into(), "PRES".into()));
        assert_eq!(
            names_of("PUE_DIP_LOC_2024.csv"),
            ("dip_loc".into(), "PUE_DIP_LOC".into())
        );
        assert_eq!(
            offset_of_corte_line(Some("03/06/2024 20:00 (UTC-6)")).as_deref(),
            Some("-06:00")
        );
    }
}

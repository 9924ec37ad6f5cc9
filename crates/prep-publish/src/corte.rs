//! Cutting a corte from the store: one read view for every election, each rendered as its
//! published database and as the package's JSON, signed, written under `DIR/cortes/` and
//! made current by switching `DIR/origin`.

use crate::clock::TimeZone;
use crate::directory::ElectionDir;
use crate::source::ElectionFormat;
use crate::write::{WriteStats, write_package};
use anyhow::{Context, bail};
use jiff::Timestamp;
use prep_corte::{CorteInfo, ElectionInput, MANIFEST_PATH, PackageFile};
use prep_count::CorteStage;
use prep_csv::{Database, Layout, Preamble, PreambleItem, PublishedSummary, Row};
use prep_model::CandidacyMap;
use prep_package::{Manifest, SigningKey, rfc3339_utc, sign_manifest};
use prep_store::{EventId, RowLayout, Snapshot, Store};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the monitor keeps the public list of difusores, in the election directory.
pub const PUBLIC_LIST: &str = "monitor/difusores.json";

/// The public list of official difusores (`DIR/monitor/difusores.json`, which the monitor
/// writes), checked, as the package file `json/difusores.<h>.json`; `None` when there is none.
pub fn public_list(dir: &ElectionDir) -> anyhow::Result<Option<PackageFile>> {
    let path = dir.root.join(PUBLIC_LIST);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let (_, canonical) = prep_corte::difusores::read_public_list(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let hash = prep_package::sha256_hex(&canonical);
    Ok(Some(PackageFile {
        path: format!("json/difusores.{}.json", &hash[..16]),
        bytes: canonical,
    }))
}

/// The files of the public site that go into every package, rendered from the directory's
/// configuration (institute, process, elections, image host, public key) and its templates:
/// the same bytes at every corte, so delivery only pays for them once.
pub fn site_files(dir: &ElectionDir) -> anyhow::Result<Vec<PackageFile>> {
    let config = &dir.config;
    let templates = config.site.templates.as_ref().map(|t| dir.resolve(t));
    let site = prep_site::Site::load(templates.as_deref())?;
    let public_key = dir.verifying_key()?.to_base64();
    let info = prep_site::SiteInfo {
        institute: config.institute.id.clone(),
        institute_name: config.institute.name.clone(),
        process_name: config.process.name.clone(),
        elections: config
            .elections
            .iter()
            .map(|e| prep_site::SiteElection {
                id: e.id.clone(),
                title: e.title.clone(),
            })
            .collect(),
        image_host: Some(config.package.image_host.clone()).filter(|h| !h.is_empty()),
        public_key: Some(public_key),
        refresh_minutes: config.site.refresh_minutes,
    };
    Ok(site.render(&info)?)
}

/// One election as the publisher keeps it between cortes.
struct LoadedElection {
    id: String,
    file_prefix: String,
    format: ElectionFormat,
    layout: Layout,
    row_layout: RowLayout,
    database_name: String,
    candidaturas_name: String,
    candidaturas: Vec<u8>,
    candidacies: CandidacyMap,
    /// The zip's LEEME.txt (the same at every corte).
    leeme: String,
    /// The previous corte's snapshot, brought up to date at the next one.
    snapshot: Option<Snapshot>,
}

/// What one corte was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorteReport {
    /// Its sequence number.
    pub sequence: u64,
    /// The corte line (`03/06/2024 20:00 (UTC-6)`).
    pub corte: String,
    /// Whether it is the last one.
    pub is_final: bool,
    /// Its package directory.
    pub path: PathBuf,
    /// Files in its manifest.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// What writing it cost (new files, linked files).
    pub written: WriteStats,
    /// The last store event it includes.
    pub through_event: EventId,
    /// Milliseconds from the read view to the package in place.
    pub build_ms: u128,
    /// Of which: reading the store (snapshots), rendering and zipping the CSV databases,
    /// building the JSON, assembling + signing + writing.
    pub phases_ms: [u128; 4],
}

impl std::fmt::Display for CorteReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "corte {:>4}{} {}: {} files, {} bytes ({} files / {} bytes new, {} linked), through event {}, built in {} ms (store {} + csv {} + json {} + sign/write {})",
            self.sequence,
            if self.is_final { " FINAL" } else { "" },
            self.corte,
            self.files,
            self.bytes,
            self.written.files_written,
            self.written.bytes_written,
            self.written.files_linked,
            self.through_event,
            self.build_ms,
            self.phases_ms[0],
            self.phases_ms[1],
            self.phases_ms[2],
            self.phases_ms[3]
        )
    }
}

/// Cuts cortes of an election directory.
pub struct Publisher {
    dir: ElectionDir,
    tz: TimeZone,
    key: SigningKey,
    elections: Vec<LoadedElection>,
    /// The public site's files, rendered once.
    site: Vec<PackageFile>,
}

impl Publisher {
    /// Loads what every corte needs: formats, candidacy files, the signing key.
    pub fn open(dir: ElectionDir, key: SigningKey) -> anyhow::Result<Publisher> {
        let tz = dir.config.time_zone()?;
        let mut elections = Vec::new();
        for e in &dir.config.elections {
            let format = dir.format(&e.id)?;
            let layout = format
                .layout()
                .with_context(|| format!("the header of election {}", e.id))?;
            let columns = format.header[layout.votes.clone()].to_vec();
            let row_layout = format.row_layout(&columns);
            let cand_path = dir.resolve(&e.candidaturas);
            let candidaturas = std::fs::read(&cand_path)
                .with_context(|| format!("cannot read {}", cand_path.display()))?;
            let candidacies = prep_csv::read_candidaturas(&candidaturas[..])
                .with_context(|| format!("{}", cand_path.display()))?;
            let name = |p: &Path| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            };
            let leeme = prep_csv::leeme(
                &prep_csv::LeemeInfo {
                    process: &dir.config.process.name,
                    election: &e.title,
                    database_file: &name(&e.catalogue),
                    candidacy_file: Some(&name(&e.candidaturas)),
                    utc_offset: tz.label().trim_matches(['(', ')']),
                },
                &format.header,
            )?;
            elections.push(LoadedElection {
                id: e.id.clone(),
                leeme,
                file_prefix: e.file_prefix.clone(),
                database_name: name(&e.catalogue),
                candidaturas_name: name(&e.candidaturas),
                format,
                layout,
                row_layout,
                candidaturas,
                candidacies,
                snapshot: None,
            });
        }
        let site = site_files(&dir)?;
        Ok(Publisher {
            dir,
            tz,
            key,
            elections,
            site,
        })
    }

    /// The corte line of a time (`03/06/2024 20:00 (UTC-6)`).
    pub fn corte_line(&self, at: Timestamp) -> String {
        self.tz.corte_line(at)
    }

    /// The directory.
    pub fn dir(&self) -> &ElectionDir {
        &self.dir
    }

    /// Cuts the corte of time `at` from `store`, as it is now: sequence = last + 1, chained
    /// to the last corte's manifest; the package goes to `DIR/cortes/<sequence>/` and
    /// `DIR/origin` is switched to it. In phases: what follows the last corte; one read of
    /// the store; the databases (CSV, zipped); the JSON data; the manifest, signed and
    /// written.
    pub fn cut(
        &mut self,
        store: &Store,
        at: Timestamp,
        is_final: bool,
    ) -> anyhow::Result<CorteReport> {
        let started = Instant::now();
        let next = self.next_corte(at, is_final)?;
        let through_event = self.read_store(store)?;
        let read_ms = started.elapsed().as_millis();

        let (databases, zips) = self.databases(&next)?;
        let csv_ms = started.elapsed().as_millis() - read_ms;
        let data = prep_corte::build_data(&self.inputs(&databases, next.stage));
        let json_ms = started.elapsed().as_millis() - read_ms - csv_ms;

        let database_paths = self
            .elections
            .iter()
            .zip(&zips)
            .map(|(e, z)| (e.id.clone(), z.path.clone()))
            .collect();
        let mut extra = zips;
        extra.extend(self.site.iter().cloned());
        let difusores = public_list(&self.dir)?;
        let difusores_path = difusores.as_ref().map(|f| f.path.clone());
        extra.extend(difusores);
        let now = Timestamp::now().as_second();
        let expires =
            now.max(at.as_second()) + i64::from(self.dir.config.package.expiry_hours) * 3600;
        let info = CorteInfo {
            institute: self.dir.config.institute.id.clone(),
            process: self.dir.config.process.id.clone(),
            sequence: next.sequence,
            corte: next.corte.clone(),
            corte_rfc3339: next.corte_rfc3339.clone(),
            created: rfc3339_utc(now),
            expires: rfc3339_utc(expires),
            is_final,
            previous: next.previous.clone(),
            databases: database_paths,
            difusores: difusores_path,
        };
        let package = prep_corte::assemble(data, extra, &info);
        let written = self.sign_and_write(&package, &next)?;
        Ok(CorteReport {
            sequence: next.sequence,
            corte: next.corte,
            is_final,
            path: self.dir.corte_dir(next.sequence),
            files: package.files.len(),
            bytes: package.manifest.total_size(),
            written,
            through_event,
            build_ms: started.elapsed().as_millis(),
            phases_ms: [
                read_ms,
                csv_ms,
                json_ms,
                started.elapsed().as_millis() - read_ms - csv_ms - json_ms,
            ],
        })
    }

    /// The corte that follows the last one of the directory at time `at`, refused before
    /// anything is read when every receiver would refuse it ([`follows`]).
    fn next_corte(&self, at: Timestamp, is_final: bool) -> anyhow::Result<NextCorte> {
        let last_corte = last_corte(&self.dir)?;
        let corte = self.tz.corte_line(at);
        let corte_rfc3339 = self.tz.rfc3339(at);
        if let Some(l) = &last_corte {
            follows(&l.manifest, &l.hash, l.sequence + 1, &corte_rfc3339)?;
        }
        let last = last_corte.as_ref().map(|l| l.sequence);
        Ok(NextCorte {
            sequence: last.map_or(1, |s| s + 1),
            last,
            previous: last_corte.map(|l| l.hash),
            corte,
            corte_rfc3339,
            stage: if is_final {
                CorteStage::Final
            } else {
                CorteStage::Preliminary
            },
        })
    }

    /// Brings every election's snapshot to one read view of the store (every election as of
    /// the same event), and returns that event.
    fn read_store(&mut self, store: &Store) -> anyhow::Result<prep_store::EventId> {
        let view = store.read_view()?;
        let through_event = view.through_event();
        for e in &mut self.elections {
            match &mut e.snapshot {
                Some(s) => {
                    view.refresh(s)?;
                }
                None => e.snapshot = Some(view.snapshot(&e.id)?),
            }
        }
        Ok(through_event)
    }

    /// Each election's database of the corte, and its zip (the CSV, the candidacy file and
    /// the LEEME) as a package file.
    fn databases(&self, next: &NextCorte) -> anyhow::Result<(Vec<Database>, Vec<PackageFile>)> {
        let corte = &next.corte;
        let mut databases = Vec::new();
        let mut zips = Vec::new();
        for e in &self.elections {
            let snap = e.snapshot.as_ref().context("snapshot taken above")?;
            let db = render_database(e, snap, corte, next.stage);
            let mut csv = Vec::new();
            db.write(&mut csv)?;
            let zip_name = prep_corte::database_zip_name(corte, &e.file_prefix)
                .with_context(|| format!("cannot name the database of corte {corte:?}"))?;
            let bytes = prep_corte::zip(&[
                (&e.database_name, &csv),
                (&e.candidaturas_name, &e.candidaturas),
                ("LEEME.txt", e.leeme.as_bytes()),
            ])?;
            zips.push(PackageFile {
                path: format!("datos/{zip_name}"),
                bytes,
            });
            databases.push(db);
        }
        Ok((databases, zips))
    }

    /// What the JSON data of the corte is built from, per election.
    fn inputs<'a>(
        &'a self,
        databases: &'a [Database],
        stage: CorteStage,
    ) -> Vec<ElectionInput<'a>> {
        self.elections
            .iter()
            .zip(databases)
            .map(|(e, db)| ElectionInput {
                id: &e.id,
                title: e
                    .snapshot
                    .as_ref()
                    .map_or(e.id.as_str(), |s| s.election.title.as_str()),
                database: db,
                candidacies: Some(&e.candidacies),
                rules: e
                    .snapshot
                    .as_ref()
                    .map(|s| &s.election.rules)
                    .unwrap_or(&DEFAULT_RULES),
                stage,
                // The zip is named by the corte time: the pointer names it, not the index
                // (which then keeps its bytes between cortes with no new acta).
                database_path: None,
            })
            .collect()
    }

    /// Validates and signs the package's manifest, writes the package to its folder and
    /// switches `DIR/origin` to it; returns the bytes written.
    fn sign_and_write(
        &self,
        package: &prep_corte::Package,
        next: &NextCorte,
    ) -> anyhow::Result<WriteStats> {
        package
            .manifest
            .validate()
            .context("the corte breaks a rule of the package format, so it is not signed")?;
        let signature = sign_manifest(&self.key, &package.manifest)?;
        let out = self.dir.corte_dir(next.sequence);
        let prev_dir = next.last.map(|s| self.dir.corte_dir(s));
        let written = write_package(&out, package, &signature, prev_dir.as_deref())?;
        prep_fs::switch_symlink(
            self.dir.origin(),
            prep_package::ElectionLayout::origin_target(next.sequence),
        )?;
        Ok(written)
    }
}

/// The corte a [`Publisher::cut`] makes: its number and time, and the one it follows.
struct NextCorte {
    sequence: u64,
    /// The last corte's sequence, if any.
    last: Option<u64>,
    /// The last corte's manifest hash, if any.
    previous: Option<String>,
    /// The corte line (`03/06/2024 20:00 (UTC-6)`).
    corte: String,
    corte_rfc3339: String,
    stage: CorteStage,
}

static DEFAULT_RULES: std::sync::LazyLock<prep_count::Rules> =
    std::sync::LazyLock::new(prep_count::Rules::anexo13);

/// An election's snapshot as its published database: the source's format, the corte line
/// and the snapshot's summary in the preamble, one row per acta.
fn render_database(
    e: &LoadedElection,
    snap: &Snapshot,
    corte: &str,
    stage: CorteStage,
) -> Database {
    let f = &e.format;
    let summary = snap.tally().summary(&snap.election.rules, stage);
    let has = |item: &PreambleItem| f.preamble.items.contains(item);
    let preamble = if has(&PreambleItem::Corte) && has(&PreambleItem::Summary) {
        let mut p = f.preamble.clone();
        let names = p
            .summary
            .as_ref()
            .map(|s| s.names.clone())
            .unwrap_or_default();
        p.corte = Some(corte.to_owned());
        p.summary = Some(PublishedSummary::render_named(&summary, &f.dialect, names));
        p
    } else {
        Preamble::opl_2024(
            &snap.election.title,
            corte,
            PublishedSummary::render(&summary, &f.dialect),
        )
    };
    Database {
        dialect: f.dialect.clone(),
        preamble,
        header: f.header.clone(),
        layout: e.layout.clone(),
        rows: snap.rows(&e.row_layout).map(Row::new).collect(),
        head_source: None,
    }
}

/// The last complete corte of a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastCorte {
    /// Its sequence.
    pub sequence: u64,
    /// Its manifest.
    pub manifest: Manifest,
    /// The manifest's SHA-256 (the next corte's `previous`).
    pub hash: String,
}

/// Whether corte `sequence`, cut at `corte` (RFC 3339), may follow `last` (whose manifest
/// bytes hash to `hash`): the rules every receiver applies ([`prep_package::follows`]: nothing
/// follows a final corte, corte times move forward), said before anything is signed. The
/// sequence ceiling is [`prep_package::Manifest::validate`]'s, also run before signing.
pub fn follows(last: &Manifest, hash: &str, sequence: u64, corte: &str) -> anyhow::Result<()> {
    prep_package::follows(
        &prep_package::Accepted::of(last, hash),
        sequence,
        Some(hash),
        corte,
    )
    .context("the corte would be refused by every receiver, so it is not cut")
}

/// The last complete corte under `DIR/cortes/`, if any. Leftover temporary directories
/// (cortes interrupted before their rename) are removed.
pub fn last_corte(dir: &ElectionDir) -> anyhow::Result<Option<LastCorte>> {
    let cortes = dir.cortes();
    if !cortes.exists() {
        return Ok(None);
    }
    let mut last: Option<u64> = None;
    for entry in
        std::fs::read_dir(&cortes).with_context(|| format!("cannot list {}", cortes.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            // A corte interrupted before its rename: never published.
            let _ = std::fs::remove_dir_all(entry.path());
            continue;
        }
        if let Some(n) = prep_package::layout::corte_sequence(&name) {
            last = last.max(Some(n));
        }
    }
    let Some(seq) = last else {
        return Ok(None);
    };
    let path = dir.corte_dir(seq).join(MANIFEST_PATH);
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let m = Manifest::from_bytes(&bytes).with_context(|| format!("{}", path.display()))?;
    if m.sequence != seq {
        bail!(
            "{} says sequence {}, but its folder is {seq}",
            path.display(),
            m.sequence
        );
    }
    Ok(Some(LastCorte {
        sequence: seq,
        hash: m.hash(),
        manifest: m,
    }))
}

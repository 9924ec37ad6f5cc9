//! Building the data files bottom-up, each named by its content.

use crate::actas::{self, ActasGroup, RowColumns};
use crate::model::{
    ACTA_FIELDS, AreaFile, CandidacyVotes, Child, ElectionEntry, FORMAT, Index, Level, SeccionGroup,
};
use crate::tally::{AreaTally, ElectionInput, SeccionTally, tally};
use prep_count::{Tally, candidacy_totals};
use prep_model::{CandidacyScope, VoteColumn, area_key};
use prep_package::sha256_hex;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One file of the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// Path relative to the package root.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// The data files of a corte.
#[derive(Debug, Clone, Default)]
pub struct CorteData {
    /// Every file, in the order written (children before parents).
    pub files: Vec<PackageFile>,
    /// Path of the index, which `json/main.json` points to.
    pub index: String,
    /// The SHA-256 (hex) of each file of [`CorteData::files`] by path, computed when the
    /// file was named, so that [`crate::assemble()`] does not hash it again. A file missing
    /// here, or whose size differs from `.0`, is hashed by `assemble`.
    pub sha256: HashMap<String, (usize, String)>,
}

/// A file and its SHA-256.
struct Named {
    file: PackageFile,
    sha256: String,
}

/// How the casilla rows are split into files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildOptions {
    /// Consecutive secciones of an area share one actas file until it holds at least this
    /// many rows. Smaller files make a corte rewrite fewer row bytes when actas arrive spread
    /// across the country, at the price of more files, each a line in the manifest (which
    /// every corte rewrites); see `docs/package-format.md`.
    pub group_rows: usize,
}

/// The default [`BuildOptions::group_rows`].
pub const DEFAULT_GROUP_ROWS: usize = 12;

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            group_rows: DEFAULT_GROUP_ROWS,
        }
    }
}

/// Builds the JSON of every election, level and area. Deterministic: the same rows give the
/// same files, byte for byte, with the same names.
pub fn build_data(elections: &[ElectionInput<'_>]) -> CorteData {
    build_data_with(elections, &BuildOptions::default())
}

/// [`build_data`] with other options. Elections, and areas within them, are built on every
/// core (`rayon`).
pub fn build_data_with(elections: &[ElectionInput<'_>], options: &BuildOptions) -> CorteData {
    let built: Vec<(ElectionEntry, Vec<Named>)> = elections
        .par_iter()
        .map(|e| build_election(e, options))
        .collect();
    let mut out = CorteData::default();
    let mut seen = HashSet::new();
    let mut entries = Vec::with_capacity(built.len());
    for (entry, files) in built {
        entries.push(entry);
        for f in files {
            if seen.insert(f.file.path.clone()) {
                out.push(f);
            }
        }
    }
    let index = encode(
        "json",
        "index",
        &Index {
            format: FORMAT.to_owned(),
            elections: entries,
        },
    );
    out.index = index.file.path.clone();
    out.push(index);
    out
}

impl CorteData {
    fn push(&mut self, named: Named) {
        self.sha256.insert(
            named.file.path.clone(),
            (named.file.bytes.len(), named.sha256),
        );
        self.files.push(named.file);
    }
}

/// Encodes a JSON file and names it by its content.
fn encode<T: Serialize>(dir: &str, stem: &str, value: &T) -> Named {
    // The corte's files are listed, hashed, in the signed manifest: an empty file in place of
    // one that failed to serialize must never be published.
    let mut bytes = serde_json::to_vec(value).expect(
        "corte JSON (structs of strings, integers, booleans, maps with string keys) always serializes",
    );
    bytes.push(b'\n');
    named(dir, stem, bytes)
}

/// Longest stem of a data file name: ids come from the database's cells, and a package path
/// is at most 512 bytes.
const MAX_STEM: usize = 64;

/// Names a file's bytes by their content: `<dir>/<stem>.<16 hex of SHA-256>.json`, the stem
/// reduced to `[A-Za-z0-9_-]` and [`MAX_STEM`] characters (the hash keeps names apart).
fn named(dir: &str, stem: &str, bytes: Vec<u8>) -> Named {
    let stem: String = stem
        .chars()
        .take(MAX_STEM)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = if stem.is_empty() { "total" } else { &stem };
    let sha256 = sha256_hex(&bytes);
    let path = format!("{dir}/{name}.{}.json", &sha256[..16]);
    Named {
        file: PackageFile { path, bytes },
        sha256,
    }
}

/// An election's files (children before parents) and its index entry.
fn build_election(e: &ElectionInput<'_>, options: &BuildOptions) -> (ElectionEntry, Vec<Named>) {
    let db = e.database;
    let l = &db.layout;
    let tallies = tally(e);
    let dir = |kind: &str| format!("json/{}/{kind}", e.id);
    let fields: Vec<String> = ACTA_FIELDS
        .iter()
        .map(|f| (*f).to_owned())
        .chain(l.vote_columns.iter().map(|c| c.name.clone()))
        .collect();
    let columns = RowColumns::of(db);
    let areas: Vec<(&String, &String, &AreaTally)> = tallies
        .entidades
        .iter()
        .flat_map(|(ent_id, ent)| ent.areas.iter().map(move |(a, t)| (ent_id, a, t)))
        .collect();
    // The casilla rows are most of the bytes: every area (its actas files, then its own
    // file) on every core.
    let (actas_dir, area_dir) = (dir("actas"), dir("area"));
    let built: Vec<(Vec<Named>, Child)> = areas
        .par_iter()
        .map(|(ent_id, area_id, area)| {
            let key = area_key(ent_id, Some(area_id));
            let width = l.vote_columns.len();
            let mut files = Vec::new();
            let mut groups = Vec::new();
            for chunk in chunks(&area.seccion_order(), options.group_rows) {
                let id = format!("{key}-{}", chunk[0].0);
                let group = ActasGroup {
                    id: &id,
                    secciones: chunk,
                };
                let bytes = actas::write(&group, &db.rows, &columns, width, e.rules, e.stage);
                let file = named(&actas_dir, &id, bytes);
                let count = |f: fn(&prep_count::Counters) -> u64| -> Vec<u64> {
                    chunk.iter().map(|(_, s)| f(&s.tally.counters)).collect()
                };
                groups.push(SeccionGroup {
                    actas: file.file.path.clone(),
                    secciones: chunk.iter().map(|(s, _)| (*s).to_owned()).collect(),
                    actas_esperadas: count(|c| c.esperadas),
                    actas_capturadas: count(|c| c.capturadas),
                    actas_contabilizadas: count(|c| c.contabilizadas),
                });
                files.push(file);
            }
            let node = Node {
                level: Level::Area,
                name: area.name.clone(),
                tally: &area.tally,
                candidacies: candidacies(e, &l.vote_columns, &area.tally, ent_id, Some(area_id)),
                children: Vec::new(),
                secciones: groups,
                key,
            };
            let (file, child) = emit(e, &area_dir, node);
            files.push(file);
            (files, child)
        })
        .collect();
    let mut files = Vec::new();
    let mut built = built.into_iter();
    let several = tallies.entidades.len() > 1;
    let mut total_children = Vec::new();
    for (ent_id, ent) in &tallies.entidades {
        let mut area_children = Vec::new();
        for (area_files, child) in built.by_ref().take(ent.areas.len()) {
            files.extend(area_files);
            area_children.push(child);
        }
        if several {
            let node = Node {
                level: Level::Entidad,
                key: area_key(ent_id, None),
                name: ent.name.clone(),
                tally: &ent.tally,
                candidacies: candidacies(e, &l.vote_columns, &ent.tally, ent_id, None),
                children: area_children,
                secciones: Vec::new(),
            };
            let (file, child) = emit(e, &dir("entidad"), node);
            files.push(file);
            total_children.push(child);
        } else {
            total_children = area_children;
        }
    }
    let only = (!several)
        .then(|| tallies.entidades.keys().next().cloned())
        .flatten()
        .unwrap_or_default();
    let node = Node {
        level: Level::Total,
        key: String::new(),
        name: e.title.to_owned(),
        tally: &tallies.total,
        candidacies: candidacies(e, &l.vote_columns, &tallies.total, &only, None),
        children: total_children,
        secciones: Vec::new(),
    };
    let (file, child) = emit(e, &dir("area"), node);
    files.push(file);
    let entry = ElectionEntry {
        id: e.id.to_owned(),
        title: e.title.to_owned(),
        columns: l.vote_columns.iter().map(|c| c.name.clone()).collect(),
        fields,
        total: child.path.unwrap_or_default(),
        database: e.database_path.map(str::to_owned),
    };
    (entry, files)
}

/// Consecutive secciones, cut once a chunk holds at least `rows` rows. The rows of a sección
/// are its catalogue's actas, which do not change over the night, so neither do the cuts.
fn chunks<'s, 't>(
    secciones: &'s [(&'t str, &'t SeccionTally)],
    rows: usize,
) -> Vec<&'s [(&'t str, &'t SeccionTally)]> {
    let mut out = Vec::new();
    let (mut start, mut held) = (0, 0);
    for (i, (_, s)) in secciones.iter().enumerate() {
        held += s.rows.len();
        if held >= rows.max(1) {
            out.push(&secciones[start..=i]);
            start = i + 1;
            held = 0;
        }
    }
    if start < secciones.len() {
        out.push(&secciones[start..]);
    }
    out
}

/// An area about to be written: its file's contents.
struct Node<'t> {
    level: Level,
    key: String,
    name: String,
    tally: &'t Tally,
    candidacies: Vec<CandidacyVotes>,
    children: Vec<Child>,
    secciones: Vec<SeccionGroup>,
}

/// Encodes an area's file into `dir` (named by its content; the total's stem is `total`);
/// returns it and the entry its parent lists.
fn emit(e: &ElectionInput<'_>, dir: &str, node: Node<'_>) -> (Named, Child) {
    let file = AreaFile {
        level: node.level,
        id: node.key.clone(),
        name: node.name.clone(),
        summary: node.tally.summary(e.rules, e.stage),
        votes: votes(node.tally, e.database.layout.vote_columns.len()),
        candidacies: node.candidacies,
        children: node.children,
        secciones: node.secciones,
    };
    let encoded = encode(dir, &node.key, &file);
    let child = Child {
        level: node.level,
        id: node.key,
        name: node.name,
        path: Some(encoded.file.path.clone()),
        summary: file.summary,
        votes: file.votes,
    };
    (encoded, child)
}

fn votes(t: &Tally, width: usize) -> Vec<u64> {
    let mut v = t.votes.clone();
    v.resize(width, 0);
    v
}

/// Votes per candidacy at a level where the map's scope says who the candidates are: the
/// whole election, an entidad (senadurías) or an area (diputaciones, ayuntamientos).
fn candidacies(
    e: &ElectionInput<'_>,
    columns: &[VoteColumn],
    t: &Tally,
    entidad: &str,
    area: Option<&str>,
) -> Vec<CandidacyVotes> {
    let Some(map) = e.candidacies else {
        return Vec::new();
    };
    let key = match (map.scope, area) {
        (CandidacyScope::Election, _) => None,
        (CandidacyScope::Entidad, _) if !entidad.is_empty() => Some(area_key(entidad, None)),
        (CandidacyScope::Area, Some(a)) => Some(area_key(entidad, Some(a))),
        _ => return Vec::new(),
    };
    candidacy_totals(columns, &t.votes, map, key.as_deref())
        .into_iter()
        .map(|(candidate, votes)| CandidacyVotes { candidate, votes })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_and_safe() {
        let long = "9".repeat(10_000);
        let n = named("json/e/actas", &format!("1-1-{long}"), b"{}".to_vec());
        assert!(n.file.path.len() < 120, "{}", n.file.path);
        prep_package::validate_path(&n.file.path).expect("valid path");
        let odd = named("json/e/area", "../x/ñ", b"{}".to_vec());
        assert!(
            odd.file.path.starts_with("json/e/area/___x__."),
            "{}",
            odd.file.path
        );
        prep_package::validate_path(&odd.file.path).expect("valid path");
        assert_eq!(n.sha256, sha256_hex(b"{}"));
        assert!(n.file.path.contains(&n.sha256[..16]));
    }
}

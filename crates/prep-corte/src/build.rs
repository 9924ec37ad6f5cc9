//! Building the data files bottom-up, each named by its content.

use crate::model::{
    ACTA_FIELDS, ActasFile, AreaFile, CandidacyVotes, Child, ElectionEntry, FORMAT, Index, Level,
};
use prep_count::{CorteStage, Rules, Tally, candidacy_totals};
use prep_csv::{Database, Row};
use prep_model::{CandidacyMap, CandidacyScope, VoteColumn, area_key};
use prep_package::sha256_hex;
use serde::Serialize;
use std::collections::BTreeMap;

/// One election of a corte.
#[derive(Debug, Clone, Copy)]
pub struct ElectionInput<'a> {
    /// Short id used in paths (`gub`, `pres`).
    pub id: &'a str,
    /// Title (`GUBERNATURA`).
    pub title: &'a str,
    /// Every acta row, in the published layout.
    pub database: &'a Database,
    /// Column → candidacy, when known.
    pub candidacies: Option<&'a CandidacyMap>,
    /// The counting rules.
    pub rules: &'a Rules,
    /// Whether this is the last corte (participation base).
    pub stage: CorteStage,
    /// Path of the zipped CSV database in the package, when it has one.
    pub database_path: Option<&'a str>,
}

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
}

/// Builds the JSON of every election, level and area. Deterministic: the same rows give the
/// same files, byte for byte, with the same names.
pub fn build_data(elections: &[ElectionInput<'_>]) -> CorteData {
    let mut out = CorteData::default();
    let entries = elections
        .iter()
        .map(|e| build_election(e, &mut out))
        .collect();
    let index = Index {
        format: FORMAT.to_owned(),
        elections: entries,
    };
    out.index = put(&mut out, "json", "index", &index);
    out
}

/// Writes a JSON file named by its content; returns its path.
fn put<T: Serialize>(out: &mut CorteData, dir: &str, stem: &str, value: &T) -> String {
    add(out, encode(dir, stem, value))
}

/// Adds an encoded file (once); returns its path.
fn add(out: &mut CorteData, file: PackageFile) -> String {
    let path = file.path.clone();
    if !out.files.iter().any(|f| f.path == path) {
        out.files.push(file);
    }
    path
}

/// Encodes a JSON file and names it by its content.
fn encode<T: Serialize>(dir: &str, stem: &str, value: &T) -> PackageFile {
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = if stem.is_empty() { "total" } else { &stem };
    let path = format!("{dir}/{name}.{}.json", &sha256_hex(&bytes)[..16]);
    PackageFile { path, bytes }
}

/// `f` over `items` on every core, results in order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len().max(1));
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Counters of an election area while rows are read.
#[derive(Default)]
struct AreaAcc {
    name: String,
    tally: Tally,
    secciones: BTreeMap<String, Tally>,
    rows: Vec<usize>,
}

/// Counters of an entidad while rows are read.
#[derive(Default)]
struct EntidadAcc {
    name: String,
    tally: Tally,
    areas: BTreeMap<String, AreaAcc>,
}

/// Where the columns of the acta detail are.
struct Columns {
    entidad_name: Option<usize>,
    integrity: Option<usize>,
}

fn build_election(e: &ElectionInput<'_>, out: &mut CorteData) -> ElectionEntry {
    let db = e.database;
    let l = &db.layout;
    let width = l.vote_columns.len();
    let find = |names: &[&str]| db.header.iter().position(|h| names.contains(&h.trim()));
    let cols = Columns {
        entidad_name: find(&["ENTIDAD", "ESTADO"]),
        integrity: find(&["CODIGO_INTEGRIDAD", "SHA"]),
    };
    let mut total = Tally::new(width);
    let mut entidades: BTreeMap<String, EntidadAcc> = BTreeMap::new();
    for (i, row) in db.rows.iter().enumerate() {
        let Some(facts) = row.facts(l) else { continue };
        total.add(&facts, e.rules);
        let ent_id = l.id_entidad.map(|c| row.text(c)).unwrap_or_default();
        let ent = entidades.entry(ent_id).or_insert_with(|| EntidadAcc {
            tally: Tally::new(width),
            ..Default::default()
        });
        if ent.name.is_empty() {
            ent.name = cols.entidad_name.map(|c| row.text(c)).unwrap_or_default();
        }
        ent.tally.add(&facts, e.rules);
        let Some((area_col, area_name)) = l.area else {
            continue;
        };
        let area_id = row.text(area_col);
        if area_id.is_empty() {
            continue; // fuera de catálogo: counted above the areas only
        }
        let area = ent.areas.entry(area_id).or_insert_with(|| AreaAcc {
            tally: Tally::new(width),
            ..Default::default()
        });
        if area.name.is_empty() {
            area.name = area_name.map(|c| row.text(c)).unwrap_or_default();
        }
        area.tally.add(&facts, e.rules);
        let seccion = l.seccion.map(|c| row.text(c)).unwrap_or_default();
        area.secciones
            .entry(seccion)
            .or_insert_with(|| Tally::new(width))
            .add(&facts, e.rules);
        area.rows.push(i);
    }
    let dir = |kind: &str| format!("json/{}/{kind}", e.id);
    // The casilla rows are most of the bytes: encode every area's file on every core first.
    let areas: Vec<(&String, &String, &AreaAcc)> = entidades
        .iter()
        .flat_map(|(ent_id, ent)| ent.areas.iter().map(move |(a, acc)| (ent_id, a, acc)))
        .collect();
    let fields: Vec<String> = ACTA_FIELDS
        .iter()
        .map(|f| (*f).to_owned())
        .chain(l.vote_columns.iter().map(|c| c.name.clone()))
        .collect();
    let mut actas_files = parallel_map(&areas, |(ent_id, area_id, area)| {
        let key = area_key(ent_id, Some(area_id));
        let rows = area
            .rows
            .iter()
            .map(|&i| acta(&db.rows[i], db, &cols))
            .collect();
        encode(
            &dir("actas"),
            &key,
            &ActasFile {
                id: key.clone(),
                fields: fields.clone(),
                rows,
            },
        )
    })
    .into_iter();
    let several = entidades.len() > 1;
    let mut total_children = Vec::new();
    for (ent_id, ent) in &entidades {
        let mut area_children = Vec::new();
        for (area_id, area) in &ent.areas {
            let key = area_key(ent_id, Some(area_id));
            let actas_path = match actas_files.next() {
                Some(file) => add(out, file),
                None => String::new(),
            };
            let children = area
                .secciones
                .iter()
                .map(|(s, t)| child(Level::Seccion, s.clone(), s.clone(), None, t, e))
                .collect();
            let node = Node {
                level: Level::Area,
                key,
                name: area.name.clone(),
                tally: &area.tally,
                candidacies: candidacies(e, &l.vote_columns, &area.tally, ent_id, Some(area_id)),
                children,
                actas: Some(actas_path),
            };
            area_children.push(emit(out, e, &dir("area"), node));
        }
        if several {
            let node = Node {
                level: Level::Entidad,
                key: area_key(ent_id, None),
                name: ent.name.clone(),
                tally: &ent.tally,
                candidacies: candidacies(e, &l.vote_columns, &ent.tally, ent_id, None),
                children: area_children,
                actas: None,
            };
            total_children.push(emit(out, e, &dir("entidad"), node));
        } else {
            total_children = area_children;
        }
    }
    let only = (!several)
        .then(|| entidades.keys().next().cloned())
        .flatten()
        .unwrap_or_default();
    let node = Node {
        level: Level::Total,
        key: String::new(),
        name: e.title.to_owned(),
        tally: &total,
        candidacies: candidacies(e, &l.vote_columns, &total, &only, None),
        children: total_children,
        actas: None,
    };
    let total_path = emit(out, e, &dir("area"), node).path.unwrap_or_default();
    ElectionEntry {
        id: e.id.to_owned(),
        title: e.title.to_owned(),
        columns: l.vote_columns.iter().map(|c| c.name.clone()).collect(),
        total: total_path,
        database: e.database_path.map(str::to_owned),
    }
}

/// An area about to be written: its file's contents.
struct Node<'t> {
    level: Level,
    key: String,
    name: String,
    tally: &'t Tally,
    candidacies: Vec<CandidacyVotes>,
    children: Vec<Child>,
    actas: Option<String>,
}

/// Writes an area's file into `dir` (named by its content; the total's stem is `total`) and
/// returns the entry its parent lists.
fn emit(out: &mut CorteData, e: &ElectionInput<'_>, dir: &str, node: Node<'_>) -> Child {
    let file = AreaFile {
        level: node.level,
        id: node.key.clone(),
        name: node.name.clone(),
        summary: node.tally.summary(e.rules, e.stage),
        votes: votes(node.tally, e.database.layout.vote_columns.len()),
        candidacies: node.candidacies,
        children: node.children,
        actas: node.actas,
    };
    let path = put(out, dir, &node.key, &file);
    Child {
        level: node.level,
        id: node.key,
        name: node.name,
        path: Some(path),
        summary: file.summary,
        votes: file.votes,
    }
}

fn votes(t: &Tally, width: usize) -> Vec<u64> {
    let mut v = t.votes.clone();
    v.resize(width, 0);
    v
}

fn child(
    level: Level,
    id: String,
    name: String,
    path: Option<String>,
    t: &Tally,
    e: &ElectionInput<'_>,
) -> Child {
    let width = e.database.layout.vote_columns.len();
    Child {
        level,
        id,
        name,
        path,
        summary: t.summary(e.rules, e.stage),
        votes: votes(t, width),
    }
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

/// One acta's cells in [`ActasFile::fields`] order.
fn acta(row: &Row, db: &Database, cols: &Columns) -> Vec<String> {
    let l = &db.layout;
    let text = |c: Option<usize>| c.map(|c| row.text(c)).unwrap_or_default();
    let mut cells = vec![
        text(l.clave_casilla),
        text(l.clave_acta),
        text(l.seccion),
        row.text(l.tipo_casilla),
        row.text(l.contabilizada),
        row.text(l.observaciones),
        text(l.total_votos_calculado),
        row.text(l.lista_nominal),
        text(cols.integrity),
    ];
    cells.extend(l.votes.clone().map(|c| row.text(c)));
    cells
}

//! The layout of the data files on a small synthetic national night (32 entidades, 300
//! districts): every file reads back into its model type, every acta row is in exactly one
//! actas file, and one changed acta changes exactly its branch.

use prep_corte::model::{ActasFile, AreaFile, Index, Level};
use prep_corte::{BuildOptions, CorteData, ElectionInput, build_data, build_data_with};
use prep_count::{CorteStage, Rules, Tally};
use prep_csv::Database;
use prep_model::{CandidacyMap, Value, area_key};
use prep_synth::{ElectionId, Synth, SynthConfig};
use std::collections::{BTreeMap, BTreeSet};

fn night() -> Vec<(ElectionId, Database, CandidacyMap)> {
    let synth = Synth::new(SynthConfig {
        captured: 0.8,
        stage: CorteStage::Preliminary,
        ..SynthConfig::new(7, 3000)
    })
    .expect("synth");
    ElectionId::ALL
        .iter()
        .map(|&id| {
            let mut csv = Vec::new();
            synth
                .write_database(id, &mut csv, &mut |_, _| {})
                .expect("database");
            let mut cand = Vec::new();
            synth
                .write_candidaturas(id, &mut cand)
                .expect("candidaturas");
            let map = prep_csv::read_candidaturas(&cand[..]).expect("candidaturas");
            (id, Database::from_bytes(&csv).expect("parse"), map)
        })
        .collect()
}

fn build(night: &[(ElectionId, Database, CandidacyMap)], options: &BuildOptions) -> CorteData {
    let rules = Rules::anexo13();
    let ids: Vec<String> = night.iter().map(|(id, _, _)| id.to_string()).collect();
    let inputs: Vec<ElectionInput<'_>> = night
        .iter()
        .zip(&ids)
        .map(|((id, db, map), short)| ElectionInput {
            id: short,
            title: id.title(),
            database: db,
            candidacies: Some(map),
            rules: &rules,
            stage: CorteStage::Preliminary,
            database_path: None,
        })
        .collect();
    build_data_with(&inputs, options)
}

fn file<'a>(data: &'a CorteData, path: &str) -> &'a [u8] {
    &data
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} listed"))
        .bytes
}

/// Parses `bytes` as `T` and checks that serde writes exactly these bytes back.
fn read_exact<T: serde::de::DeserializeOwned + serde::Serialize>(path: &str, bytes: &[u8]) -> T {
    let value: T = serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut again = serde_json::to_vec(&value).expect("serialize");
    again.push(b'\n');
    assert!(again == bytes, "{path}: serde writes other bytes");
    value
}

#[test]
fn every_file_reads_back_and_every_row_is_in_one_actas_file() {
    let night = night();
    for group_rows in [1, 12, 1000] {
        let data = build(&night, &BuildOptions { group_rows });
        let index: Index = serde_json::from_slice(file(&data, &data.index)).expect("index");
        assert_eq!(index.elections.len(), 3);
        let at = |name: &str| {
            let fields = &index.elections[0].fields;
            assert!(index.elections.iter().all(|e| e.fields[..9] == fields[..9]));
            fields.iter().position(|f| f == name).expect(name)
        };
        let (seccion_at, clave_at) = (at("SECCION"), at("CLAVE_ACTA"));
        for e in &index.elections {
            assert_eq!(e.fields.len(), 9 + e.columns.len());
            assert_eq!(e.fields[9..], e.columns[..]);
        }
        let mut actas: BTreeMap<&str, ActasFile> = BTreeMap::new();
        let mut areas = Vec::new();
        for f in &data.files {
            let kind = f.path.rsplit('/').nth(1).unwrap_or_default();
            match kind {
                "json" => {
                    read_exact::<Index>(&f.path, &f.bytes);
                }
                "actas" => {
                    actas.insert(&f.path, read_exact(&f.path, &f.bytes));
                }
                "area" | "entidad" => {
                    let a: AreaFile = read_exact(&f.path, &f.bytes);
                    if a.level == Level::Area {
                        areas.push(a);
                    }
                }
                other => panic!("unexpected directory {other} in {}", f.path),
            }
        }
        let mut listed = BTreeSet::new();
        for area in &areas {
            let mut sum = Tally::new(area.votes.len());
            let mut esperadas = 0;
            for group in &area.secciones {
                assert!(listed.insert(group.actas.clone()), "{} twice", group.actas);
                let a = &actas[group.actas.as_str()];
                let ids: Vec<&String> = a.secciones.iter().map(|s| &s.id).collect();
                assert_eq!(ids, group.secciones.iter().collect::<Vec<_>>());
                let of = |f: fn(&prep_count::Summary) -> u64| -> Vec<u64> {
                    a.secciones.iter().map(|s| f(&s.summary)).collect()
                };
                assert_eq!(group.actas_esperadas, of(|s| s.actas_esperadas));
                assert_eq!(group.actas_capturadas, of(|s| s.actas_capturadas));
                assert_eq!(group.actas_contabilizadas, of(|s| s.actas_contabilizadas));
                if group_rows == 1 {
                    assert_eq!(a.secciones.len(), 1, "one sección per file");
                }
                for s in &a.secciones {
                    esperadas += s.summary.actas_esperadas;
                    for (v, n) in sum.votes.iter_mut().zip(&s.votes) {
                        *v += n;
                    }
                    // Every row of the file is of one of its secciones.
                    let rows = a.rows.iter().filter(|r| r[seccion_at] == s.id).count() as u64;
                    assert!(rows >= s.summary.actas_esperadas, "{}", group.actas);
                }
                assert!(
                    a.rows
                        .iter()
                        .all(|r| group.secciones.contains(&r[seccion_at]))
                );
            }
            assert_eq!(esperadas, area.summary.actas_esperadas, "{}", area.id);
            assert_eq!(sum.votes, area.votes, "{}", area.id);
        }
        assert_eq!(listed.len(), actas.len(), "every actas file is listed once");
        // Every row with an area is in exactly one actas file of its election.
        for ((id, db, _), election) in night.iter().zip(&index.elections) {
            let l = &db.layout;
            let in_areas = db
                .rows
                .iter()
                .filter(|r| !r.text(l.area.expect("area").0).is_empty())
                .count();
            let prefix = format!("json/{id}/actas/");
            let mut claves: Vec<String> = actas
                .iter()
                .filter(|(p, _)| p.starts_with(&prefix))
                .flat_map(|(_, a)| a.rows.iter().map(|r| r[clave_at].clone()))
                .collect();
            assert_eq!(claves.len(), in_areas, "{}", election.id);
            claves.sort();
            claves.dedup();
            assert_eq!(claves.len(), in_areas, "{}: a row twice", election.id);
        }
    }
}

/// The stem of a content-addressed path (`json/pres/area/1-2`).
fn stem(p: &str) -> String {
    let (dir, name) = p.rsplit_once('/').unwrap_or_default();
    format!("{dir}/{}", name.split('.').next().unwrap_or_default())
}

#[test]
fn one_acta_changes_its_actas_file_area_entidad_total_and_index_only() {
    let mut night = night();
    let options = BuildOptions::default();
    let first = build(&night, &options);
    assert_eq!(first.files, build(&night, &options).files, "deterministic");
    assert_eq!(first.files, build_data_with_default(&night).files);

    // One more vote for the first party in one counted acta of senadurías.
    let (_, db, _) = &mut night[1];
    let l = db.layout.clone();
    let col = l.votes.start;
    let i = db
        .rows
        .iter()
        .position(|r| r.text(l.contabilizada) == "1" && r.cells[col].number().is_some())
        .expect("a counted acta");
    let text = |c: usize| db.rows[i].text(c);
    let (ent, area, seccion) = (
        text(l.id_entidad.expect("entidad")),
        text(l.area.expect("area").0),
        text(l.seccion.expect("seccion")),
    );
    let n = db.rows[i].cells[col].number().expect("number");
    db.rows[i].cells[col] = Value::Number(n + 1);
    let second = build(&night, &options);

    let paths = |d: &CorteData| {
        d.files
            .iter()
            .map(|f| f.path.clone())
            .collect::<BTreeSet<_>>()
    };
    let changed: BTreeSet<String> = paths(&second)
        .difference(&paths(&first))
        .map(|p| stem(p))
        .collect();
    let key = area_key(&ent, Some(&area));
    let area_path = paths(&first)
        .into_iter()
        .find(|p| stem(p) == format!("json/sen/area/{key}"))
        .expect("area file");
    let area_file: AreaFile = serde_json::from_slice(file(&first, &area_path)).expect("area");
    let group = area_file
        .secciones
        .iter()
        .find(|g| g.secciones.contains(&seccion))
        .expect("sección listed");
    let expected: BTreeSet<String> = [
        stem(&group.actas),
        format!("json/sen/area/{key}"),
        format!("json/sen/entidad/{}", area_key(&ent, None)),
        "json/sen/area/total".to_owned(),
        "json/index".to_owned(),
    ]
    .into();
    assert_eq!(changed, expected);
    assert_eq!(second.files.len(), first.files.len());
    // The new file holds the new vote.
    let new_actas = second
        .files
        .iter()
        .find(|f| stem(&f.path) == stem(&group.actas))
        .expect("new actas file");
    let a: ActasFile = serde_json::from_slice(&new_actas.bytes).expect("actas");
    let clave = night[1].1.rows[i].text(l.clave_acta.expect("clave"));
    let index: Index = serde_json::from_slice(file(&second, &second.index)).expect("index");
    let fields = &index.elections[1].fields;
    let at = |name: &str| fields.iter().position(|f| f == name).expect(name);
    let row = a
        .rows
        .iter()
        .find(|r| r[at("CLAVE_ACTA")] == clave)
        .expect("row");
    assert_eq!(row[at(&index.elections[1].columns[0])], (n + 1).to_string());
}

fn build_data_with_default(night: &[(ElectionId, Database, CandidacyMap)]) -> CorteData {
    let rules = Rules::anexo13();
    let ids: Vec<String> = night.iter().map(|(id, _, _)| id.to_string()).collect();
    let inputs: Vec<ElectionInput<'_>> = night
        .iter()
        .zip(&ids)
        .map(|((id, db, map), short)| ElectionInput {
            id: short,
            title: id.title(),
            database: db,
            candidacies: Some(map),
            rules: &rules,
            stage: CorteStage::Preliminary,
            database_path: None,
        })
        .collect();
    build_data(&inputs)
}

#[test]
fn the_manifest_lists_every_file_with_its_hash() {
    let night = night();
    let data = build(&night, &BuildOptions::default());
    let files = data.files.clone();
    let extra = prep_corte::PackageFile {
        path: "datos/X.zip".into(),
        bytes: b"PK".to_vec(),
    };
    let info = prep_corte::CorteInfo {
        institute: "I".into(),
        process: "P".into(),
        sequence: 1,
        corte: "03/06/2024 20:00 (UTC-6)".into(),
        corte_rfc3339: "2024-06-03T20:00:00-06:00".into(),
        created: "2024-06-03T20:01:00Z".into(),
        expires: "2024-06-04T20:01:00Z".into(),
        is_final: false,
        previous: None,
        databases: Default::default(),
        difusores: None,
    };
    let package = prep_corte::assemble(data, vec![extra.clone()], &info);
    assert_eq!(package.manifest.files.len(), files.len() + 1);
    for f in files.iter().chain([&extra]) {
        let entry = package
            .manifest
            .files
            .iter()
            .find(|e| e.path == f.path)
            .expect("listed");
        assert_eq!(
            entry.sha256,
            prep_package::sha256_hex(&f.bytes),
            "{}",
            f.path
        );
        assert_eq!(entry.size, f.bytes.len() as u64);
    }
}

//! The data tree of a corte built from the real Puebla databases.

use prep_corte::model::{AreaFile, Index};
use prep_corte::{CorteData, ElectionInput, build_data};
use prep_count::{CorteStage, Rules, SummaryField};
use prep_csv::{Database, read_candidaturas};
use prep_model::{CandidacyMap, Value};
use prep_testdata::read_puebla as shared;
use std::collections::BTreeSet;

fn load(db: &str, cand: &str) -> (Database, CandidacyMap) {
    let database = Database::from_bytes(&shared(db)).expect("database");
    let map = read_candidaturas(&shared(cand)[..]).expect("candidaturas");
    (database, map)
}

fn build(id: &str, db: &Database, map: &CandidacyMap, rules: &Rules) -> CorteData {
    let input = ElectionInput {
        id,
        title: "T",
        database: db,
        candidacies: Some(map),
        rules,
        stage: CorteStage::Final,
        database_path: None,
    };
    build_data(&[input])
}

fn file<'a>(data: &'a CorteData, path: &str) -> &'a [u8] {
    &data
        .files
        .iter()
        .find(|f| f.path == path)
        .expect("file listed")
        .bytes
}

fn total(data: &CorteData) -> AreaFile {
    let index: Index = serde_json::from_slice(file(data, &data.index)).expect("index");
    serde_json::from_slice(file(data, &index.elections[0].total)).expect("total")
}

#[test]
fn totals_equal_the_published_summary_and_the_recount() {
    let rules = Rules::anexo13();
    for (id, db_name, cand_name) in [
        ("gub", "PUE_GUB_2024.csv", "PUE_GUB_Candidaturas_2024.csv"),
        (
            "ayun",
            "PUE_AYUN_2024.csv",
            "PUE_AYUN_Candidaturas_2024.csv",
        ),
    ] {
        let (db, map) = load(db_name, cand_name);
        let data = build(id, &db, &map, &rules);
        let t = total(&data);
        let published = db.preamble.summary.as_ref().expect("summary");
        for f in SummaryField::ALL {
            assert_eq!(Some(t.summary.get(f)), published.value(f), "{db_name} {f}");
        }
        // Candidacies: the recount of the original, per area, equals the area files.
        let options = prep_audit::RecountOptions {
            candidacies: Some(map.clone()),
            ..Default::default()
        };
        let recount = prep_audit::recount(&shared(db_name), &options).expect("recount");
        let mut from_files: Vec<(Option<String>, String, u64)> = Vec::new();
        if id == "gub" {
            from_files.extend(
                t.candidacies
                    .iter()
                    .map(|c| (None, c.candidate.clone(), c.votes)),
            );
        } else {
            for child in &t.children {
                let area: AreaFile =
                    serde_json::from_slice(file(&data, child.path.as_deref().expect("path")))
                        .expect("area");
                from_files.extend(
                    area.candidacies
                        .iter()
                        .map(|c| (Some(area.id.clone()), c.candidate.clone(), c.votes)),
                );
            }
        }
        let mut expected: Vec<(Option<String>, String, u64)> = recount
            .candidacies
            .iter()
            .map(|c| (c.area.clone(), c.candidate.clone(), c.votes))
            .collect();
        from_files.sort();
        expected.sort();
        assert_eq!(from_files, expected, "{db_name}");
        assert!(!expected.is_empty());
    }
}

#[test]
fn same_rows_same_files_and_one_acta_changes_only_its_branch() {
    let rules = Rules::anexo13();
    let (mut db, map) = load("PUE_AYUN_2024.csv", "PUE_AYUN_Candidaturas_2024.csv");
    let first = build("ayun", &db, &map, &rules);
    let again = build("ayun", &db, &map, &rules);
    assert_eq!(first.files, again.files, "deterministic");
    assert_eq!(first.index, again.index);

    // One more vote for PAN in one counted acta.
    let l = db.layout.clone();
    let pan = l.votes.start;
    let (i, row) = db
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.text(l.contabilizada) == "1" && r.cells[pan].number().is_some())
        .expect("a counted acta");
    let area = row.text(l.area.expect("area").0);
    let seccion = row.text(l.seccion.expect("seccion"));
    let n = row.cells[pan].number().expect("number");
    db.rows[i].cells[pan] = Value::Number(n + 1);
    let second = build("ayun", &db, &map, &rules);

    let paths = |d: &CorteData| {
        d.files
            .iter()
            .map(|f| f.path.clone())
            .collect::<BTreeSet<_>>()
    };
    let changed: Vec<String> = paths(&second).difference(&paths(&first)).cloned().collect();
    let key = prep_model::area_key("21", Some(&area));
    let stem = |p: &str| {
        let name = p.rsplit('/').next().unwrap_or_default();
        let dir = p.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{}", name.split('.').next().unwrap_or_default())
    };
    let stems: BTreeSet<String> = changed.iter().map(|p| stem(p)).collect();
    // The actas file of the acta's sección, found through the area file of the first corte.
    let area_child = total(&first)
        .children
        .into_iter()
        .find(|c| c.id == key)
        .expect("area listed in the total");
    let area_file: AreaFile =
        serde_json::from_slice(file(&first, area_child.path.as_deref().expect("path")))
            .expect("area");
    let group = area_file
        .secciones
        .iter()
        .find(|g| g.secciones.contains(&seccion))
        .expect("sección listed in its area");
    let expected: BTreeSet<String> = [
        stem(&group.actas),
        format!("json/ayun/area/{key}"),
        "json/ayun/area/total".to_owned(),
        "json/index".to_owned(),
    ]
    .into();
    assert_eq!(stems, expected, "changed: {changed:?}");
    assert!(stem(&group.actas).starts_with(&format!("json/ayun/actas/{key}-")));
    assert_eq!(second.files.len(), first.files.len());
    assert!(first.files.len() > 400, "{} files", first.files.len());
}

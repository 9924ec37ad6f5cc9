//! Aggregation of an in-memory database at every level.

use prep_count::{Rules, Tally};
use prep_csv::{Database, Row};
use prep_model::LevelKind;
use std::collections::BTreeMap;

/// The area key of a row at a level; `None` when the file has no column for that level.
pub fn area_key(db: &Database, row: &Row, level: LevelKind) -> Option<String> {
    let l = &db.layout;
    Some(match level {
        LevelKind::Total => String::new(),
        LevelKind::Entidad => row.text(l.id_entidad?),
        LevelKind::DistritoFederal | LevelKind::DistritoLocal | LevelKind::Municipio => {
            if l.area_level != Some(level) {
                return None;
            }
            row.text(l.area?.0)
        }
        LevelKind::Seccion => format!("{}-{}", row.text(l.id_entidad?), row.text(l.seccion?)),
        LevelKind::Casilla => row.text(l.clave_casilla?),
    })
}

/// Tallies every area of `level`: area key → tally. Rows with an invalid CONTABILIZADA are
/// skipped (the reader refuses them, so this only happens to databases built in memory).
/// Returns `None` when the file has no column for the level.
pub fn aggregate(
    db: &Database,
    level: LevelKind,
    rules: &Rules,
) -> Option<BTreeMap<String, Tally>> {
    let width = db.layout.vote_columns.len();
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    for row in &db.rows {
        let key = area_key(db, row, level)?;
        if let Some(facts) = row.facts(&db.layout) {
            out.entry(key)
                .or_insert_with(|| Tally::new(width))
                .add(&facts, rules);
        }
    }
    Some(out)
}

//! One pass over an election's rows: the tallies of the election, its entidades, areas and
//! secciones, and which rows each sección holds. Keys are allocated only when new.

use prep_count::{ActaFacts, CorteStage, Rules, Tally};
use prep_csv::{Database, Layout, Row};
use prep_model::{CandidacyMap, CasillaType, Contabilizada, Observations, Value};
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

/// An election's tallies, by entidad.
pub(crate) struct ElectionTally {
    /// The whole election (fuera de catálogo included).
    pub total: Tally,
    /// By entidad id.
    pub entidades: BTreeMap<String, EntidadTally>,
}

/// An entidad's tallies.
pub(crate) struct EntidadTally {
    pub name: String,
    pub tally: Tally,
    /// By area (district or municipio) id.
    pub areas: BTreeMap<String, AreaTally>,
}

/// An election area's tallies.
pub(crate) struct AreaTally {
    pub name: String,
    pub tally: Tally,
    /// By sección id (for their order, see [`AreaTally::seccion_order`]).
    pub secciones: BTreeMap<String, SeccionTally>,
}

/// A sección's tally and rows.
pub(crate) struct SeccionTally {
    pub tally: Tally,
    /// Indices of its rows in the database, in published order.
    pub rows: Vec<usize>,
}

impl AreaTally {
    /// The secciones in order: as numbers when they are (`99` before `100`), else by text.
    pub fn seccion_order(&self) -> Vec<(&str, &SeccionTally)> {
        let mut v: Vec<(&str, &SeccionTally)> = self
            .secciones
            .iter()
            .map(|(k, s)| (k.as_str(), s))
            .collect();
        v.sort_by(|a, b| (a.0.len(), a.0).cmp(&(b.0.len(), b.0)));
        v
    }
}

/// A cell's text without allocating (numbers go through `buf`); empty when absent.
pub(crate) fn cell_text<'a>(v: Option<&'a Value>, buf: &'a mut itoa::Buffer) -> &'a str {
    match v {
        None | Some(Value::Empty) => "",
        Some(Value::Number(n)) => buf.format(*n),
        Some(Value::Text(t)) => t,
        Some(Value::Ilegible) => "ILEGIBLE",
        Some(Value::SinDato) => "SIN DATO",
        Some(Value::SinActa) => "SIN ACTA",
        Some(Value::Dash) => "-",
        Some(Value::NotApplicable) => "N/A",
    }
}

/// What the counting rules need of a row (as [`Row::facts`], without allocating); `None`
/// when CONTABILIZADA is not a valid status.
fn facts<'r>(row: &'r Row, l: &Layout) -> Option<ActaFacts<'r>> {
    let mut buf = itoa::Buffer::new();
    let status = Contabilizada::parse(cell_text(row.cells.get(l.contabilizada), &mut buf))?;
    let casilla_type = CasillaType::parse(cell_text(row.cells.get(l.tipo_casilla), &mut buf));
    let observations = Observations::parse(cell_text(row.cells.get(l.observaciones), &mut buf));
    Some(ActaFacts {
        status,
        casilla_type,
        observations,
        votes: row.cells.get(l.votes.clone()).unwrap_or_default(),
        lista_nominal: row
            .cells
            .get(l.lista_nominal)
            .and_then(Value::number)
            .unwrap_or(0),
    })
}

/// The entry of `map` under `key`, created with `make` when new (allocating only then).
fn entry<'m, V>(
    map: &'m mut BTreeMap<String, V>,
    key: &str,
    make: impl FnOnce() -> V,
) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), make());
    }
    map.get_mut(key)
        .unwrap_or_else(|| unreachable!("inserted above"))
}

/// Tallies every row of an election.
pub(crate) fn tally(e: &ElectionInput<'_>) -> ElectionTally {
    let db = e.database;
    let l = &db.layout;
    let width = l.vote_columns.len();
    let entidad_name = db
        .header
        .iter()
        .position(|h| matches!(h.trim(), "ENTIDAD" | "ESTADO"));
    let mut out = ElectionTally {
        total: Tally::new(width),
        entidades: BTreeMap::new(),
    };
    let (mut b1, mut b2, mut b3) = (
        itoa::Buffer::new(),
        itoa::Buffer::new(),
        itoa::Buffer::new(),
    );
    for (i, row) in db.rows.iter().enumerate() {
        let Some(facts) = facts(row, l) else { continue };
        out.total.add(&facts, e.rules);
        let at = |c: Option<usize>| c.and_then(|c| row.cells.get(c));
        let ent_id = cell_text(at(l.id_entidad), &mut b1);
        let ent = entry(&mut out.entidades, ent_id, || EntidadTally {
            name: String::new(),
            tally: Tally::new(width),
            areas: BTreeMap::new(),
        });
        if ent.name.is_empty() {
            ent.name = cell_text(at(entidad_name), &mut b2).to_owned();
        }
        ent.tally.add(&facts, e.rules);
        let Some((area_col, area_name)) = l.area else {
            continue;
        };
        let area_id = cell_text(at(Some(area_col)), &mut b2);
        if area_id.is_empty() {
            continue; // fuera de catálogo: counted above the areas only
        }
        let area = entry(&mut ent.areas, area_id, || AreaTally {
            name: String::new(),
            tally: Tally::new(width),
            secciones: BTreeMap::new(),
        });
        if area.name.is_empty() {
            area.name = cell_text(at(area_name), &mut b3).to_owned();
        }
        area.tally.add(&facts, e.rules);
        let seccion = cell_text(at(l.seccion), &mut b3);
        let s = entry(&mut area.secciones, seccion, || SeccionTally {
            tally: Tally::new(width),
            rows: Vec::new(),
        });
        s.tally.add(&facts, e.rules);
        s.rows.push(i);
    }
    out
}

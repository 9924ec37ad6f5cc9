//! A published database as the source of an election: its catalogue (the expected actas),
//! its vote columns, the format a corte renders it back in ([`ElectionFormat`]), and its
//! captured actas as store events at their FECHA_HORA_* times ([`replay_events`]).

use crate::clock::TimeZone;
use jiff::Timestamp;
use prep_count::Rules;
use prep_csv::{Database, Dialect, Layout, Preamble, Row};
use prep_model::{CasillaType, CatalogueEntry, Contabilizada, Geography, Observations, Value};
use prep_store::{
    ActaContent, ActaDetails, ActaIdent, ElectionSpec, EventKind, NewEvent, Origin, RowLayout,
};
use serde::{Deserialize, Serialize};

/// How an election's database is printed: kept from its source so that every corte renders
/// the CSV in the same published format (dialect, preamble lines, header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionFormat {
    /// Bytes-level format.
    pub dialect: Dialect,
    /// The source's preamble (its corte and summary values are replaced at each corte).
    pub preamble: Preamble,
    /// The column names.
    pub header: Vec<String>,
}

impl ElectionFormat {
    /// The format of a database.
    pub fn of(db: &Database) -> ElectionFormat {
        ElectionFormat {
            dialect: db.dialect.clone(),
            preamble: db.preamble.clone(),
            header: db.header.clone(),
        }
    }

    /// The column positions of the header.
    pub fn layout(&self) -> Result<Layout, prep_csv::ReadError> {
        Layout::from_header(&self.header, 1)
    }
}

/// The store's definition of an election whose database is `db`: its vote columns are the
/// header's.
pub fn election_spec(id: &str, title: &str, db: &Database, rules: &Rules) -> ElectionSpec {
    ElectionSpec {
        id: id.to_owned(),
        title: title.to_owned(),
        columns: db.header[db.layout.votes.clone()].to_vec(),
        rules: rules.clone(),
    }
}

/// Positions of the identification columns the layout does not carry.
struct Columns {
    entidad: Option<usize>,
    id_casilla: Option<usize>,
    ext_contigua: Option<usize>,
    ubicacion: Option<usize>,
    tipo_acta: Option<usize>,
    asentado: Option<usize>,
    mecanismos: Option<usize>,
    codigo: Option<usize>,
    acopio: Option<usize>,
    captura: Option<usize>,
    verificacion: Option<usize>,
    origen: Option<usize>,
    digitalizacion: Option<usize>,
    tipo_documento: Option<usize>,
}

impl Columns {
    fn of(header: &[String]) -> Columns {
        let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
        Columns {
            entidad: find(&["ENTIDAD", "ESTADO", "NOMBRE_ESTADO"]),
            id_casilla: find(&["ID_CASILLA"]),
            ext_contigua: find(&["EXT_CONTIGUA"]),
            ubicacion: find(&["UBICACION_CASILLA"]),
            tipo_acta: find(&["TIPO_ACTA"]),
            asentado: find(&["TOTAL_VOTOS_ASENTADO"]),
            mecanismos: find(&["MECANISMOS_TRASLADO"]),
            codigo: find(&["CODIGO_INTEGRIDAD", "SHA"]),
            acopio: find(&["FECHA_HORA_ACOPIO"]),
            captura: find(&["FECHA_HORA_CAPTURA"]),
            verificacion: find(&["FECHA_HORA_VERIFICACION"]),
            origen: find(&["ORIGEN"]),
            digitalizacion: find(&["DIGITALIZACION"]),
            tipo_documento: find(&["TIPO_DOCUMENTO"]),
        }
    }
}

fn cell(row: &Row, i: Option<usize>) -> String {
    i.map(|i| row.text(i)).unwrap_or_default()
}

fn number(row: &Row, i: Option<usize>) -> u64 {
    i.and_then(|i| row.cells.get(i))
        .and_then(Value::number)
        .unwrap_or(0)
}

fn status(row: &Row, layout: &Layout) -> Option<Contabilizada> {
    Contabilizada::parse(&row.text(layout.contabilizada))
}

/// True for a row of an expected acta (anything but fuera de catálogo).
fn in_catalogue(row: &Row, layout: &Layout) -> bool {
    status(row, layout) != Some(Contabilizada::FueraDeCatalogo)
}

/// The catalogue of a database: one entry per row of an expected acta, in file order (rows
/// fuera de catálogo are captures, not expected actas).
pub fn catalogue(db: &Database) -> Vec<CatalogueEntry> {
    let c = Columns::of(&db.header);
    let l = &db.layout;
    db.rows
        .iter()
        .filter(|r| in_catalogue(r, l))
        .map(|row| {
            let (id_area, area) = match l.area {
                Some((id, name)) => (row.text(id), cell(row, name)),
                None => (String::new(), String::new()),
            };
            CatalogueEntry {
                clave_casilla: cell(row, l.clave_casilla),
                clave_acta: cell(row, l.clave_acta),
                casilla_type: CasillaType::parse(&row.text(l.tipo_casilla)),
                id_casilla: cell(row, c.id_casilla),
                ext_contigua: cell(row, c.ext_contigua),
                geography: Geography {
                    id_entidad: cell(row, l.id_entidad),
                    entidad: cell(row, c.entidad),
                    id_area,
                    area,
                    seccion: cell(row, l.seccion),
                },
                ubicacion: u8::try_from(number(row, c.ubicacion)).unwrap_or(0),
                tipo_acta: cell(row, c.tipo_acta),
                lista_nominal: number(row, Some(l.lista_nominal)),
                representantes: number(row, l.representantes),
                boletas_especial: None,
            }
        })
        .collect()
}

/// One event of a replay, at its time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedEvent {
    /// When it happened (the FECHA_HORA_* of the row).
    pub at: Timestamp,
    /// The event.
    pub event: NewEvent,
}

/// What [`replay_events`] found in a database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayPlan {
    /// The events in time order (rows in file order among equal times).
    pub events: Vec<TimedEvent>,
    /// Rows not captured at the source's corte (CONTABILIZADA `-`): never fed.
    pub not_captured: usize,
    /// Captured rows without any FECHA_HORA_* (sin acta): fed at the time of the last
    /// timed event.
    pub untimed: usize,
    /// The latest FECHA_HORA_* of the file.
    pub last_time: Option<Timestamp>,
}

/// The captured actas of `db` as store events: a capture at FECHA_HORA_CAPTURA (or
/// FECHA_HORA_ACOPIO when there is no capture time, as for actas fuera de catálogo), and a
/// verification at FECHA_HORA_VERIFICACION when there is one. `keys` are the store's keys of
/// the expected actas, in file order ([`prep_store::Store::catalogue`] of the catalogue
/// loaded from this database). Sin acta rows carry no time (the LEEME prints `N/A`): they
/// are recorded at the last time of the file.
pub fn replay_events(
    db: &Database,
    election: &str,
    keys: &[String],
    tz: &TimeZone,
    source: &str,
) -> Result<ReplayPlan, String> {
    let c = Columns::of(&db.header);
    let l = &db.layout;
    let row_layout = RowLayout::new(&db.header, &db.header[l.votes.clone()]);
    let counts: Vec<(usize, String)> = row_layout
        .count_columns()
        .map(|(i, n)| (i, n.to_owned()))
        .collect();
    let mut plan = ReplayPlan::default();
    let mut untimed = Vec::new();
    let mut keys = keys.iter();
    for (n, row) in db.rows.iter().enumerate() {
        let line = n + 1;
        let st = status(row, l).ok_or_else(|| format!("row {line}: invalid CONTABILIZADA"))?;
        let ident = if st == Contabilizada::FueraDeCatalogo {
            ActaIdent {
                clave_acta: cell(row, l.clave_acta),
                id_area: None,
                occurrence: None,
                id_entidad: Some(cell(row, l.id_entidad)).filter(|s| !s.is_empty()),
            }
        } else {
            let key = keys.next().ok_or_else(|| {
                format!("row {line}: more expected actas than the store's catalogue holds")
            })?;
            let clave = cell(row, l.clave_acta);
            if key.split('@').next() != Some(clave.as_str()) {
                return Err(format!(
                    "row {line}: CLAVE_ACTA {clave} is not the catalogue's {key} (was the directory made from this file?)"
                ));
            }
            ActaIdent::from_key(key)
        };
        if st == Contabilizada::NoCapturada {
            plan.not_captured += 1;
            continue;
        }
        let content = content_of(row, &db.header, l, &c, &counts);
        let time = |i: Option<usize>| tz.parse_published(&cell(row, i));
        let captured = time(c.captura).or_else(|| time(c.acopio));
        let event = |kind| NewEvent {
            election: election.to_owned(),
            acta: ident.clone(),
            kind,
            origin: Origin::BulkLoad(source.to_owned()),
            at_ms: 0,
            content: content.clone(),
        };
        match captured {
            Some(at) => {
                plan.events.push(TimedEvent {
                    at,
                    event: event(EventKind::Capture),
                });
                if let Some(at) = time(c.verificacion) {
                    plan.events.push(TimedEvent {
                        at,
                        event: event(EventKind::Verification),
                    });
                }
            }
            None => untimed.push(event(EventKind::Capture)),
        }
    }
    plan.events.sort_by_key(|e| e.at);
    plan.last_time = plan.events.last().map(|e| e.at);
    plan.untimed = untimed.len();
    let end = plan.last_time.unwrap_or(Timestamp::UNIX_EPOCH);
    plan.events.extend(
        untimed
            .into_iter()
            .map(|event| TimedEvent { at: end, event }),
    );
    for e in &mut plan.events {
        e.event.at_ms = e.at.as_millisecond();
    }
    Ok(plan)
}

/// What was captured from a row: its vote cells, counts and details.
fn content_of(
    row: &Row,
    header: &[String],
    l: &Layout,
    c: &Columns,
    counts: &[(usize, String)],
) -> ActaContent {
    let text = |i: Option<usize>| Some(cell(row, i)).filter(|s| !s.trim().is_empty());
    let votes = l
        .votes
        .clone()
        .filter_map(|i| Some((header.get(i)?.clone(), row.cells.get(i)?.clone())))
        .collect();
    let details = ActaDetails {
        total_votos_asentado: c
            .asentado
            .and_then(|i| row.cells.get(i).cloned())
            .unwrap_or(Value::Dash),
        counts: counts
            .iter()
            .filter_map(|(i, name)| Some((name.clone(), row.cells.get(*i)?.clone())))
            .collect(),
        sin_acta: Observations::parse(&row.text(l.observaciones)).sin_acta_reason(),
        codigo_integridad: text(c.codigo),
        fecha_hora_acopio: text(c.acopio),
        fecha_hora_captura: text(c.captura),
        fecha_hora_verificacion: text(c.verificacion),
        mecanismos_traslado: text(c.mecanismos),
        origen: text(c.origen),
        digitalizacion: text(c.digitalizacion),
        tipo_documento: text(c.tipo_documento),
    };
    ActaContent { votes, details }
}

//! A published database as the source of an election: its catalogue (the expected actas),
//! its vote columns, the format a corte renders it back in ([`ElectionFormat`]), and its
//! captured actas as store events at their FECHA_HORA_* times ([`replay_events`]). Rows
//! become the store's types through [`prep_store::published`], as in the ingest bulk load.

use crate::clock::TimeZone;
use jiff::Timestamp;
use prep_count::Rules;
use prep_csv::{Database, Dialect, Layout, Preamble};
use prep_model::{CatalogueEntry, Contabilizada, Observations};
use prep_store::published::{PublishedColumns, vote_columns};
use prep_store::render::{RowKind, RowStyle};
use prep_store::{ActaIdent, ElectionSpec, EventKind, NewEvent, Origin, RowLayout};
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
    /// How the source prints the rows of actas fuera de catálogo and of sin actas.
    #[serde(default)]
    pub rows: RowStyle,
}

impl ElectionFormat {
    /// The format of a database whose counting profile is `rules`.
    pub fn of(db: &Database, rules: &Rules) -> ElectionFormat {
        let kind = |row: &prep_csv::Row| {
            let (status, observations) = row_status(db, rules, row);
            match status {
                Some(Contabilizada::FueraDeCatalogo) => RowKind::Fuera,
                Some(Contabilizada::NoCapturada) | None => RowKind::NotCaptured,
                Some(_) if observations.sin_acta_reason().is_some() => RowKind::SinActa,
                Some(_) => RowKind::Captured,
            }
        };
        let layout = RowLayout::new(&db.header, &vote_columns(&db.header, &db.layout));
        let rows = layout.learn(db.rows.iter().map(|r| (kind(r), &r.cells[..])));
        ElectionFormat {
            dialect: db.dialect.clone(),
            preamble: db.preamble.clone(),
            header: db.header.clone(),
            rows,
        }
    }

    /// The layout a corte prints this format's rows in, for an election whose vote columns
    /// are `columns`.
    pub fn row_layout(&self, columns: &[String]) -> RowLayout {
        RowLayout::new(&self.header, columns).styled(self.rows.clone())
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
        columns: vote_columns(&db.header, &db.layout),
        rules: rules.clone(),
    }
}

/// The catalogue of a database: one entry per row of an expected acta, in file order (rows
/// fuera de catálogo are captures, not expected actas; `rules`, the institute's counting
/// profile, says how they are marked: CONTABILIZADA `2`, or a legend in OBSERVACIONES).
pub fn catalogue(db: &Database, rules: &Rules) -> Vec<CatalogueEntry> {
    let columns = PublishedColumns::new(&db.header, &db.layout);
    db.rows
        .iter()
        .filter(|row| row_status(db, rules, row).0 != Some(Contabilizada::FueraDeCatalogo))
        .map(|row| columns.entry(row))
        .collect()
}

/// A row's status under the counting profile `rules`: its CONTABILIZADA cell read together
/// with its OBSERVACIONES legends (returned too, as the profile reads them); `None` when the
/// profile does not know the cell.
pub fn row_status(
    db: &Database,
    rules: &Rules,
    row: &prep_csv::Row,
) -> (Option<Contabilizada>, Observations) {
    let observations = rules.observations(&row.text(db.layout.observaciones));
    let status = rules.status(row.text(db.layout.contabilizada).as_bytes(), &observations);
    (status, observations)
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

/// Why a database cannot be replayed into the store: the row (line of the data, from 1) and
/// what does not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// CONTABILIZADA is not a value the counting profile knows.
    #[error("row {line}: invalid CONTABILIZADA '{status}' for counting profile {profile}")]
    Status {
        /// The row.
        line: usize,
        /// The cell.
        status: String,
        /// The profile's name.
        profile: String,
    },
    /// The file has more expected actas than the store's catalogue.
    #[error("row {line}: more expected actas than the store's catalogue holds")]
    BeyondCatalogue {
        /// The row.
        line: usize,
    },
    /// The row's acta is not the catalogue's at its place.
    #[error(
        "row {line}: CLAVE_ACTA {clave} is not the catalogue's {key} (was the directory made from this file?)"
    )]
    NotTheCatalogue {
        /// The row.
        line: usize,
        /// The row's CLAVE_ACTA.
        clave: String,
        /// The store's key at that place.
        key: String,
    },
}

/// The captured actas of `db` as store events: a capture at FECHA_HORA_CAPTURA (or
/// FECHA_HORA_ACOPIO when there is no capture time, as for actas fuera de catálogo), and a
/// verification at FECHA_HORA_VERIFICACION when there is one. `keys` are the store's keys of
/// the expected actas, in file order ([`prep_store::Store::catalogue`] of the catalogue
/// loaded from this database). Sin acta rows carry no time (the LEEME prints `N/A`): they
/// are recorded at the last time of the file. `rules`, the institute's counting profile, says
/// how not-captured and fuera de catálogo rows are marked.
pub fn replay_events(
    db: &Database,
    election: &str,
    keys: &[String],
    tz: &TimeZone,
    source: &str,
    rules: &Rules,
) -> Result<ReplayPlan, ReplayError> {
    let columns = PublishedColumns::new(&db.header, &db.layout);
    let mut plan = ReplayPlan::default();
    let mut untimed = Vec::new();
    let mut keys = keys.iter();
    // Actas fuera de catálogo that the file identifies alike (Sonora 2021 lists each as `-`):
    // the second and later are told apart by their occurrence, as repeated catalogue keys are.
    let mut fuera_seen: std::collections::HashMap<(String, Option<String>), u32> =
        std::collections::HashMap::new();
    for (n, row) in db.rows.iter().enumerate() {
        let line = n + 1;
        let st = row_status(db, rules, row)
            .0
            .ok_or_else(|| ReplayError::Status {
                line,
                status: row.text(db.layout.contabilizada),
                profile: rules.name.clone(),
            })?;
        let ident = if st == Contabilizada::FueraDeCatalogo {
            let mut ident = columns.ident(row);
            let seen = fuera_seen
                .entry((ident.clave_acta.clone(), ident.id_area.clone()))
                .or_insert(0);
            *seen += 1;
            if *seen > 1 && ident.occurrence.is_none() {
                ident.occurrence = Some(*seen);
            }
            ident
        } else {
            let key = keys.next().ok_or(ReplayError::BeyondCatalogue { line })?;
            let clave = columns.ident(row).clave_acta;
            if key.split('@').next() != Some(clave.as_str()) {
                return Err(ReplayError::NotTheCatalogue {
                    line,
                    clave,
                    key: key.clone(),
                });
            }
            ActaIdent::from_key(key)
        };
        if st == Contabilizada::NoCapturada {
            plan.not_captured += 1;
            continue;
        }
        let content = if st == Contabilizada::FueraDeCatalogo {
            columns.fuera_content(row)
        } else {
            columns.content(row)
        };
        let d = &content.details;
        let time = |t: &Option<String>| tz.parse_published(t.as_deref()?);
        let captured = time(&d.fecha_hora_captura).or_else(|| time(&d.fecha_hora_acopio));
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
                if let Some(at) = time(&d.fecha_hora_verificacion) {
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

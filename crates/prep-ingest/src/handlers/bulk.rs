//! `POST /api/v1/elections/{election}/bulk`: a CSV file in the published database format
//! (rows of one election) recorded as captures in one transaction.

use crate::body::{body_bytes, require_media_type};
use crate::published::read_published;
use crate::{ApiError, AppState, Caller};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use prep_model::Contabilizada;
use prep_store::{EventKind, NewEvent, Origin, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Query parameters of a bulk load.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkQuery {
    /// The file's name or another label of where the rows come from, recorded in each
    /// event's origin (`bulk:CENTRE/SOURCE`).
    pub source: Option<String>,
}

/// The answer to a bulk load.
#[derive(Debug, Serialize)]
pub struct BulkReport {
    /// The election id.
    pub election: String,
    /// Acta rows read.
    pub rows: usize,
    /// Rows recorded as new captures.
    pub recorded: usize,
    /// Rows that repeat a capture already stored (nothing written).
    pub repeats: usize,
    /// Rows not captured yet (CONTABILIZADA `-`), skipped.
    pub not_captured: usize,
    /// Of the recorded and repeated rows, those fuera de catálogo.
    pub fuera_de_catalogo: usize,
    /// Rows the store refused (conflicting content, ambiguous identification…).
    pub refused: Vec<RowProblem>,
    /// Rows that could not be read.
    pub malformed: Vec<RowProblem>,
    /// The last event id after the load.
    pub last_event: u64,
}

/// A row that was not recorded, and why.
#[derive(Debug, Serialize)]
pub struct RowProblem {
    /// Its line in the file.
    pub line: u64,
    /// Its CLAVE_ACTA, when it has one.
    pub clave_acta: Option<String>,
    /// A stable code (`conflict`, `malformed_row`, …).
    pub error: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Runs bulk loads one at a time (the others wait, within the bulk timeout), before their
/// bodies are read, so at most one bulk body is in memory.
pub async fn one_at_a_time(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // The semaphore is never closed, so acquiring cannot fail; if it did, go on unbounded.
    let _permit = state.bulk_slot.acquire().await;
    next.run(request).await
}

/// Loads the rows of one election. Only capture centre tokens may.
pub async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<BulkQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<BulkReport>, ApiError> {
    caller.require_catd("load CSV files")?;
    let Path(election) = path.map_err(|e| ApiError::invalid("path", e.body_text()))?;
    let Query(query) = query
        .map_err(|e| ApiError::invalid("query", format!("{e}; the only parameter is 'source'")))?;
    let source = query.source.unwrap_or_else(|| "upload".to_owned());
    if source.is_empty() || source.len() > 128 || source.chars().any(|c| c.is_control() || c == ':')
    {
        return Err(ApiError::invalid(
            "source",
            "source must be 1 to 128 printable characters without ':'",
        ));
    }
    require_media_type(&headers, "text/csv")?;
    let bytes = body_bytes(body, state.limits.bulk_bytes)?;
    let origin = Origin::BulkLoad(format!("{}/{source}", caller.centre));
    let at_ms = (state.clock)();
    let report = state
        .with_store(move |store| load(store, &election, &bytes, origin, at_ms))
        .await?;
    Ok(Json(report))
}

/// The (CLAVE_ACTA, area) pairs the election's catalogue holds more than once (their
/// keys are `CLAVE@AREA#N`).
fn repeated_in_catalogue(
    store: &prep_store::Store,
    election: &str,
) -> Result<HashSet<(String, String)>, ApiError> {
    Ok(store
        .catalogue(election)?
        .into_iter()
        .filter(|(key, _)| key.contains('#'))
        .map(|(_, e)| (e.clave_acta, e.geography.id_area))
        .collect())
}

/// Reads the file, checks its columns against the election, records its captured rows.
fn load(
    store: &prep_store::Store,
    election: &str,
    bytes: &[u8],
    origin: Origin,
    at_ms: i64,
) -> Result<BulkReport, ApiError> {
    let spec = store.election(election).map_err(|e| match e {
        StoreError::UnknownElection(_) => ApiError::not_found(e.to_string()),
        e => ApiError::from_store(e),
    })?;
    let file = read_published(bytes).map_err(|e| {
        ApiError::malformed(format!(
            "the body is not a PREP database in the published format: {e}"
        ))
    })?;
    if let Some(c) = file.vote_columns.iter().find(|c| !spec.columns.contains(c)) {
        return Err(ApiError::invalid(
            "header",
            format!(
                "the file's column '{c}' is not a vote column of election '{election}' (its columns: {})",
                spec.columns.join(", ")
            ),
        ));
    }
    let mut report = BulkReport {
        election: election.to_owned(),
        rows: file.rows.len() + file.malformed.len(),
        recorded: 0,
        repeats: 0,
        not_captured: 0,
        fuera_de_catalogo: 0,
        refused: Vec::new(),
        malformed: file
            .malformed
            .iter()
            .map(|m| RowProblem {
                line: m.line,
                clave_acta: None,
                error: "malformed_row",
                message: m.message.clone(),
            })
            .collect(),
        last_event: 0,
    };
    let repeated = repeated_in_catalogue(store, election)?;
    let mut lines = Vec::new();
    let mut events = Vec::new();
    for mut row in file.rows {
        // The file numbers the rows that share a CLAVE_ACTA and area; that numbering
        // identifies an acta only where the catalogue repeats them too (a file may hold
        // one acta twice: the second is then a conflict or a repeat, not another acta).
        let shared = (
            row.ident.clave_acta.clone(),
            row.ident.id_area.clone().unwrap_or_default(),
        );
        if !repeated.contains(&shared) {
            row.ident.occurrence = None;
        }
        if row.status == Contabilizada::NoCapturada {
            report.not_captured += 1;
            continue;
        }
        lines.push((row.line, row.ident.clave_acta.clone()));
        events.push(NewEvent {
            election: election.to_owned(),
            acta: row.ident,
            kind: EventKind::Capture,
            origin: origin.clone(),
            at_ms,
            content: row.content,
        });
    }
    let results = store.record_batch(&events)?;
    for ((line, clave), result) in lines.into_iter().zip(results) {
        match result {
            Ok(r) => {
                if r.appended {
                    report.recorded += 1;
                } else {
                    report.repeats += 1;
                }
                report.fuera_de_catalogo += usize::from(r.ack.fuera_de_catalogo);
            }
            Err(e) => {
                let api = ApiError::from_store(e);
                report.refused.push(RowProblem {
                    line,
                    clave_acta: Some(clave).filter(|c| !c.is_empty()),
                    error: api.code,
                    message: api.message,
                });
            }
        }
    }
    report.last_event = store.last_event()?.0;
    Ok(report)
}

//! The `acta_state` table: the derived current state of each captured acta.

use crate::error::{to_i64, to_u64};
use crate::{
    ActaContent, ActaDetails, ActaState, CaptureStatus, ElectionSpec, EventId, EventKind,
    StoreError,
};
use prep_count::Classification;
use prep_model::{Contabilizada, Observations, Value};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The columns read by [`state_from_row`], in its order.
pub(crate) const STATE_COLUMNS: &str = "acta, catalogue_id, ident, status, votes, details, \
     content_sha256, contabilizada, observaciones, total_votos, capture_event, capture_sha256, \
     last_event, last_kind";

/// Writes (inserts or replaces) the state of an acta.
pub(crate) fn save(
    conn: &Connection,
    st: &ActaState,
    catalogue_id: Option<i64>,
    spec: &ElectionSpec,
) -> Result<(), StoreError> {
    if let Some(c) = st.content.votes.keys().find(|c| !spec.columns.contains(c)) {
        return Err(StoreError::UnknownColumn {
            election: spec.id.clone(),
            column: c.clone(),
        });
    }
    let votes: Vec<Option<String>> = spec
        .columns
        .iter()
        .map(|c| st.content.votes.get(c).map(ToString::to_string))
        .collect();
    let cl = &st.classification;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO acta_state (election, acta, catalogue_id, ident, status, votes, details,
             content_sha256, contabilizada, observaciones, total_votos, capture_event,
             capture_sha256, last_event, last_kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (election, acta) DO UPDATE SET
             catalogue_id = excluded.catalogue_id, ident = excluded.ident,
             status = excluded.status, votes = excluded.votes, details = excluded.details,
             content_sha256 = excluded.content_sha256, contabilizada = excluded.contabilizada,
             observaciones = excluded.observaciones, total_votos = excluded.total_votos,
             capture_event = excluded.capture_event, capture_sha256 = excluded.capture_sha256,
             last_event = excluded.last_event, last_kind = excluded.last_kind",
    )?;
    stmt.execute(params![
        st.election,
        st.acta,
        catalogue_id,
        serde_json::to_string(&st.ident)?,
        st.status.as_str(),
        serde_json::to_string(&votes)?,
        serde_json::to_string(&st.content.details)?,
        st.content_sha256,
        cl.status.code(),
        cl.observations.puebla_legend(),
        cl.total_votos.map(to_i64).transpose()?,
        to_i64(st.capture_event.0)?,
        st.capture_sha256,
        to_i64(st.last_event.0)?,
        st.last_kind.as_str(),
    ])?;
    Ok(())
}

/// Reads the state of one acta, `None` when it has not been captured.
pub(crate) fn load(
    conn: &Connection,
    spec: &ElectionSpec,
    acta: &str,
) -> Result<Option<ActaState>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STATE_COLUMNS} FROM acta_state WHERE election = ?1 AND acta = ?2"
    ))?;
    let raw = stmt
        .query_row(params![spec.id, acta], |r| Ok(state_from_row(r, 0, spec)))
        .optional()?;
    raw.transpose()
}

/// Reads the state of every captured acta of an election, in the order of their capture.
pub(crate) fn load_all(
    conn: &Connection,
    spec: &ElectionSpec,
) -> Result<Vec<ActaState>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STATE_COLUMNS} FROM acta_state WHERE election = ?1 ORDER BY capture_event"
    ))?;
    let mut rows = stmt.query([&spec.id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(state_from_row(r, 0, spec)?);
    }
    Ok(out)
}

/// Reads a state from `row`, its [`STATE_COLUMNS`] starting at `at`.
pub(crate) fn state_from_row(
    r: &Row<'_>,
    at: usize,
    spec: &ElectionSpec,
) -> Result<ActaState, StoreError> {
    let catalogue_id: Option<i64> = r.get(at + 1)?;
    let votes = parse_votes(&r.get::<_, String>(at + 4)?, spec)?;
    let details: ActaDetails = serde_json::from_str(&r.get::<_, String>(at + 5)?)?;
    let content = ActaContent {
        votes: spec
            .columns
            .iter()
            .zip(votes)
            .filter_map(|(c, v)| Some((c.clone(), v?)))
            .collect::<BTreeMap<_, _>>(),
        details,
    };
    Ok(ActaState {
        election: spec.id.clone(),
        acta: r.get(at)?,
        fuera_de_catalogo: catalogue_id.is_none(),
        ident: serde_json::from_str(&r.get::<_, String>(at + 2)?)?,
        status: status(&r.get::<_, String>(at + 3)?)?,
        content,
        content_sha256: r.get(at + 6)?,
        classification: classification(r, at + 7)?,
        capture_event: EventId(to_u64(r.get(at + 10)?, "event id")?),
        capture_sha256: r.get(at + 11)?,
        last_event: EventId(to_u64(r.get(at + 12)?, "event id")?),
        last_kind: {
            let k: String = r.get(at + 13)?;
            EventKind::parse(&k).ok_or_else(|| StoreError::Corrupt(format!("event kind '{k}'")))?
        },
    })
}

/// Parses a stored capture status.
pub(crate) fn status(s: &str) -> Result<CaptureStatus, StoreError> {
    CaptureStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("status '{s}'")))
}

/// Reads CONTABILIZADA, OBSERVACIONES and TOTAL_VOTOS_CALCULADO starting at column `at`.
pub(crate) fn classification(r: &Row<'_>, at: usize) -> Result<Classification, StoreError> {
    let code: String = r.get(at)?;
    let legend: String = r.get(at + 1)?;
    Ok(Classification {
        status: Contabilizada::parse(&code)
            .ok_or_else(|| StoreError::Corrupt(format!("CONTABILIZADA '{code}'")))?,
        observations: Observations::parse(&legend),
        total_votos: r
            .get::<_, Option<i64>>(at + 2)?
            .map(|n| to_u64(n, "TOTAL_VOTOS_CALCULADO"))
            .transpose()?,
    })
}

/// Parses the stored vote array: one cell (or null) per election column.
pub(crate) fn parse_votes(
    json: &str,
    spec: &ElectionSpec,
) -> Result<Vec<Option<Value>>, StoreError> {
    let cells: Vec<Option<Cow<'_, str>>> = serde_json::from_str(json)?;
    if cells.len() != spec.columns.len() {
        return Err(StoreError::Corrupt(format!(
            "{} vote cells stored for {} columns of election '{}'",
            cells.len(),
            spec.columns.len(),
            spec.id
        )));
    }
    Ok(cells
        .into_iter()
        .map(|c| c.map(|t| Value::parse(&t)))
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::derive::fuera_de_catalogo;
    use prep_count::classify;
    use prep_model::{Observations, SinActaReason, Value};

    #[test]
    fn every_classification_survives_its_legend() {
        use Value::*;
        let cases: Vec<(Vec<Value>, Option<SinActaReason>)> = vec![
            (vec![Number(3)], None),
            (vec![Number(3), Ilegible], None),
            (vec![Ilegible, SinDato], None),
            (vec![Number(300)], None),
        ];
        let mut all: Vec<_> = cases
            .into_iter()
            .map(|(v, s)| classify(&v, s, Some(10)).observations)
            .collect();
        all.extend(SinActaReason::ALL.map(Observations::sin_acta));
        all.push(Observations::sin_acta(SinActaReason::Unspecified));
        all.push(fuera_de_catalogo().observations);
        for o in all {
            assert_eq!(Observations::parse(o.puebla_legend()), o);
        }
    }
}

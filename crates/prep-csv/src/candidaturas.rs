//! The `*_Candidaturas_*.csv` file: which candidacy each vote column counts for.

use crate::database::decode_input;
use crate::{ReadError, ReadErrorKind};
use prep_model::{Candidacy, CandidacyMap, CandidacyScope, area_key};
use std::io::Read;

/// Reads a candidacy file. Recognised layouts:
///
/// - `ID_ENTIDAD,PARTIDO_CI,CANDIDATURA` (one area: the whole election);
/// - `ID_ENTIDAD,ID_MUNICIPIO_LOCAL|ID_DISTRITO_LOCAL|…,PARTIDO_CI,CANDIDATURA_PROPIETARIA,CANDIDATURA_SUPLENTE`
///   (per area).
///
/// Columns are found by name; the delimiter is `,` or `|`. Areas are keyed by
/// [`prep_model::area_key`] (entidad and district or municipio), so district `001` of two
/// entidades are two areas; a file whose rows name several entidades and no district is
/// per entidad (senadurías).
pub fn read_candidaturas(mut input: impl Read) -> Result<CandidacyMap, ReadError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::at(0, ReadErrorKind::Io(e)))?;
    let (text, _, _) = decode_input(&bytes);
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches('|').count() > first.matches(',').count() {
        b'|'
    } else {
        b','
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let header = r
        .headers()
        .map_err(|e| ReadError::at(1, ReadErrorKind::Csv(e.to_string())))?
        .clone();
    let pos = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let column = pos(&["PARTIDO_CI", "PARTIDO", "ASOCIACION"])
        .ok_or(ReadError::at(1, ReadErrorKind::MissingColumn("PARTIDO_CI")))?;
    let candidate = pos(&[
        "CANDIDATURA",
        "CANDIDATURA_PROPIETARIA",
        "NOMBRE_CANDIDATO",
        "CANDIDATO",
    ])
    .ok_or(ReadError::at(
        1,
        ReadErrorKind::MissingColumn("CANDIDATURA"),
    ))?;
    let substitute = pos(&["CANDIDATURA_SUPLENTE", "SUPLENTE"]);
    let entidad = pos(&["ID_ENTIDAD", "ID_ESTADO"]);
    let area = header.iter().enumerate().position(|(i, h)| {
        let h = h.trim();
        i != column && (h.starts_with("ID_DISTRITO") || h.starts_with("ID_MUNICIPIO"))
    });
    let mut rows = Vec::new();
    for (n, rec) in r.records().enumerate() {
        rows.push(rec.map_err(|e| ReadError::at(n as u64 + 2, ReadErrorKind::Csv(e.to_string())))?);
    }
    let cell = |rec: &csv::StringRecord, i: usize| {
        rec.get(i)
            .unwrap_or_default()
            .trim()
            .trim_start_matches('\'')
            .to_owned()
    };
    let entidades: std::collections::BTreeSet<String> = rows
        .iter()
        .filter_map(|rec| entidad.map(|e| cell(rec, e)))
        .collect();
    let scope = if area.is_some() {
        CandidacyScope::Area
    } else if entidades.len() > 1 {
        CandidacyScope::Entidad
    } else {
        CandidacyScope::Election
    };
    let mut map = CandidacyMap {
        scope,
        entries: Vec::with_capacity(rows.len()),
    };
    for rec in &rows {
        let ent = entidad.map(|e| cell(rec, e)).unwrap_or_default();
        let key = match scope {
            CandidacyScope::Election => None,
            CandidacyScope::Entidad => Some(area_key(&ent, None)),
            CandidacyScope::Area => Some(area_key(&ent, area.map(|a| cell(rec, a)).as_deref())),
        };
        map.entries.push(Candidacy {
            area: key,
            column: cell(rec, column),
            candidate: cell(rec, candidate),
            substitute: substitute.map(|s| cell(rec, s)).filter(|s| !s.is_empty()),
        });
    }
    Ok(map)
}

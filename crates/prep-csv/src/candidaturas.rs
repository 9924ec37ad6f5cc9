//! The `*_Candidaturas_*.csv` file: which candidacy each vote column counts for.

use crate::database::decode_input;
use crate::{ReadError, ReadErrorKind};
use prep_model::{Candidacy, CandidacyMap};
use std::io::Read;

/// Reads a candidacy file. Recognised layouts:
///
/// - `ID_ENTIDAD,PARTIDO_CI,CANDIDATURA` (one area: the whole election);
/// - `ID_ENTIDAD,ID_MUNICIPIO_LOCAL|ID_DISTRITO_LOCAL|…,PARTIDO_CI,CANDIDATURA_PROPIETARIA,CANDIDATURA_SUPLENTE`
///   (per area).
///
/// Columns are found by name; the delimiter is `,` or `|`.
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
    let area = header.iter().enumerate().position(|(i, h)| {
        let h = h.trim();
        i != column
            && (h.starts_with("ID_DISTRITO")
                || h.starts_with("ID_MUNICIPIO")
                || h == "ID_CIRCUNSCRIPCION")
    });
    let mut map = CandidacyMap::default();
    for (n, rec) in r.records().enumerate() {
        let rec =
            rec.map_err(|e| ReadError::at(n as u64 + 2, ReadErrorKind::Csv(e.to_string())))?;
        let cell = |i: usize| {
            rec.get(i)
                .unwrap_or_default()
                .trim()
                .trim_start_matches('\'')
                .to_owned()
        };
        map.entries.push(Candidacy {
            area: area.map(cell),
            column: cell(column),
            candidate: cell(candidate),
            substitute: substitute.map(cell).filter(|s| !s.is_empty()),
        });
    }
    Ok(map)
}

//! Rows of a published PREP database as the store's types: each row's catalogue entry, its
//! identification as captured and its content. Used by the bulk load, and to build a store
//! from a published file.
//!
//! The file is read with `prep-csv` ([`prep_csv::read_head`], [`prep_csv::TableReader`]),
//! row by row, so a malformed row is reported with its line and the others still load.

use prep_csv::{Head, Layout, RawRow, ReadError, TableReader, read_head};
use prep_model::{CasillaType, CatalogueEntry, Contabilizada, Geography, Observations, Value};
use prep_store::{ActaContent, ActaDetails, ActaIdent, ElectionSpec};
use std::collections::HashMap;

/// Most malformed rows reported before reading stops.
pub const MAX_ROW_ERRORS: usize = 1000;

/// One acta row, converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedRow {
    /// Its line in the file.
    pub line: u64,
    /// CONTABILIZADA as published (`-`: not captured yet; `2`: fuera de catálogo).
    pub status: Contabilizada,
    /// The catalogue entry the row describes (meaningless for a row fuera de catálogo).
    pub entry: CatalogueEntry,
    /// The identification as a capture centre would give it: CLAVE_ACTA, area, and the
    /// occurrence when the file repeats a CLAVE_ACTA in one area.
    pub ident: ActaIdent,
    /// What was captured.
    pub content: ActaContent,
}

/// A malformed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Its line.
    pub line: u64,
    /// Why it was not read.
    pub message: String,
}

/// A whole published file, converted.
#[derive(Debug, Clone)]
pub struct PublishedFile {
    /// Preamble, header and layout.
    pub head: Head,
    /// The vote column names, in header order.
    pub vote_columns: Vec<String>,
    /// The rows read.
    pub rows: Vec<PublishedRow>,
    /// The rows that could not be read (at most [`MAX_ROW_ERRORS`]).
    pub malformed: Vec<RowError>,
}

impl PublishedFile {
    /// The catalogue the file describes: every row not fuera de catálogo, in order.
    pub fn catalogue(&self) -> Vec<CatalogueEntry> {
        self.catalogue_rows().map(|r| r.entry.clone()).collect()
    }

    /// The rows of the catalogue (not fuera de catálogo), in order.
    pub fn catalogue_rows(&self) -> impl Iterator<Item = &PublishedRow> {
        self.rows
            .iter()
            .filter(|r| r.status != Contabilizada::FueraDeCatalogo)
    }

    /// The election the file is a database of, with id `id` and the given rules: its
    /// title and vote columns are the file's.
    pub fn election_spec(&self, id: &str, rules: prep_count::Rules) -> ElectionSpec {
        ElectionSpec {
            id: id.to_owned(),
            title: self.head.preamble.title.clone().unwrap_or_default(),
            columns: self.vote_columns.clone(),
            rules,
        }
    }
}

/// Positions of the columns beyond those [`Layout`] knows.
struct Columns {
    id_casilla: Option<usize>,
    ext_contigua: Option<usize>,
    ubicacion: Option<usize>,
    tipo_acta: Option<usize>,
    entidad: Option<usize>,
    total_votos_asentado: Option<usize>,
    codigo_integridad: Option<usize>,
    fecha_hora_acopio: Option<usize>,
    fecha_hora_captura: Option<usize>,
    fecha_hora_verificacion: Option<usize>,
    mecanismos_traslado: Option<usize>,
    origen: Option<usize>,
    digitalizacion: Option<usize>,
    tipo_documento: Option<usize>,
    counts: Vec<(String, usize)>,
}

impl Columns {
    fn of(header: &[String]) -> Columns {
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| header.iter().position(|h| h.trim() == *n))
        };
        Columns {
            id_casilla: find(&["ID_CASILLA"]),
            ext_contigua: find(&["EXT_CONTIGUA"]),
            ubicacion: find(&["UBICACION_CASILLA"]),
            tipo_acta: find(&["TIPO_ACTA"]),
            entidad: find(&["ENTIDAD", "ESTADO", "NOMBRE_ESTADO"]),
            total_votos_asentado: find(&["TOTAL_VOTOS_ASENTADO"]),
            codigo_integridad: find(&["CODIGO_INTEGRIDAD", "SHA"]),
            fecha_hora_acopio: find(&["FECHA_HORA_ACOPIO"]),
            fecha_hora_captura: find(&["FECHA_HORA_CAPTURA"]),
            fecha_hora_verificacion: find(&["FECHA_HORA_VERIFICACION"]),
            mecanismos_traslado: find(&["MECANISMOS_TRASLADO"]),
            origen: find(&["ORIGEN"]),
            digitalizacion: find(&["DIGITALIZACION"]),
            tipo_documento: find(&["TIPO_DOCUMENTO"]),
            counts: crate::submission::COUNT_NAMES
                .iter()
                .filter_map(|n| find(&[n]).map(|i| ((*n).to_owned(), i)))
                .collect(),
        }
    }
}

/// Reads a published database (any dialect `prep-csv` reads) into rows of the store's
/// types. An unreadable preamble or header is an error; a malformed row is listed in
/// [`PublishedFile::malformed`] and the reading goes on.
pub fn read_published(bytes: &[u8]) -> Result<PublishedFile, ReadError> {
    let Some(at) = read_head(bytes, true)? else {
        return Err(ReadError::at(0, prep_csv::ReadErrorKind::NoHeader));
    };
    let head = at.head;
    let layout = &head.layout;
    let cols = Columns::of(&head.header);
    let vote_columns: Vec<String> = head.header[layout.votes.clone()]
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let table = bytes.get(at.rows_offset..).unwrap_or_default();
    let mut reader = TableReader::new(table, at.first_line, head.dialect.delimiter, layout.width);
    let mut raw = RawRow::default();
    let mut rows = Vec::new();
    let mut malformed = Vec::new();
    loop {
        match reader.next_into(&mut raw) {
            Ok(false) => break,
            Ok(true) => match convert(&raw, layout, &cols, &vote_columns) {
                Ok(row) => rows.push(row),
                Err(message) => malformed.push(RowError {
                    line: raw.line(),
                    message,
                }),
            },
            Err(e) => {
                let csv_error = matches!(e.kind, prep_csv::ReadErrorKind::Csv(_));
                malformed.push(RowError {
                    line: e.line,
                    message: e.kind.to_string(),
                });
                // The CSV tokeniser may not move past its own errors.
                if csv_error {
                    break;
                }
            }
        }
        if malformed.len() >= MAX_ROW_ERRORS {
            break;
        }
    }
    number_occurrences(&mut rows);
    Ok(PublishedFile {
        head,
        vote_columns,
        rows,
        malformed,
    })
}

/// Gives the occurrence (1, 2, …, in file order) to the rows whose CLAVE_ACTA and area the
/// file's catalogue rows repeat, as the store numbers its catalogue keys.
fn number_occurrences(rows: &mut [PublishedRow]) {
    let in_catalogue = |r: &PublishedRow| r.status != Contabilizada::FueraDeCatalogo;
    let key = |r: &PublishedRow| (r.ident.clave_acta.clone(), r.ident.id_area.clone());
    let mut count: HashMap<(String, Option<String>), u32> = HashMap::new();
    for r in rows.iter().filter(|r| in_catalogue(r)) {
        *count.entry(key(r)).or_default() += 1;
    }
    let mut seen: HashMap<(String, Option<String>), u32> = HashMap::new();
    for r in rows.iter_mut().filter(|r| in_catalogue(r)) {
        let k = key(r);
        if count.get(&k).copied().unwrap_or(0) > 1 {
            let n = seen.entry(k).or_default();
            *n += 1;
            r.ident.occurrence = Some(*n);
        }
    }
}

/// One row into the store's types.
fn convert(
    raw: &RawRow,
    layout: &Layout,
    cols: &Columns,
    vote_columns: &[String],
) -> Result<PublishedRow, String> {
    let text = |i: Option<usize>| -> String {
        i.map(|i| prep_csv::decode_auto(raw.key(i)).trim().to_owned())
            .unwrap_or_default()
    };
    let optional = |i: Option<usize>| Some(text(i)).filter(|t| !t.is_empty());
    let status_text = text(Some(layout.contabilizada));
    let status = Contabilizada::parse(&status_text)
        .ok_or_else(|| format!("CONTABILIZADA '{status_text}' is not 0, 1, 2 or -"))?;
    let geography = Geography {
        id_entidad: text(layout.id_entidad),
        entidad: text(cols.entidad),
        id_area: text(layout.area.map(|(i, _)| i)),
        area: text(layout.area.and_then(|(_, n)| n)),
        seccion: text(layout.seccion),
    };
    let number = |i: Option<usize>| i.and_then(|i| raw.number(i)).unwrap_or(0);
    let entry = CatalogueEntry {
        clave_casilla: text(layout.clave_casilla),
        clave_acta: text(layout.clave_acta),
        casilla_type: CasillaType::parse(&text(Some(layout.tipo_casilla))),
        id_casilla: text(cols.id_casilla),
        ext_contigua: text(cols.ext_contigua),
        ubicacion: u8::try_from(number(cols.ubicacion)).unwrap_or(0),
        tipo_acta: text(cols.tipo_acta),
        lista_nominal: number(Some(layout.lista_nominal)),
        representantes: number(layout.representantes),
        // The published file does not carry the approved ballots of a casilla especial.
        boletas_especial: None,
        geography,
    };
    let ident = ActaIdent {
        clave_acta: entry.clave_acta.clone(),
        id_area: Some(entry.geography.id_area.clone()).filter(|a| !a.is_empty()),
        occurrence: None,
        id_entidad: Some(entry.geography.id_entidad.clone()).filter(|e| !e.is_empty()),
    };
    let votes = vote_columns
        .iter()
        .zip(layout.votes.clone())
        .map(|(name, i)| (name.clone(), raw.value(i)))
        .filter(|(_, v)| *v != Value::Dash)
        .collect();
    let details = ActaDetails {
        total_votos_asentado: cols
            .total_votos_asentado
            .map_or(Value::Dash, |i| raw.value(i)),
        counts: cols
            .counts
            .iter()
            .map(|(name, i)| (name.clone(), raw.value(*i)))
            .collect(),
        sin_acta: Observations::parse(&text(Some(layout.observaciones))).sin_acta_reason(),
        codigo_integridad: optional(cols.codigo_integridad),
        fecha_hora_acopio: optional(cols.fecha_hora_acopio),
        fecha_hora_captura: optional(cols.fecha_hora_captura),
        fecha_hora_verificacion: optional(cols.fecha_hora_verificacion),
        mecanismos_traslado: optional(cols.mecanismos_traslado),
        origen: optional(cols.origen),
        digitalizacion: optional(cols.digitalizacion),
        tipo_documento: optional(cols.tipo_documento),
    };
    Ok(PublishedRow {
        line: raw.line(),
        status,
        entry,
        ident,
        content: ActaContent { votes, details },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prep_model::SinActaReason;

    const HEADER: &str = "CLAVE_CASILLA|CLAVE_ACTA|ID_ENTIDAD|ENTIDAD|ID_DISTRITO|DISTRITO|SECCION|ID_CASILLA|TIPO_CASILLA|EXT_CONTIGUA|UBICACION_CASILLA|TIPO_ACTA|TOTAL_PERSONAS_VOTARON|PAN|PRI|C_PAN_PRI|NULOS|TOTAL_VOTOS_ASENTADO|TOTAL_VOTOS_CALCULADO|LISTA_NOMINAL|REPRESENTANTES_PP_CI|OBSERVACIONES|CONTABILIZADA|CODIGO_INTEGRIDAD";

    fn file(rows: &[&str]) -> Vec<u8> {
        let mut text = format!("DIPUTACIONES\n\n{HEADER}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        // Latin-1, as some institutes publish.
        text.chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect()
    }

    #[test]
    fn rows_become_entries_identifications_and_contents() {
        let bytes = file(&[
            "'150101B0100|'150101B01002|'15|MÉXICO|'01|DISTRITO 1|'0101|'01|B|'00|1|2|30|10|-|2|1|13|13|500|4|-|1|ab",
            "'150000A0100|'150000A01002|'15|MÉXICO|'02|DISTRITO 2|'N/A|'N/A|A|'00|1|2|N/A|SIN ACTA|SIN ACTA|SIN ACTA|SIN ACTA|SIN ACTA|0|0|N/A|SIN ACTA POR PAQUETE NO ENTREGADO|0|N/A",
            "'150000A0100|'150000A01002|'15|MÉXICO|'02|DISTRITO 2|'N/A|'N/A|A|'00|1|2|N/A|1|2|0|0|3|3|0|N/A|-|1|cd",
            "'150102B0100|'150102B01002|'15|MÉXICO|'01|DISTRITO 1|'0102|'01|B|'00|2|2|-|-|-|-|-|-|-|400|4|-|-|-",
            "'150103B0100|'150103B01002|'15|MÉXICO|'01|DISTRITO 1|'0103|'01|B|'00|2|2",
        ]);
        let f = read_published(&bytes).expect("read");
        assert_eq!(f.vote_columns, ["PAN", "PRI", "C_PAN_PRI", "NULOS"]);
        assert_eq!(f.malformed.len(), 1);
        assert_eq!(f.malformed[0].line, 8);
        assert!(
            f.malformed[0].message.contains("found 12"),
            "{:?}",
            f.malformed
        );
        assert_eq!(f.rows.len(), 4);

        let first = &f.rows[0];
        assert_eq!(first.line, 4);
        assert_eq!(first.status, Contabilizada::Si);
        assert_eq!(first.entry.clave_acta, "150101B01002");
        assert_eq!(first.entry.geography.entidad, "MÉXICO");
        assert_eq!(first.entry.lista_nominal, 500);
        assert_eq!(first.entry.representantes, 4);
        assert_eq!(first.ident.id_area.as_deref(), Some("01"));
        assert_eq!(first.ident.occurrence, None);
        // PRI is `-`: not on this acta's ballot, left out.
        assert_eq!(first.content.votes.len(), 3);
        assert_eq!(first.content.votes["PAN"], Value::Number(10));
        assert_eq!(
            first.content.details.counts["TOTAL_PERSONAS_VOTARON"],
            Value::Number(30)
        );
        assert_eq!(
            first.content.details.codigo_integridad.as_deref(),
            Some("ab")
        );

        // The file repeats a CLAVE_ACTA in one area: numbered in file order.
        assert_eq!(f.rows[1].ident.occurrence, Some(1));
        assert_eq!(f.rows[2].ident.occurrence, Some(2));
        assert_eq!(
            f.rows[1].content.details.sin_acta,
            Some(SinActaReason::PaqueteNoEntregado)
        );
        assert_eq!(f.rows[3].status, Contabilizada::NoCapturada);
        assert_eq!(f.catalogue().len(), 4);
        let spec = f.election_spec("DIP", prep_count::Rules::anexo13());
        assert_eq!(spec.title, "DIPUTACIONES");
        assert_eq!(spec.columns, f.vote_columns);
    }
}

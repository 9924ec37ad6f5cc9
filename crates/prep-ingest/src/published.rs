//! Rows of a published PREP database as the store's types: each row's catalogue entry, its
//! identification as captured and its content. Used by the bulk load, and to build a store
//! from a published file.
//!
//! The file is read with `prep-csv` ([`prep_csv::read_head`], [`prep_csv::TableReader`]),
//! row by row, so a malformed row is reported with its line and the others still load; each
//! row is converted by [`prep_store::published`], as `prep-publish` converts a whole file.

use prep_csv::{Head, RawRow, ReadError, TableReader, read_head};
use prep_model::{CatalogueEntry, Contabilizada};
use prep_store::published::{PublishedColumns, StatusError, repeated_occurrences, vote_columns};
use prep_store::{ActaContent, ActaIdent, ElectionSpec};

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

/// Reads a published database (any dialect `prep-csv` reads) into rows of the store's
/// types. An unreadable preamble or header is an error; a malformed row is listed in
/// [`PublishedFile::malformed`] and the reading goes on.
pub fn read_published(bytes: &[u8]) -> Result<PublishedFile, ReadError> {
    let Some(at) = read_head(bytes, true)? else {
        return Err(ReadError::at(0, prep_csv::ReadErrorKind::NoHeader));
    };
    let head = at.head;
    let layout = &head.layout;
    let columns = PublishedColumns::new(&head.header, layout);
    let vote_columns = vote_columns(&head.header, layout);
    let table = bytes.get(at.rows_offset..).unwrap_or_default();
    let mut reader = TableReader::new(table, at.first_line, head.dialect.delimiter, layout.width);
    let mut raw = RawRow::default();
    let mut rows = Vec::new();
    let mut malformed = Vec::new();
    loop {
        match reader.next_into(&mut raw) {
            Ok(false) => break,
            Ok(true) => match convert(&raw, &columns) {
                Ok(row) => rows.push(row),
                Err(e) => malformed.push(RowError {
                    line: raw.line(),
                    message: e.to_string(),
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
    let in_catalogue = |r: &&mut PublishedRow| r.status != Contabilizada::FueraDeCatalogo;
    let mut catalogue: Vec<&mut PublishedRow> = rows.iter_mut().filter(in_catalogue).collect();
    let occurrences = repeated_occurrences(catalogue.iter().map(|r| &r.entry));
    for (r, occurrence) in catalogue.iter_mut().zip(occurrences) {
        r.ident.occurrence = occurrence;
    }
}

/// One row into the store's types.
fn convert(raw: &RawRow, columns: &PublishedColumns) -> Result<PublishedRow, StatusError> {
    let status = columns.status(raw)?;
    Ok(PublishedRow {
        line: raw.line(),
        status,
        entry: columns.entry(raw),
        ident: columns.ident(raw),
        content: if status == Contabilizada::FueraDeCatalogo {
            columns.fuera_content(raw)
        } else {
            columns.content(raw)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prep_model::{SinActaReason, Value};

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

//! Rows of a published PREP database as the store's types: each row's CONTABILIZADA, its
//! catalogue entry, its identification as captured and its content (votes and details).
//!
//! One conversion for both readers of published files: the bulk load of `prep-ingest`
//! streams [`prep_csv::RawRow`]s, and the directories and replays of `prep-publish` read a
//! whole [`prep_csv::Database`]'s [`prep_csv::Row`]s; both are [`Cells`].
//! [`PublishedColumns`] finds, once per header, where everything the store needs sits.

use crate::catalogue::catalogue_keys;
use crate::{ActaContent, ActaDetails, ActaIdent, PublishedClassification, RowLayout};
use prep_csv::{Layout, RawRow, Row};
use prep_model::{CasillaType, CatalogueEntry, Contabilizada, Geography, Observations, Value};

/// The cells of one acta row, however it was read.
pub trait Cells {
    /// A cell as text without surrounding spaces (key cells without their `'`); empty when
    /// out of range.
    fn text(&self, i: usize) -> String;
    /// A cell as a [`Value`].
    fn value(&self, i: usize) -> Value;
    /// A cell as text exactly as printed (decoded, key `'` dropped), spaces kept.
    fn printed(&self, i: usize) -> String;
}

/// A streamed row: cells are decoded one by one (UTF-8, or Latin-1 when not valid UTF-8),
/// and a leading `'` is dropped from every text cell.
impl Cells for RawRow<'_> {
    fn text(&self, i: usize) -> String {
        prep_csv::decode_auto(self.key(i)).trim().to_owned()
    }

    fn value(&self, i: usize) -> Value {
        RawRow::value(self, i)
    }

    fn printed(&self, i: usize) -> String {
        prep_csv::decode_auto(self.raw(i)).into_owned()
    }
}

/// A row of a [`prep_csv::Database`]: already decoded, `'` dropped from the key cells of
/// catalogue rows.
impl Cells for Row {
    fn text(&self, i: usize) -> String {
        Row::text(self, i).trim().to_owned()
    }

    fn value(&self, i: usize) -> Value {
        self.cells.get(i).cloned().unwrap_or(Value::Empty)
    }

    fn printed(&self, i: usize) -> String {
        self.cells
            .get(i)
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// The vote column names of a header, in header order, without surrounding spaces.
pub fn vote_columns(header: &[String], layout: &Layout) -> Vec<String> {
    header
        .get(layout.votes.clone())
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().to_owned())
        .collect()
}

/// Where a published header puts what the store needs: the [`Layout`] and the columns it
/// does not carry.
#[derive(Debug, Clone)]
pub struct PublishedColumns {
    layout: Layout,
    votes: Vec<(usize, String)>,
    counts: Vec<(usize, String)>,
    entidad: Option<usize>,
    id_casilla: Option<usize>,
    ext_contigua: Option<usize>,
    ubicacion: Option<usize>,
    tipo_acta: Option<usize>,
    total_votos_asentado: Option<usize>,
    codigo_integridad: Option<usize>,
    fecha_hora_acopio: Option<usize>,
    fecha_hora_captura: Option<usize>,
    fecha_hora_verificacion: Option<usize>,
    mecanismos_traslado: Option<usize>,
    origen: Option<usize>,
    digitalizacion: Option<usize>,
    tipo_documento: Option<usize>,
    /// The identification columns an acta fuera de catálogo may print as read.
    identification: Vec<(usize, String)>,
}

impl PublishedColumns {
    /// The columns of `header`, whose layout is `layout`. The counts
    /// ([`ActaDetails::counts`]) are the columns [`RowLayout::count_columns`] names, so a
    /// corte renders back every column read.
    pub fn new(header: &[String], layout: &Layout) -> PublishedColumns {
        let find = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| header.iter().position(|h| h.trim() == *n))
        };
        let names = vote_columns(header, layout);
        let counts = RowLayout::new(header, &names)
            .count_columns()
            .map(|(i, n)| (i, n.to_owned()))
            .collect();
        PublishedColumns {
            votes: layout.votes.clone().zip(names).collect(),
            counts,
            entidad: find(&["ENTIDAD", "ESTADO", "NOMBRE_ESTADO"]),
            id_casilla: find(&["ID_CASILLA"]),
            ext_contigua: find(&["EXT_CONTIGUA"]),
            ubicacion: find(&["UBICACION_CASILLA"]),
            tipo_acta: find(&["TIPO_ACTA"]),
            total_votos_asentado: find(&["TOTAL_VOTOS_ASENTADO"]),
            codigo_integridad: find(&["CODIGO_INTEGRIDAD", "SHA"]),
            fecha_hora_acopio: find(&["FECHA_HORA_ACOPIO"]),
            fecha_hora_captura: find(&["FECHA_HORA_CAPTURA"]),
            fecha_hora_verificacion: find(&["FECHA_HORA_VERIFICACION"]),
            mecanismos_traslado: find(&["MECANISMOS_TRASLADO"]),
            origen: find(&["ORIGEN"]),
            digitalizacion: find(&["DIGITALIZACION"]),
            tipo_documento: find(&["TIPO_DOCUMENTO"]),
            identification: header
                .iter()
                .enumerate()
                .filter(|(_, h)| crate::render::is_identification(h.trim()))
                .map(|(i, h)| (i, h.trim().to_owned()))
                .collect(),
            layout: layout.clone(),
        }
    }

    /// CONTABILIZADA as published (`-`: not captured yet; `2`: fuera de catálogo), or why
    /// the cell is not one.
    pub fn status(&self, row: &impl Cells) -> Result<Contabilizada, StatusError> {
        let cell = row.text(self.layout.contabilizada);
        Contabilizada::parse(&cell).ok_or_else(|| StatusError {
            cell: cell.to_string(),
        })
    }

    /// The catalogue entry a row describes (meaningless for a row fuera de catálogo). The
    /// published file does not carry the approved ballots of a casilla especial
    /// (`boletas_especial` is `None`); a number cell that holds none (`N/A`, `-`) is 0.
    pub fn entry(&self, row: &impl Cells) -> CatalogueEntry {
        let l = &self.layout;
        let number = |i: Option<usize>| i.and_then(|i| row.value(i).number()).unwrap_or(0);
        CatalogueEntry {
            clave_casilla: text(row, l.clave_casilla),
            clave_acta: text(row, l.clave_acta),
            casilla_type: CasillaType::parse(&row.text(l.tipo_casilla)),
            id_casilla: text(row, self.id_casilla),
            ext_contigua: text(row, self.ext_contigua),
            ubicacion: u8::try_from(number(self.ubicacion)).unwrap_or(0),
            tipo_acta: text(row, self.tipo_acta),
            lista_nominal: number(Some(l.lista_nominal)),
            representantes: number(l.representantes),
            boletas_especial: None,
            geography: Geography {
                id_entidad: text(row, l.id_entidad),
                entidad: text(row, self.entidad),
                id_area: text(row, l.area.map(|(i, _)| i)),
                area: text(row, l.area.and_then(|(_, n)| n)),
                seccion: text(row, l.seccion),
            },
        }
    }

    /// The identification as a capture centre would give it: CLAVE_ACTA, and the area and
    /// ID_ENTIDAD when the row has them. No occurrence: see [`repeated_occurrences`].
    pub fn ident(&self, row: &impl Cells) -> ActaIdent {
        let l = &self.layout;
        ActaIdent {
            clave_acta: text(row, l.clave_acta),
            id_area: optional(row, l.area.map(|(i, _)| i)),
            occurrence: None,
            id_entidad: optional(row, l.id_entidad),
        }
    }

    /// What was captured: the vote cells (a `-` cell, not on this acta's ballot, is left
    /// out), TOTAL_VOTOS_ASENTADO (`-` without the column), the counts, the sin acta reason
    /// of OBSERVACIONES, the non-empty detail cells, and the institute's classification
    /// (CONTABILIZADA and OBSERVACIONES as printed).
    pub fn content(&self, row: &impl Cells) -> ActaContent {
        let votes = self
            .votes
            .iter()
            .map(|(i, name)| (name.clone(), row.value(*i)))
            .filter(|(_, v)| *v != Value::Dash)
            .collect();
        let details = ActaDetails {
            total_votos_asentado: self
                .total_votos_asentado
                .map_or(Value::Dash, |i| row.value(i)),
            counts: self
                .counts
                .iter()
                .map(|(i, name)| (name.clone(), row.value(*i)))
                .collect(),
            sin_acta: Observations::parse(&row.text(self.layout.observaciones)).sin_acta_reason(),
            codigo_integridad: optional(row, self.codigo_integridad),
            fecha_hora_acopio: optional(row, self.fecha_hora_acopio),
            fecha_hora_captura: optional(row, self.fecha_hora_captura),
            fecha_hora_verificacion: optional(row, self.fecha_hora_verificacion),
            mecanismos_traslado: optional(row, self.mecanismos_traslado),
            origen: optional(row, self.origen),
            digitalizacion: optional(row, self.digitalizacion),
            tipo_documento: optional(row, self.tipo_documento),
            published: Some(PublishedClassification {
                contabilizada: row.text(self.layout.contabilizada),
                observaciones: row.printed(self.layout.observaciones),
                identification: Default::default(),
            }),
        };
        ActaContent { votes, details }
    }
}

impl PublishedColumns {
    /// [`PublishedColumns::content`] of a row fuera de catálogo: with the identification
    /// cells it printed ([`PublishedClassification::identification`]), which a corte prints
    /// back.
    pub fn fuera_content(&self, row: &impl Cells) -> ActaContent {
        let mut content = self.content(row);
        if let Some(p) = content.details.published.as_mut() {
            p.identification = self
                .identification
                .iter()
                .map(|(i, name)| (name.clone(), row.printed(*i)))
                .filter(|(_, cell)| !cell.is_empty())
                .collect();
        }
        content
    }
}

/// The text of a cell, empty without the column.
fn text(row: &impl Cells, i: Option<usize>) -> String {
    i.map(|i| row.text(i)).unwrap_or_default()
}

/// The text of a cell, `None` when empty or without the column.
fn optional(row: &impl Cells, i: Option<usize>) -> Option<String> {
    Some(text(row, i)).filter(|t| !t.is_empty())
}

/// For each entry of a catalogue, in order, the occurrence the store numbers it with when
/// its CLAVE_ACTA and area repeat in the catalogue (1, 2, …, as in `CLAVE@AREA#N`); `None`
/// when the pair is unique.
pub fn repeated_occurrences<'a>(
    entries: impl IntoIterator<Item = &'a CatalogueEntry>,
) -> Vec<Option<u32>> {
    let entries: Vec<&CatalogueEntry> = entries.into_iter().collect();
    let keys = catalogue_keys(entries.iter().copied());
    entries
        .iter()
        .zip(keys)
        .map(|(e, (key, occurrence))| {
            let numbered = format!(
                "{}@{}#{occurrence}",
                e.clave_acta.trim(),
                e.geography.id_area.trim()
            );
            (key == numbered).then_some(occurrence)
        })
        .collect()
}

/// A CONTABILIZADA cell that is none of the published values: the row is not one of the
/// database's (fix the cell, or check the file is the institute's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("CONTABILIZADA '{cell}' is not 0, 1, 2 or -")]
pub struct StatusError {
    /// The cell as written.
    pub cell: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prep_csv::{Database, TableReader, read_head};

    const FILE: &str = "DIPUTACIONES\n\nCLAVE_CASILLA|CLAVE_ACTA|ID_ENTIDAD|ENTIDAD|ID_DISTRITO|DISTRITO|SECCION|ID_CASILLA|TIPO_CASILLA|EXT_CONTIGUA|UBICACION_CASILLA|TIPO_ACTA|TOTAL_PERSONAS_VOTARON|PAN|PRI|NULOS|TOTAL_VOTOS_ASENTADO|TOTAL_VOTOS_CALCULADO|LISTA_NOMINAL|REPRESENTANTES_PP_CI|OBSERVACIONES|CONTABILIZADA|CODIGO_INTEGRIDAD|FECHA_HORA_CAPTURA\n\
'150101B0100|'150101B01002|'15|MÉXICO|'01|DISTRITO 1|'0101|'01|B|'00|1|2|30|10|-|1|11|11|500|4|-|1|ab|02/06/2024 20:00:00\n\
'150000A0100|'150000A01002|'15|MÉXICO|'02|DISTRITO 2|'N/A|'N/A|A|'00|1|2|N/A|SIN ACTA|SIN ACTA|SIN ACTA|SIN ACTA|0|0|N/A|SIN ACTA POR PAQUETE NO ENTREGADO|0|N/A|\n\
'150000A0100|'150000A01002|'15|MÉXICO|'02|DISTRITO 2|'N/A|'N/A|A|'00|1|2|3|1|2|0|3|3|0|N/A|-|1|cd|\n\
|999|15|MÉXICO|||||||3||||||||||FUERA DE CATALOGO|2|ef|\n";

    type Converted = (
        Result<Contabilizada, StatusError>,
        CatalogueEntry,
        ActaIdent,
        ActaContent,
    );

    fn convert(c: &PublishedColumns, row: &impl Cells) -> Converted {
        (c.status(row), c.entry(row), c.ident(row), c.content(row))
    }

    /// Every row converted from a whole database and from the streaming reader.
    fn both(bytes: &[u8]) -> Vec<Converted> {
        let db = Database::from_bytes(bytes).expect("database");
        let columns = PublishedColumns::new(&db.header, &db.layout);
        let from_db: Vec<Converted> = db.rows.iter().map(|r| convert(&columns, r)).collect();
        let at = read_head(bytes, true).expect("head").expect("header");
        let (head, table) = (&at.head, &bytes[at.rows_offset..]);
        let columns = PublishedColumns::new(&head.header, &head.layout);
        let mut reader = TableReader::new(
            table,
            at.first_line,
            head.dialect.delimiter,
            head.layout.width,
        );
        let mut raw = RawRow::default();
        let mut streamed = Vec::new();
        while reader.next_into(&mut raw).expect("row") {
            streamed.push(convert(&columns, &raw));
        }
        assert_eq!(from_db, streamed, "both readers convert alike");
        from_db
    }

    #[test]
    fn a_database_and_a_stream_convert_alike() {
        let latin1: Vec<u8> = FILE
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect();
        for bytes in [FILE.as_bytes(), &latin1] {
            let rows = both(bytes);
            let (status, entry, ident, content) = &rows[0];
            assert_eq!(*status, Ok(Contabilizada::Si));
            assert_eq!(entry.clave_acta, "150101B01002");
            assert_eq!(entry.geography.entidad, "MÉXICO");
            assert_eq!((entry.lista_nominal, entry.representantes), (500, 4));
            assert_eq!(ident.id_area.as_deref(), Some("01"));
            // PRI is `-`: not on this acta's ballot.
            assert_eq!(content.votes.keys().collect::<Vec<_>>(), ["NULOS", "PAN"]);
            assert_eq!(
                content.details.counts["TOTAL_PERSONAS_VOTARON"],
                Value::Number(30)
            );
            assert_eq!(
                content.details.fecha_hora_captura.as_deref(),
                Some("02/06/2024 20:00:00")
            );
            assert_eq!(rows[1].2.id_area.as_deref(), Some("02"));
            assert_eq!(
                rows[1].3.details.sin_acta,
                Some(prep_model::SinActaReason::PaqueteNoEntregado)
            );
            assert_eq!(rows[1].1.lista_nominal, 0, "N/A reads as 0");
            assert_eq!(rows[3].0, Ok(Contabilizada::FueraDeCatalogo));
            assert_eq!(rows[3].2.clave_acta, "999");
            assert_eq!(rows[3].2.id_area, None);
            let occurrences = repeated_occurrences(rows.iter().take(3).map(|r| &r.1));
            assert_eq!(occurrences, [None, Some(1), Some(2)]);
        }
    }
}

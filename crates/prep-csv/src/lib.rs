//! Reading and writing the published PREP database: the CSV file every Mexican institute
//! publishes with each corte, which every analyst in the country already reads.
//!
//! A file has a preamble (election title, corte date and time, the summary names and values)
//! and a table (a header, then one row per acta). This crate finds the summary and the header
//! by their first column names, never by line numbers, and reads every dialect seen in
//! published files since 2017: UTF-8 with or without BOM or Latin-1, comma or pipe delimiter
//! (and a `sep=|` line), LF, CRLF or bare CR line ends, quoted cells and corte lines,
//! `'`-prefixed keys, `.0` on vote totals, `%`-suffixed or `'`-prefixed percentages,
//! thousands separators, accented or spelled-out summary names, a summary values line
//! shorter than its names, files with no summary at all, the pre-2018 format (no
//! CLAVE_CASILLA, rows starting at ID_ESTADO, the row of an acta not captured yet cut after
//! its identification columns), and the INE 2018/2021 and 2024/OPL header names. Whether an
//! empty CONTABILIZADA or a cut row means "not captured" is the counting profile's call
//! (`prep_count::profiles`); the reader keeps them. A database keeps the text it was read
//! from, so that writing it back in its own dialect gives the same bytes.
//!
//! Principal types:
//!
//! - [`Database`]: a whole file in memory; [`Database::read`] then [`Database::write`]
//!   reproduces a file byte for byte in its own [`Dialect`].
//! - [`Dialect`]: everything about the bytes that is not data (BOM, encoding, delimiter,
//!   quoting, line ending, apostrophes on keys, number styles in the summary, blank lines).
//! - [`Preamble`] and [`PublishedSummary`]: the title, corte and summary as printed.
//! - [`Layout`]: where each column the rules need sits in the header, under any of its names.
//! - [`read_head`] and [`TableReader`]: a streaming, allocation-free reader of acta rows ([`RawRow`]) for the
//!   fast paths (recount of a national file).
//! - [`read_candidaturas`]: the `*_Candidaturas_*.csv` file into a
//!   [`prep_model::CandidacyMap`].
//! - [`leeme`]: the Spanish `LEEME.txt` that goes in the database's zip, describing exactly
//!   the columns of its header.
//!
//! CSV tokenising and quoting are the `csv` crate's; errors are `thiserror` types carrying the
//! line number and the reason, never a panic.
//!
//! A small database read from its bytes and written back, byte for byte:
//!
//! ```rust
//! use prep_count::{SummaryField, SummaryValue};
//! use prep_csv::Database;
//!
//! let file = "GUBERNATURA\r\n\
//!     03/06/2024 20:00 (UTC-6)\r\n\
//!     ACTAS_ESPERADAS,ACTAS_REGISTRADAS,ACTAS_FUERA_CATALOGO,ACTAS_CAPTURADAS,\
//!     PORCENTAJE_ACTAS_CAPTURADAS,ACTAS_CONTABILIZADAS,PORCENTAJE_ACTAS_CONTABILIZADAS,\
//!     PORCENTAJE_ACTAS_INCONSISTENCIAS,ACTAS_NO_CONTABILIZADAS,\
//!     LISTA_NOMINAL_ACTAS_CONTABILIZADAS,TOTAL_VOTOS_C_CS,TOTAL_VOTOS_S_CS,\
//!     PORCENTAJE_PARTICIPACION_CIUDADANA\r\n\
//!     2,1,0,1,50.0000,1,50.0000,0.0000,0,500,10,10,2.0000\r\n\
//!     CLAVE_CASILLA,TIPO_CASILLA,MUNICIPIO,PAN,NULOS,TOTAL_VOTOS_CALCULADO,\
//!     LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\r\n\
//!     '0001B0100,B,\"SAN PEDRO, CHOLULA\",9,1,10,500,,1\r\n\
//!     '0002B0100,B,PUEBLA,-,-,-,480,,-\r\n";
//!
//! let db = Database::from_bytes(file.as_bytes())?;
//! assert_eq!(db.preamble.title.as_deref(), Some("GUBERNATURA"));
//! let summary = db.preamble.summary.as_ref().expect("a summary");
//! assert_eq!(
//!     summary.value(SummaryField::ActasContabilizadas),
//!     Some(SummaryValue::Count(1))
//! );
//! assert_eq!(db.rows.len(), 2);
//! assert_eq!(db.rows[0].text(2), "SAN PEDRO, CHOLULA");
//! assert!(db.dialect.apostrophe_keys);
//!
//! let mut written = Vec::new();
//! db.write(&mut written)?;
//! assert_eq!(written, file.as_bytes());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod candidaturas;
mod database;
mod dialect;
mod error;
mod layout;
mod leeme;
mod preamble;
mod records;
mod table;

pub use candidaturas::read_candidaturas;
pub use database::{Database, Head, HeadAt, Row, TableWriter, read_head, write_preamble};
pub use dialect::{Dialect, Encoding, LineEnding};
pub use error::{ReadError, ReadErrorKind};
pub use layout::{
    AREA_COLUMNS_AT, KEY_COLUMNS, LEADING_COLUMNS_2024, Layout, TRAILING_COLUMNS_2024, header_2024,
};
pub use leeme::{LeemeInfo, leeme};
pub use preamble::{Preamble, PreambleItem, PublishedSummary, group_thousands};
pub use records::{complete_rows, count_line_ends};
pub use table::{RawRow, Table, TableReader};

/// Decodes one cell: as UTF-8 when it is valid UTF-8, as Latin-1 otherwise (an accented
/// Latin-1 letter is never valid UTF-8 next to ASCII, so the guess is safe cell by cell).
pub fn decode_auto(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => decode(bytes, Encoding::Latin1),
    }
}

/// Decodes a file's bytes in the given encoding (UTF-8 borrowed, Latin-1 converted).
pub fn decode(bytes: &[u8], encoding: Encoding) -> std::borrow::Cow<'_, str> {
    match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes),
        Encoding::Latin1 => std::borrow::Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

//! Read errors, with the line they happened on.

/// Why a database file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ReadError {
    /// 1-based line number in the file (0 when the error is about the whole file).
    pub line: u64,
    /// What was wrong.
    pub kind: ReadErrorKind,
}

/// What was wrong with a database file.
#[derive(Debug, thiserror::Error)]
pub enum ReadErrorKind {
    /// The input could not be read.
    #[error("cannot read input: {0}")]
    Io(#[from] std::io::Error),
    /// No table header (a line whose first cell is CLAVE_CASILLA) was found.
    #[error(
        "no table header found: expected a line starting with CLAVE_CASILLA (is this a PREP database?)"
    )]
    NoHeader,
    /// No summary line (first cell ACTAS_ESPERADAS) was found before the header.
    #[error(
        "no summary found: expected a line starting with ACTAS_ESPERADAS before the table header"
    )]
    NoSummary,
    /// The summary names line has no values line after it, or the counts differ.
    #[error("summary has {names} names but {values} values")]
    SummaryShape {
        /// Number of names.
        names: usize,
        /// Number of values.
        values: usize,
    },
    /// A column the counting rules need is missing from the header.
    #[error("the header has no {0} column")]
    MissingColumn(&'static str),
    /// A row has the wrong number of cells.
    #[error("expected {expected} cells as in the header, found {found}")]
    FieldCount {
        /// Cells in the header.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },
    /// CONTABILIZADA is none of 0, 1, 2 or `-`.
    #[error("CONTABILIZADA is {0:?}; expected 0, 1, 2 or -")]
    BadContabilizada(String),
    /// The CSV tokeniser failed (for example an unterminated quote).
    #[error("malformed CSV: {0}")]
    Csv(String),
}

impl ReadError {
    /// An error at a line.
    pub fn at(line: u64, kind: ReadErrorKind) -> ReadError {
        ReadError { line, kind }
    }
}

//! Everything about a file's bytes that is not data.

use serde::{Deserialize, Serialize};

/// Text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8 (IEE Puebla 2024, INE 2024).
    Utf8,
    /// ISO-8859-1 (older INE files).
    Latin1,
}

/// Line terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
    /// `\r` alone (old Mac files).
    Cr,
}

impl LineEnding {
    /// The terminator's bytes.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
            LineEnding::Cr => "\r",
        }
    }
}

/// How a published database is written, apart from its data. Detected on read, so that a
/// file read then written in its own dialect is reproduced byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dialect {
    /// A UTF-8 byte-order mark opens the file.
    pub bom: bool,
    /// Text encoding.
    pub encoding: Encoding,
    /// Cell delimiter: `,` (2024) or `|` (INE 2018/2021).
    pub delimiter: u8,
    /// Line terminator.
    pub line_ending: LineEnding,
    /// Every table cell is quoted (otherwise only where needed).
    pub quote_all: bool,
    /// Key columns ([`crate::KEY_COLUMNS`]) of actas in the catalogue carry a leading `'`
    /// so that spreadsheets keep their leading zeros (`'0423`).
    pub apostrophe_keys: bool,
    /// The vote totals of the summary are written with `.0` (`2658993.0`).
    pub vote_totals_decimal: bool,
    /// Percentages of the summary carry a `%` suffix.
    pub percent_sign: bool,
    /// The last line ends with a terminator.
    pub final_newline: bool,
    /// Percentages of the summary carry a leading `'` (`'97.1604`, Coahuila 2023; INE 2019).
    #[serde(default)]
    pub percent_apostrophe: bool,
    /// Counts of the summary are grouped in thousands with commas (`7,672`, INE 2019).
    #[serde(default)]
    pub thousands_separators: bool,
    /// The corte line is quoted (`"07/06/2021 13:19 (UTC-7)"`, Sonora 2021).
    #[serde(default)]
    pub quoted_corte: bool,
    /// With `apostrophe_keys`, only key cells that start with a digit get the `'`
    /// (`'05,…,N/A`, IEC Coahuila 2023); otherwise every non-empty one does (`'N/A`, IEE
    /// Puebla 2024).
    #[serde(default)]
    pub apostrophe_digits_only: bool,
    /// With `apostrophe_keys`, the key columns that carry the `'` when only some do
    /// (`CLAVE_CASILLA` and `CLAVE_ACTA` in IEE Sonora 2021, not `ID_ESTADO`); empty: every
    /// key column.
    #[serde(default)]
    pub apostrophe_columns: Vec<String>,
    /// Table cells that hold a space are quoted, as well as those that need it
    /// (`"07/06/2021 01:51:00"`, `"ACTA PREP"`, IEE Sonora 2021).
    #[serde(default)]
    pub quote_spaced: bool,
}

impl Dialect {
    /// The dialect of the IEE Puebla 2024 files (and the OPL 2024 family): BOM, UTF-8, comma,
    /// LF, apostrophes on keys, `.0` on vote totals.
    pub fn opl_2024() -> Dialect {
        Dialect {
            bom: true,
            encoding: Encoding::Utf8,
            delimiter: b',',
            line_ending: LineEnding::Lf,
            quote_all: false,
            apostrophe_keys: true,
            vote_totals_decimal: true,
            percent_sign: false,
            final_newline: true,
            percent_apostrophe: false,
            thousands_separators: false,
            quoted_corte: false,
            apostrophe_digits_only: false,
            apostrophe_columns: Vec::new(),
            quote_spaced: false,
        }
    }

    /// The dialect of INE 2018/2021 files as their LEEME describes them: pipe-delimited.
    pub fn ine_2018() -> Dialect {
        Dialect {
            bom: false,
            encoding: Encoding::Utf8,
            delimiter: b'|',
            line_ending: LineEnding::Lf,
            quote_all: false,
            apostrophe_keys: false,
            vote_totals_decimal: false,
            percent_sign: false,
            final_newline: true,
            percent_apostrophe: false,
            thousands_separators: false,
            quoted_corte: false,
            apostrophe_digits_only: false,
            apostrophe_columns: Vec::new(),
            quote_spaced: false,
        }
    }
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect::opl_2024()
    }
}

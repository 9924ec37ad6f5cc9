//! The CONTABILIZADA status of an acta.

use serde::{Deserialize, Serialize};

/// Whether an acta counts towards the results (the CONTABILIZADA column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Contabilizada {
    /// `0`: captured, in the catalogue, but not counted (sin acta, excede lista nominal,
    /// all fields illegible or empty).
    No,
    /// `1`: captured and counted.
    Si,
    /// `2`: captured but matches no expected acta (fuera de catálogo).
    FueraDeCatalogo,
    /// `-`: expected but not captured yet.
    NoCapturada,
}

impl Contabilizada {
    /// Parses the CONTABILIZADA cell; `None` when it is none of `0`, `1`, `2`, `-`.
    pub fn parse(text: &str) -> Option<Contabilizada> {
        Self::parse_bytes(text.trim().as_bytes())
    }

    /// Parses the CONTABILIZADA cell from bytes (surrounding spaces ignored).
    pub fn parse_bytes(bytes: &[u8]) -> Option<Contabilizada> {
        match bytes.trim_ascii() {
            b"0" => Some(Contabilizada::No),
            b"1" => Some(Contabilizada::Si),
            b"2" => Some(Contabilizada::FueraDeCatalogo),
            b"-" => Some(Contabilizada::NoCapturada),
            _ => None,
        }
    }

    /// The cell text.
    pub fn code(self) -> &'static str {
        match self {
            Contabilizada::No => "0",
            Contabilizada::Si => "1",
            Contabilizada::FueraDeCatalogo => "2",
            Contabilizada::NoCapturada => "-",
        }
    }

    /// True for actas of the catalogue of expected actas (captured or not).
    pub fn is_expected(self) -> bool {
        self != Contabilizada::FueraDeCatalogo
    }

    /// True for captured actas of the catalogue (counted or not).
    pub fn is_captured(self) -> bool {
        matches!(self, Contabilizada::No | Contabilizada::Si)
    }
}

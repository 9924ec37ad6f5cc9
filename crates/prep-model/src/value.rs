//! One cell of an acta row.

use serde::{Deserialize, Serialize};

/// One cell of an acta row, as the published PREP database writes it.
///
/// Numbers are kept as integers; the special legends of the LEEME are their own variants so
/// that counting never has to compare strings. Anything else is kept verbatim as [`Value::Text`]
/// so that a database can be written back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Value {
    /// A non-negative integer written in canonical form (no sign, no leading zeros).
    Number(u64),
    /// `ILEGIBLE`: the quantity could not be read in letters nor in digits.
    Ilegible,
    /// `SIN DATO`: the quantity was not written on the acta.
    SinDato,
    /// `SIN ACTA`: the acta did not arrive (the reason is in OBSERVACIONES).
    SinActa,
    /// `-`: not captured yet, or (in a vote column) not on this ballot.
    Dash,
    /// `N/A`: does not apply to this acta.
    NotApplicable,
    /// An empty cell.
    Empty,
    /// Any other text, kept verbatim.
    Text(Box<str>),
}

impl Value {
    /// Parses a cell's text. Never fails: unknown text becomes [`Value::Text`].
    pub fn parse(text: &str) -> Value {
        match text {
            "" => Value::Empty,
            "-" => Value::Dash,
            "N/A" => Value::NotApplicable,
            "ILEGIBLE" => Value::Ilegible,
            "SIN DATO" => Value::SinDato,
            "SIN ACTA" => Value::SinActa,
            _ => match parse_canonical_u64(text.as_bytes()) {
                Some(n) => Value::Number(n),
                None => Value::Text(text.into()),
            },
        }
    }

    /// Parses a cell's bytes without allocating unless the cell is free text.
    /// Bytes that are not UTF-8 are decoded lossily.
    pub fn parse_bytes(bytes: &[u8]) -> Value {
        if let Some(n) = parse_canonical_u64(bytes) {
            return Value::Number(n);
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => Value::parse(s),
            Err(_) => Value::Text(String::from_utf8_lossy(bytes).into()),
        }
    }

    /// The number in this cell, if it holds one.
    pub fn number(&self) -> Option<u64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The votes this cell contributes to a sum: its number, or 0 for every legend
    /// (ILEGIBLE and SIN DATO "se contabilizan como cero", LEEME).
    pub fn votes(&self) -> u64 {
        self.number().unwrap_or(0)
    }

    /// True when the cell holds a legible quantity (a number).
    pub fn is_legible_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    /// Appends the cell's text form to `out`.
    pub fn write_to(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }

    /// The fixed text of a legend variant, `None` for numbers and free text.
    fn as_static_str(&self) -> Option<&'static str> {
        Some(match self {
            Value::Ilegible => "ILEGIBLE",
            Value::SinDato => "SIN DATO",
            Value::SinActa => "SIN ACTA",
            Value::Dash => "-",
            Value::NotApplicable => "N/A",
            Value::Empty => "",
            Value::Number(_) | Value::Text(_) => return None,
        })
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Text(t) => f.write_str(t),
            other => f.write_str(other.as_static_str().unwrap_or_default()),
        }
    }
}

/// Parses a canonical non-negative integer: digits only, no leading zero unless it is `0`,
/// at most 19 digits. Anything else is `None` (so `0423` stays text and round-trips).
pub(crate) fn parse_canonical_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 19 || (bytes.len() > 1 && bytes[0] == b'0') {
        return None;
    }
    let mut n: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn legends_and_numbers() {
        assert_eq!(Value::parse("12"), Value::Number(12));
        assert_eq!(Value::parse("0"), Value::Number(0));
        assert_eq!(Value::parse("0423"), Value::Text("0423".into()));
        assert_eq!(Value::parse("ILEGIBLE"), Value::Ilegible);
        assert_eq!(Value::parse("SIN DATO"), Value::SinDato);
        assert_eq!(Value::parse("SIN ACTA"), Value::SinActa);
        assert_eq!(Value::parse("-"), Value::Dash);
        assert_eq!(Value::parse("N/A"), Value::NotApplicable);
        assert_eq!(Value::parse(""), Value::Empty);
        assert_eq!(Value::parse(" - "), Value::Text(" - ".into()));
        assert_eq!(Value::parse("-3"), Value::Text("-3".into()));
        assert_eq!(
            Value::parse("99999999999999999999"),
            Value::Text("99999999999999999999".into())
        );
    }

    proptest! {
        #[test]
        fn text_round_trips(s in "\\PC{0,12}") {
            let v = Value::parse(&s);
            prop_assert_eq!(v.to_string(), s.clone());
            prop_assert_eq!(Value::parse_bytes(s.as_bytes()), v);
        }
    }
}

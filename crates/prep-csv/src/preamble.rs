//! The lines above the table: title, corte and summary.

use crate::Dialect;
use prep_count::{Summary, SummaryField, SummaryValue};
use serde::{Deserialize, Serialize};

/// One element of the preamble, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreambleItem {
    /// The election title line (`GUBERNATURA`).
    Title,
    /// The corte date and time line (`03/06/2024 20:00 (UTC-6)`).
    Corte,
    /// The two summary lines: names, then values.
    Summary,
    /// An empty line.
    Blank,
    /// Any other line, kept verbatim.
    Text(String),
}

/// The summary as printed in a file: names and values exactly as written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PublishedSummary {
    /// The field names as printed (spellings vary by institute and year).
    pub names: Vec<String>,
    /// The values as printed (`8334`, `99.1000`, `2658993.0`, `64.4492%`).
    pub values: Vec<String>,
}

impl PublishedSummary {
    /// The printed value of a field, found under any of its names.
    pub fn raw(&self, field: SummaryField) -> Option<&str> {
        let i = self
            .names
            .iter()
            .position(|n| SummaryField::from_name(n) == Some(field))?;
        self.values.get(i).map(String::as_str)
    }

    /// The parsed value of a field; `None` when absent or unparseable.
    pub fn value(&self, field: SummaryField) -> Option<SummaryValue> {
        SummaryValue::parse_published(field, self.raw(field)?)
    }

    /// Prints a computed summary with the 2024 names in a dialect.
    pub fn render(summary: &Summary, dialect: &Dialect) -> PublishedSummary {
        let names: Vec<String> = SummaryField::ALL
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        PublishedSummary::render_named(summary, dialect, names)
    }

    /// Prints a computed summary under the given names (those of the file being reproduced);
    /// names that are no summary field get an empty value.
    pub fn render_named(
        summary: &Summary,
        dialect: &Dialect,
        names: Vec<String>,
    ) -> PublishedSummary {
        let values = names
            .iter()
            .map(|n| match SummaryField::from_name(n) {
                Some(f) => format_value(f, summary.get(f), dialect),
                None => String::new(),
            })
            .collect();
        PublishedSummary { names, values }
    }
}

/// Formats one summary value in a dialect's number style.
pub fn format_value(field: SummaryField, value: SummaryValue, dialect: &Dialect) -> String {
    match value {
        SummaryValue::Percent(p) if dialect.percent_sign => format!("{p}%"),
        SummaryValue::Count(n) if field.is_vote_total() && dialect.vote_totals_decimal => {
            format!("{n}.0")
        }
        v => v.to_string(),
    }
}

/// The preamble of a database file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Preamble {
    /// The election title (`GUBERNATURA`).
    pub title: Option<String>,
    /// The corte date and time as printed (`03/06/2024 20:00 (UTC-6)`).
    pub corte: Option<String>,
    /// The summary, when the file has one.
    pub summary: Option<PublishedSummary>,
    /// The order of lines.
    pub items: Vec<PreambleItem>,
}

impl Preamble {
    /// The OPL 2024 layout: title, corte, blank, summary, blank.
    pub fn opl_2024(title: &str, corte: &str, summary: PublishedSummary) -> Preamble {
        Preamble {
            title: Some(title.to_owned()),
            corte: Some(corte.to_owned()),
            summary: Some(summary),
            items: vec![
                PreambleItem::Title,
                PreambleItem::Corte,
                PreambleItem::Blank,
                PreambleItem::Summary,
                PreambleItem::Blank,
            ],
        }
    }

    /// Parses the lines above the header. `split` splits one line into cells.
    pub(crate) fn parse(lines: &[&str], split: impl Fn(&str) -> Vec<String>) -> Preamble {
        let mut p = Preamble::default();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let first = split(line).into_iter().next().unwrap_or_default();
            // Blank is written back as an empty line: only ASCII spaces may be dropped. A
            // no-break space (Latin-1 0xA0) is kept as text, or writing the line back could
            // drop the one byte that made the file Latin-1 and change its encoding.
            if line.bytes().all(|b| b.is_ascii_whitespace()) {
                p.items.push(PreambleItem::Blank);
            } else if p.summary.is_none() && SummaryField::from_name(&first).is_some() {
                let names = split(line);
                let values = lines.get(i + 1).map(|l| split(l)).unwrap_or_default();
                p.summary = Some(PublishedSummary { names, values });
                p.items.push(PreambleItem::Summary);
                i += 1;
            } else if p.title.is_none() && p.corte.is_none() && !looks_like_corte(line) {
                p.title = Some(line.to_owned());
                p.items.push(PreambleItem::Title);
            } else if p.corte.is_none() && looks_like_corte(line) {
                p.corte = Some(line.to_owned());
                p.items.push(PreambleItem::Corte);
            } else {
                p.items.push(PreambleItem::Text(line.to_owned()));
            }
            i += 1;
        }
        p
    }
}

/// `dd/mm/yyyy hh:mm…`: the corte line.
fn looks_like_corte(line: &str) -> bool {
    let b = line.trim().as_bytes();
    b.len() >= 16
        && b[2] == b'/'
        && b[5] == b'/'
        && b[10] == b' '
        && b[13] == b':'
        && [0, 1, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15]
            .iter()
            .all(|&k| b[k].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corte_line() {
        assert!(looks_like_corte("03/06/2024 20:00 (UTC-6)"));
        assert!(!looks_like_corte("GUBERNATURA"));
    }
}

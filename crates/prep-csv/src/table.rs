//! Streaming access to the acta rows.

use crate::{ReadError, ReadErrorKind, count_line_ends};
use prep_model::Value;

/// One acta row as tokenised bytes, reused between rows so reading allocates nothing. On
/// the plain path its cells are ranges of the file's own bytes (no copy); on the general CSV
/// path they are copied, unquoted, into a buffer of the row.
#[derive(Debug, Default, Clone)]
pub struct RawRow<'a> {
    /// The line (plain path).
    src: &'a [u8],
    /// The unquoted cells (general path).
    owned: Vec<u8>,
    /// Whether the cells are in `src` (else in `owned`).
    borrowed: bool,
    /// Start and end of each cell.
    bounds: Vec<(usize, usize)>,
    line: u64,
}

impl RawRow<'_> {
    /// The row's 1-based line number in the file.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    /// True when the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    /// A cell's bytes as written (quotes removed by the tokeniser); empty when out of range.
    pub fn raw(&self, i: usize) -> &[u8] {
        let buf = if self.borrowed { self.src } else { &self.owned };
        self.bounds
            .get(i)
            .and_then(|&(s, e)| buf.get(s..e))
            .unwrap_or_default()
    }

    /// A key cell's bytes without the `'` prefix.
    pub fn key(&self, i: usize) -> &[u8] {
        strip_apostrophes(self.raw(i)).0
    }

    /// A cell parsed as a [`Value`].
    pub fn value(&self, i: usize) -> Value {
        Value::parse_bytes(self.raw(i))
    }

    /// A cell's number, if it holds one.
    pub fn number(&self, i: usize) -> Option<u64> {
        self.value(i).number()
    }
}

/// Removes a leading `'`. The flag tells whether there was one.
pub(crate) fn strip_apostrophes(b: &[u8]) -> (&[u8], bool) {
    match b {
        [b'\'', rest @ ..] => (rest, true),
        _ => (b, false),
    }
}

/// The bytes of the acta rows (everything after the header line), with what is needed to
/// tokenise them.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    /// The bytes.
    pub bytes: &'a [u8],
    /// Line number of the first byte.
    pub first_line: u64,
    /// Cell delimiter.
    pub delimiter: u8,
    /// Cells per row.
    pub width: usize,
    /// Rows may have fewer cells than the header ([`TableReader::allowing_short_rows`]).
    pub short_rows: bool,
}

impl<'a> Table<'a> {
    /// A streaming reader over the rows.
    pub fn reader(&self) -> TableReader<'a> {
        TableReader::new(self.bytes, self.first_line, self.delimiter, self.width)
            .allowing_short_rows(self.short_rows)
    }
}

/// Reads acta rows one at a time from the bytes after the header.
///
/// A table without a single quote character is plain delimiter-separated text: rows are cut
/// at line ends and cells at delimiters with `memchr`, several times faster than a general
/// CSV tokeniser. Any table with a quote goes through the `csv` crate, which handles quoted
/// delimiters, quotes and line breaks. Both give the same rows (tested).
pub struct TableReader<'a> {
    mode: Mode<'a>,
    first_line: u64,
    width: usize,
    short_rows: bool,
}

enum Mode<'a> {
    /// No quote anywhere: split on bytes.
    Plain {
        rest: &'a [u8],
        line: u64,
        delimiter: u8,
    },
    /// The general CSV tokeniser. Its own line numbers are off after a blank line or a CRLF
    /// line end, so lines are counted here from each record's byte offset.
    Csv {
        record: csv::ByteRecord,
        reader: csv::Reader<&'a [u8]>,
        table: &'a [u8],
        scanned: usize,
        newlines: u64,
    },
}

impl Mode<'_> {
    /// The line of the first byte of a record that starts at `offset` (terminators skipped).
    fn line_at(&mut self, first_line: u64, offset: u64) -> u64 {
        let Mode::Csv {
            table,
            scanned,
            newlines,
            ..
        } = self
        else {
            return first_line;
        };
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(table.len());
        while start < table.len() && matches!(table[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > *scanned {
            *newlines += count_line_ends(&table[*scanned..start]);
            *scanned = start;
        }
        first_line + *newlines
    }
}

impl<'a> TableReader<'a> {
    /// A reader over `table` (the bytes that follow the header line), whose first line is
    /// line `first_line` of the file; rows must have `width` cells.
    pub fn new(table: &'a [u8], first_line: u64, delimiter: u8, width: usize) -> TableReader<'a> {
        let mode = if memchr::memchr(b'"', table).is_none() {
            Mode::Plain {
                rest: table,
                line: first_line,
                delimiter,
            }
        } else {
            Self::general(table, delimiter)
        };
        TableReader {
            mode,
            first_line,
            width,
            short_rows: false,
        }
    }

    /// With `allow`, a row with fewer cells than the header is read as it is (the pre-2018
    /// format cuts the row of an acta not captured yet after its identification columns);
    /// a row with more cells is still an error.
    pub fn allowing_short_rows(mut self, allow: bool) -> TableReader<'a> {
        self.short_rows = allow;
        self
    }

    /// A reader that always uses the general CSV tokeniser (for tests of the plain path).
    pub fn new_general(
        table: &'a [u8],
        first_line: u64,
        delimiter: u8,
        width: usize,
    ) -> TableReader<'a> {
        TableReader {
            mode: Self::general(table, delimiter),
            first_line,
            width,
            short_rows: false,
        }
    }

    fn general(table: &'a [u8], delimiter: u8) -> Mode<'a> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(table);
        Mode::Csv {
            record: csv::ByteRecord::new(),
            reader,
            table,
            scanned: 0,
            newlines: 0,
        }
    }

    /// Reads the next row into `row`. `Ok(false)` at the end. Empty lines are skipped, as
    /// the CSV tokeniser does.
    pub fn next_into(&mut self, row: &mut RawRow<'a>) -> Result<bool, ReadError> {
        match &mut self.mode {
            Mode::Plain {
                rest,
                line,
                delimiter,
            } => loop {
                if rest.is_empty() {
                    return Ok(false);
                }
                // A line ends at `\n`, `\r\n` or a lone `\r`, as for the CSV tokeniser.
                let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
                let text = &rest[..end];
                let skip = if rest[end..].starts_with(b"\r\n") {
                    2
                } else {
                    1
                };
                *rest = rest.get(end + skip..).unwrap_or_default();
                row.line = *line;
                *line += 1;
                if text.is_empty() {
                    continue;
                }
                row.src = text;
                row.borrowed = true;
                row.bounds.clear();
                // Cells are short (a few bytes): a plain scan beats a vectorised search.
                let mut start = 0;
                for (cut, &b) in text.iter().enumerate() {
                    if b == *delimiter {
                        row.bounds.push((start, cut));
                        start = cut + 1;
                    }
                }
                row.bounds.push((start, text.len()));
                break;
            },
            Mode::Csv { reader, record, .. } => {
                let first_line = self.first_line;
                let read = reader.read_byte_record(record);
                let more = match read {
                    Ok(more) => more,
                    Err(e) => {
                        let offset = e.position().map_or(0, csv::Position::byte);
                        let line = self.mode.line_at(first_line, offset);
                        return Err(ReadError::at(line, ReadErrorKind::Csv(e.to_string())));
                    }
                };
                if !more {
                    return Ok(false);
                }
                row.borrowed = false;
                row.owned.clear();
                row.bounds.clear();
                for field in record.iter() {
                    let start = row.owned.len();
                    row.owned.extend_from_slice(field);
                    row.bounds.push((start, row.owned.len()));
                }
                let offset = record.position().map_or(0, csv::Position::byte);
                row.line = self.mode.line_at(first_line, offset);
            }
        }
        if row.len() != self.width && !(self.short_rows && row.len() < self.width) {
            return Err(ReadError::at(
                row.line,
                ReadErrorKind::FieldCount {
                    expected: self.width,
                    found: row.len(),
                },
            ));
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A row as line number and cells, or the error's text.
    type Read = Result<(u64, Vec<Vec<u8>>), String>;

    fn rows_of(mut r: TableReader<'_>) -> Vec<Read> {
        let mut out = Vec::new();
        let mut row = RawRow::default();
        loop {
            match r.next_into(&mut row) {
                Ok(true) => out.push(Ok((
                    row.line(),
                    (0..row.len()).map(|i| row.raw(i).to_vec()).collect(),
                ))),
                Ok(false) => break,
                Err(e) => out.push(Err(e.to_string())),
            }
        }
        out
    }

    #[test]
    fn plain_path_counts_blank_lines() {
        let rows = rows_of(TableReader::new(b"a,b,c\n\nd,e,f\r\n", 8, b',', 3));
        assert_eq!(rows[0].as_ref().map(|r| r.0), Ok(8));
        assert_eq!(rows[1].as_ref().map(|r| r.0), Ok(10));
    }

    proptest! {
        /// On quote-free text the byte-splitting path and the CSV tokeniser agree on every
        /// row, cell, line number and error.
        #[test]
        fn plain_path_equals_csv_tokeniser(
            lines in prop::collection::vec(prop::collection::vec("[a-zA-Z0-9 '/-]{0,4}", 1..5), 0..12),
            crlf in any::<bool>(),
            blank_every in 0usize..5,
            final_newline in any::<bool>(),
            delimiter in prop::sample::select(vec![b',', b'|']),
        ) {
            let sep = char::from(delimiter).to_string();
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            for (i, cells) in lines.iter().enumerate() {
                if blank_every > 0 && i % blank_every == 0 {
                    text.push_str(eol);
                }
                text.push_str(&cells.join(&sep));
                if i + 1 < lines.len() || final_newline {
                    text.push_str(eol);
                }
            }
            let width = 3;
            let plain = rows_of(TableReader::new(text.as_bytes(), 9, delimiter, width));
            let general = rows_of(TableReader::new_general(text.as_bytes(), 9, delimiter, width));
            prop_assert_eq!(&plain, &general, "{:?}", text);
        }
    }
}

//! Streaming access to the acta rows.

use crate::{Layout, ReadError, ReadErrorKind};
use prep_model::Value;

/// One acta row as tokenised bytes, reused between rows so reading allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct RawRow {
    record: csv::ByteRecord,
    line: u64,
}

impl RawRow {
    /// The row's 1-based line number in the file.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.record.len()
    }

    /// True when the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.record.is_empty()
    }

    /// A cell's bytes as written (quotes removed by the tokeniser).
    pub fn raw(&self, i: usize) -> &[u8] {
        self.record.get(i).unwrap_or_default()
    }

    /// A key cell's bytes without the `'` prefix (and a matching closing `'`, if any).
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

/// Removes a leading `'` (and a trailing one when both are present). The flag tells whether
/// anything was removed.
pub(crate) fn strip_apostrophes(b: &[u8]) -> (&[u8], bool) {
    match b {
        [b'\'', inner @ .., b'\''] if !inner.is_empty() => (inner, true),
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
}

impl<'a> Table<'a> {
    /// A streaming reader over the rows.
    pub fn reader(&self) -> TableReader<'a> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(self.bytes);
        TableReader {
            reader,
            first_line: self.first_line,
            width: self.width,
        }
    }

    /// Splits the rows into up to `parts` tables of about equal size, cut at line ends, for
    /// reading in parallel. A table containing a quote character is not split (a quoted cell
    /// may hold a line break).
    pub fn split(&self, parts: usize) -> Vec<Table<'a>> {
        if parts <= 1 || self.bytes.contains(&b'"') {
            return vec![*self];
        }
        let mut out = Vec::with_capacity(parts);
        let mut start = 0;
        let mut line = self.first_line;
        for k in 1..=parts {
            let target = self.bytes.len() * k / parts;
            let end = if k == parts || target <= start {
                self.bytes.len()
            } else {
                self.bytes[target..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.bytes.len(), |i| target + i + 1)
            };
            if end <= start {
                continue;
            }
            let chunk = &self.bytes[start..end];
            out.push(Table {
                bytes: chunk,
                first_line: line,
                ..*self
            });
            line += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            start = end;
            if start == self.bytes.len() {
                break;
            }
        }
        out
    }
}

/// Reads acta rows one at a time from the bytes after the header.
pub struct TableReader<'a> {
    reader: csv::Reader<&'a [u8]>,
    first_line: u64,
    width: usize,
}

impl<'a> TableReader<'a> {
    /// A reader over `table` (the bytes that follow the header line), whose first line is
    /// line `first_line` of the file; rows must have `layout.width` cells.
    pub fn new(
        table: &'a [u8],
        first_line: u64,
        delimiter: u8,
        layout: &Layout,
    ) -> TableReader<'a> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(table);
        TableReader {
            reader,
            first_line,
            width: layout.width,
        }
    }

    /// Reads the next row into `row`. `Ok(false)` at the end.
    pub fn next_into(&mut self, row: &mut RawRow) -> Result<bool, ReadError> {
        let more = self.reader.read_byte_record(&mut row.record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line()) + self.first_line - 1;
            ReadError::at(line, ReadErrorKind::Csv(e.to_string()))
        })?;
        if !more {
            return Ok(false);
        }
        row.line = row.record.position().map_or(0, |p| p.line()) + self.first_line - 1;
        if row.record.len() != self.width {
            return Err(ReadError::at(
                row.line,
                ReadErrorKind::FieldCount {
                    expected: self.width,
                    found: row.record.len(),
                },
            ));
        }
        Ok(true)
    }
}

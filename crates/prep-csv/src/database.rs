//! A whole database file in memory, read and written faithfully.

use crate::table::strip_apostrophes;
use crate::{
    Dialect, Encoding, Layout, LineEnding, Preamble, PreambleItem, RawRow, ReadError,
    ReadErrorKind, TableReader, decode,
};
use prep_count::ActaFacts;
use prep_model::{CasillaType, Contabilizada, Observations, Value};
use std::io::{Read, Write};

/// One acta row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The cells, in header order; key cells without their `'` prefix.
    pub cells: Vec<Value>,
    /// The row's text as read, with its line end and any blank lines after it; written
    /// back as it is while [`Row::cells`] still say what it says, so that a file read then
    /// written in its own dialect keeps its bytes (quoting, line ends, spacing).
    pub source: Option<Box<str>>,
}

impl Row {
    /// A row of cells, with no source text.
    pub fn new(cells: Vec<Value>) -> Row {
        Row {
            cells,
            source: None,
        }
    }

    /// What the counting rules need of this row, under `layout`; `None` when CONTABILIZADA is
    /// not a valid status.
    pub fn facts(&self, layout: &Layout) -> Option<ActaFacts<'_>> {
        let text = |i: usize| {
            self.cells
                .get(i)
                .map(ToString::to_string)
                .unwrap_or_default()
        };
        Some(ActaFacts {
            status: Contabilizada::parse(&text(layout.contabilizada))?,
            casilla_type: CasillaType::parse(&text(layout.tipo_casilla)),
            observations: Observations::parse(&text(layout.observaciones)),
            votes: self.cells.get(layout.votes.clone()).unwrap_or_default(),
            lista_nominal: self
                .cells
                .get(layout.lista_nominal)
                .and_then(Value::number)
                .unwrap_or(0),
        })
    }

    /// A cell as text (key cells without their `'`), empty when out of range.
    pub fn text(&self, i: usize) -> String {
        self.cells
            .get(i)
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// A published PREP database: preamble, header and acta rows, with the dialect it was
/// written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    /// How the file is written.
    pub dialect: Dialect,
    /// Title, corte and summary.
    pub preamble: Preamble,
    /// The column names as printed.
    pub header: Vec<String>,
    /// Where the columns the rules need are.
    pub layout: Layout,
    /// The acta rows.
    pub rows: Vec<Row>,
    /// The text above the rows as read (preamble and header line, with their line ends,
    /// without the BOM); written back as it is while the preamble and header are unchanged.
    pub head_source: Option<String>,
}

/// A file split into its parts, before the rows are read.
pub(crate) struct Parts<'a> {
    pub dialect: Dialect,
    pub preamble: Preamble,
    pub header: Vec<String>,
    pub layout: Layout,
    /// The decoded text after the header line.
    pub table: &'a str,
    /// Line number of the first table line.
    pub table_first_line: u64,
}

/// Everything above the acta rows: what [`read_head`] reads before the rows.
#[derive(Debug, Clone)]
pub struct Head {
    /// How the file is written (`apostrophe_keys` is only known after the rows are read).
    pub dialect: Dialect,
    /// Title, corte and summary.
    pub preamble: Preamble,
    /// The column names as printed.
    pub header: Vec<String>,
    /// Where the columns the rules need are.
    pub layout: Layout,
}

/// Where the acta rows start, found by [`read_head`].
#[derive(Debug, Clone)]
pub struct HeadAt {
    /// Preamble, header and layout.
    pub head: Head,
    /// Byte offset of the first row in the file.
    pub rows_offset: usize,
    /// Line number of the first row.
    pub first_line: u64,
}

/// Reads the preamble and header from the first bytes of a file, for streaming the rows.
/// `Ok(None)` when `prefix` ends before the header line does and more can be read
/// (`at_eof` false); at the end of the file, no header is an error.
pub fn read_head(prefix: &[u8], at_eof: bool) -> Result<Option<HeadAt>, ReadError> {
    let mut offset = if prefix.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    loop {
        let rest = prefix.get(offset..).unwrap_or_default();
        if rest.is_empty() {
            return if at_eof {
                Err(ReadError::at(0, ReadErrorKind::NoHeader))
            } else {
                Ok(None)
            };
        }
        let (line_len, end) = match memchr::memchr2(b'\n', b'\r', rest) {
            // A CR as the last byte read may be the first half of a CRLF.
            Some(i) if rest[i] == b'\r' && i + 1 == rest.len() && !at_eof => return Ok(None),
            Some(i) if rest[i..].starts_with(b"\r\n") => (i, offset + i + 2),
            Some(i) => (i, offset + i + 1),
            None if at_eof => (rest.len(), prefix.len()),
            None => return Ok(None),
        };
        if header_delimiter(&String::from_utf8_lossy(&rest[..line_len])).is_some() {
            let (text, bom, encoding) = decode_input(&prefix[..end]);
            let parts = split_parts(&text, bom, encoding)?;
            let first_line = parts.table_first_line;
            let head = Head {
                dialect: parts.dialect,
                preamble: parts.preamble,
                header: parts.header,
                layout: parts.layout,
            };
            return Ok(Some(HeadAt {
                head,
                rows_offset: end,
                first_line,
            }));
        }
        offset = end;
    }
}

impl Database {
    /// Reads a whole database. The first malformed row is an error naming its line.
    pub fn read(mut input: impl Read) -> Result<Database, ReadError> {
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|e| ReadError::at(0, ReadErrorKind::Io(e)))?;
        Database::from_bytes(&bytes)
    }

    /// Reads a whole database from bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Database, ReadError> {
        let (text, bom, encoding) = decode_input(bytes);
        let mut parts = split_parts(&text, bom, encoding)?;
        let table = parts.table;
        let mut head_source = text[..text.len() - table.len()].to_owned();
        let mut rows: Vec<Row> = Vec::new();
        let mut marks = KeyMarks::default();
        let (mut spaces_quoted, mut spaces_bare) = (false, false);
        let mut line = parts.table_first_line;
        let short_rows = parts.layout.short_rows();
        for (start, end) in crate::records::record_spans(table.as_bytes(), parts.dialect.delimiter)
        {
            let record = &table[start..end];
            let line_ends = crate::count_line_ends(record.as_bytes());
            if record.trim_end_matches(['\r', '\n']).is_empty() {
                // A blank line: it belongs to the text before it.
                match rows.last_mut() {
                    Some(Row {
                        source: Some(s), ..
                    }) => *s = format!("{s}{record}").into_boxed_str(),
                    _ => head_source.push_str(record),
                }
                line += line_ends.max(1);
                continue;
            }
            let (cells, had) = read_record(record.as_bytes(), line, &parts, short_rows)?;
            marks.merge(had);
            if record.contains(' ') {
                let (quoted, bare) =
                    crate::records::spaces_quoted(record.as_bytes(), parts.dialect.delimiter);
                spaces_quoted |= quoted;
                spaces_bare |= bare;
            }
            rows.push(Row {
                cells,
                source: Some(record.into()),
            });
            line += line_ends.max(1);
        }
        marks.apply(&mut parts.dialect, &parts.header);
        parts.dialect.quote_spaced = spaces_quoted && !spaces_bare && !parts.dialect.quote_all;
        Ok(Database {
            dialect: parts.dialect,
            preamble: parts.preamble,
            header: parts.header,
            layout: parts.layout,
            rows,
            head_source: Some(head_source),
        })
    }

    /// Writes the database in its own dialect ([`Database::dialect`]).
    pub fn write(&self, out: impl Write) -> std::io::Result<()> {
        self.write_in(&self.dialect, out)
    }

    /// Writes the database in a given dialect. In its own dialect, the text read
    /// ([`Database::head_source`], [`Row::source`]) is written back where it still holds.
    pub fn write_in(&self, dialect: &Dialect, mut out: impl Write) -> std::io::Result<()> {
        let own = *dialect == self.dialect;
        let sink = Sink::default();
        let mut buf = sink.clone();
        match self.head_source.as_deref() {
            Some(head) if own && self.head_is(head) => buf.write_all(head.as_bytes())?,
            _ => {
                write_preamble(&mut buf, &self.preamble, dialect)?;
                let mut table = TableWriter::new(sink.clone(), dialect, &self.layout)
                    .for_header(dialect, &self.header);
                table.write_header(&self.header)?;
                table.flush()?;
            }
        }
        {
            let eol = dialect.line_ending.as_str();
            let mut table = TableWriter::new(sink.clone(), dialect, &self.layout)
                .for_header(dialect, &self.header);
            let short_rows = self.layout.short_rows();
            for row in &self.rows {
                let verbatim = row.source.as_deref().filter(|src| {
                    own && read_record(src.as_bytes(), 0, &self.parts_for_check(), short_rows)
                        .is_ok_and(|(cells, _)| cells == row.cells)
                });
                match verbatim {
                    Some(src) => {
                        table.flush()?;
                        buf.write_all(src.as_bytes())?;
                        if !src.ends_with(['\n', '\r']) {
                            buf.write_all(eol.as_bytes())?;
                        }
                    }
                    None => table.write_row(&row.cells)?,
                }
            }
            table.flush()?;
        }
        let mut buf = sink.take();
        let eol = dialect.line_ending.as_str().as_bytes();
        if !dialect.final_newline && buf.ends_with(eol) {
            buf.truncate(buf.len() - eol.len());
        }
        if dialect.bom {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        match dialect.encoding {
            Encoding::Utf8 => out.write_all(&buf),
            Encoding::Latin1 => {
                let text = String::from_utf8_lossy(&buf);
                let bytes: Vec<u8> = text
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect();
                out.write_all(&bytes)
            }
        }
    }

    /// True when `head` (text read above the rows) still says this preamble and header.
    fn head_is(&self, head: &str) -> bool {
        split_parts(head, self.dialect.bom, self.dialect.encoding).is_ok_and(|p| {
            p.preamble == self.preamble && p.header == self.header && p.layout == self.layout
        })
    }

    /// What [`read_record`] needs to re-read a row's source.
    fn parts_for_check(&self) -> Parts<'static> {
        Parts {
            dialect: self.dialect.clone(),
            preamble: Preamble::default(),
            header: Vec::new(),
            layout: self.layout.clone(),
            table: "",
            table_first_line: 0,
        }
    }
}

/// A growable byte buffer shared by the preamble writes, the CSV writer of the rows and the
/// rows written verbatim between them.
#[derive(Clone, Default)]
struct Sink(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Sink {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Which key cells of catalogue rows carry the `'` prefix, per header column.
#[derive(Debug, Default, Clone)]
struct KeyMarks {
    /// Per column: some cell does.
    prefixed: std::collections::BTreeSet<usize>,
    /// Per column: some cell that starts with a digit does not (`26` in Sonora 2021's
    /// ID_ESTADO, whose CLAVE_CASILLA is `'260001B0100`).
    bare_digits: std::collections::BTreeSet<usize>,
    /// Some prefixed cell does not start with a digit (`'N/A`, IEE Puebla 2024).
    prefixed_text: bool,
    /// Some non-empty cell that does not start with a digit has no prefix (`N/A`, IEC
    /// Coahuila 2023).
    bare_text: bool,
}

impl KeyMarks {
    fn merge(&mut self, o: KeyMarks) {
        self.prefixed.extend(o.prefixed);
        self.bare_digits.extend(o.bare_digits);
        self.prefixed_text |= o.prefixed_text;
        self.bare_text |= o.bare_text;
    }

    /// Sets the dialect's apostrophe style from what the rows show.
    fn apply(&self, dialect: &mut Dialect, header: &[String]) {
        dialect.apostrophe_keys = !self.prefixed.is_empty();
        dialect.apostrophe_digits_only =
            dialect.apostrophe_keys && !self.prefixed_text && self.bare_text;
        // Only some key columns carry it: those never prefixed while holding digits.
        let selective = self.bare_digits.iter().any(|k| !self.prefixed.contains(k));
        dialect.apostrophe_columns = if dialect.apostrophe_keys && selective {
            self.prefixed
                .iter()
                .filter_map(|&k| header.get(k).cloned())
                .collect()
        } else {
            Vec::new()
        };
    }
}

/// The cells of one record (a row's text, with or without its line end), and which key
/// cells carried the `'` prefix. `line` is the record's line number, for errors.
fn read_record(
    record: &[u8],
    line: u64,
    parts: &Parts<'_>,
    short_rows: bool,
) -> Result<(Vec<Value>, KeyMarks), ReadError> {
    let layout = &parts.layout;
    let mut reader = TableReader::new(record, line, parts.dialect.delimiter, layout.width)
        .allowing_short_rows(short_rows);
    let mut raw = RawRow::default();
    if !reader.next_into(&mut raw)? {
        return Ok((Vec::new(), KeyMarks::default()));
    }
    let status = raw.raw(layout.contabilizada);
    // An empty cell marks an acta not captured yet in some institutes' files (and the cut
    // row of the pre-2018 format has none): whether it counts is the counting profile's call.
    if !status.trim_ascii().is_empty() && Contabilizada::parse_bytes(status).is_none() {
        return Err(ReadError::at(
            raw.line(),
            ReadErrorKind::BadContabilizada(String::from_utf8_lossy(status).into_owned()),
        ));
    }
    let mut cells: Vec<Value> = (0..raw.len()).map(|i| raw.value(i)).collect();
    let mut marks = KeyMarks::default();
    // The writer prefixes keys of catalogue rows only; strip exactly those.
    if status != b"2" {
        for &k in &layout.key_columns {
            let (stripped, had) = strip_apostrophes(raw.raw(k));
            let text = stripped.first().is_some_and(|b| !b.is_ascii_digit());
            if had && k < cells.len() {
                if !stripped.is_empty() {
                    marks.prefixed.insert(k);
                }
                marks.prefixed_text |= text;
                cells[k] = Value::parse_bytes(stripped);
            } else if text {
                marks.bare_text = true;
            } else if !stripped.is_empty() {
                marks.bare_digits.insert(k);
            }
        }
    }
    Ok((cells, marks))
}

/// Strips the BOM and decodes: UTF-8 when valid, Latin-1 otherwise.
pub(crate) fn decode_input(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, bool, Encoding) {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    match std::str::from_utf8(body) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), bom, Encoding::Utf8),
        Err(_) => (decode(body, Encoding::Latin1), bom, Encoding::Latin1),
    }
}

/// Finds the header, parses the preamble and detects the dialect.
pub(crate) fn split_parts(
    text: &str,
    bom: bool,
    encoding: Encoding,
) -> Result<Parts<'_>, ReadError> {
    let mut offset = 0;
    let mut lines: Vec<&str> = Vec::new();
    let (header_line, header_end, delimiter, terminator) = loop {
        if offset >= text.len() {
            return Err(ReadError::at(0, ReadErrorKind::NoHeader));
        }
        let (line, next, terminator) = next_line(text, offset);
        if let Some(delimiter) = header_delimiter(line) {
            break (line, next, delimiter, terminator);
        }
        lines.push(line);
        offset = next;
    };
    let header_no = lines.len() as u64 + 1;
    let split = |line: &str| split_line(line, delimiter);
    let preamble = Preamble::parse(&lines, split);
    let header = split_line(header_line, delimiter);
    let summary_values = preamble.summary.iter().flat_map(|s| s.values.iter());
    let layout = Layout::from_header(&header, header_no)?;
    let dialect = Dialect {
        bom,
        encoding,
        delimiter,
        line_ending: terminator.unwrap_or(LineEnding::Lf),
        quote_all: header_line.starts_with('"') && quoted_all(&header, delimiter) == header_line,
        apostrophe_keys: false,
        vote_totals_decimal: preamble
            .summary
            .as_ref()
            .and_then(|s| s.raw(prep_count::SummaryField::TotalVotosCCs))
            .is_some_and(|v| v.contains('.')),
        percent_sign: preamble
            .summary
            .as_ref()
            .is_some_and(|s| s.values.iter().any(|v| v.ends_with('%'))),
        final_newline: text.ends_with(['\n', '\r']),
        percent_apostrophe: summary_values
            .clone()
            .any(|v| v.starts_with('\'') && v.as_bytes().get(1).is_some_and(u8::is_ascii_digit)),
        thousands_separators: summary_values
            .clone()
            .any(|v| prep_count::has_thousands_separators(v.trim_start_matches('\''))),
        quoted_corte: lines
            .iter()
            .any(|l| l.trim_start().starts_with('"') && crate::preamble::looks_like_corte(l)),
        apostrophe_digits_only: false,
        apostrophe_columns: Vec::new(),
        quote_spaced: false,
    };
    Ok(Parts {
        dialect,
        preamble,
        header,
        layout,
        table: &text[header_end..],
        table_first_line: header_no + 1,
    })
}

/// The line of `text` that starts at `offset`, without its terminator; where the next line
/// starts; and the terminator. Lines end at `\n`, `\r\n` or a lone `\r`, as the CSV
/// tokeniser reads them.
fn next_line(text: &str, offset: usize) -> (&str, usize, Option<LineEnding>) {
    let rest = &text[offset..];
    match rest.find(['\n', '\r']) {
        None => (rest, text.len(), None),
        Some(i) if rest[i..].starts_with("\r\n") => {
            (&rest[..i], offset + i + 2, Some(LineEnding::CrLf))
        }
        Some(i) if rest[i..].starts_with('\r') => {
            (&rest[..i], offset + i + 1, Some(LineEnding::Cr))
        }
        Some(i) => (&rest[..i], offset + i + 1, Some(LineEnding::Lf)),
    }
}

/// The delimiter of a table header line: a line whose first cell, as the CSV tokeniser
/// splits it, is `CLAVE_CASILLA`. `None` for any other line.
fn header_delimiter(line: &str) -> Option<u8> {
    let pre_2018 = line.contains("CONTABILIZADA")
        && (line.starts_with("ID_ESTADO") || line.starts_with("ID_ENTIDAD"));
    if !line.contains("CLAVE_CASILLA") && !pre_2018 {
        return None;
    }
    let delimiter = if line.matches('|').count() > line.matches(',').count() {
        b'|'
    } else {
        b','
    };
    let first = split_line(line, delimiter).into_iter().next()?;
    let first = first.trim();
    let found =
        first == "CLAVE_CASILLA" || (pre_2018 && matches!(first, "ID_ESTADO" | "ID_ENTIDAD"));
    found.then_some(delimiter)
}

/// Cells joined with every cell quoted, as a writer in the `quote_all` dialect writes them.
fn quoted_all(cells: &[String], delimiter: u8) -> String {
    join_cells(cells, delimiter, csv::QuoteStyle::Always)
}

/// Cells joined into one line (no terminator) with the CSV quoting rules.
fn join_cells(cells: &[String], delimiter: u8, style: csv::QuoteStyle) -> String {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(style)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    if w.write_record(cells).is_err() {
        return String::new();
    }
    let bytes = w.into_inner().unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    text.strip_suffix('\n').map(str::to_owned).unwrap_or(text)
}

/// Splits one line into cells with the CSV tokeniser (quotes honoured).
fn split_line(line: &str, delimiter: u8) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(line.as_bytes());
    let mut rec = csv::StringRecord::new();
    match r.read_record(&mut rec) {
        Ok(true) => rec.iter().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Writes the preamble lines.
pub fn write_preamble(out: &mut impl Write, p: &Preamble, d: &Dialect) -> std::io::Result<()> {
    let eol = d.line_ending.as_str();
    for item in &p.items {
        match item {
            PreambleItem::Title => write!(out, "{}{eol}", p.title.as_deref().unwrap_or_default())?,
            PreambleItem::Corte => {
                let corte = p.corte.as_deref().unwrap_or_default();
                if d.quoted_corte {
                    write!(out, "\"{corte}\"{eol}")?;
                } else {
                    write!(out, "{corte}{eol}")?;
                }
            }
            PreambleItem::Blank => out.write_all(eol.as_bytes())?,
            PreambleItem::Text(t) => write!(out, "{t}{eol}")?,
            PreambleItem::Summary => {
                if let Some(s) = &p.summary {
                    let names = join_cells(&s.names, d.delimiter, csv::QuoteStyle::Necessary);
                    let values = join_cells(&s.values, d.delimiter, csv::QuoteStyle::Necessary);
                    write!(out, "{names}{eol}{values}{eol}")?;
                }
            }
        }
    }
    Ok(())
}

/// Writes the header and acta rows of a table in a dialect, one row at a time.
pub struct TableWriter<'l, W: Write> {
    writer: csv::Writer<W>,
    layout: &'l Layout,
    apostrophe_keys: bool,
    apostrophe_digits_only: bool,
    /// The key columns that take the prefix (every key column unless the dialect names some).
    apostrophe_columns: Vec<usize>,
    /// Cells holding a space are quoted ([`Dialect::quote_spaced`]): the cells are quoted
    /// here and the CSV writer writes them as they are.
    quote_spaced: Option<u8>,
    cell: String,
    quoted: Vec<u8>,
}

impl<'l, W: Write> TableWriter<'l, W> {
    /// A writer of rows laid out as `layout`.
    pub fn new(out: W, dialect: &Dialect, layout: &'l Layout) -> TableWriter<'l, W> {
        // Flexible: a pre-2018 row of an acta not captured yet is cut after its
        // identification columns.
        let writer = csv::WriterBuilder::new()
            .flexible(true)
            .delimiter(dialect.delimiter)
            .quote_style(if dialect.quote_all {
                csv::QuoteStyle::Always
            } else if dialect.quote_spaced {
                csv::QuoteStyle::Never
            } else {
                csv::QuoteStyle::Necessary
            })
            .terminator(match dialect.line_ending {
                LineEnding::Lf => csv::Terminator::Any(b'\n'),
                LineEnding::Cr => csv::Terminator::Any(b'\r'),
                LineEnding::CrLf => csv::Terminator::CRLF,
            })
            .from_writer(out);
        TableWriter {
            writer,
            layout,
            apostrophe_keys: dialect.apostrophe_keys,
            apostrophe_digits_only: dialect.apostrophe_digits_only,
            apostrophe_columns: layout.key_columns.clone(),
            quote_spaced: (dialect.quote_spaced && !dialect.quote_all).then_some(dialect.delimiter),
            cell: String::new(),
            quoted: Vec::new(),
        }
    }

    /// Writes one cell, quoting it here when the dialect quotes cells holding a space.
    fn write_cell(&mut self, cell: &[u8]) -> std::io::Result<()> {
        let field = match self.quote_spaced {
            Some(delimiter)
                if cell
                    .iter()
                    .any(|&b| matches!(b, b' ' | b'"' | b'\r' | b'\n') || b == delimiter) =>
            {
                self.quoted.clear();
                self.quoted.push(b'"');
                for &b in cell {
                    if b == b'"' {
                        self.quoted.push(b'"');
                    }
                    self.quoted.push(b);
                }
                self.quoted.push(b'"');
                &self.quoted[..]
            }
            _ => cell,
        };
        self.writer
            .write_field(field)
            .map_err(std::io::Error::other)
    }

    /// Restricts the `'` prefix to the key columns the dialect names
    /// ([`Dialect::apostrophe_columns`]), found in `header` (the table's column names).
    pub fn for_header<S: AsRef<str>>(mut self, dialect: &Dialect, header: &[S]) -> Self {
        if !dialect.apostrophe_columns.is_empty() {
            self.apostrophe_columns = header
                .iter()
                .enumerate()
                .filter(|(_, h)| dialect.apostrophe_columns.iter().any(|c| c == h.as_ref()))
                .map(|(i, _)| i)
                .collect();
        }
        self
    }

    /// Writes the header line.
    pub fn write_header<S: AsRef<str>>(&mut self, header: &[S]) -> std::io::Result<()> {
        for name in header {
            self.write_cell(name.as_ref().as_bytes())?;
        }
        self.writer
            .write_record(None::<&[u8]>)
            .map_err(std::io::Error::other)
    }

    /// Writes one acta row. Key cells get the `'` prefix when the dialect asks for it and the
    /// acta is in the catalogue (CONTABILIZADA is not 2); with
    /// [`Dialect::apostrophe_digits_only`], only those that start with a digit.
    pub fn write_row(&mut self, cells: &[Value]) -> std::io::Result<()> {
        let fuera = cells.get(self.layout.contabilizada) == Some(&Value::Number(2));
        for (i, v) in cells.iter().enumerate() {
            self.cell.clear();
            v.write_to(&mut self.cell);
            let digits = self.cell.starts_with(|c: char| c.is_ascii_digit());
            if self.apostrophe_keys
                && !fuera
                && *v != Value::Empty
                && (digits || !self.apostrophe_digits_only)
                && self.apostrophe_columns.contains(&i)
            {
                self.cell.insert(0, '\'');
            }
            let cell = std::mem::take(&mut self.cell);
            let written = self.write_cell(cell.as_bytes());
            self.cell = cell;
            written?;
        }
        self.writer
            .write_record(None::<&[u8]>)
            .map_err(std::io::Error::other)
    }

    /// Flushes buffered rows.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

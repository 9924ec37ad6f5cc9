//! Where the records of CSV text end, found exactly as the `csv` crate's tokeniser finds
//! them, so that cutting a table into rows (to keep each row's text, or to hand whole rows to
//! a streaming reader) never disagrees with how the rows are then read.
//!
//! The rule (that of `csv_core` with its defaults): a quote opens a quoted cell only as the
//! first byte of a cell; anywhere else in an unquoted cell it is an ordinary character
//! (`5" x`). Inside a quoted cell, `""` is a quote, and a single quote closes the cell, after
//! which any bytes up to the next delimiter or line end belong to the same cell. A line end
//! (`\n`, `\r\n` or a lone `\r`) outside a quoted cell ends the record; a quoted cell left
//! open runs to the end of the text.

/// Where the tokeniser is in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the first byte of a cell.
    CellStart,
    /// In a cell that did not start with a quote.
    Unquoted,
    /// In a quoted cell.
    Quoted,
    /// Just after a quote inside a quoted cell: a second quote is a literal quote, anything
    /// else closes the quoted part.
    QuoteInQuoted,
}

impl State {
    /// The state after byte `b`; a delimiter or a line end outside a quoted cell starts the
    /// next cell ([`State::CellStart`]).
    fn after(self, b: u8, delimiter: u8) -> State {
        match (self, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::CellStart, b'"') => State::Quoted,
            (_, b'\n' | b'\r') => State::CellStart,
            (_, _) if b == delimiter => State::CellStart,
            (_, _) => State::Unquoted,
        }
    }
}

/// The offsets just past each record's line end in `text`, in order; a last record without a
/// line end is not included. `delimiter` separates cells.
pub(crate) fn record_ends(text: &[u8], delimiter: u8) -> RecordEnds<'_> {
    RecordEnds {
        text,
        delimiter,
        at: 0,
        state: State::CellStart,
    }
}

/// Iterator returned by [`record_ends`].
pub(crate) struct RecordEnds<'a> {
    text: &'a [u8],
    delimiter: u8,
    at: usize,
    state: State,
}

impl Iterator for RecordEnds<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while let Some(&b) = self.text.get(self.at) {
            self.at += 1;
            self.state = self.state.after(b, self.delimiter);
            if self.state == State::CellStart && matches!(b, b'\n' | b'\r') {
                if b == b'\r' && self.text.get(self.at) == Some(&b'\n') {
                    self.at += 1;
                }
                return Some(self.at);
            }
        }
        None
    }
}

/// How the cells of one record that hold a space are written: (some quoted cell holds a
/// space, some unquoted cell does).
pub(crate) fn spaces_quoted(record: &[u8], delimiter: u8) -> (bool, bool) {
    let (mut quoted, mut bare) = (false, false);
    let mut state = State::CellStart;
    let mut in_quotes = false;
    for &b in record {
        let next = state.after(b, delimiter);
        if next == State::CellStart {
            in_quotes = false;
        } else if state == State::CellStart && next == State::Quoted {
            in_quotes = true;
        }
        state = next;
        if b == b' ' {
            match state {
                State::Quoted => quoted = true,
                _ if !in_quotes => bare = true,
                _ => {}
            }
        }
    }
    (quoted, bare)
}

/// Where each record of a table starts and ends (its line end included). A blank line is a
/// record of its own; a last record without a line end runs to the end of the table.
pub(crate) fn record_spans(table: &[u8], delimiter: u8) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for end in record_ends(table, delimiter) {
        spans.push((start, end));
        start = end;
    }
    if start < table.len() {
        spans.push((start, table.len()));
    }
    spans
}

/// The length of the longest prefix of `block` made of whole rows: it ends just after a line
/// end that is outside quoted cells (cells separated by `delimiter`). `None` when there is
/// none (a row is longer than the block). A CR as the last byte is not taken as a line end:
/// it may be the first half of a CRLF. `block` must start at the start of a row.
pub fn complete_rows(block: &[u8], delimiter: u8) -> Option<usize> {
    let usable = block.strip_suffix(b"\r").unwrap_or(block);
    if memchr::memchr(b'"', usable).is_none() {
        return memchr::memrchr2(b'\n', b'\r', usable).map(|i| i + 1);
    }
    record_ends(usable, delimiter).last()
}

/// Number of line ends (`\n`, `\r\n` or a lone `\r`) in `bytes`.
pub fn count_line_ends(bytes: &[u8]) -> u64 {
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count();
    (memchr::memchr_iter(b'\n', bytes).count() + lone_cr) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records the `csv` crate reads from `text`, as their cells.
    fn csv_records(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        r.byte_records()
            .filter_map(Result::ok)
            .map(|rec| rec.iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    /// The records read one span at a time.
    fn records_by_span(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        record_spans(text, b',')
            .into_iter()
            .flat_map(|(s, e)| csv_records(&text[s..e]))
            .collect()
    }

    #[test]
    fn spans_agree_with_the_tokeniser() {
        let cases: &[&[u8]] = &[
            b"a,b\nc,d\n",
            b"a,5\" x\n\nb,c\n",
            b"a,\"x\ny\",b\r\nc\r",
            b"a,\"x\"\"y\"z,b\nc\n",
            b"a,b\"\"c,\"d\ne\"\nf\n",
            b"a,\"open\n\nb,c",
            b"\"q\"\"\"\n\"\"\nx",
        ];
        for &text in cases {
            assert_eq!(
                records_by_span(text),
                csv_records(text),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn complete_rows_stops_before_an_open_quoted_cell() {
        assert_eq!(complete_rows(b"a,b\nc,\"d\ne", b','), Some(4));
        assert_eq!(complete_rows(b"a,5\" x\nb,c\nd", b','), Some(11));
        assert_eq!(complete_rows(b"a|5\" x\nb|\"c\nd\"\n", b'|'), Some(15));
        assert_eq!(complete_rows(b"a,b\r", b','), None);
    }

    #[test]
    fn spaces_in_quoted_and_bare_cells_are_told_apart() {
        assert_eq!(spaces_quoted(b"a,\"b c\",d\n", b','), (true, false));
        assert_eq!(spaces_quoted(b"a b,\"c\"\n", b','), (false, true));
        assert_eq!(spaces_quoted(b"\"a\"\" b\",c d\n", b','), (true, true));
        assert_eq!(spaces_quoted(b"a,b\n", b','), (false, false));
    }

    proptest::proptest! {
        #[test]
        fn spans_agree_with_the_tokeniser_on_any_text(
            text in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b',', b'"', b'\n', b'\r', b' ']), 0..40)
        ) {
            proptest::prop_assert_eq!(records_by_span(&text), csv_records(&text));
        }
    }
}

//! The casilla rows of a few consecutive secciones ([`crate::model::ActasFile`]), written
//! straight into bytes: most of a package's bytes are these cells, and going through
//! `Vec<Vec<String>>` and `serde_json` cost an allocation per cell. The bytes are exactly
//! what `serde_json::to_vec` writes for the same [`crate::model::ActasFile`] (a test checks
//! it), so any JSON reader, and serde, read them back.

use crate::model::summary_values;
use crate::tally::{SeccionTally, cell_text};
use prep_count::{CorteStage, Rules};
use prep_csv::{Database, Layout, Row};
use prep_model::Value;

/// Where the columns of an acta row are, in [`crate::model::ACTA_FIELDS`] order, then the
/// vote columns.
pub(crate) struct RowColumns {
    /// Header positions (`None`: the database has no such column; the cell is empty).
    columns: Vec<Option<usize>>,
}

impl RowColumns {
    /// The columns of `db`'s acta rows.
    pub fn of(db: &Database) -> RowColumns {
        let l: &Layout = &db.layout;
        let integrity = db
            .header
            .iter()
            .position(|h| matches!(h.trim(), "CODIGO_INTEGRIDAD" | "SHA"));
        let mut columns = vec![
            l.clave_casilla,
            l.clave_acta,
            l.seccion,
            Some(l.tipo_casilla),
            Some(l.contabilizada),
            Some(l.observaciones),
            l.total_votos_calculado,
            Some(l.lista_nominal),
            integrity,
        ];
        columns.extend(l.votes.clone().map(Some));
        RowColumns { columns }
    }
}

/// A JSON string (quotes and escapes as serde_json writes them).
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    if s.bytes()
        .all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b < 0x7f)
    {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("a string written into a Vec always serializes");
    }
}

fn cell(out: &mut Vec<u8>, v: Option<&Value>, buf: &mut itoa::Buffer) {
    match v {
        Some(Value::Text(t)) => string(out, t),
        v => {
            out.push(b'"');
            out.extend_from_slice(cell_text(v, buf).as_bytes());
            out.push(b'"');
        }
    }
}

fn numbers(out: &mut Vec<u8>, values: impl IntoIterator<Item = u64>, buf: &mut itoa::Buffer) {
    out.push(b'[');
    for (i, n) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(buf.format(n).as_bytes());
    }
    out.push(b']');
}

/// What one actas file is written from.
pub(crate) struct ActasGroup<'a> {
    /// Its id (`21-1-1234`).
    pub id: &'a str,
    /// Its secciones, in order.
    pub secciones: &'a [(&'a str, &'a SeccionTally)],
}

/// The file's bytes (compact JSON, final newline).
pub(crate) fn write(
    group: &ActasGroup<'_>,
    rows: &[Row],
    columns: &RowColumns,
    width: usize,
    rules: &Rules,
    stage: CorteStage,
) -> Vec<u8> {
    let row_count: usize = group.secciones.iter().map(|(_, s)| s.rows.len()).sum();
    let mut out = Vec::with_capacity(64 + row_count * 256 + group.secciones.len() * 160);
    let mut buf = itoa::Buffer::new();
    out.extend_from_slice(b"{\"id\":");
    string(&mut out, group.id);
    out.extend_from_slice(b",\"rows\":[");
    let mut first = true;
    for (_, s) in group.secciones {
        for &i in &s.rows {
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'[');
            for (j, c) in columns.columns.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                cell(&mut out, c.and_then(|c| rows[i].cells.get(c)), &mut buf);
            }
            out.push(b']');
        }
    }
    out.extend_from_slice(b"],\"secciones\":[");
    for (k, (id, s)) in group.secciones.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"id\":");
        string(&mut out, id);
        out.extend_from_slice(b",\"summary\":");
        numbers(
            &mut out,
            summary_values(&s.tally.summary(rules, stage)),
            &mut buf,
        );
        out.extend_from_slice(b",\"votes\":");
        let votes = s.tally.votes.iter().copied().chain(std::iter::repeat(0));
        numbers(&mut out, votes.take(width), &mut buf);
        out.push(b'}');
    }
    out.extend_from_slice(b"]}\n");
    out
}

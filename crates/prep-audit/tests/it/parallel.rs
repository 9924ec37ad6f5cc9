//! Streaming the rows in chunks to several threads gives the same recount as one thread
//! reading one chunk, whatever the chunk size.

use prep_audit::{RecountOptions, recount};
use prep_testdata::read_puebla as puebla;

fn with(bytes: &[u8], threads: usize, chunk_bytes: usize) -> prep_audit::Recount {
    let options = RecountOptions {
        threads,
        chunk_bytes,
        max_reported_errors: 100,
        ..RecountOptions::default()
    };
    recount(bytes, &options).expect("recount")
}

fn assert_same(a: &prep_audit::Recount, b: &prep_audit::Recount, what: &str) {
    assert_eq!(a.summary, b.summary, "{what}");
    assert_eq!(a.rows, b.rows, "{what}");
    assert_eq!(a.columns_totals, b.columns_totals, "{what}");
    assert_eq!(a.areas, b.areas, "{what}: areas in file order");
    assert_eq!(a.row_findings, b.row_findings, "{what}");
    let lines = |r: &prep_audit::Recount| {
        r.malformed
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(a), lines(b), "{what}");
}

#[test]
fn chunking_changes_nothing() {
    for name in ["PUE_GUB_2024.csv", "PUE_AYUN_2024.csv"] {
        let text = String::from_utf8(puebla(name)).expect("utf-8");
        // Break two rows, one near the start and one near the end, to follow their line numbers.
        let mut lines: Vec<&str> = text.split('\n').collect();
        let n = lines.len();
        lines[20] = "too,few,cells";
        lines[n - 40] = "also,too,few";
        let bytes = lines.join("\n").into_bytes();
        let one = with(&bytes, 1, usize::MAX >> 8);
        let errors: Vec<String> = one.malformed.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 2);
        assert!(errors[0].starts_with("line 21:"), "{errors:?}");
        assert!(
            errors[1].starts_with(&format!("line {}:", n - 39)),
            "{errors:?}"
        );
        for (threads, chunk) in [(2, 0), (3, 1 << 20), (2, 64 << 10), (7, 1000), (1, 1)] {
            assert_same(
                &with(&bytes, threads, chunk),
                &one,
                &format!("{name} threads {threads} chunk {chunk}"),
            );
        }
    }
}

#[test]
fn quoted_line_breaks_are_never_cut() {
    let head = "T\n01/01/2024 00:00 (UTC-6)\nCLAVE_CASILLA,DISTRITO,TIPO_CASILLA,PAN,NULOS,LISTA_NOMINAL,OBSERVACIONES,CONTABILIZADA\n";
    let mut text = head.to_owned();
    for i in 0..300 {
        text.push_str(&format!(
            "{i:04}B,\"NORTE\nY SUR, {i}\",B,{},1,500, - ,1\r\n",
            i % 7
        ));
    }
    let bytes = text.into_bytes();
    let one = with(&bytes, 1, usize::MAX >> 8);
    assert!(one.malformed.is_empty(), "{:?}", one.malformed);
    assert_eq!(one.rows, 300);
    for chunk in [1, 7, 100, 4096] {
        assert_same(&with(&bytes, 2, chunk), &one, &format!("chunk {chunk}"));
    }
}

//! Reading the rows in parallel gives the same recount as reading them in one thread.

use prep_audit::{RecountOptions, recount};
use std::path::PathBuf;

fn puebla(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/puebla-2024")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the tests need ../shared beside the repository)",
            p.display()
        )
    })
}

fn with_threads(bytes: &[u8], threads: usize) -> prep_audit::Recount {
    recount(
        bytes,
        &RecountOptions {
            threads,
            max_reported_errors: 100,
            ..RecountOptions::default()
        },
    )
    .expect("recount")
}

#[test]
fn split_reading_changes_nothing() {
    for name in ["PUE_GUB_2024.csv", "PUE_AYUN_2024.csv"] {
        let mut bytes = puebla(name);
        // Break two rows, one near the start and one near the end, to follow their line numbers.
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        let mut lines: Vec<&str> = text.split('\n').collect();
        let n = lines.len();
        lines[20] = "too,few,cells";
        lines[n - 40] = "also,too,few";
        bytes = lines.join("\n").into_bytes();
        let one = with_threads(&bytes, 1);
        for threads in [2, 3, 7] {
            let many = with_threads(&bytes, threads);
            assert_eq!(many.summary, one.summary, "{name} {threads}");
            assert_eq!(many.rows, one.rows);
            assert_eq!(many.columns_totals, one.columns_totals);
            assert_eq!(many.areas, one.areas, "{name}: areas in file order");
            assert_eq!(many.row_findings, one.row_findings);
            let lines_of = |r: &prep_audit::Recount| {
                r.malformed
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            };
            assert_eq!(lines_of(&many), lines_of(&one));
            assert_eq!(lines_of(&one).len(), 2);
            assert!(
                lines_of(&one)[0].starts_with("line 21:"),
                "{:?}",
                lines_of(&one)
            );
            assert!(
                lines_of(&one)[1].starts_with(&format!("line {}:", n - 39)),
                "{:?}",
                lines_of(&one)
            );
        }
    }
}

//! The property of the `dialect_detection` fuzz target (`fuzz/fuzz_targets/`), run on its seeds
//! (`fuzz/seeds/dialect_detection/`, written by `fuzz/seeds/generate.sh`) and on random edits
//! of them: whatever the reader accepts, written back in its own dialect, gives the same bytes.

use prep_csv::{Database, LineEnding};
use proptest::prelude::*;
use std::path::PathBuf;

fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/dialect_detection");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            (
                name.unwrap_or_default(),
                std::fs::read(&path).expect("seed"),
            )
        })
        .collect();
    out.sort();
    out
}

/// Reads `input`; when it reads, asserts it writes back byte for byte.
fn written_back(input: &[u8]) -> Option<Database> {
    let db = Database::from_bytes(input).ok()?;
    let mut out = Vec::new();
    db.write(&mut out).expect("write");
    assert!(
        out == input,
        "input:   {:?}\nwritten: {:?}",
        String::from_utf8_lossy(input),
        String::from_utf8_lossy(&out)
    );
    Some(db)
}

#[test]
fn every_seed_reads_and_writes_back_byte_for_byte() {
    let seeds = seeds();
    assert!(
        seeds.len() >= 5,
        "seeds missing: run fuzz/seeds/generate.sh"
    );
    for (name, bytes) in &seeds {
        let db = written_back(bytes).unwrap_or_else(|| panic!("{name} must read"));
        match name.as_str() {
            "pre-2018-cut-row.csv" => {
                assert!(db.layout.short_rows());
                assert_eq!(db.rows[1].cells.len(), 6);
                assert_eq!(db.dialect.line_ending, LineEnding::CrLf);
            }
            "campeche-corte-cero-cr.csv" => {
                assert_eq!(db.dialect.line_ending, LineEnding::Cr);
                let s = db.preamble.summary.as_ref().expect("summary");
                assert_eq!(s.unpublished(), ["TOTAL_VOTOS_C_CS"]);
            }
            "ine-2019-sep-latin1.csv" => {
                assert_eq!(db.dialect.delimiter, b'|');
                assert!(db.dialect.thousands_separators && db.dialect.percent_apostrophe);
            }
            "sonora-2021-quoted.csv" => assert!(db.dialect.quoted_corte && db.dialect.bom),
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A seed with a few bytes replaced, inserted or removed: no panic, and what reads writes
    /// back byte for byte.
    #[test]
    fn edited_seeds_write_back_byte_for_byte(
        which in 0usize..5,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6),
    ) {
        let seeds = seeds();
        let mut bytes = seeds[which % seeds.len()].1.clone();
        for (at, kind, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => {
                    bytes.remove(i);
                }
            }
        }
        written_back(&bytes);
    }
}

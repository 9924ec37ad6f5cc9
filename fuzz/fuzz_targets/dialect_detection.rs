//! Arbitrary bytes into the dialect detection of the database reader (pre-2018 headers and
//! cut rows, `sep=` lines, quoted corte lines, accented or spelled-out summary names,
//! `'`-prefixed percentages, thousands separators, fewer summary values than names, empty
//! CONTABILIZADA, BOM, Latin-1, CRLF or bare CR). No panic; whatever the reader accepts,
//! written back in its own dialect, gives the input's bytes exactly, and reads again equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prep_csv::Database;

fuzz_target!(|data: &[u8]| {
    let Ok(db) = Database::from_bytes(data) else {
        return;
    };
    let mut out = Vec::new();
    db.write(&mut out)
        .expect("writing a database that was read must succeed");
    assert!(
        out == data,
        "written back, the bytes differ from the input\ninput:   {:?}\nwritten: {:?}",
        String::from_utf8_lossy(data),
        String::from_utf8_lossy(&out)
    );
    let again = Database::from_bytes(&out).expect("the same bytes read again");
    assert_eq!(db.preamble, again.preamble);
    assert_eq!(db.header, again.header);
    assert_eq!(db.dialect, again.dialect);
    assert_eq!(db.rows.len(), again.rows.len());
});

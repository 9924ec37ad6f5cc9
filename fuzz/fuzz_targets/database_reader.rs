//! Arbitrary bytes into the database reader. Whatever it accepts must survive a round trip:
//! written back in its own dialect and read again, it reads and equals the first read.
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
    let again = match Database::from_bytes(&out) {
        Ok(again) => again,
        Err(e) => panic!(
            "the written database does not read back: {e}\nwritten: {:?}",
            String::from_utf8_lossy(&out)
        ),
    };
    assert_eq!(
        db,
        again,
        "the database read back differs from the first read\nwritten: {:?}",
        String::from_utf8_lossy(&out)
    );
});

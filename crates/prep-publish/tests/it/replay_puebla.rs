//! The done-when test of the publisher: replaying the real PUE_GUB database into the store,
//! to the end, and cutting a corte at its official time reproduces the official database
//! (summary line and every row) and the recount's totals per candidacy.

use crate::common::total;
use prep_csv::Database;
use prep_publish::{Feeder, Publisher, SimClock, Speed, plan_from_file};
use prep_testdata::election::{puebla_gub_dir, puebla_settings};
use prep_testdata::puebla;
use prep_testdata::tree::unzip;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// The preamble's summary lines (names and values) of a database file.
fn summary_lines(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines().skip(3).take(2).collect::<Vec<_>>().join("\n")
}

#[test]
fn replaying_pue_gub_reproduces_the_official_corte() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = puebla_gub_dir(root.path(), "pue", &puebla_settings());
    let store = dir.open_store().expect("store");
    let original = std::fs::read(puebla("PUE_GUB_2024.csv")).expect("original");
    let db = Database::from_bytes(&original).expect("database");
    let tz = dir.config.time_zone().expect("tz");
    let official = tz
        .parse_corte_line(db.preamble.corte.as_deref().expect("corte line"))
        .expect("official corte time");

    let (election, plan) =
        plan_from_file(&dir, &store, &puebla("PUE_GUB_2024.csv"), None).expect("plan");
    assert_eq!(election, "gub");
    // 8,346 rows: 75 not captured; 943 sin acta (no times); 12 fuera de catálogo (capture
    // only); the other 7,316 captured and verified.
    assert_eq!(plan.not_captured, 75);
    assert_eq!(plan.untimed, 943);
    assert_eq!(plan.events.len(), 943 + 12 + 2 * 7_316);
    // No acta of the official file has a time after its corte.
    let last = plan.last_time.expect("timed events");
    assert!(last <= official, "{last} after {official}");
    let events = plan.events.len();

    let mut feeder = Feeder::new(vec![plan]);
    let mut clock = SimClock::new(
        dir.config.opening().expect("opening"),
        Speed::AsFastAsPossible,
    );
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    assert!(
        feeder
            .feed_until(&store, official, &mut clock, &stop, &mut |_, _| {})
            .expect("feed")
    );
    let secs = started.elapsed().as_secs_f64();
    println!(
        "replayed {events} events in {secs:.2} s ({:.0} events/s, {} transactions)",
        events as f64 / secs,
        feeder.stats().batches
    );
    assert_eq!(feeder.done(), events);
    assert_eq!(feeder.stats().appended, events, "{:?}", feeder.refusals);

    let key = dir.signing_key().expect("key");
    let mut publisher = Publisher::open(dir.clone(), key).expect("publisher");
    let report = publisher.cut(&store, official, true).expect("corte");
    println!("{report}");
    assert_eq!(report.corte, "03/06/2024 20:00 (UTC-6)");

    // The CSV database: named as the institute names it, the official summary line byte for
    // byte, and in fact the whole official file.
    let zip = std::fs::read(report.path.join("datos/20240603_2000_PREP_PUE_GUB.zip"))
        .expect("zipped database");
    let entries = unzip(&zip);
    let csv = &entries["PUE_GUB_2024.csv"];
    assert_eq!(summary_lines(csv), summary_lines(&original));
    assert!(summary_lines(csv).contains("8334,8271,12,8259,99.1000,6848,82.1694"));
    if csv != &original {
        std::fs::write("/tmp/replayed.csv", csv).expect("dump");
    }
    assert!(
        csv == &original,
        "the replayed database differs from the official file"
    );
    assert_eq!(
        entries["PUE_GUB_Candidaturas_2024.csv"],
        std::fs::read(puebla("PUE_GUB_Candidaturas_2024.csv")).expect("candidaturas")
    );

    // The JSON totals per candidacy equal `prep recount --candidaturas` on the original.
    let (pointer, _, t) = total(&report.path);
    assert_eq!(pointer.sequence, 1);
    assert!(pointer.is_final);
    assert_eq!(
        pointer.databases["gub"],
        "datos/20240603_2000_PREP_PUE_GUB.zip"
    );
    let map = prep_csv::read_candidaturas(
        &std::fs::read(puebla("PUE_GUB_Candidaturas_2024.csv")).expect("c")[..],
    )
    .expect("map");
    let options = prep_audit::RecountOptions {
        candidacies: Some(map),
        ..Default::default()
    };
    let recount = prep_audit::recount(&original, &options).expect("recount");
    let mut expected: Vec<(String, u64)> = recount
        .candidacies
        .iter()
        .map(|c| (c.candidate.clone(), c.votes))
        .collect();
    let mut got: Vec<(String, u64)> = t
        .candidacies
        .iter()
        .map(|c| (c.candidate.clone(), c.votes))
        .collect();
    expected.sort();
    got.sort();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
}

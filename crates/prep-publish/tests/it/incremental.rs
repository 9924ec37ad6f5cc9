//! Consecutive cortes of one store: with no new acta only the pointer, the manifest and the
//! CSV database change; after one new acta, besides those, only the files of that acta's
//! area and the summaries above it.

use prep_publish::{Feeder, Publisher, SimClock, Speed, parse_rfc3339, plan_from_file};
use prep_store::{ActaIdent, EventKind};
use prep_testdata::election::{puebla_gub_dir, puebla_settings};
use prep_testdata::puebla;
use prep_testdata::tree::read_tree;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicBool;

/// The paths whose bytes differ between two packages (present in one only, or different).
fn changed(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    a.keys()
        .chain(b.keys())
        .filter(|p| a.get(*p) != b.get(*p))
        .cloned()
        .collect()
}

/// `json/gub/area/21-7.3f2a9c0d41b7e6aa.json` → `json/gub/area/21-7`.
fn stem(path: &str) -> String {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let name = name.split('.').next().unwrap_or_default();
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

#[test]
fn consecutive_cortes_rewrite_only_what_changed() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = puebla_gub_dir(root.path(), "pue", &puebla_settings());
    let store = dir.open_store().expect("store");
    let (_, plan) = plan_from_file(&dir, &store, &puebla("PUE_GUB_2024.csv"), None).expect("plan");
    let mut feeder = Feeder::new(vec![plan.clone()]);
    let mut clock = SimClock::new(dir.config.opening().expect("t"), Speed::AsFastAsPossible);
    let stop = AtomicBool::new(false);
    let t1 = parse_rfc3339("2024-06-03T02:00:00-06:00").expect("t");
    feeder
        .feed_until(&store, t1, &mut clock, &stop, &mut |_, _| {})
        .expect("feed");
    let fed = feeder.done();
    assert!(fed > 1_000 && fed < plan.events.len(), "{fed}");

    let key = dir.signing_key().expect("key");
    let mut publisher = Publisher::open(dir.clone(), key).expect("publisher");
    let first = publisher.cut(&store, t1, false).expect("corte 1");
    let t2 = parse_rfc3339("2024-06-03T02:10:00-06:00").expect("t");
    let second = publisher.cut(&store, t2, false).expect("corte 2");
    assert_eq!((first.sequence, second.sequence), (1, 2));
    assert_eq!(first.through_event, second.through_event);

    // No new acta: the pointer, the manifest (and its signature) and the CSV database (its
    // preamble carries the corte time, and its name too) are all that differ.
    let (f1, f2) = (read_tree(&first.path), read_tree(&second.path));
    let stems: BTreeSet<String> = changed(&f1, &f2).iter().map(|p| stem(p)).collect();
    let expected: BTreeSet<String> = [
        "json/main",
        "manifest",
        "datos/20240603_0200_PREP_PUE_GUB",
        "datos/20240603_0210_PREP_PUE_GUB",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_eq!(stems, expected, "{:?}", changed(&f1, &f2));
    assert!(f1.len() > 50, "{} files", f1.len());
    // The public site is in every corte, with the same bytes.
    assert!(f1.contains_key("index.html") && f1.contains_key("verificar.html"));
    assert!(
        f1.keys().any(|p| p.starts_with("assets/app.")),
        "{:?}",
        f1.keys()
    );
    // The zipped database carries the LEEME of its columns.
    let zip_bytes = f1
        .iter()
        .find(|(p, _)| p.starts_with("datos/") && p.ends_with(".zip"))
        .map(|(_, b)| b.clone())
        .expect("zipped database");
    let zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).expect("zip");
    let names: Vec<&str> = zip.file_names().collect();
    assert!(names.contains(&"LEEME.txt"), "{names:?}");
    // Unchanged files were linked from the previous corte, not written again: only the
    // zip, the manifest, its signature and the pointer were.
    assert_eq!(second.written.files_written, 4, "{second}");
    assert_eq!(second.written.files_linked, second.files - 1, "{second}");

    // One new acta: the next capture of an expected acta.
    let next = plan.events[fed..]
        .iter()
        .find(|e| e.event.kind == EventKind::Capture && !e.event.acta.clave_acta.is_empty())
        .expect("a capture left");
    let entry = store
        .catalogue("gub")
        .expect("catalogue")
        .into_iter()
        .find(|(k, _)| ActaIdent::from_key(k) == next.event.acta)
        .map(|(_, e)| e)
        .expect("its catalogue entry");
    let ack = store.record(&next.event).expect("record");
    assert_eq!(ack.kind, EventKind::Capture);
    let t3 = parse_rfc3339("2024-06-03T02:20:00-06:00").expect("t");
    let third = publisher.cut(&store, t3, false).expect("corte 3");
    let f3 = read_tree(&third.path);
    let area = prep_model::area_key(&entry.geography.id_entidad, Some(&entry.geography.id_area));
    let stems: BTreeSet<String> = changed(&f2, &f3).iter().map(|p| stem(p)).collect();
    let expected: BTreeSet<String> = [
        "json/main".to_owned(),
        "manifest".to_owned(),
        "datos/20240603_0210_PREP_PUE_GUB".to_owned(),
        "datos/20240603_0220_PREP_PUE_GUB".to_owned(),
        "json/index".to_owned(),
        "json/gub/area/total".to_owned(),
        format!("json/gub/area/{area}"),
    ]
    .into();
    // Casilla rows are in files of a few consecutive secciones (`<area>-<first sección>`):
    // exactly one of the area's changed, the one holding the new acta's row.
    let (actas, others): (BTreeSet<String>, BTreeSet<String>) = stems
        .iter()
        .cloned()
        .partition(|s| s.starts_with(&format!("json/gub/actas/{area}-")));
    assert_eq!(others, expected, "{:?}", changed(&f2, &f3));
    assert_eq!(actas.len(), 1, "{actas:?}");
    let clave = &next.event.acta.clave_acta;
    let new_actas = f3
        .iter()
        .find(|(p, _)| actas.contains(&stem(p)) && !f2.contains_key(*p))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .expect("the new actas file");
    assert!(
        new_actas.contains(clave.as_str()),
        "{clave} not in its actas file"
    );
    // Each of those branch files is replaced by one new file (same count of files).
    assert_eq!(f2.len(), f3.len());
}

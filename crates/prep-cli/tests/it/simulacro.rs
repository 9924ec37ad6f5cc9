//! A short `prep simulacro`: a small synthetic election on a fast clock, three nodes (pull,
//! dir, dir), the monitor, and the compliance report at the end; exit 0, every node serving
//! the last corte, the report covering every node and corte.

use crate::common::{ok, prep, s};

#[test]
fn a_short_simulacro_runs_to_its_report() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = root.path().join("sim");
    let out = ok(prep(&[
        "simulacro",
        "--dir",
        &s(&dir),
        "--casillas",
        "300",
        "--nodes",
        "3",
        "--speed",
        "5760",
    ]));
    for line in [
        "institute's site and pull origin: http://",
        "nodo-1   (pull)",
        "nodo-2   (dir )",
        "monitor status page: http://",
        "compliance report: ",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    let last = prep_deliver::latest_sequence(&dir.join("eleccion"))
        .expect("cortes")
        .expect("at least one corte");
    assert!(last >= 2, "{last} cortes");
    // Every node serves the last corte at the end.
    for node in ["nodo-1", "nodo-2", "nodo-3"] {
        let line = out
            .lines()
            .find(|l| l.starts_with(node) && !l.contains("http"))
            .unwrap_or_else(|| panic!("no summary line for {node}:\n{out}"));
        let served: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(served[2], last.to_string(), "{line}");
    }
    let csv = std::fs::read_to_string(dir.join("eleccion/monitor/cumplimiento.csv")).expect("csv");
    assert_eq!(csv.lines().count() as u64, 1 + 3 * last, "{csv}");
    let html =
        std::fs::read_to_string(dir.join("eleccion/monitor/cumplimiento.html")).expect("html");
    assert!(html.contains("Reporte de cumplimiento"));
    // The processes are gone: the node's lock can be taken again.
    assert!(dir.join("nodo-1/data/events.jsonl").exists());
}

/// The whole night for an institute that is not Puebla: IEE Sonora 2021 (its own counting
/// profile, no candidacy file published) replayed as fast as it goes, to the compliance
/// report, every node serving every corte.
#[test]
fn a_simulacro_replays_another_institutes_database() {
    let root = tempfile::tempdir().expect("tmp");
    let dir = root.path().join("sim");
    let db = prep_testdata::shared("data/sonora-2021/SON_GOB_2021.csv");
    let out = ok(prep(&[
        "simulacro",
        "--dir",
        &s(&dir),
        "--replay",
        &s(&db),
        "--speed",
        "max",
    ]));
    assert!(out.contains("compliance report: "), "{out}");
    let config = std::fs::read_to_string(dir.join("eleccion/prep.toml")).expect("config");
    assert!(config.contains("dialect = \"iee-sonora-2021\""), "{config}");
    let last = prep_deliver::latest_sequence(&dir.join("eleccion"))
        .expect("cortes")
        .expect("at least one corte");
    for node in ["nodo-1", "nodo-2", "nodo-3"] {
        let line = out
            .lines()
            .find(|l| l.starts_with(node) && !l.contains("http"))
            .unwrap_or_else(|| panic!("no summary line for {node}:\n{out}"));
        let served: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(served[2], last.to_string(), "{line}");
    }
    let html =
        std::fs::read_to_string(dir.join("eleccion/monitor/cumplimiento.html")).expect("html");
    assert!(html.contains("Reporte de cumplimiento"));
}

//! Measures the acta store at national scale and prints the figures (no assertions on
//! time):
//!
//! - loading the catalogue of 3 elections × 170,648 actas (one transaction per election);
//! - 10,000 single-event transactions (capture, commit, fsync each);
//! - a bulk capture of the rest of one election (`record_batch`, 5,000 events a
//!   transaction);
//! - a snapshot of that election (170,648 actas, fully captured): the first (which also
//!   reads the catalogue), the next (catalogue kept), a refresh after 1 % of the actas
//!   changed; its tally; rendering its rows; one read view over the three elections;
//!   replaying the audit trail.
//!
//! `cargo bench -p prep-store --bench store` (national size), or with `-- --smoke` for a
//! quick run, `-- --actas N --single N` for other sizes. The database goes to a temporary
//! directory under `$PREP_STORE_BENCH_DIR` (default: the system's temporary directory):
//! fsync costs depend on that file system. With `PREP_STORE_BENCH_KEEP` set, the database is
//! kept for inspection.

use prep_count::Rules;
use prep_model::{CasillaType, CatalogueEntry, Geography, Value};
use prep_store::{
    ActaContent, ActaIdent, ElectionSpec, EventKind, NewEvent, Origin, RowLayout, Store,
};
use std::time::{Duration, Instant};

const COLUMNS: [&str; 18] = [
    "PAN",
    "PRI",
    "PRD",
    "PVEM",
    "PT",
    "MC",
    "MORENA",
    "PAN_PRI_PRD",
    "PAN_PRI",
    "PAN_PRD",
    "PRI_PRD",
    "PVEM_PT_MORENA",
    "PVEM_PT",
    "PVEM_MORENA",
    "PT_MORENA",
    "CAND_IND_1",
    "NO_REGISTRADAS",
    "NULOS",
];

const ELECTIONS: [(&str, &str, u32); 3] = [
    ("PRES", "PRESIDENCIA", 2),
    ("SEN", "SENADURIAS", 3),
    ("DIP", "DIPUTACIONES FEDERALES", 6),
];

struct Args {
    actas: usize,
    single: usize,
}

fn args() -> Args {
    let mut a = Args {
        actas: 170_648,
        single: 10_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = |what: &str| -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{what} needs a number"))
        };
        match arg.as_str() {
            "--smoke" => {
                a.actas = 5_000;
                a.single = 300;
            }
            "--actas" => a.actas = num("--actas"),
            "--single" => a.single = num("--single"),
            _ => {} // cargo bench passes --bench
        }
    }
    a.single = a.single.min(a.actas);
    a
}

fn catalogue(n: usize, tipo_acta: u32) -> Vec<CatalogueEntry> {
    (0..n)
        .map(|i| {
            let t = match i % 50 {
                49 => CasillaType::Especial,
                0..=23 => CasillaType::Basica,
                _ => CasillaType::Contigua,
            };
            let entidad = 1 + i % 32;
            let seccion = 1 + i / 4;
            let id_casilla = 1 + i % 4;
            let clave_casilla = format!("{entidad:02}{seccion:05}{}{id_casilla:02}00", t.code());
            CatalogueEntry {
                clave_acta: format!("{clave_casilla}{tipo_acta:02}"),
                clave_casilla,
                casilla_type: t,
                id_casilla: format!("{id_casilla:02}"),
                ext_contigua: "00".into(),
                geography: Geography {
                    id_entidad: format!("{entidad:02}"),
                    entidad: format!("ENTIDAD {entidad:02}"),
                    id_area: format!("{:03}", 1 + i % 300),
                    area: format!("DISTRITO {:03}", 1 + i % 300),
                    seccion: format!("{seccion:04}"),
                },
                ubicacion: 1 + (i % 3 == 0) as u8,
                tipo_acta: tipo_acta.to_string(),
                lista_nominal: if t == CasillaType::Especial {
                    0
                } else {
                    400 + (i as u64 * 7919) % 350
                },
                representantes: 14,
                boletas_especial: (t == CasillaType::Especial).then_some(1500),
            }
        })
        .collect()
}

fn content(i: usize) -> ActaContent {
    let mut c = ActaContent::default();
    let mut total = 0;
    for (j, col) in COLUMNS.iter().enumerate() {
        let n = ((i * 31 + j * 17) % 40) as u64;
        total += n;
        let v = if (i + j).is_multiple_of(97) {
            Value::Ilegible
        } else {
            Value::Number(n)
        };
        c.votes.insert((*col).to_owned(), v);
    }
    let d = &mut c.details;
    d.total_votos_asentado = Value::Number(total);
    for (k, name) in [
        "TOTAL_BOLETAS_SOBRANTES",
        "TOTAL_PERSONAS_VOTARON",
        "TOTAL_REP_PARTIDO_CI_VOTARON",
        "TOTAL_VOTOS_SACADOS",
    ]
    .iter()
    .enumerate()
    {
        d.counts
            .insert((*name).to_owned(), Value::Number(total + k as u64));
    }
    d.codigo_integridad = Some(prep_store::sha256_hex(&i.to_le_bytes()));
    d.fecha_hora_acopio = Some("02/06/2024 21:13:05".into());
    d.fecha_hora_captura = Some("02/06/2024 21:20:41".into());
    d.fecha_hora_verificacion = Some("02/06/2024 21:24:10".into());
    d.mecanismos_traslado = Some("F".into());
    d.origen = Some("CATD".into());
    d.digitalizacion = Some("ESCANER".into());
    d.tipo_documento = Some("ACTA PREP".into());
    c
}

fn capture(election: &str, clave: &str, i: usize) -> NewEvent {
    NewEvent {
        election: election.into(),
        acta: ActaIdent::clave(clave),
        kind: EventKind::Capture,
        origin: Origin::Catd(format!("{:02}", i % 300)),
        at_ms: 1_717_376_400_000 + i as i64 * 10,
        content: content(i),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn main() {
    let a = args();
    let base = std::env::var_os("PREP_STORE_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
    let dir = tempfile::tempdir_in(base).expect("temporary directory");
    let path = dir.path().join("prep.sqlite");
    println!(
        "prep-store bench: {} actas per election, database {}",
        a.actas,
        path.display()
    );
    // Timings depend on what else the machine runs: say how busy it was.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at start: {}", load.trim());
    }
    let store = Store::open(&path).expect("open");

    let mut keys = Vec::new();
    let t0 = Instant::now();
    for (id, title, tipo) in ELECTIONS {
        store
            .define_election(&ElectionSpec {
                id: id.into(),
                title: title.into(),
                columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
                rules: Rules::anexo13(),
            })
            .expect("define");
        let entries = catalogue(a.actas, tipo);
        let t = Instant::now();
        keys.push(store.load_catalogue(id, &entries).expect("load"));
        println!(
            "catalogue load {id}: {} actas in {}",
            entries.len(),
            secs(t.elapsed())
        );
    }
    println!(
        "catalogue load, 3 elections: {} actas in {}",
        3 * a.actas,
        secs(t0.elapsed())
    );

    let pres = &keys[0];
    let mut lat: Vec<Duration> = Vec::with_capacity(a.single);
    let t = Instant::now();
    for (i, k) in pres.iter().enumerate().take(a.single) {
        let s = Instant::now();
        store.record(&capture("PRES", k, i)).expect("record");
        lat.push(s.elapsed());
    }
    let total = t.elapsed();
    lat.sort();
    let pct = |p: usize| lat[(lat.len() * p / 100).min(lat.len() - 1)];
    println!(
        "single-event transactions: {} in {} = {:.0} events/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        a.single,
        secs(total),
        a.single as f64 / total.as_secs_f64(),
        pct(50).as_secs_f64() * 1e3,
        pct(99).as_secs_f64() * 1e3,
        lat.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );

    let t = Instant::now();
    let rest: Vec<(usize, &String)> = pres.iter().enumerate().skip(a.single).collect();
    for chunk in rest.chunks(5_000) {
        let events: Vec<NewEvent> = chunk.iter().map(|(i, k)| capture("PRES", k, *i)).collect();
        for r in store.record_batch(&events).expect("batch") {
            r.expect("recorded");
        }
    }
    let n = rest.len().max(1);
    println!(
        "bulk capture (record_batch, 5,000 a transaction): {} events in {} = {:.0} events/s",
        rest.len(),
        secs(t.elapsed()),
        n as f64 / t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let first = store.snapshot("PRES").expect("snapshot");
    println!(
        "first snapshot PRES (reads the catalogue too): {} actas (all captured) through event {} in {}",
        first.actas.len(),
        first.through_event,
        secs(t.elapsed())
    );
    drop(first);
    let t = Instant::now();
    let mut snap = store.snapshot("PRES").expect("snapshot");
    println!(
        "snapshot PRES (catalogue kept): {} actas in {}",
        snap.actas.len(),
        secs(t.elapsed())
    );

    // A corte later: 1 % of the actas corrected, then the snapshot refreshed.
    let changed: Vec<NewEvent> = pres
        .iter()
        .enumerate()
        .step_by(100)
        .map(|(i, k)| {
            let mut e = capture("PRES", k, i + 1);
            e.kind = EventKind::Correction;
            e
        })
        .collect();
    store.record_batch(&changed).expect("corrections");
    let t = Instant::now();
    let view = store.read_view().expect("view");
    let read = view.refresh(&mut snap).expect("refresh");
    drop(view);
    println!(
        "refresh after 1 % of the actas changed: {read} actas read in {}",
        secs(t.elapsed())
    );
    let t = Instant::now();
    let tally = snap.tally();
    println!(
        "tally of the snapshot: {} in {} ({} contabilizadas)",
        tally.counters.capturadas,
        secs(t.elapsed()),
        tally.counters.contabilizadas
    );
    let header: Vec<String> = ["CLAVE_CASILLA", "CLAVE_ACTA", "ID_ENTIDAD", "ENTIDAD"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain(snap.election.columns.iter().cloned())
        .chain(
            [
                "TOTAL_VOTOS_ASENTADO",
                "TOTAL_VOTOS_CALCULADO",
                "LISTA_NOMINAL",
                "OBSERVACIONES",
                "CONTABILIZADA",
                "CODIGO_INTEGRIDAD",
                "FECHA_HORA_ACOPIO",
            ]
            .iter()
            .map(|s| (*s).to_owned()),
        )
        .collect();
    let layout = RowLayout::new(&header, &snap.election.columns);
    let t = Instant::now();
    let cells: usize = snap.rows(&layout).map(|r| r.len()).sum();
    println!(
        "rows of the snapshot: {cells} cells in {}",
        secs(t.elapsed())
    );

    let t = Instant::now();
    let view = store.read_view().expect("view");
    let sizes: Vec<usize> = ELECTIONS
        .iter()
        .map(|(id, _, _)| view.snapshot(id).expect("snapshot").actas.len())
        .collect();
    drop(view);
    println!(
        "one read view, 3 snapshots ({:?} actas; SEN and DIP uncaptured) in {}",
        sizes,
        secs(t.elapsed())
    );

    let t = Instant::now();
    let check = store.check_derived_state().expect("check");
    println!(
        "replay of the audit trail: {} events, {} actas, consistent: {} in {}",
        check.events,
        check.actas,
        check.is_consistent(),
        secs(t.elapsed())
    );
    drop(store);
    let size: u64 = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("database size: {:.1} MB", size as f64 / 1e6);
    if std::env::var_os("PREP_STORE_BENCH_KEEP").is_some() {
        println!("kept: {}", dir.keep().display());
    }
}

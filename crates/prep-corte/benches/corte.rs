//! Corte package benchmark: one package holding the three national elections (presidencia,
//! senadurías, diputaciones federales; 170,648 casillas each, from `prep-synth`), built in
//! process through the real code path — `build_data`, `zip`, `assemble`, the signature — and
//! then two incremental cortes after 1 % of the actas changed:
//!
//! - *random*: the 99 % corte → the 100 % corte of the same seed (each acta's arrival time is
//!   drawn on its own, so the last 1 % is spread across the country);
//! - *clustered*: whole districts (every election of a district, as a capture centre delivers
//!   them) go from not captured to captured, about 1 % of the actas.
//!
//! Bytes changed are the bytes of the files whose path and hash the previous corte does not
//! have (what an incremental delivery sends), split into JSON data, zipped CSV databases, and
//! the manifest with its signature and `json/main.json`.
//!
//! ```text
//! cargo bench -p prep-corte --bench corte                 # national, 3 timed runs
//! cargo bench -p prep-corte --bench corte -- --smoke      # 3,000 casillas, seconds
//! cargo bench -p prep-corte --bench corte -- --casillas 50000 --runs 5
//! ```

#![allow(missing_docs, clippy::unwrap_used)]

use prep_corte::{
    BuildOptions, CorteInfo, ElectionInput, Package, PackageFile, assemble, build_data_with, zip,
};
use prep_count::{CorteStage, Rules};
use prep_csv::{Database, read_candidaturas};
use prep_model::CandidacyMap;
use prep_package::{Expectations, SigningKey, check_package, generate_keys, sign_manifest};
use prep_synth::{ElectionId, Synth, SynthConfig};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

/// One election of the night: its CSV bytes, parsed rows and candidacies.
struct Election {
    id: ElectionId,
    csv: Vec<u8>,
    candidaturas: Vec<u8>,
    database: Database,
    candidacies: CandidacyMap,
}

struct Args {
    casillas: usize,
    runs: usize,
    options: BuildOptions,
}

fn args() -> Args {
    let mut out = Args {
        casillas: prep_synth::NATIONAL_CASILLAS,
        runs: 3,
        options: BuildOptions::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--smoke" => {
                out.casillas = 3000;
                out.runs = 1;
            }
            "--casillas" => out.casillas = it.next().and_then(|v| v.parse().ok()).unwrap(),
            "--runs" => out.runs = it.next().and_then(|v| v.parse().ok()).unwrap(),
            "--group-rows" => {
                out.options.group_rows = it.next().and_then(|v| v.parse().ok()).unwrap();
            }
            "--bench" => {} // cargo bench passes it
            other => {
                panic!("unknown argument {other}: --smoke, --casillas N, --runs N, --group-rows N")
            }
        }
    }
    out
}

/// Generates the three elections at a captured fraction; the CSV parse is timed.
fn synthesise(casillas: usize, captured: f64, parse_secs: &mut (f64, f64)) -> Vec<Election> {
    let config = SynthConfig {
        captured,
        stage: CorteStage::Preliminary,
        ..SynthConfig::new(2024, casillas)
    };
    let synth = Synth::new(config).unwrap();
    let raw: Vec<(ElectionId, Vec<u8>, Vec<u8>)> = std::thread::scope(|s| {
        let handles: Vec<_> = ElectionId::ALL
            .iter()
            .map(|&id| {
                let synth = &synth;
                s.spawn(move || {
                    let mut csv = Vec::new();
                    synth.write_database(id, &mut csv, &mut |_, _| {}).unwrap();
                    let mut cand = Vec::new();
                    synth.write_candidaturas(id, &mut cand).unwrap();
                    (id, csv, cand)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (parsed, took) = timed(|| parse(&raw.iter().map(|r| r.1.as_slice()).collect::<Vec<_>>()));
    *parse_secs = took;
    raw.into_iter()
        .zip(parsed)
        .map(|((id, csv, candidaturas), database)| Election {
            id,
            candidacies: read_candidaturas(&candidaturas[..]).unwrap(),
            csv,
            candidaturas,
            database,
        })
        .collect()
}

/// Parses the databases, one thread each.
fn parse(csvs: &[&[u8]]) -> Vec<Database> {
    std::thread::scope(|s| {
        let handles: Vec<_> = csvs
            .iter()
            .map(|csv| s.spawn(move || Database::from_bytes(csv).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Phase times of one package: wall clock and CPU (all threads) seconds.
#[derive(Default, Clone, Copy)]
struct Times {
    build: (f64, f64),
    zip: (f64, f64),
    assemble: (f64, f64),
    sign: (f64, f64),
}

impl Times {
    fn total(&self) -> (f64, f64) {
        let all = [self.build, self.zip, self.assemble, self.sign];
        (all.iter().map(|t| t.0).sum(), all.iter().map(|t| t.1).sum())
    }
}

/// CPU seconds used by this process so far, all threads (Linux `/proc/self/stat`, in clock
/// ticks of 10 ms); 0 elsewhere. The machine is shared, so wall times vary with the load
/// while CPU times say what the work costs.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name (in parentheses): utime and stime are 14th and 15th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs `f`, returning its result and its (wall, CPU) seconds.
fn timed<R>(f: impl FnOnce() -> R) -> (R, (f64, f64)) {
    let (wall, cpu) = (Instant::now(), cpu_secs());
    let r = f();
    (r, (wall.elapsed().as_secs_f64(), cpu_secs() - cpu))
}

/// A built package: the manifest's files, the manifest and signature bytes.
struct Built {
    package: Package,
    manifest_bytes: usize,
    signature: String,
}

/// Builds and signs the package of `elections`, timing each phase.
fn package(
    elections: &[Election],
    options: &BuildOptions,
    key: &SigningKey,
    sequence: u64,
    concurrent: bool,
) -> (Built, Times) {
    let rules = Rules::anexo13();
    let zip_paths: Vec<String> = elections
        .iter()
        .map(|e| format!("datos/20240603_2000_PREP_{}.zip", e.id.code()))
        .collect();
    let ids: Vec<String> = elections.iter().map(|e| e.id.to_string()).collect();
    let inputs: Vec<ElectionInput<'_>> = elections
        .iter()
        .zip(&zip_paths)
        .zip(&ids)
        .map(|((e, zip_path), id)| ElectionInput {
            id,
            title: e.id.title(),
            database: &e.database,
            candidacies: Some(&e.candidacies),
            rules: &rules,
            stage: CorteStage::Preliminary,
            database_path: Some(zip_path),
        })
        .collect();
    let zip_one = |(e, path): (&Election, &String)| {
        let csv_name = e.id.database_file_name();
        let cand_name = e.id.candidaturas_file_name();
        let bytes = zip(&[
            (csv_name.as_str(), e.csv.as_slice()),
            (cand_name.as_str(), e.candidaturas.as_slice()),
        ])
        .unwrap();
        PackageFile {
            path: path.clone(),
            bytes,
        }
    };
    let zip_all = || -> Vec<PackageFile> {
        elections
            .par_iter()
            .zip(zip_paths.par_iter())
            .map(zip_one)
            .collect()
    };
    let mut t = Times::default();
    let (data, zips) = if concurrent {
        // What a caller can do: the zips do not depend on the JSON.
        let ((data, zips), took) =
            timed(|| rayon::join(|| build_data_with(&inputs, options), zip_all));
        t.build = took;
        (data, zips)
    } else {
        let (data, took) = timed(|| build_data_with(&inputs, options));
        t.build = took;
        let (zips, took) = timed(zip_all);
        t.zip = took;
        (data, zips)
    };

    let info = CorteInfo {
        institute: "INE".into(),
        process: "PEF2024".into(),
        sequence,
        corte: "03/06/2024 20:00 (UTC-6)".into(),
        corte_rfc3339: "2024-06-03T20:00:00-06:00".into(),
        created: "2024-06-03T20:01:00Z".into(),
        expires: "2024-06-04T20:01:00Z".into(),
        is_final: false,
        previous: None,
        databases: Default::default(),
        difusores: None,
    };
    let (package, took) = timed(|| assemble(data, zips, &info));
    t.assemble = took;
    let ((signature, manifest_bytes), took) = timed(|| {
        let signature = sign_manifest(key, &package.manifest).unwrap();
        (signature, package.manifest.to_bytes().len())
    });
    t.sign = took;
    let built = Built {
        package,
        manifest_bytes,
        signature,
    };
    (built, t)
}

/// Bytes changed from `before` to `after`, by kind.
#[derive(Default)]
struct Changed {
    json: (u64, u64),
    zips: (u64, u64),
    manifest: u64,
}

fn changed(before: &Built, after: &Built) -> Changed {
    let old: HashSet<(&str, &str)> = before
        .package
        .manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    let mut out = Changed::default();
    for f in &after.package.manifest.files {
        if old.contains(&(f.path.as_str(), f.sha256.as_str())) {
            continue;
        }
        let slot = if f.path.ends_with(".zip") {
            &mut out.zips
        } else {
            &mut out.json
        };
        slot.0 += 1;
        slot.1 += f.size;
    }
    out.manifest = (after.manifest_bytes
        + after.signature.len()
        + after.package.pointer.to_bytes().len()) as u64;
    out
}

/// The clustered corte before the last districts arrived: `full` with the rows of whole
/// districts (the same ones in every election) taken from `empty` (nothing captured), until
/// about `share` of the catalogue's actas.
fn without_districts(full: &[Election], empty: &[Election], share: f64) -> Vec<Election> {
    // Districts by the first election's (entidad, area) keys, picked by a fixed stride.
    let keys = |e: &Election, i: usize| {
        let l = &e.database.layout;
        let row = &e.database.rows[i];
        (
            l.id_entidad.map(|c| row.text(c)).unwrap_or_default(),
            l.area.map(|(c, _)| row.text(c)).unwrap_or_default(),
        )
    };
    let first = &full[0];
    let catalogue = empty[0].database.rows.len().min(first.database.rows.len());
    let districts: BTreeSet<(String, String)> = (0..catalogue).map(|i| keys(first, i)).collect();
    let districts: Vec<_> = districts.into_iter().collect();
    let target = (catalogue as f64 * share).ceil() as usize;
    let mut picked = BTreeSet::new();
    let mut rows = 0;
    let mut k = 0;
    while rows < target && picked.len() < districts.len() {
        let d = &districts[(k * 97) % districts.len()];
        k += 1;
        if picked.insert(d.clone()) {
            rows += (0..catalogue).filter(|&i| &keys(first, i) == d).count();
        }
    }
    full.iter()
        .zip(empty)
        .map(|(f, z)| {
            let mut database = f.database.clone();
            // The catalogue's actas come first, in the same order at any captured fraction.
            let n = z.database.rows.len().min(database.rows.len());
            for i in 0..n {
                if picked.contains(&keys(f, i)) {
                    database.rows[i] = z.database.rows[i].clone();
                }
            }
            let mut csv = Vec::new();
            database.write(&mut csv).unwrap();
            Election {
                id: f.id,
                csv,
                candidaturas: f.candidaturas.clone(),
                database,
                candidacies: f.candidacies.clone(),
            }
        })
        .collect()
}

/// Checks the package as a receiver would (signature, manifest, every file's hash).
fn verify(built: &Built, key: &SigningKey) {
    let files: HashMap<&str, &[u8]> = built
        .package
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    let present: Vec<String> = files.keys().map(|p| (*p).to_owned()).collect();
    check_package(
        &key.verifying_key(),
        &built.package.manifest.to_bytes(),
        &built.signature,
        &Expectations::default(),
        |p| files.get(p).map(|b| b.to_vec()),
        &present,
    )
    .unwrap();
}

fn range(xs: &[f64]) -> String {
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(0.0, f64::max);
    if xs.len() == 1 {
        format!("{lo:.2}")
    } else {
        format!("{lo:.2}–{hi:.2}")
    }
}

fn row_of(t: &[(f64, f64)]) -> (String, String) {
    let wall: Vec<f64> = t.iter().map(|t| t.0).collect();
    let cpu: Vec<f64> = t.iter().map(|t| t.1).collect();
    (range(&wall), range(&cpu))
}

fn mb(b: u64) -> String {
    format!("{:.2} MB", b as f64 / 1e6)
}

fn main() {
    let a = args();
    let (_, secret) = generate_keys(None).unwrap();
    let key = SigningKey::from_secret_key_file(&secret, None).unwrap();
    println!(
        "corte benchmark: {} casillas × 3 elections, {} core(s), {} timed run(s), {} rows per actas file",
        a.casillas,
        std::thread::available_parallelism().map_or(1, usize::from),
        a.runs,
        a.options.group_rows
    );

    let mut parsed = (0.0, 0.0);
    let start = Instant::now();
    let after = synthesise(a.casillas, 1.0, &mut parsed);
    println!(
        "synthesised in {:.1} s; rows: {}",
        start.elapsed().as_secs_f64() - parsed.0,
        after
            .iter()
            .map(|e| format!(
                "{} {} ({})",
                e.id.code(),
                e.database.rows.len(),
                mb(e.csv.len() as u64)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Full package, timed several times.
    let mut runs: Vec<Times> = Vec::new();
    let mut parses = vec![parsed];
    let mut full = None;
    for _ in 0..a.runs {
        let (built, t) = package(&after, &a.options, &key, 2, false);
        runs.push(t);
        full = Some(built);
    }
    for _ in 1..a.runs {
        // Re-parse to time it again (the rows are the same).
        let csvs: Vec<&[u8]> = after.iter().map(|e| e.csv.as_slice()).collect();
        parses.push(timed(|| parse(&csvs)).1);
    }
    let full = full.unwrap();
    let concurrent: Vec<Times> = (0..a.runs)
        .map(|_| package(&after, &a.options, &key, 2, true).1)
        .collect();
    verify(&full, &key);
    // The same rows again (as a corte with no new acta): no data file may change.
    let same = package(&after, &a.options, &key, 1, false).0;
    assert_eq!(
        changed(&same, &full).json.0,
        0,
        "a corte with no new acta changed JSON"
    );
    let files = &full.package.manifest.files;
    let json_bytes: u64 = files
        .iter()
        .filter(|f| f.path.starts_with("json/"))
        .map(|f| f.size)
        .sum();
    let zip_bytes: u64 = files
        .iter()
        .filter(|f| f.path.ends_with(".zip"))
        .map(|f| f.size)
        .sum();
    let col = |f: fn(&Times) -> (f64, f64)| {
        let t: Vec<(f64, f64)> = runs.iter().map(f).collect();
        row_of(&t)
    };
    println!(
        "\nfull package (seconds, min–max of {} runs; wall clock, and CPU of all threads)",
        a.runs
    );
    println!("  {:<34} {:>12} {:>12}", "phase", "wall", "CPU");
    let line = |name: &str, (wall, cpu): (String, String)| {
        println!("  {name:<34} {wall:>12} {cpu:>12}");
    };
    line("parse CSV (3 elections, parallel)", row_of(&parses));
    line("build_data (JSON tree)", col(|t| t.build));
    line("zip CSV databases", col(|t| t.zip));
    line("assemble (hash, manifest)", col(|t| t.assemble));
    line("sign manifest", col(|t| t.sign));
    line("package from rows (goal ≤ 3 s)", col(Times::total));
    line(
        "  the same, build_data ∥ zip",
        row_of(&concurrent.iter().map(Times::total).collect::<Vec<_>>()),
    );
    let with_parse: Vec<(f64, f64)> = runs
        .iter()
        .zip(&parses)
        .map(|(t, p)| (t.total().0 + p.0, t.total().1 + p.1))
        .collect();
    line("package from CSV files", row_of(&with_parse));
    println!(
        "  files {} (JSON {}), JSON {}, zips {}, manifest {}",
        files.len(),
        files.iter().filter(|f| f.path.starts_with("json/")).count(),
        mb(json_bytes),
        mb(zip_bytes),
        mb(full.manifest_bytes as u64)
    );
    let mut kinds: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for f in files.iter().filter(|f| f.path.starts_with("json/")) {
        let kind = f.path.rsplit('/').nth(1).unwrap_or("json");
        let e = kinds.entry(kind).or_default();
        e.0 += 1;
        e.1 += f.size;
    }
    for (kind, (n, bytes)) in &kinds {
        println!("    {kind:<10} {n:>8} files {:>12}", mb(*bytes));
    }
    // The part of the actas files that is sección counters (what area files would carry if
    // they listed every sección with its counters).
    let marker = b"],\"secciones\":[";
    let counters: usize = full
        .package
        .files
        .iter()
        .filter(|f| f.path.contains("/actas/"))
        .filter_map(|f| {
            let at = f.bytes.windows(marker.len()).rposition(|w| w == marker)?;
            Some(f.bytes.len() - at - marker.len())
        })
        .sum();
    println!("    of which sección counters: {}", mb(counters as u64));
    let total = json_bytes + zip_bytes + full.manifest_bytes as u64;

    // Incremental cortes.
    let mut ignored = (0.0, 0.0);
    let random_before = {
        let before = synthesise(a.casillas, 0.99, &mut ignored);
        package(&before, &a.options, &key, 1, false).0
    };
    let clustered_before = {
        let empty = synthesise(a.casillas, 0.0, &mut ignored);
        let before = without_districts(&after, &empty, 0.01);
        drop(empty);
        package(&before, &a.options, &key, 1, false).0
    };
    println!("\nincremental corte (bytes of files whose path and hash are new)");
    println!(
        "  {:<10} {:>8} {:>12} {:>6} {:>12} {:>12} {:>12} {:>7}",
        "case", "JSON new", "JSON bytes", "zips", "zip bytes", "manifest+", "total", "share"
    );
    for (name, before) in [
        ("no new", &same),
        ("random", &random_before),
        ("clustered", &clustered_before),
    ] {
        let c = changed(before, &full);
        let sum = c.json.1 + c.zips.1 + c.manifest;
        println!(
            "  {:<10} {:>8} {:>12} {:>6} {:>12} {:>12} {:>12} {:>6.1}%",
            name,
            c.json.0,
            mb(c.json.1),
            c.zips.0,
            mb(c.zips.1),
            mb(c.manifest),
            mb(sum),
            100.0 * sum as f64 / total as f64
        );
        println!(
            "  {:<10} without the zips: {} ({:.1}% of JSON + manifest)",
            "",
            mb(c.json.1 + c.manifest),
            100.0 * (c.json.1 + c.manifest) as f64
                / (json_bytes + full.manifest_bytes as u64) as f64
        );
    }
    println!(
        "\n'manifest+' is manifest.json, its signature and json/main.json; 'share' is of the whole package.\n\
         'no new': the same rows cut again (here the zips keep their bytes; a real corte's CSV\n\
         preamble and zip name carry the corte time, so they change every corte)."
    );
}

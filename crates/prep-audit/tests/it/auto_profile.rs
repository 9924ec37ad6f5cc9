//! `--rules auto` in one pass: [`choose_profile_read`] reads the file once whichever profile
//! fits, and chooses and reports exactly what recounting under each profile in turn
//! ([`choose_profile`] over [`recount_read`]) gives, on every database of the reference data.

use prep_audit::{
    Recount, RecountOptions, choose_profile, choose_profile_read, recount_profiles_read,
    recount_read,
};
use prep_testdata::shared;
use std::cell::Cell;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A reader that counts the bytes it hands over.
struct Counting<'a, R> {
    inner: R,
    bytes: &'a Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }
}

/// Every published database under `../shared/data` (candidacy files left out).
fn databases() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("read_dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if p.is_dir() {
                walk(&p, out);
            } else if name.ends_with(".csv") && !name.to_uppercase().contains("CANDIDAT") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&shared("data"), &mut out);
    assert!(out.len() >= 9, "{out:?}");
    out
}

/// The whole report, as `prep recount --json` prints it.
fn json(r: &Recount) -> String {
    serde_json::to_string(r).expect("json")
}

/// Today's `--rules auto`: one recount per profile, in order, until one reproduces.
fn sequential(bytes: &[u8], options: &RecountOptions) -> Option<Recount> {
    let profiles = prep_count::profiles::profiles();
    choose_profile(&profiles, |rules| {
        let options = RecountOptions {
            rules: rules.clone(),
            ..options.clone()
        };
        recount_read(bytes, &options)
    })
    .expect("recount")
}

/// The one-pass `--rules auto`, with the times `open` was called and the bytes read.
fn one_pass(bytes: &[u8], options: &RecountOptions) -> (Option<Recount>, usize, u64) {
    let profiles = prep_count::profiles::profiles();
    let (mut opens, read) = (0, Cell::new(0));
    let r = choose_profile_read(&profiles, options, || {
        opens += 1;
        Ok::<_, prep_csv::ReadError>(Counting {
            inner: bytes,
            bytes: &read,
        })
    })
    .expect("recount");
    (r, opens, read.get())
}

/// COAH_GOB_2017 with its summary line replaced by what the last shipped profile
/// (iec-coahuila-2017) recounts: only the last profile reproduces it.
fn reproduced_by_the_last_profile() -> Vec<u8> {
    let bytes = std::fs::read(shared("data/coahuila-2017/COAH_GOB_2017.csv")).expect("read");
    let last = prep_count::profiles::profiles().pop().expect("profiles");
    assert_eq!(last.name, "iec-coahuila-2017");
    let options = RecountOptions {
        rules: last,
        ..RecountOptions::default()
    };
    let r = recount_read(&bytes[..], &options).expect("recount");
    let values = r.printed.values.join(",");
    let names_at = bytes
        .windows(16)
        .position(|w| w == b"\nACTAS_ESPERADAS")
        .expect("summary names")
        + 1;
    let values_at = names_at
        + bytes[names_at..]
            .iter()
            .position(|b| *b == b'\n')
            .expect("names line end")
        + 1;
    let values_end = values_at
        + bytes[values_at..]
            .iter()
            .position(|b| *b == b'\r' || *b == b'\n')
            .expect("values line end");
    [&bytes[..values_at], values.as_bytes(), &bytes[values_end..]].concat()
}

#[test]
fn auto_reads_the_file_once_when_only_the_last_profile_fits() {
    let bytes = reproduced_by_the_last_profile();
    let options = RecountOptions {
        max_reported_errors: 1000,
        ..RecountOptions::default()
    };
    let (r, opens, read) = one_pass(&bytes, &options);
    let r = r.expect("a profile");
    let profiles = prep_count::profiles::profiles();
    assert_eq!(r.profile, "iec-coahuila-2017");
    assert!(r.differences.is_empty(), "{:?}", r.differences);
    assert_eq!(
        r.profiles_tried.len(),
        profiles.len(),
        "every profile tried"
    );
    assert!(
        r.profiles_tried[..profiles.len() - 1]
            .iter()
            .all(|t| !t.reproduces()),
        "{:?}",
        r.profiles_tried
    );
    // At most one extra pass over a single-profile recount: here, none.
    assert!(opens <= 2, "the file was opened {opens} times");
    assert!(
        read <= 2 * bytes.len() as u64,
        "{read} bytes read from a file of {}",
        bytes.len()
    );
    assert_eq!(opens, 1);
    assert_eq!(read, bytes.len() as u64);
    let before = sequential(&bytes, &options).expect("a profile");
    assert_eq!(json(&r), json(&before));
}

#[test]
fn auto_in_one_pass_chooses_and_reports_as_profile_by_profile_on_every_database() {
    for path in databases() {
        let bytes = std::fs::read(&path).expect("read");
        let what = path.display();
        for (threads, chunk_bytes) in [(0, 0), (3, 64 << 10)] {
            let options = RecountOptions {
                max_reported_errors: 1000,
                threads,
                chunk_bytes,
                ..RecountOptions::default()
            };
            let before = sequential(&bytes, &options).expect("a profile");
            let (now, opens, read) = one_pass(&bytes, &options);
            let now = now.expect("a profile");
            assert_eq!(now.profile, before.profile, "{what}");
            assert_eq!(now.profiles_tried, before.profiles_tried, "{what}");
            assert_eq!(json(&now), json(&before), "{what}");
            assert_eq!((opens, read), (1, bytes.len() as u64), "{what}");
        }
    }
}

#[test]
fn each_profile_of_the_shared_pass_is_that_profile_alone() {
    let profiles = prep_count::profiles::profiles();
    let mut files: Vec<Vec<u8>> = databases()
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    // Rows the tokeniser rejects are reported under every profile: cut a cell off line 10.
    let text = String::from_utf8(prep_testdata::read_puebla("PUE_GUB_2024.csv")).expect("utf-8");
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let cut = lines[9].rfind(',').expect("comma");
    lines[9].truncate(cut);
    files.push(lines.join("\n").into_bytes());
    let candidacies = prep_csv::read_candidaturas(
        &prep_testdata::read_puebla("PUE_GUB_Candidaturas_2024.csv")[..],
    )
    .expect("candidaturas");
    for (i, bytes) in files.iter().enumerate() {
        let options = RecountOptions {
            max_reported_errors: 100,
            candidacies: Some(candidacies.clone()),
            ..RecountOptions::default()
        };
        let all = recount_profiles_read(&bytes[..], &options, &profiles).expect("recount");
        assert_eq!(all.len(), profiles.len());
        for (rules, shared) in profiles.iter().zip(&all) {
            let alone = recount_read(
                &bytes[..],
                &RecountOptions {
                    rules: rules.clone(),
                    ..options.clone()
                },
            )
            .expect("recount");
            assert_eq!(json(shared), json(&alone), "file {i}, {}", rules.name);
        }
    }
    let last = files.last().expect("edited file");
    let all =
        recount_profiles_read(&last[..], &RecountOptions::default(), &profiles).expect("recount");
    assert!(
        all.iter().all(|r| r
            .malformed
            .iter()
            .any(|e| e.to_string().contains("line 10: expected 79 cells"))),
        "the cut row is reported under every profile"
    );
    assert!(
        recount_profiles_read(&b"not read"[..], &RecountOptions::default(), &[])
            .expect("no profiles")
            .is_empty()
    );
}

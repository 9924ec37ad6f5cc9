//! A publication folder under load while a new corte is delivered into it every second:
//! Debian's nginx serves the folder with `deploy/nginx/folder.conf` (`scripts/nginx.sh`);
//! wrk (Debian's) with `scripts/wrk-folder-check.lua` follows the chain a browser follows
//! (the pointer, the index it names, a data file the index names) on one connection per
//! thread; the monitor looks at the folder all the while. No reader is given a pointer
//! before the files it names or a corte older than one it saw, the monitor reports no
//! altered file while the cortes switch (each corte's page replaces the last one's before its
//! pointer does), `prep verify` accepts the last corte, and a file then altered in the folder
//! is reported by the monitor.
//!
//! `PREP_LOAD_SECONDS` sets how many cortes are delivered, one a second (default 20).

use crate::common::load::{check_line, write_package, wrk};
use prep_deliver::channel::Job;
use prep_deliver::corte_dir;
use prep_deliver::folder::{self, local::LocalFolder};
use prep_package::{Manifest, SigningKey, generate_keys};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Writes corte `sequence` (chained onto `previous`) where the institute keeps it and
/// delivers it into the folder, as `prep deliver` does for a folder difusor.
fn cut_and_deliver(
    runtime: &tokio::runtime::Runtime,
    election: &Path,
    target: &mut LocalFolder,
    key: &SigningKey,
    sequence: u64,
    previous: Option<&Manifest>,
) -> Manifest {
    let dir = corte_dir(election, sequence);
    let manifest = write_package(&dir, key, sequence, previous);
    let job = Job::new(&dir, sequence, Arc::new(manifest.clone()), None)
        .expect("job")
        .with_base(previous.map(|m| m.sequence));
    runtime
        .block_on(folder::deliver(target, &job))
        .expect("delivered");
    manifest
}

/// What the monitor saw while it looked.
#[derive(Default, Debug)]
struct Looks {
    looks: u64,
    checked: u64,
    errors: Vec<String>,
    violations: Vec<String>,
}

#[test]
fn under_load_a_folder_never_serves_a_mixed_corte_and_the_monitor_sees_no_alteration() {
    let Some(wrk) = wrk() else {
        return;
    };
    let cortes: u64 = std::env::var("PREP_LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/wrk-folder-check.lua");
    let root = tempfile::tempdir().expect("tempdir");
    let root = root.path();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let (pk_text, sk_text) = generate_keys(None).expect("keys");
    let key = SigningKey::from_secret_key_file(&sk_text, None).expect("key");
    std::fs::write(root.join("prep.pub"), &pk_text).expect("write");
    let election = root.join("eleccion");
    let www = root.join("www");
    let mut target = LocalFolder { root: www.clone() };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    // Corte 1 is in the folder before nginx serves it.
    let mut previous = cut_and_deliver(&runtime, &election, &mut target, &key, 1, None);
    let Some(nginx) = prep_testdata::component::nginx_publishing(root, &www) else {
        return;
    };
    let url = format!("http://127.0.0.1:{}", nginx.get("port"));

    let observer = prep_monitor::Observer::new(&election, 1000, None, Duration::from_secs(10))
        .expect("observer");
    let stop = AtomicBool::new(false);
    let (looks, out) = std::thread::scope(|s| {
        let watching = s.spawn(|| {
            let mut seen = Looks::default();
            while !stop.load(Ordering::Relaxed) {
                let o = observer.observe(&url);
                seen.looks += 1;
                seen.checked += o.checked as u64;
                seen.errors.extend(o.error);
                seen.violations.extend(
                    o.violations
                        .iter()
                        .map(|v| format!("{}: {} served, {} signed", v.path, v.got, v.expected)),
                );
            }
            seen
        });
        // wrk runs a little longer than the deliveries, so the last switch is loaded too.
        let wrk_run = Command::new(wrk)
            .args([
                "-t2",
                "-c2",
                &format!("-d{}s", cortes + 2),
                "--timeout",
                "5s",
                "-s",
            ])
            .arg(&script)
            .arg(&url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wrk");
        let started = Instant::now();
        for sequence in 2..=cortes + 1 {
            let due = Duration::from_secs(sequence - 1);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
            previous = cut_and_deliver(
                &runtime,
                &election,
                &mut target,
                &key,
                sequence,
                Some(&previous),
            );
        }
        let out = wrk_run.wait_with_output().expect("wrk");
        stop.store(true, Ordering::Relaxed);
        (watching.join().expect("the monitor's thread"), out)
    });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("monitor: {looks:?}");
    assert!(out.status.success(), "wrk failed: {out:?}");
    let last = cortes + 1;

    let check = check_line("FOLDER-CHECK", &stdout);
    let field = |k: &str| {
        *check
            .get(k)
            .unwrap_or_else(|| panic!("no {k} in {check:?}"))
    };
    assert!(field("chains") > 0, "{check:?}");
    assert_eq!(field("errors"), 0, "{check:?}");
    assert_eq!(field("older"), 0, "{check:?}");
    assert_eq!(field("missing"), 0, "{check:?}");
    assert_eq!(field("min_seq"), 1, "{check:?}");
    assert_eq!(field("max_seq"), last as i64, "{check:?}");

    // The monitor looked all along, checked every file each time, and found nothing altered.
    assert!(looks.looks >= cortes, "{looks:?}");
    assert!(looks.violations.is_empty(), "{looks:?}");
    assert!(looks.errors.is_empty(), "{looks:?}");

    // The last corte verifies as a citizen fetches it.
    let verified = Command::new(env!("CARGO_BIN_EXE_prep"))
        .args(["verify", &url, "--key"])
        .arg(root.join("prep.pub"))
        .output()
        .expect("prep verify");
    let said = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(0), "{said}");
    assert!(said.contains(&format!("(sequence {last})")), "{said}");

    // A file of the served corte altered in the folder: the monitor reports it.
    let victim = previous
        .files
        .iter()
        .find(|f| f.path.starts_with("json/gub/actas/"))
        .expect("a data file");
    std::fs::write(www.join(&victim.path), b"{\"acta\":\"otra\"}").expect("alter");
    let seen = observer.observe(&url);
    assert_eq!(seen.sequence, Some(last));
    assert!(
        seen.violations.iter().any(|v| v.path == victim.path),
        "{seen:?}"
    );
}

//! Times the phases of a corte's activation on a package directory, wall and CPU time of the
//! process: verification, storing, building the served corte (precompression), caching the
//! variants, and a reload from the store (a restart) with and without that cache.
//!
//!   cargo run --release -p prep-node --example activation_phases -- PACKAGE PUBLIC_KEY EMPTY_DIR

use prep_inbox::Limits;
use prep_node::{Corte, CorteRecord, Store, verify_package};
use prep_package::{Expectations, VerifyingKey};
use std::time::Instant;

/// CPU seconds (user + system) this process used so far.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, r)| r.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn phase<T>(name: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let (t, c) = (Instant::now(), cpu());
    let out = f()?;
    println!(
        "{name:32} {:6.2} s wall {:6.2} s cpu",
        t.elapsed().as_secs_f64(),
        cpu() - c
    );
    Ok(out)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, package, key, store] = args.as_slice() else {
        anyhow::bail!("usage: activation_phases PACKAGE_DIR PUBLIC_KEY EMPTY_DIR");
    };
    let key = VerifyingKey::from_text(&std::fs::read_to_string(key)?)?;
    let p = phase("verify the package", || {
        verify_package(
            std::path::Path::new(package),
            &key,
            &Limits::default(),
            &Expectations::default(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))
    })?;
    let store = Store::open(std::path::Path::new(store))?;
    phase("store the objects (syncfs)", || {
        let objects: Vec<(&str, &[u8])> = p
            .manifest
            .files
            .iter()
            .filter_map(|f| Some((f.sha256.as_str(), p.files.get(&f.path)?.as_ref())))
            .collect();
        store.put_objects(objects)
    })?;
    store.write_record(&CorteRecord {
        sequence: p.manifest.sequence,
        accepted: prep_inbox::now_rfc3339(),
        resync: true,
        manifest: String::from_utf8(p.manifest_bytes.clone())?,
        minisig: p.minisig.clone(),
        pointer: String::from_utf8(p.pointer.clone())?,
    })?;
    let corte = phase("build the corte (compress all)", || {
        Ok(Corte::from_package(&p, None))
    })?;
    phase("build it again (nothing changed)", || {
        Ok(Corte::from_package(&p, Some(&corte)))
    })?;
    phase("restart: load, verify, compress", || {
        Corte::load(&store, &key, p.manifest.sequence, None)
    })?;
    phase("cache the variants", || corte.cache_variants(&store))?;
    phase("restart: load, verify, cache", || {
        Corte::load(&store, &key, p.manifest.sequence, None)
    })?;
    Ok(())
}

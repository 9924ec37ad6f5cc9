//! Helpers shared by the tests: election directories from the real Puebla files, packages
//! read back.
#![allow(dead_code)]

use prep_corte::model::{AreaFile, Index};
use prep_corte::{POINTER_PATH, Pointer};
use prep_publish::{ElectionDir, ElectionSource, InitSettings, KeySetup, Named, RulesConfig, init};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

pub use prep_testdata::puebla;

/// Settings with the defaults the CLI uses.
pub fn settings() -> InitSettings {
    InitSettings {
        institute: Named {
            id: "IEEPUEBLA".into(),
            name: "Instituto Electoral del Estado de Puebla".into(),
        },
        process: Named {
            id: "PEL2024".into(),
            name: "Proceso Electoral Local 2024".into(),
        },
        utc_offset: None,
        period_minutes: 10,
        opening: None,
        closing: None,
        rules: RulesConfig::default(),
        expiry_hours: 24,
        image_host: "https://actas.example.mx/".into(),
    }
}

/// A new election directory `root/name` from PUE_GUB, with unencrypted keys.
pub fn gub_dir(root: &Path, name: &str, settings: &InitSettings) -> ElectionDir {
    let source = ElectionSource::from_files(
        &puebla("PUE_GUB_2024.csv"),
        &puebla("PUE_GUB_Candidaturas_2024.csv"),
        None,
    )
    .expect("sources");
    let dir = root.join(name);
    init(
        &dir,
        settings,
        &[source],
        &KeySetup::Generate { password: None },
    )
    .expect("init");
    ElectionDir::open(&dir).expect("open")
}

/// Every file of a package directory, by relative path.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("list") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("rel")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// The pointer, index and first election's total of a package.
pub fn total(dir: &Path) -> (Pointer, Index, AreaFile) {
    let pointer: Pointer =
        serde_json::from_slice(&std::fs::read(dir.join(POINTER_PATH)).expect("pointer"))
            .expect("pointer json");
    let index: Index =
        serde_json::from_slice(&std::fs::read(dir.join(&pointer.index)).expect("index"))
            .expect("index json");
    let total: AreaFile =
        serde_json::from_slice(&std::fs::read(dir.join(&index.elections[0].total)).expect("total"))
            .expect("total json");
    (pointer, index, total)
}

/// The entries of a zip.
pub fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("entry");
        let mut b = Vec::new();
        f.read_to_end(&mut b).expect("read entry");
        out.insert(f.name().to_owned(), b);
    }
    out
}

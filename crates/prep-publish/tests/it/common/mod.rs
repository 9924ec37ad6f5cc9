//! What the tests read back from a package (election directories, folders and zips come
//! from `prep_testdata`).
#![allow(dead_code)]

use prep_corte::model::{AreaFile, Index};
use prep_corte::{POINTER_PATH, Pointer};
use std::path::Path;

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

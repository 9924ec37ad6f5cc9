//! The data of a corte package: JSON for every election, level and area, written so that a
//! file that did not change keeps its bytes *and its name* from one corte to the next.
//!
//! Every file is named by its content (`json/gub/area/21-1.3f2a9c0d41b7e6aa.json`) and each
//! parent names its children's files, from the casilla rows up to the election's total, the
//! index, and finally `json/main.json`, the only mutable file, which carries the corte time.
//! So a corte with no new acta rewrites only `json/main.json` (and the CSV database, whose
//! preamble carries the time), and a corte after one new acta rewrites only the actas file of
//! its sección, the file of its area and those above it. Nothing inside the data files depends
//! on the time.
//!
//! Principal types:
//!
//! - [`ElectionInput`]: one election's rows (a [`prep_csv::Database`], as published or as
//!   rendered from the store), its candidacies and counting rules.
//! - [`build_data`] → [`CorteData`]: the files ([`PackageFile`]) and the index's path;
//!   [`build_data_with`] takes [`BuildOptions`] (how many rows an actas file holds).
//! - [`Pointer`] (`prep-package`'s): `json/main.json`, a pure function of the signed manifest.
//! - [`assemble()`] → [`Package`]: the data files plus the zipped databases ([`zip()`], with a
//!   fixed modification time so it is deterministic too) under one manifest.
//! - [`difusores`]: the public list of official difusores the site shows.
//! - The JSON shapes are in [`model`]; `docs/package-format.md` describes them.
//!
//! Levels: the election's total; entidades (when there are several); the district or
//! municipio of the election ("area"), whose file lists its secciones by actas file; and the
//! actas files, each holding the counters and casilla rows of a few consecutive secciones (so
//! that actas arriving all over the country rewrite few bytes; see the format document).
//!
//! Crates: `serde_json` writes the JSON (the casilla rows, most of the bytes, are written
//! straight into bytes in the same form, see `actas.rs`); `rayon` builds elections and areas
//! on every core; `prep-package` hashes; `zip` (deflate through `flate2` with the `zlib-rs`
//! backend) packs the CSV databases.

mod actas;
mod assemble;
mod build;
pub mod difusores;
pub mod model;
mod tally;

pub use assemble::{
    CorteInfo, Package, ZIP_LEVEL, assemble, corte_rfc3339, database_zip_name, zip,
};
pub use build::{
    BuildOptions, CorteData, DEFAULT_GROUP_ROWS, PackageFile, build_data, build_data_with,
};
pub use prep_package::{MANIFEST_PATH, POINTER_PATH, Pointer};
pub use tally::ElectionInput;

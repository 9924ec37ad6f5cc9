//! Every table of the report as CSV (one file per table, `csv` crate) and all of them in one
//! JSON document (`memoria.json`).

use super::write_file;
use crate::error::MemoriaError;
use crate::figures::Figures;
use serde::Serialize;
use std::path::{Path, PathBuf};

fn csv_of<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `<table>.csv` for every table and `memoria.json`; returns the paths.
pub fn write_tables(dir: &Path, f: &Figures) -> Result<Vec<PathBuf>, MemoriaError> {
    let mut written = Vec::new();
    let mut put = |name: &str, bytes: Result<Vec<u8>, csv::Error>| -> Result<(), MemoriaError> {
        let path = dir.join(name);
        let bytes = bytes.map_err(|e| MemoriaError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        write_file(&path, &bytes)?;
        written.push(path);
        Ok(())
    };
    put("totales.csv", csv_of(std::slice::from_ref(&f.totals)))?;
    put("dias.csv", csv_of(&f.days))?;
    put("horas.csv", csv_of(&f.hours))?;
    put("codigos-clase.csv", csv_of(&f.status_classes))?;
    put("codigos.csv", csv_of(&f.status_codes))?;
    put(
        "picos.csv",
        csv_of(
            &[f.peak_second.clone(), f.peak_minute.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        ),
    )?;
    put("periodos.csv", csv_of(&f.periods))?;
    put("comparativo.csv", csv_of(&f.comparison))?;
    put("paginas.csv", csv_of(&f.top_pages))?;
    put("referentes.csv", csv_of(&f.top_referrers))?;
    put("rastreadores.csv", csv_of(&f.top_crawlers))?;
    put("no-encontrados.csv", csv_of(&f.top_not_found))?;
    put("lineas-invalidas.csv", csv_of(&f.malformed))?;
    put("lineas-invalidas-muestra.csv", csv_of(&f.malformed_samples))?;
    put("silencios.csv", csv_of(&f.silences))?;
    put("incidentes.csv", csv_of(&f.incidents))?;
    let json = serde_json::to_vec_pretty(f).map_err(|e| csv::Error::from(std::io::Error::other(e)));
    put("memoria.json", json)?;
    Ok(written)
}

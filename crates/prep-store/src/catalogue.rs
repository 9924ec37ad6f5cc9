//! The catalogue of expected actas of an election: keys, bulk load, and the lookup of a
//! captured identification (an entry, or fuera de catálogo).

use crate::election::{has_events, read};
use crate::error::{to_i64, to_u64};
use crate::{ActaIdent, StoreError};
use prep_model::{CasillaType, CatalogueEntry, Geography};
use rusqlite::{Connection, Row, params};
use std::collections::HashMap;

/// The store's key and occurrence of each entry: CLAVE_ACTA when the catalogue holds it
/// once; `CLAVE@AREA` when it repeats across areas; `CLAVE@AREA#N` when it repeats within
/// one area too.
pub(crate) fn catalogue_keys<'a>(
    entries: impl IntoIterator<Item = &'a CatalogueEntry>,
) -> Vec<(String, u32)> {
    let entries: Vec<&CatalogueEntry> = entries.into_iter().collect();
    let mut by_clave: HashMap<&str, u32> = HashMap::new();
    let mut by_area: HashMap<(&str, &str), u32> = HashMap::new();
    for e in &entries {
        *by_clave.entry(e.clave_acta.trim()).or_default() += 1;
        *by_area
            .entry((e.clave_acta.trim(), e.geography.id_area.trim()))
            .or_default() += 1;
    }
    let mut seen: HashMap<(&str, &str), u32> = HashMap::new();
    entries
        .iter()
        .map(|e| {
            let clave = e.clave_acta.trim();
            let area = e.geography.id_area.trim();
            let occ = seen.entry((clave, area)).or_default();
            *occ += 1;
            let key = if by_clave[clave] == 1 {
                clave.to_owned()
            } else if by_area[&(clave, area)] == 1 {
                format!("{clave}@{area}")
            } else {
                format!("{clave}@{area}#{occ}")
            };
            (key, *occ)
        })
        .collect()
}

/// Replaces an election's catalogue (allowed while it has no events), in one transaction
/// owned by the caller. Returns each entry's key, in order.
pub(crate) fn load_catalogue(
    conn: &Connection,
    election: &str,
    entries: &[CatalogueEntry],
) -> Result<Vec<String>, StoreError> {
    read(conn, election)?;
    if has_events(conn, election)? {
        return Err(StoreError::ElectionHasEvents(election.to_owned()));
    }
    if let Some(i) = entries.iter().position(|e| e.clave_acta.trim().is_empty()) {
        return Err(StoreError::BadElection {
            election: election.to_owned(),
            reason: format!("catalogue entry {} has an empty CLAVE_ACTA", i + 1),
        });
    }
    conn.execute("DELETE FROM catalogue WHERE election = ?1", [election])?;
    conn.execute(
        "UPDATE election SET catalogue_generation = catalogue_generation + 1 WHERE id = ?1",
        [election],
    )?;
    let keys = catalogue_keys(entries);
    let mut stmt = conn.prepare(
        "INSERT INTO catalogue (election, acta, occurrence, clave_casilla, clave_acta,
             tipo_casilla, id_casilla, ext_contigua, id_entidad, entidad, id_area, area,
             seccion, ubicacion, tipo_acta, lista_nominal, representantes, boletas_especial)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?;
    for (e, (key, occ)) in entries.iter().zip(&keys) {
        let g = &e.geography;
        stmt.execute(params![
            election,
            key,
            occ,
            e.clave_casilla,
            e.clave_acta.trim(),
            e.casilla_type.code(),
            e.id_casilla,
            e.ext_contigua,
            g.id_entidad,
            g.entidad,
            g.id_area.trim(),
            g.area,
            g.seccion,
            e.ubicacion,
            e.tipo_acta,
            to_i64(e.lista_nominal)?,
            to_i64(e.representantes)?,
            e.boletas_especial.map(to_i64).transpose()?,
        ])?;
    }
    Ok(keys.into_iter().map(|(k, _)| k).collect())
}

/// The catalogue columns read by [`entry_from_row`], in its order.
pub(crate) const ENTRY_COLUMNS: &str = "clave_casilla, clave_acta, tipo_casilla, id_casilla, \
     ext_contigua, id_entidad, entidad, id_area, area, seccion, ubicacion, tipo_acta, \
     lista_nominal, representantes, boletas_especial";

/// Reads a catalogue entry from `row`, its [`ENTRY_COLUMNS`] starting at `at`.
pub(crate) fn entry_from_row(row: &Row<'_>, at: usize) -> Result<CatalogueEntry, StoreError> {
    let tipo: String = row.get(at + 2)?;
    let ubicacion: i64 = row.get(at + 10)?;
    Ok(CatalogueEntry {
        clave_casilla: row.get(at)?,
        clave_acta: row.get(at + 1)?,
        casilla_type: CasillaType::parse(&tipo),
        id_casilla: row.get(at + 3)?,
        ext_contigua: row.get(at + 4)?,
        geography: Geography {
            id_entidad: row.get(at + 5)?,
            entidad: row.get(at + 6)?,
            id_area: row.get(at + 7)?,
            area: row.get(at + 8)?,
            seccion: row.get(at + 9)?,
        },
        ubicacion: u8::try_from(ubicacion)
            .map_err(|_| StoreError::Corrupt(format!("UBICACION_CASILLA {ubicacion}")))?,
        tipo_acta: row.get(at + 11)?,
        lista_nominal: to_u64(row.get(at + 12)?, "LISTA_NOMINAL")?,
        representantes: to_u64(row.get(at + 13)?, "REPRESENTANTES")?,
        boletas_especial: row
            .get::<_, Option<i64>>(at + 14)?
            .map(|n| to_u64(n, "boletas"))
            .transpose()?,
    })
}

/// What an identification resolves to.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// An entry of the catalogue.
    Catalogue {
        /// Its row id.
        id: i64,
        /// Its key.
        key: String,
        /// The entry.
        entry: Box<CatalogueEntry>,
    },
    /// No entry: fuera de catálogo, under this key.
    Fuera {
        /// `FC:` and the identification (or `FC:IMG:` and the image hash).
        key: String,
    },
}

impl Target {
    /// The acta's key.
    pub(crate) fn key(&self) -> &str {
        match self {
            Target::Catalogue { key, .. } | Target::Fuera { key } => key,
        }
    }
}

/// Finds the catalogue entry an identification names, or the fuera de catálogo key.
pub(crate) fn resolve(
    conn: &Connection,
    election: &str,
    ident: &ActaIdent,
    codigo_integridad: Option<&str>,
) -> Result<Target, StoreError> {
    let clave = ident.clave_acta.trim();
    let area = ident.id_area.as_deref().map(str::trim);
    // No ORDER BY here: with one, SQLite re-prepares the statement at every execution
    // (a third of the time of a capture); the few candidates are sorted below.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, acta, occurrence, {ENTRY_COLUMNS} FROM catalogue
         WHERE election = ?1 AND clave_acta = ?2"
    ))?;
    let mut rows = stmt.query(params![election, clave])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let entry = entry_from_row(row, 3)?;
        let occurrence: u32 = row.get(2)?;
        if area.is_some_and(|a| a != entry.geography.id_area)
            || ident.occurrence.is_some_and(|o| o != occurrence)
        {
            continue;
        }
        found.push(Target::Catalogue {
            id: row.get(0)?,
            key: row.get(1)?,
            entry: Box::new(entry),
        });
    }
    found.sort_by_key(|t| match t {
        Target::Catalogue { id, .. } => *id,
        Target::Fuera { .. } => 0,
    });
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Ok(Target::Fuera {
            key: fuera_key(ident, codigo_integridad)?,
        }),
        _ => Err(StoreError::Ambiguous {
            clave: clave.to_owned(),
            candidates: found.iter().map(|t| t.key().to_owned()).collect(),
        }),
    }
}

/// The key of an acta fuera de catálogo: its identification as captured, or its image.
fn fuera_key(ident: &ActaIdent, codigo_integridad: Option<&str>) -> Result<String, StoreError> {
    let clave = ident.clave_acta.trim();
    if clave.is_empty() {
        let codigo = codigo_integridad
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or(StoreError::Unidentified)?;
        return Ok(format!("FC:IMG:{codigo}"));
    }
    let mut key = format!("FC:{clave}");
    if let Some(a) = &ident.id_area {
        key.push('@');
        key.push_str(a.trim());
    }
    if let Some(o) = ident.occurrence {
        key.push('#');
        key.push_str(&o.to_string());
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(clave: &str, area: &str) -> CatalogueEntry {
        CatalogueEntry {
            clave_casilla: clave[..clave.len() - 1].to_owned(),
            clave_acta: clave.to_owned(),
            casilla_type: CasillaType::Basica,
            id_casilla: "01".into(),
            ext_contigua: "00".into(),
            geography: Geography {
                id_area: area.into(),
                ..Geography::default()
            },
            ubicacion: 1,
            tipo_acta: "2".into(),
            lista_nominal: 100,
            representantes: 2,
            boletas_especial: None,
        }
    }

    #[test]
    fn repeated_claves_are_qualified() {
        let keys = catalogue_keys(&[
            entry("210423B01002", "001"),
            entry("210000A01002", "012"),
            entry("210000A01002", "015"),
            entry("210132C01002", "012"),
            entry("210132C01002", "012"),
        ]);
        let keys: Vec<(&str, u32)> = keys.iter().map(|(k, o)| (k.as_str(), *o)).collect();
        assert_eq!(
            keys,
            [
                ("210423B01002", 1),
                ("210000A01002@012", 1),
                ("210000A01002@015", 1),
                ("210132C01002@012#1", 1),
                ("210132C01002@012#2", 2),
            ]
        );
    }

    #[test]
    fn fuera_keys() {
        let id = ActaIdent::clave("999").in_area("003");
        assert_eq!(fuera_key(&id, None).expect("key"), "FC:999@003");
        let blank = ActaIdent::default();
        assert_eq!(fuera_key(&blank, Some("ab")).expect("key"), "FC:IMG:ab");
        assert!(matches!(
            fuera_key(&blank, Some(" ")),
            Err(StoreError::Unidentified)
        ));
    }
}

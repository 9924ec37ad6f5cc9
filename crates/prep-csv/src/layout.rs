//! Where the columns the rules need sit in a header, under any of their published names.

use crate::{ReadError, ReadErrorKind};
use prep_model::{LevelKind, VoteColumn, classify_vote_columns};

/// Columns holding keys that institutes prefix with `'` so spreadsheets keep leading zeros.
pub const KEY_COLUMNS: &[&str] = &[
    "CLAVE_CASILLA",
    "CLAVE_ACTA",
    "ID_ENTIDAD",
    "ID_ESTADO",
    "ID_DISTRITO",
    "ID_DISTRITO_FEDERAL",
    "ID_DISTRITO_LOCAL",
    "ID_MUNICIPIO",
    "ID_MUNICIPIO_LOCAL",
    "SECCION",
    "ID_CASILLA",
    "EXT_CONTIGUA",
];

/// The columns before the votes in the 2024 published format (IEE Puebla 2024, INE 2024), in
/// order, with the election's area columns at [`AREA_COLUMNS_AT`]: `ID_DISTRITO` and
/// `DISTRITO` here, `ID_DISTRITO_FEDERAL` and `DISTRITO_FEDERAL` in federal files,
/// `ID_MUNICIPIO` and `MUNICIPIO` for ayuntamientos ([`header_2024`] puts them in).
pub const LEADING_COLUMNS_2024: [&str; 16] = [
    "CLAVE_CASILLA",
    "CLAVE_ACTA",
    "ID_ENTIDAD",
    "ENTIDAD",
    "ID_DISTRITO",
    "DISTRITO",
    "SECCION",
    "ID_CASILLA",
    "TIPO_CASILLA",
    "EXT_CONTIGUA",
    "UBICACION_CASILLA",
    "TIPO_ACTA",
    "TOTAL_BOLETAS_SOBRANTES",
    "TOTAL_PERSONAS_VOTARON",
    "TOTAL_REP_PARTIDO_CI_VOTARON",
    "TOTAL_VOTOS_SACADOS",
];

/// Where the area's id and name columns sit in [`LEADING_COLUMNS_2024`].
pub const AREA_COLUMNS_AT: usize = 4;

/// A whole header in the 2024 published format: the leading columns with the area's id and
/// name columns (`"ID_DISTRITO_FEDERAL", "DISTRITO_FEDERAL"`), the vote columns, then
/// [`TRAILING_COLUMNS_2024`].
pub fn header_2024<S: AsRef<str>>(area: (&str, &str), votes: &[S]) -> Vec<String> {
    let mut header: Vec<String> = LEADING_COLUMNS_2024
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    header[AREA_COLUMNS_AT] = area.0.to_owned();
    header[AREA_COLUMNS_AT + 1] = area.1.to_owned();
    header.extend(votes.iter().map(|v| v.as_ref().to_owned()));
    header.extend(TRAILING_COLUMNS_2024.iter().map(|s| (*s).to_owned()));
    header
}

/// The columns after the votes in the 2024 published format (IEE Puebla 2024, INE 2024), in
/// order.
pub const TRAILING_COLUMNS_2024: [&str; 14] = [
    "TOTAL_VOTOS_ASENTADO",
    "TOTAL_VOTOS_CALCULADO",
    "LISTA_NOMINAL",
    "REPRESENTANTES_PP_CI",
    "OBSERVACIONES",
    "CONTABILIZADA",
    "MECANISMOS_TRASLADO",
    "CODIGO_INTEGRIDAD",
    "FECHA_HORA_ACOPIO",
    "FECHA_HORA_CAPTURA",
    "FECHA_HORA_VERIFICACION",
    "ORIGEN",
    "DIGITALIZACION",
    "TIPO_DOCUMENTO",
];

/// Columns that are never votes; the vote block is what lies between the last of these and
/// NULOS.
const NON_VOTE_COLUMNS: &[&str] = &[
    "ENTIDAD",
    "ESTADO",
    "NOMBRE_ESTADO",
    "DISTRITO",
    "DISTRITO_FEDERAL",
    "DISTRITO_LOCAL",
    "MUNICIPIO",
    "MUNICIPIO_LOCAL",
    "TIPO_CASILLA",
    "UBICACION_CASILLA",
    "TIPO_ACTA",
    "TOTAL_BOLETAS_SOBRANTES",
    "TOTAL_PERSONAS_VOTARON",
    "TOTAL_REP_PARTIDO_CI_VOTARON",
    "TOTAL_VOTOS_SACADOS",
    "CODIGOS_ENTREGADOS_PMDC",
    "CODIGOS_SOBRANTES",
    "CODIGOS_UTILIZADOS",
    "NUM_BOLETAS_SOBRANTES",
    "TOTAL_CIUDADANOS_VOTARON",
    "NUM_BOLETAS_EXTRAIDAS",
];

/// Area id columns, most specific election level first, with the level they name.
const AREA_COLUMNS: &[(&str, &str, LevelKind)] = &[
    (
        "ID_DISTRITO_FEDERAL",
        "DISTRITO_FEDERAL",
        LevelKind::DistritoFederal,
    ),
    (
        "ID_DISTRITO_LOCAL",
        "DISTRITO_LOCAL",
        LevelKind::DistritoLocal,
    ),
    ("ID_MUNICIPIO", "MUNICIPIO", LevelKind::Municipio),
    (
        "ID_MUNICIPIO_LOCAL",
        "MUNICIPIO_LOCAL",
        LevelKind::Municipio,
    ),
    ("ID_DISTRITO", "DISTRITO", LevelKind::DistritoLocal),
];

/// The positions of the columns the counting rules and the site need, found by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Number of cells in the header.
    pub width: usize,
    /// CLAVE_CASILLA.
    pub clave_casilla: Option<usize>,
    /// CLAVE_ACTA.
    pub clave_acta: Option<usize>,
    /// ID_ENTIDAD (INE 2018/2021: ID_ESTADO).
    pub id_entidad: Option<usize>,
    /// The district or municipio id column, and its name column.
    pub area: Option<(usize, Option<usize>)>,
    /// The level the area column names.
    pub area_level: Option<LevelKind>,
    /// SECCION.
    pub seccion: Option<usize>,
    /// TIPO_CASILLA.
    pub tipo_casilla: usize,
    /// The vote columns (parties … NULOS): their range in the header.
    pub votes: std::ops::Range<usize>,
    /// The vote columns, classified.
    pub vote_columns: Vec<VoteColumn>,
    /// TOTAL_VOTOS_CALCULADO (TOTAL_VOTOS_CALCULADOS, TOTAL_VOTOS).
    pub total_votos_calculado: Option<usize>,
    /// LISTA_NOMINAL.
    pub lista_nominal: usize,
    /// REPRESENTANTES_PP_CI.
    pub representantes: Option<usize>,
    /// OBSERVACIONES.
    pub observaciones: usize,
    /// CONTABILIZADA.
    pub contabilizada: usize,
    /// Columns whose cells may carry the `'` prefix.
    pub key_columns: Vec<usize>,
}

impl Layout {
    /// The pre-2018 format (no CLAVE_CASILLA nor CLAVE_ACTA; rows start at ID_ESTADO): the
    /// row of an acta not captured yet stops after its identification columns, so rows may
    /// have fewer cells than the header.
    pub fn short_rows(&self) -> bool {
        self.clave_casilla.is_none() && self.clave_acta.is_none()
    }

    /// Finds the columns in a header. `line` is the header's line number, for errors.
    pub fn from_header<S: AsRef<str>>(header: &[S], line: u64) -> Result<Layout, ReadError> {
        let names: Vec<&str> = header.iter().map(|s| s.as_ref().trim()).collect();
        let find = |cands: &[&str]| cands.iter().find_map(|c| names.iter().position(|n| n == c));
        let need = |cands: &[&str], what: &'static str| {
            find(cands).ok_or(ReadError::at(line, ReadErrorKind::MissingColumn(what)))
        };
        let nulos = need(&["NULOS", "VOTOS_NULOS"], "NULOS")?;
        let mut start = nulos;
        while start > 0 {
            let n = names[start - 1];
            if NON_VOTE_COLUMNS.contains(&n) || KEY_COLUMNS.contains(&n) {
                break;
            }
            start -= 1;
        }
        let votes = start..nulos + 1;
        let (area, area_level) = AREA_COLUMNS
            .iter()
            .find_map(|(id, name, level)| {
                let i = names.iter().position(|n| n == id)?;
                Some((
                    Some((i, names.iter().position(|n| n == name))),
                    Some(*level),
                ))
            })
            .unwrap_or((None, None));
        Ok(Layout {
            width: names.len(),
            clave_casilla: find(&["CLAVE_CASILLA"]),
            clave_acta: find(&["CLAVE_ACTA"]),
            id_entidad: find(&["ID_ENTIDAD", "ID_ESTADO"]),
            area,
            area_level,
            seccion: find(&["SECCION"]),
            tipo_casilla: need(&["TIPO_CASILLA"], "TIPO_CASILLA")?,
            vote_columns: classify_vote_columns(&names[votes.clone()]),
            votes,
            total_votos_calculado: find(&[
                "TOTAL_VOTOS_CALCULADO",
                "TOTAL_VOTOS_CALCULADOS",
                "TOTAL_VOTOS",
            ]),
            lista_nominal: need(&["LISTA_NOMINAL", "LISTA_NOMINAL_CASILLA"], "LISTA_NOMINAL")?,
            representantes: find(&["REPRESENTANTES_PP_CI"]),
            observaciones: need(&["OBSERVACIONES"], "OBSERVACIONES")?,
            contabilizada: need(&["CONTABILIZADA"], "CONTABILIZADA")?,
            key_columns: names
                .iter()
                .enumerate()
                .filter(|(_, n)| KEY_COLUMNS.contains(n))
                .map(|(i, _)| i)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ine_2021_header() {
        let h = "CLAVE_CASILLA|CLAVE_ACTA|ID_ESTADO|ESTADO|ID_DISTRITO_FEDERAL|DISTRITO_FEDERAL|SECCION|ID_CASILLA|TIPO_CASILLA|EXT_CONTIGUA|UBICACION_CASILLA|TIPO_ACTA|TOTAL_BOLETAS_SOBRANTES|TOTAL_PERSONAS_VOTARON|TOTAL_REP_PARTIDO_CI_VOTARON|TOTAL_VOTOS_SACADOS|CODIGOS_ENTREGADOS_PMDC|CODIGOS_SOBRANTES|CODIGOS_UTILIZADOS|PAN|PRI|PRD|PVEM|PT|MC|MORENA|PES|RSP|FXM|CAND_IND_1|CAND_IND_2|CAND_IND_3|PAN_PRI_PRD|PAN_PRI|PAN_PRD|PRI_PRD|PVEM_PT_MORENA|PVEM_PT|PVEM_MORENA|PT_MORENA|NO_REGISTRADOS|NULOS|TOTAL_VOTOS_ASENTADO|TOTAL_VOTOS_CALCULADO|LISTA_NOMINAL|REPRESENTANTES_PP_CI|OBSERVACIONES|CONTABILIZADA|MECANISMOS_TRASLADO|SHA|FECHA_HORA_ACOPIO|FECHA_HORA_CAPTURA|FECHA_HORA_VERIFICACION|ORIGEN|DIGITALIZACION|TIPO_DOCUMENTO|COTEJADA";
        let names: Vec<&str> = h.split('|').collect();
        let l = Layout::from_header(&names, 1).expect("layout");
        assert_eq!(names[l.votes.start], "PAN");
        assert_eq!(names[l.votes.end - 1], "NULOS");
        assert_eq!(l.vote_columns.len(), 23);
        assert_eq!(l.area_level, Some(LevelKind::DistritoFederal));
        assert_eq!(l.id_entidad, Some(2));
    }

    #[test]
    fn missing_column_is_named() {
        let err = Layout::from_header(&["CLAVE_CASILLA", "TIPO_CASILLA", "PAN", "NULOS"], 7)
            .expect_err("no LISTA_NOMINAL");
        assert_eq!(
            err.to_string(),
            "line 7: the header has no LISTA_NOMINAL column"
        );
    }
}

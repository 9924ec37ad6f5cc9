//! The columns of a database row and the cells that do not depend on the votes.

use crate::ElectionId;
use crate::ballot::Columns;
use crate::dice::Dice;
use crate::geography::{Casilla, District, Entidad};
use prep_model::{CasillaType, Value};

/// The columns before the votes, as IEE Puebla 2024 and INE 2024 publish them.
const PREFIX: [&str; 16] = prep_csv::LEADING_COLUMNS_2024;

/// The columns after the votes.
const SUFFIX: [&str; 14] = prep_csv::TRAILING_COLUMNS_2024;

/// The area columns of a federal database.
const FEDERAL_AREA: (&str, &str) = ("ID_DISTRITO_FEDERAL", "DISTRITO_FEDERAL");

/// Index of TOTAL_BOLETAS_SOBRANTES; the three columns after it are the other acta totals.
pub(crate) const SOBRANTES: usize = 12;
/// Index of TOTAL_PERSONAS_VOTARON.
pub(crate) const PERSONAS: usize = 13;
/// Index of TOTAL_REP_PARTIDO_CI_VOTARON.
pub(crate) const REP_VOTARON: usize = 14;
/// Index of TOTAL_VOTOS_SACADOS.
pub(crate) const SACADOS: usize = 15;
/// Index of the first vote column.
pub(crate) const VOTES: usize = PREFIX.len();

/// Offsets of the columns after the votes.
pub(crate) mod tail {
    /// TOTAL_VOTOS_ASENTADO.
    pub const ASENTADO: usize = 0;
    /// TOTAL_VOTOS_CALCULADO.
    pub const CALCULADO: usize = 1;
    /// LISTA_NOMINAL.
    pub const LISTA_NOMINAL: usize = 2;
    /// REPRESENTANTES_PP_CI.
    pub const REPRESENTANTES: usize = 3;
    /// OBSERVACIONES.
    pub const OBSERVACIONES: usize = 4;
    /// CONTABILIZADA.
    pub const CONTABILIZADA: usize = 5;
    /// MECANISMOS_TRASLADO.
    pub const MECANISMOS: usize = 6;
    /// CODIGO_INTEGRIDAD.
    pub const CODIGO: usize = 7;
    /// FECHA_HORA_ACOPIO.
    pub const ACOPIO: usize = 8;
    /// FECHA_HORA_CAPTURA.
    pub const CAPTURA: usize = 9;
    /// FECHA_HORA_VERIFICACION.
    pub const VERIFICACION: usize = 10;
    /// ORIGEN.
    pub const ORIGEN: usize = 11;
    /// DIGITALIZACION.
    pub const DIGITALIZACION: usize = 12;
    /// TIPO_DOCUMENTO.
    pub const TIPO_DOCUMENTO: usize = 13;
}

/// The header of an election's database.
pub(crate) fn header(columns: &Columns) -> Vec<String> {
    prep_csv::header_2024(FEDERAL_AREA, &columns.names)
}

/// Number of cells in a row.
pub(crate) fn width(columns: &Columns) -> usize {
    PREFIX.len() + columns.len() + SUFFIX.len()
}

/// TIPO_ACTA as INE numbers it: presidencia 2 (abroad 1), senadurías 3 (especial 4, abroad
/// 18), diputaciones 6 (especial 7).
pub(crate) fn tipo_acta(election: ElectionId, t: CasillaType) -> u64 {
    match (election, t) {
        (ElectionId::Presidencia, CasillaType::MesaExtranjero) => 1,
        (ElectionId::Presidencia, _) => 2,
        (ElectionId::Senadurias, CasillaType::MesaExtranjero) => 18,
        (ElectionId::Senadurias, CasillaType::Especial) => 4,
        (ElectionId::Senadurias, _) => 3,
        (ElectionId::DiputacionesFederales, CasillaType::Especial) => 7,
        (ElectionId::DiputacionesFederales, _) => 6,
    }
}

/// True for the actas of voto anticipado, prisión preventiva and from abroad, whose
/// sección and casilla number are `N/A`.
pub(crate) fn is_modalidad(t: CasillaType) -> bool {
    matches!(
        t,
        CasillaType::VotoAnticipado | CasillaType::PrisionPreventiva | CasillaType::MesaExtranjero
    )
}

/// True when an acta total (TOTAL_BOLETAS_SOBRANTES … TOTAL_VOTOS_SACADOS) is `N/A` for
/// this kind of acta, as IEE Puebla 2024 writes them.
pub(crate) fn total_not_applicable(t: CasillaType, column: usize) -> bool {
    match t {
        CasillaType::MesaExtranjero => true,
        CasillaType::VotoAnticipado | CasillaType::PrisionPreventiva => {
            column == SOBRANTES || column == REP_VOTARON
        }
        _ => false,
    }
}

/// Fills the identification cells (CLAVE_CASILLA … TIPO_ACTA).
pub(crate) fn fill_keys(
    cells: &mut [Value],
    election: ElectionId,
    entidad: &Entidad,
    district: Option<&District>,
    c: &Casilla,
) {
    let t = c.casilla_type;
    let seccion = c
        .seccion
        .map_or_else(|| "0000".to_owned(), |s| format!("{s:04}"));
    let clave = format!(
        "{}{seccion}{}{:02}{:02}",
        entidad.id,
        t.code(),
        c.id_casilla,
        c.ext_contigua
    );
    let tipo = tipo_acta(election, t);
    cells[1] = Value::parse(&format!("{clave}{tipo:02}"));
    cells[0] = Value::parse(&clave);
    cells[2] = Value::parse(entidad.id);
    cells[3] = Value::parse(entidad.name);
    cells[4] = district.map_or(Value::NotApplicable, |d| {
        Value::parse(&format!("{:03}", d.number))
    });
    cells[5] = district.map_or(Value::NotApplicable, |d| Value::parse(&d.name));
    cells[6] = c
        .seccion
        .map_or(Value::NotApplicable, |s| Value::parse(&format!("{s:04}")));
    cells[7] = if is_modalidad(t) {
        Value::NotApplicable
    } else {
        Value::parse(&format!("{:02}", c.id_casilla))
    };
    cells[8] = Value::parse(t.code());
    cells[9] = Value::parse(&format!("{:02}", c.ext_contigua));
    cells[10] = Value::Number(if c.urbana { 1 } else { 2 });
    cells[11] = Value::Number(tipo);
}

/// Fills ORIGEN, DIGITALIZACION and TIPO_DOCUMENTO of a captured acta with an image.
pub(crate) fn fill_origin(tail_cells: &mut [Value], dice: &mut Dice, t: CasillaType) {
    use tail::{DIGITALIZACION, ORIGEN, TIPO_DOCUMENTO};
    let from_casilla = !is_modalidad(t) && dice.chance(0.3);
    let (origen, digit) = if from_casilla {
        ("CASILLA", "MOVIL")
    } else {
        ("CATD", "ESCANER")
    };
    let documento = match t {
        CasillaType::VotoAnticipado => "ACTA VA",
        CasillaType::PrisionPreventiva => "ACTA VPPP",
        CasillaType::MesaExtranjero => "ACTA VMRE",
        _ if from_casilla => "ACTA PREP",
        _ => ["ACTA PREP", "RPP", "CC"][dice.weighted(&[970, 20, 10])],
    };
    tail_cells[ORIGEN] = Value::parse(origen);
    tail_cells[DIGITALIZACION] = Value::parse(digit);
    tail_cells[TIPO_DOCUMENTO] = Value::parse(documento);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geography::{ENTIDADES, Traslado};

    #[test]
    fn keys_like_puebla() {
        let c = Casilla {
            entidad: 20,
            district: Some(0),
            seccion: Some(423),
            casilla_type: CasillaType::Contigua,
            id_casilla: 3,
            ext_contigua: 0,
            urbana: false,
            lista_nominal: 600,
            boletas: 0,
            turnout_per_mille: 600,
            no_instalada: false,
            traslado: Traslado::Fijo,
        };
        let d = District {
            entidad: 20,
            number: 2,
            name: "DISTRITO 02".into(),
            casillas: 1,
        };
        let mut cells = vec![Value::Empty; 12];
        fill_keys(
            &mut cells,
            ElectionId::Presidencia,
            &ENTIDADES[20],
            Some(&d),
            &c,
        );
        let text: Vec<String> = cells.iter().map(Value::to_string).collect();
        assert_eq!(
            text,
            [
                "210423C0300",
                "210423C030002",
                "21",
                "PUEBLA",
                "002",
                "DISTRITO 02",
                "0423",
                "03",
                "C",
                "00",
                "2",
                "2"
            ]
        );
    }
}

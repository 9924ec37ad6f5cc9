//! `LEEME.txt`: the Spanish description of a zipped database, written from its header so that
//! it names exactly the columns the file has.
//!
//! The text follows the structure of the institutes' LEEME files (encabezado, variables
//! resumen, datos por acta) in our own words. It carries no time: a database whose columns
//! did not change gets the same LEEME at every corte.

use crate::{Layout, ReadError};
use prep_model::ColumnKind;

/// What a LEEME describes.
#[derive(Debug, Clone, Copy)]
pub struct LeemeInfo<'a> {
    /// The election process (`Proceso Electoral Local Puebla 2024`).
    pub process: &'a str,
    /// The election's title (`GUBERNATURA`).
    pub election: &'a str,
    /// The database's file name inside the zip (`PUE_GUB_2024.csv`).
    pub database_file: &'a str,
    /// The candidacy file's name inside the zip, when there is one.
    pub candidacy_file: Option<&'a str>,
    /// The time zone as the corte line prints it (`UTC-6`).
    pub utc_offset: &'a str,
}

/// The summary fields, in the order of the preamble, and what each one counts.
const SUMMARY: [(&str, &str); 13] = [
    (
        "ACTAS_ESPERADAS",
        "Número de actas de todas las casillas aprobadas: el catálogo de actas esperadas.",
    ),
    (
        "ACTAS_REGISTRADAS",
        "Actas registradas en el sistema al momento del corte, contabilizadas o no; incluye las actas fuera de catálogo.",
    ),
    (
        "ACTAS_FUERA_CATALOGO",
        "Actas registradas cuya identificación no corresponde a ninguna casilla aprobada. No cuentan en el porcentaje de actas con inconsistencias.",
    ),
    (
        "ACTAS_CAPTURADAS",
        "Actas registradas que están en el catálogo de actas esperadas.",
    ),
    (
        "PORCENTAJE_ACTAS_CAPTURADAS",
        "Actas capturadas entre actas esperadas, por cien; truncado (no redondeado) a cuatro decimales.",
    ),
    (
        "ACTAS_CONTABILIZADAS",
        "Actas capturadas cuyos datos se suman a los resultados (CONTABILIZADA = 1).",
    ),
    (
        "PORCENTAJE_ACTAS_CONTABILIZADAS",
        "Actas contabilizadas entre actas esperadas, por cien; truncado a cuatro decimales.",
    ),
    (
        "PORCENTAJE_ACTAS_INCONSISTENCIAS",
        "Actas capturadas con alguna inconsistencia de las que prevé el Anexo 13 del Reglamento de Elecciones, entre actas esperadas, por cien; truncado a cuatro decimales.",
    ),
    (
        "ACTAS_NO_CONTABILIZADAS",
        "Actas capturadas que no se suman a los resultados.",
    ),
    (
        "LISTA_NOMINAL_ACTAS_CONTABILIZADAS",
        "Suma de la lista nominal de las casillas de las actas contabilizadas.",
    ),
    (
        "TOTAL_VOTOS_C_CS",
        "Total de votos de las actas contabilizadas, con las casillas especiales.",
    ),
    (
        "TOTAL_VOTOS_S_CS",
        "Total de votos de las actas contabilizadas, sin las casillas especiales.",
    ),
    (
        "PORCENTAJE_PARTICIPACION_CIUDADANA",
        "Total de votos entre la lista nominal de las actas contabilizadas, por cien; truncado a cuatro decimales. Antes del último corte no cuenta las casillas especiales; en el último, sí.",
    ),
];

/// What each non-vote column of the published formats holds.
fn column_description(name: &str) -> Option<&'static str> {
    Some(match name {
        "CLAVE_CASILLA" => "Clave única de la casilla.",
        "CLAVE_ACTA" => "Clave única del acta.",
        "ID_ENTIDAD" | "ID_ESTADO" => "Número de la entidad federativa.",
        "ENTIDAD" | "NOMBRE_ESTADO" => "Nombre de la entidad federativa.",
        "ID_DISTRITO" | "ID_DISTRITO_LOCAL" | "ID_DISTRITO_FEDERAL" => {
            "Número del distrito electoral."
        }
        "DISTRITO" | "DISTRITO_LOCAL" | "DISTRITO_FEDERAL" | "NOMBRE_DISTRITO" => {
            "Nombre de la cabecera del distrito electoral."
        }
        "ID_MUNICIPIO" => "Número del municipio.",
        "MUNICIPIO" => "Nombre del municipio.",
        "SECCION" => "Sección electoral de la casilla.",
        "ID_CASILLA" => "Número de la casilla.",
        "TIPO_CASILLA" => {
            "Tipo de casilla: B básica, C contigua, E extraordinaria, S especial, A voto anticipado, M voto de las personas en prisión preventiva, P voto de mexicanos en el extranjero."
        }
        "EXT_CONTIGUA" => "Número de la casilla contigua a una extraordinaria.",
        "UBICACION_CASILLA" => "Urbana (1) o no urbana (2).",
        "TIPO_ACTA" => "Tipo de acta de escrutinio y cómputo.",
        "TOTAL_BOLETAS_SOBRANTES" => "Boletas sobrantes, como se asentaron en el acta.",
        "TOTAL_PERSONAS_VOTARON" => "Personas que votaron, como se asentaron en el acta.",
        "TOTAL_REP_PARTIDO_CI_VOTARON" => {
            "Representantes de partidos y candidaturas independientes que votaron en la casilla sin estar en la lista nominal."
        }
        "TOTAL_VOTOS_SACADOS" => "Votos sacados de la urna, como se asentaron en el acta.",
        "TOTAL_VOTOS_ASENTADO" => "Total de votos asentado en el acta.",
        "TOTAL_VOTOS_CALCULADO" | "TOTAL_VOTOS_CALCULADOS" => {
            "Suma de los votos capturados de todas las columnas de votos del acta."
        }
        "LISTA_NOMINAL" => "Personas con derecho a votar en la casilla.",
        "REPRESENTANTES_PP_CI" => {
            "Representantes de partidos y candidaturas independientes acreditados ante la casilla."
        }
        "OBSERVACIONES" => {
            "Leyenda del Anexo 13 que explica el estado del acta (por ejemplo: Excede lista nominal, Todos los campos ilegibles, Sin acta)."
        }
        "CONTABILIZADA" => {
            "1 si el acta se suma a los resultados; 0 si no; 2 si no se suma por no haber llegado (sin acta)."
        }
        "MECANISMOS_TRASLADO" => "Mecanismo de traslado del paquete electoral.",
        "CODIGO_INTEGRIDAD" => {
            "SHA-256 de la imagen del acta: con él se comprueba que la imagen publicada es la capturada."
        }
        "FECHA_HORA_ACOPIO" => "Fecha y hora en que el acta se recibió en el centro de acopio.",
        "FECHA_HORA_CAPTURA" => "Fecha y hora en que se capturaron los datos del acta.",
        "FECHA_HORA_VERIFICACION" => "Fecha y hora en que se verificaron los datos del acta.",
        "ORIGEN" => "Cómo se digitalizó el acta (centro de acopio o PREP Casilla).",
        "DIGITALIZACION" => "Medio por el que se digitalizó el acta.",
        "TIPO_DOCUMENTO" => "Documento del que se tomaron los datos.",
        _ => return None,
    })
}

/// The LEEME of a database with this `header`, as text with CRLF line ends.
pub fn leeme(info: &LeemeInfo<'_>, header: &[String]) -> Result<String, ReadError> {
    let layout = Layout::from_header(header, 0)?;
    let mut lines: Vec<String> = vec![
        "Programa de Resultados Electorales Preliminares (PREP)".into(),
        info.process.into(),
        format!("Elección: {}", info.election),
        "____________________________________________________".into(),
        String::new(),
        "ARCHIVOS".into(),
        format!(
            "  {}: la base de datos, una fila por acta.",
            info.database_file
        ),
    ];
    if let Some(c) = info.candidacy_file {
        lines.push(format!(
            "  {c}: las candidaturas y las columnas de votos que corresponden a cada una."
        ));
    }
    lines.push("  LEEME.txt: este archivo.".into());
    lines.extend([
        String::new(),
        "La base de datos está en formato CSV (valores separados por comas) y tiene tres secciones.".into(),
        String::new(),
        "A. ENCABEZADO".into(),
        "  1. La elección.".into(),
        format!(
            "  2. La fecha y hora del corte de información: dd/mm/aaaa hh:mm ({}), en 24 horas y en la hora de la entidad.",
            info.utc_offset
        ),
        String::new(),
        "B. VARIABLES RESUMEN (una línea de nombres y una de valores)".into(),
    ]);
    for (i, (name, text)) in SUMMARY.iter().enumerate() {
        lines.push(format!("  {}. {name}: {text}", i + 3));
    }
    lines.extend([
        String::new(),
        "C. DATOS POR ACTA (una línea de nombres y una fila por acta)".into(),
    ]);
    for (n, (i, name)) in (SUMMARY.len() + 3..).zip(header.iter().enumerate()) {
        let text = if layout.votes.contains(&i) {
            let column = &layout.vote_columns[i - layout.votes.start];
            match &column.kind {
                ColumnKind::Party => format!("Votos para el partido {name}."),
                ColumnKind::Coalition(parties) => format!(
                    "Votos marcados a la vez para los partidos {} de una coalición.",
                    parties.join(", ")
                ),
                ColumnKind::Independent => "Votos para una candidatura independiente.".into(),
                ColumnKind::NoRegistradas => "Votos para candidaturas no registradas.".into(),
                ColumnKind::Nulos => "Votos nulos.".into(),
            }
        } else {
            column_description(name)
                .unwrap_or("Columna del formato publicado por el instituto.")
                .into()
        };
        lines.push(format!("  {n}. {name}: {text}"));
    }
    lines.extend([
        String::new(),
        "Una celda con guion (-) no tiene dato: el acta no se ha capturado, o el dato no existe para ella.".into(),
        "ILEGIBLE: la cantidad asentada no se puede leer. SIN DATO: el espacio está en blanco.".into(),
        "Los porcentajes se truncan a cuatro decimales; no se redondean.".into(),
        String::new(),
        "VERIFICACIÓN".into(),
        "  El paquete de cada corte lleva un manifiesto firmado (manifest.json y manifest.json.minisig)".into(),
        "  con el SHA-256 de este archivo zip. Se comprueba con: minisign -Vm manifest.json -P <llave pública>".into(),
    ]);
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Vec<String> {
        let votes = [
            "PAN",
            "PRI",
            "C_PAN_PRI",
            "CAND_IND_1",
            "NO_REGISTRADAS",
            "NULOS",
        ];
        crate::header_2024(("ID_DISTRITO", "DISTRITO"), &votes)
    }

    #[test]
    fn every_column_is_described_once_in_order() {
        let info = LeemeInfo {
            process: "Proceso Electoral Local Puebla 2024",
            election: "GUBERNATURA",
            database_file: "PUE_GUB_2024.csv",
            candidacy_file: Some("PUE_GUB_Candidaturas_2024.csv"),
            utc_offset: "UTC-6",
        };
        let h = header();
        let text = leeme(&info, &h).expect("leeme");
        let mut at = 0;
        for name in &h {
            let needle = format!(". {name}: ");
            let found = text[at..]
                .find(&needle)
                .unwrap_or_else(|| panic!("{name} not described in order"));
            at += found + needle.len();
        }
        assert!(text.contains("Votos marcados a la vez para los partidos PAN, PRI"));
        assert!(text.contains("PUE_GUB_Candidaturas_2024.csv"));
        assert!(text.ends_with("\r\n") && !text.contains("\n\n"));
        assert_eq!(text, leeme(&info, &h).expect("again"), "no time inside");
    }
}

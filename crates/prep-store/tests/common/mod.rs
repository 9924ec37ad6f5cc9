//! Fixtures shared by the integration tests: a small election, its catalogue, and
//! contents.
#![allow(dead_code)]

use prep_count::Rules;
use prep_model::{CasillaType, CatalogueEntry, Geography, SinActaReason, Value};
use prep_store::{ActaContent, ActaIdent, ElectionSpec, EventKind, NewEvent, Origin};

/// The vote columns of the test election.
pub const COLUMNS: [&str; 6] = [
    "PAN",
    "PRI",
    "MORENA",
    "C_PAN_PRI",
    "NO_REGISTRADAS",
    "NULOS",
];

/// The test election.
pub fn spec(id: &str) -> ElectionSpec {
    ElectionSpec {
        id: id.into(),
        title: "GUBERNATURA".into(),
        columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rules: Rules::anexo13(),
    }
}

/// A catalogue of `n` actas: mostly básicas and contiguas, every 17th especial, every 29th
/// voto anticipado (sharing CLAVE_ACTA across districts), lista nominal 200–700.
pub fn catalogue(n: usize) -> Vec<CatalogueEntry> {
    (0..n)
        .map(|i| {
            let casilla_type = if i % 29 == 28 {
                CasillaType::VotoAnticipado
            } else if i % 17 == 16 {
                CasillaType::Especial
            } else if i % 2 == 0 {
                CasillaType::Basica
            } else {
                CasillaType::Contigua
            };
            let district = format!("{:03}", 1 + i % 7);
            let (seccion, id_casilla) = if casilla_type == CasillaType::VotoAnticipado {
                ("0000".to_owned(), 1)
            } else {
                (format!("{:04}", 100 + i / 3), 1 + i % 3)
            };
            let clave_casilla = format!("21{seccion}{}{id_casilla:02}00", casilla_type.code());
            CatalogueEntry {
                clave_acta: format!("{clave_casilla}2"),
                clave_casilla,
                casilla_type,
                id_casilla: format!("{id_casilla:02}"),
                ext_contigua: "00".into(),
                geography: Geography {
                    id_entidad: "21".into(),
                    entidad: "PUEBLA".into(),
                    id_area: district.clone(),
                    area: format!("DISTRITO {district}"),
                    seccion,
                },
                ubicacion: 1 + (i % 2) as u8,
                tipo_acta: "2".into(),
                lista_nominal: if casilla_type == CasillaType::Especial {
                    0
                } else {
                    200 + (i as u64 * 37) % 500
                },
                representantes: 10,
                boletas_especial: (casilla_type == CasillaType::Especial).then_some(750),
            }
        })
        .collect()
}

/// A content with these vote cells (in [`COLUMNS`] order; `None` leaves the column out).
pub fn content(cells: &[Option<Value>]) -> ActaContent {
    let mut c = ActaContent::default();
    for (name, v) in COLUMNS.iter().zip(cells) {
        if let Some(v) = v {
            c.votes.insert((*name).to_owned(), v.clone());
        }
    }
    let total: u64 = c.votes.values().map(Value::votes).sum();
    c.details.total_votos_asentado = Value::Number(total);
    c.details.codigo_integridad = Some(format!("{:064x}", total));
    c.details.origen = Some("CATD".into());
    c.details.fecha_hora_acopio = Some("02/06/2024 21:00:00".into());
    c
}

/// A clean content with `base` votes spread over the columns.
pub fn votes(base: u64) -> ActaContent {
    content(&[
        Some(Value::Number(base)),
        Some(Value::Number(base / 2)),
        Some(Value::Number(base + 3)),
        Some(Value::Number(1)),
        Some(Value::Number(0)),
        Some(Value::Number(2)),
    ])
}

/// A sin acta content.
pub fn sin_acta(reason: SinActaReason) -> ActaContent {
    let mut c = content(&vec![Some(Value::SinActa); 6]);
    c.details.sin_acta = Some(reason);
    c.details.total_votos_asentado = Value::SinActa;
    c
}

/// An event for the acta with CLAVE_ACTA `clave` of election `election`.
pub fn event(election: &str, clave: &str, kind: EventKind, content: ActaContent) -> NewEvent {
    NewEvent {
        election: election.into(),
        acta: ActaIdent::clave(clave),
        kind,
        origin: Origin::Catd("07".into()),
        at_ms: 1_717_372_800_000,
        content,
    }
}

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

/// An event for the acta with CLAVE_ACTA (or store key) `clave` of election `election`.
pub fn event(election: &str, clave: &str, kind: EventKind, content: ActaContent) -> NewEvent {
    NewEvent {
        election: election.into(),
        acta: ActaIdent::from_key(clave),
        kind,
        origin: Origin::Catd("07".into()),
        at_ms: 1_717_372_800_000,
        content,
    }
}

/// A small deterministic random generator (SplitMix64) for test data.
pub struct Dice(pub u64);

impl Dice {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// A random content covering every Anexo 13 case: clean, some field illegible or empty,
/// every field illegible, far too many votes, sin acta, columns not on the ballot.
pub fn random_content(d: &mut Dice) -> ActaContent {
    let case = d.below(10);
    if case == 0 {
        let reasons = [
            SinActaReason::CasillaNoInstalada,
            SinActaReason::PaqueteNoEntregado,
            SinActaReason::PaqueteSinBolsa,
            SinActaReason::Contingencia,
        ];
        return sin_acta(reasons[d.below(4) as usize]);
    }
    let cells: Vec<Option<Value>> = (0..COLUMNS.len())
        .map(|j| match case {
            1 => Some(if d.chance(0.5) {
                Value::Ilegible
            } else {
                Value::SinDato
            }),
            2 if j == 0 => Some(Value::Number(500 + d.below(2000))),
            3 if d.chance(0.3) => Some(Value::SinDato),
            4 if j == 3 => None,
            5 if d.chance(0.2) => Some(Value::Dash),
            _ => Some(Value::Number(d.below(120))),
        })
        .collect();
    let mut c = content(&cells);
    c.details.fecha_hora_captura =
        Some(format!("02/06/2024 2{}:{:02}:00", d.below(4), d.below(60)));
    c
}

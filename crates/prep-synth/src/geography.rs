//! The synthetic catalogue of expected actas: 32 entidades, 300 federal districts, secciones
//! and casillas.

use crate::dice::{Dice, Domain};
use prep_model::CasillaType;

/// An entidad federativa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entidad {
    /// ID_ENTIDAD, two digits (Anexo 18.10).
    pub id: &'static str,
    /// ENTIDAD, upper case without accents, as published.
    pub name: &'static str,
    /// Federal districts (the 2023 distribution, 300 in all).
    pub districts: u8,
}

const fn ent(id: &'static str, name: &'static str, districts: u8) -> Entidad {
    Entidad {
        id,
        name,
        districts,
    }
}

/// The 32 entidades with their number of federal districts.
pub const ENTIDADES: [Entidad; 32] = [
    ent("01", "AGUASCALIENTES", 3),
    ent("02", "BAJA CALIFORNIA", 9),
    ent("03", "BAJA CALIFORNIA SUR", 2),
    ent("04", "CAMPECHE", 2),
    ent("05", "COAHUILA", 8),
    ent("06", "COLIMA", 2),
    ent("07", "CHIAPAS", 13),
    ent("08", "CHIHUAHUA", 9),
    ent("09", "CIUDAD DE MEXICO", 22),
    ent("10", "DURANGO", 4),
    ent("11", "GUANAJUATO", 15),
    ent("12", "GUERRERO", 8),
    ent("13", "HIDALGO", 7),
    ent("14", "JALISCO", 20),
    ent("15", "MEXICO", 40),
    ent("16", "MICHOACAN", 11),
    ent("17", "MORELOS", 5),
    ent("18", "NAYARIT", 3),
    ent("19", "NUEVO LEON", 14),
    ent("20", "OAXACA", 10),
    ent("21", "PUEBLA", 16),
    ent("22", "QUERETARO", 6),
    ent("23", "QUINTANA ROO", 4),
    ent("24", "SAN LUIS POTOSI", 7),
    ent("25", "SINALOA", 7),
    ent("26", "SONORA", 7),
    ent("27", "TABASCO", 6),
    ent("28", "TAMAULIPAS", 8),
    ent("29", "TLAXCALA", 3),
    ent("30", "VERACRUZ", 19),
    ent("31", "YUCATAN", 6),
    ent("32", "ZACATECAS", 4),
];

/// A federal electoral district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    /// Index into [`ENTIDADES`].
    pub entidad: u8,
    /// ID_DISTRITO_FEDERAL within its entidad, from 1.
    pub number: u8,
    /// DISTRITO_FEDERAL (synthetic).
    pub name: String,
    /// Casillas (B, C, E, S) it holds in this catalogue.
    pub casillas: u32,
}

/// How a paquete travels to its district council (MECANISMOS_TRASLADO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traslado {
    /// `F`: fixed reception centre.
    Fijo,
    /// `I`: itinerant reception centre.
    Itinerante,
    /// `D`: support for the casilla's president.
    Dispositivo,
}

impl Traslado {
    /// The cell code.
    pub fn code(self) -> &'static str {
        match self {
            Traslado::Fijo => "F",
            Traslado::Itinerante => "I",
            Traslado::Dispositivo => "D",
        }
    }
}

/// One expected acta source: a casilla, or the acta of voto anticipado (A), prisión
/// preventiva (P) or Mexicans abroad (M).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Casilla {
    /// Index into [`ENTIDADES`].
    pub entidad: u8,
    /// Index into [`Catalogue::districts`]; `None` for M (whole entidad).
    pub district: Option<u16>,
    /// SECCION; `None` (`N/A`) for A, P and M.
    pub seccion: Option<u16>,
    /// TIPO_CASILLA.
    pub casilla_type: CasillaType,
    /// ID_CASILLA (the casilla's number in its sección, or the extraordinaria's number).
    pub id_casilla: u8,
    /// EXT_CONTIGUA (the contigua's number of an extraordinaria; 0 otherwise).
    pub ext_contigua: u8,
    /// UBICACION_CASILLA: urbana (1) or not (2).
    pub urbana: bool,
    /// LISTA_NOMINAL (0 for casillas especiales).
    pub lista_nominal: u32,
    /// For a casilla especial, the approved number of ballots (not published, but it bounds
    /// the votes); 0 otherwise.
    pub boletas: u32,
    /// Base turnout of the casilla, per mille.
    pub turnout_per_mille: u16,
    /// The casilla was not installed: every election's acta is *sin acta*.
    pub no_instalada: bool,
    /// MECANISMOS_TRASLADO.
    pub traslado: Traslado,
}

/// The catalogue: every district and every expected acta source, in file order (by entidad:
/// M, A, P, then casillas by district and sección).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// The 300 districts, by entidad.
    pub districts: Vec<District>,
    /// The acta sources, in file order.
    pub casillas: Vec<Casilla>,
}

impl Catalogue {
    /// Generates a catalogue of `casillas` casillas (B, C, E, S) plus A, P and M actas.
    pub(crate) fn generate(seed: u64, casillas: usize) -> Catalogue {
        let mut districts = Vec::with_capacity(300);
        for (e, ent) in ENTIDADES.iter().enumerate() {
            for n in 1..=ent.districts {
                districts.push(District {
                    entidad: e as u8,
                    number: n,
                    name: format!("DISTRITO {n:02}"),
                    casillas: 0,
                });
            }
        }
        let counts = apportion(seed, casillas as u64, districts.len());
        for (d, c) in districts.iter_mut().zip(&counts) {
            d.casillas = *c as u32;
        }
        let mut by_district: Vec<Vec<Casilla>> = Vec::with_capacity(districts.len());
        let mut next_seccion = [1u16; 32];
        for (i, d) in districts.iter().enumerate() {
            let mut dice = Dice::new(seed, Domain::Geography, 1 + i as u64);
            let sec = &mut next_seccion[usize::from(d.entidad)];
            by_district.push(district_casillas(&mut dice, d, i as u16, sec));
        }
        let specials = specials(seed, &districts, &by_district);
        let mut out = Vec::with_capacity(casillas + specials.len());
        for e in 0..ENTIDADES.len() as u8 {
            out.extend(specials.iter().filter(|c| c.entidad == e));
            for (d, list) in districts.iter().zip(&by_district) {
                if d.entidad == e {
                    out.extend_from_slice(list);
                }
            }
        }
        Catalogue {
            districts,
            casillas: out,
        }
    }

    /// The entidad of an acta source.
    pub fn entidad(&self, c: &Casilla) -> &'static Entidad {
        &ENTIDADES[usize::from(c.entidad)]
    }

    /// The district of an acta source (`None` for M).
    pub fn district(&self, c: &Casilla) -> Option<&District> {
        c.district.and_then(|d| self.districts.get(usize::from(d)))
    }
}

/// Splits `total` over `n` districts by weights in 0.8..1.2, largest remainder first.
fn apportion(seed: u64, total: u64, n: usize) -> Vec<u64> {
    let mut dice = Dice::new(seed, Domain::Geography, 0);
    let weights: Vec<f64> = (0..n).map(|_| dice.between(0.8, 1.2)).collect();
    let sum: f64 = weights.iter().sum();
    let quotas: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut counts: Vec<u64> = quotas.iter().map(|q| *q as u64).collect();
    let assigned: u64 = counts.iter().sum();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let ra = quotas[a] - counts[a] as f64;
        let rb = quotas[b] - counts[b] as f64;
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order
        .iter()
        .cycle()
        .take(total.saturating_sub(assigned) as usize)
    {
        counts[i] += 1;
    }
    counts
}

/// The casillas of one district, sección by sección: a básica, its contiguas, sometimes an
/// extraordinaria with its contiguas, rarely an especial.
fn district_casillas(dice: &mut Dice, d: &District, index: u16, sec: &mut u16) -> Vec<Casilla> {
    let want = d.casillas as usize;
    let mut out = Vec::with_capacity(want);
    while out.len() < want {
        let seccion = *sec;
        *sec += 1 + if dice.chance(0.03) {
            dice.range(1, 3) as u16
        } else {
            0
        };
        let urbana = dice.chance(0.62);
        let push = |out: &mut Vec<Casilla>, dice: &mut Dice, t, id, ext| {
            if out.len() < want {
                out.push(casilla(dice, d.entidad, index, seccion, t, id, ext, urbana));
            }
        };
        push(&mut out, dice, CasillaType::Basica, 1, 0);
        let contiguas = dice.weighted(&[22, 30, 24, 14, 7, 3]) as u8;
        for c in 1..=contiguas {
            push(&mut out, dice, CasillaType::Contigua, c, 0);
        }
        if dice.chance(0.14) {
            let ext = dice.weighted(&[50, 30, 20]) as u8;
            for x in 0..=ext {
                push(&mut out, dice, CasillaType::Extraordinaria, 1, x);
            }
        }
        if dice.chance(0.018) {
            push(&mut out, dice, CasillaType::Especial, 1, 0);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn casilla(
    dice: &mut Dice,
    entidad: u8,
    district: u16,
    seccion: u16,
    t: CasillaType,
    id: u8,
    ext: u8,
    urbana: bool,
) -> Casilla {
    let (lista_nominal, boletas, urbana) = match t {
        CasillaType::Especial => (0, 1000 + 50 * dice.range(0, 10) as u32, dice.chance(0.8)),
        CasillaType::Extraordinaria => (dice.bell(80.0, 751.0) as u32, 0, dice.chance(0.1)),
        _ => (dice.bell(300.0, 751.0) as u32, 0, urbana),
    };
    Casilla {
        entidad,
        district: Some(district),
        seccion: Some(seccion),
        casilla_type: t,
        id_casilla: id,
        ext_contigua: ext,
        urbana,
        lista_nominal,
        boletas,
        turnout_per_mille: dice.bell(470.0, 730.0) as u16,
        no_instalada: dice.chance(0.0017),
        traslado: [Traslado::Fijo, Traslado::Itinerante, Traslado::Dispositivo]
            [dice.weighted(&[88, 6, 6])],
    }
}

/// The M actas (one per entidad with casillas), and A and P actas in districts with
/// casillas: about 0.9 and 0.3 per thousand casillas, at least one of each.
fn specials(seed: u64, districts: &[District], by_district: &[Vec<Casilla>]) -> Vec<Casilla> {
    let mut dice = Dice::new(seed, Domain::Specials, 0);
    let total: u64 = districts.iter().map(|d| u64::from(d.casillas)).sum();
    let mut per_entidad = [0u64; 32];
    for d in districts {
        per_entidad[usize::from(d.entidad)] += u64::from(d.casillas);
    }
    let special = |entidad, district, t, ln| Casilla {
        entidad,
        district,
        seccion: None,
        casilla_type: t,
        id_casilla: if t == CasillaType::MesaExtranjero {
            0
        } else {
            1
        },
        ext_contigua: 0,
        urbana: true,
        lista_nominal: ln,
        boletas: 0,
        turnout_per_mille: 0,
        no_instalada: false,
        traslado: Traslado::Fijo,
    };
    let mut out = Vec::new();
    for (e, &n) in per_entidad.iter().enumerate() {
        if n > 0 {
            let ln = ((n as f64 * dice.between(0.6, 1.6)) as u32).max(1);
            out.push(special(e as u8, None, CasillaType::MesaExtranjero, ln));
        }
    }
    let with_casillas: Vec<u16> = (0..districts.len())
        .filter(|&i| !by_district[i].is_empty())
        .map(|i| i as u16)
        .collect();
    if with_casillas.is_empty() {
        return out;
    }
    let mut others = Vec::new();
    for (t, per_thousand, lo, hi) in [
        (CasillaType::VotoAnticipado, 0.9, 1, 40),
        (CasillaType::PrisionPreventiva, 0.3, 5, 150),
    ] {
        let n = (total as f64 * per_thousand / 1000.0).ceil() as u64;
        for _ in 0..n {
            let d = *dice.pick(&with_casillas);
            let ln = dice.range(lo, hi) as u32;
            others.push(special(districts[usize::from(d)].entidad, Some(d), t, ln));
        }
    }
    others.sort_by_key(|c| (c.casilla_type != CasillaType::VotoAnticipado, c.district));
    out.extend(others);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_hundred_districts() {
        assert_eq!(
            ENTIDADES
                .iter()
                .map(|e| u32::from(e.districts))
                .sum::<u32>(),
            300
        );
    }

    #[test]
    fn sizes_and_shares() {
        let cat = Catalogue::generate(2024, 20_000);
        let count = |t| cat.casillas.iter().filter(|c| c.casilla_type == t).count();
        let bcse = count(CasillaType::Basica)
            + count(CasillaType::Contigua)
            + count(CasillaType::Extraordinaria)
            + count(CasillaType::Especial);
        assert_eq!(bcse, 20_000);
        let share = |t| count(t) as f64 / 20_000.0;
        assert!((0.31..0.38).contains(&share(CasillaType::Basica)));
        assert!((0.52..0.61).contains(&share(CasillaType::Contigua)));
        assert!((0.06..0.10).contains(&share(CasillaType::Extraordinaria)));
        assert!((0.003..0.010).contains(&share(CasillaType::Especial)));
        assert_eq!(count(CasillaType::MesaExtranjero), 32);
        assert_eq!(count(CasillaType::VotoAnticipado), 18);
        assert_eq!(count(CasillaType::PrisionPreventiva), 6);
    }

    #[test]
    fn national_secciones_fit_four_digits() {
        let cat = Catalogue::generate(2024, crate::MAX_CASILLAS);
        let max = cat.casillas.iter().filter_map(|c| c.seccion).max();
        assert!(max.is_some_and(|m| m <= 9999), "max sección {max:?}");
    }

    #[test]
    fn tiny_catalogue() {
        let cat = Catalogue::generate(1, 1);
        assert_eq!(cat.casillas.len(), 1 + 1 + 1 + 1);
        assert_eq!(
            cat.casillas.last().map(|c| c.casilla_type),
            Some(CasillaType::Basica)
        );
    }
}

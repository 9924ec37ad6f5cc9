//! The OBSERVACIONES legends of an acta.

use serde::{Deserialize, Serialize};

/// One legend of the OBSERVACIONES column, independent of how an institute spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Observation {
    /// The sum of votes exceeds the lista nominal plus representatives (or, for a casilla
    /// especial, the approved ballots plus representatives). Prevails over every other legend.
    ExcedeListaNominal,
    /// Puebla 2024: some vote field is illegible or empty (`ALGUN CAMPO ILEGIBLE O SIN DATO`).
    AlgunCampoIlegibleOSinDato,
    /// INE: some vote field is illegible (`Ilegible`).
    AlgunCampoIlegible,
    /// INE: some vote field is empty (`Sin dato`).
    AlgunCampoSinDato,
    /// Puebla 2024: every vote field is illegible or empty (`TODOS ILEGIBLES O SIN DATO`).
    TodosIlegiblesOSinDato,
    /// INE: every vote field is illegible (`Todos los campos ilegibles`).
    TodosIlegibles,
    /// INE: every vote field is empty (`Todos los campos vacíos`).
    TodosVacios,
    /// The acta did not arrive; the reason is in [`Observations::sin_acta`].
    SinActa,
    /// The acta matches no expected casilla.
    FueraDeCatalogo,
    /// INE: identified by the technical-operative process.
    ProcesoTecnicoOperativo,
    /// Pre-2018 IEC Coahuila files (`Inconsistente`, `Inconsistente C.N.V`): the acta's
    /// figures are inconsistent and it is not counted. Never produced by [`Observations::parse`];
    /// a counting profile maps the institute's legend to it.
    Inconsistente,
    /// Text that matched no known legend (kept so an auditor sees it).
    Unrecognised,
}

impl Observation {
    const COUNT: usize = 12;

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// True for the legends that mean "no vote field is legible": such an acta is not counted.
    pub fn means_no_legible_field(self) -> bool {
        matches!(
            self,
            Observation::TodosIlegiblesOSinDato
                | Observation::TodosIlegibles
                | Observation::TodosVacios
        )
    }
}

/// Why an acta is `SIN ACTA`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SinActaReason {
    /// `SIN ACTA POR CASILLA NO INSTALADA`.
    CasillaNoInstalada,
    /// `SIN ACTA POR PAQUETE NO ENTREGADO`.
    PaqueteNoEntregado,
    /// `SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA` (INE: *Sin sobre*).
    PaqueteSinBolsa,
    /// INE: *Sin AR por contingencia en UR*.
    Contingencia,
    /// `SIN ACTA` with no recognised reason.
    Unspecified,
}

impl SinActaReason {
    /// Every reason with a legend of its own.
    pub const ALL: [SinActaReason; 4] = [
        SinActaReason::CasillaNoInstalada,
        SinActaReason::PaqueteNoEntregado,
        SinActaReason::PaqueteSinBolsa,
        SinActaReason::Contingencia,
    ];

    /// The legend as IEE Puebla 2024 spells it.
    pub fn legend(self) -> &'static str {
        match self {
            SinActaReason::CasillaNoInstalada => "SIN ACTA POR CASILLA NO INSTALADA",
            SinActaReason::PaqueteNoEntregado => "SIN ACTA POR PAQUETE NO ENTREGADO",
            SinActaReason::PaqueteSinBolsa => "SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA",
            SinActaReason::Contingencia => "SIN ACTA POR CONTINGENCIA",
            SinActaReason::Unspecified => "SIN ACTA",
        }
    }
}

/// The set of legends in one OBSERVACIONES cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Observations {
    bits: u16,
    sin_acta: Option<SinActaReason>,
}

/// Phrases in the order they are looked for (longest first), after normalisation.
const PHRASES: &[(&str, Observation)] = &[
    ("EXCEDE LISTA NOMINAL", Observation::ExcedeListaNominal),
    (
        "TODOS ILEGIBLES O SIN DATO",
        Observation::TodosIlegiblesOSinDato,
    ),
    ("TODOS LOS CAMPOS ILEGIBLES", Observation::TodosIlegibles),
    ("TODOS LOS CAMPOS VACIOS", Observation::TodosVacios),
    (
        "ALGUN CAMPO ILEGIBLE O SIN DATO",
        Observation::AlgunCampoIlegibleOSinDato,
    ),
    ("ILEGIBLE", Observation::AlgunCampoIlegible),
    ("SIN DATO", Observation::AlgunCampoSinDato),
    ("FUERA DE CATALOGO", Observation::FueraDeCatalogo),
    (
        "PROCESO TECNICO OPERATIVO",
        Observation::ProcesoTecnicoOperativo,
    ),
];

impl Observations {
    /// No legend at all.
    pub const NONE: Observations = Observations {
        bits: 0,
        sin_acta: None,
    };

    /// Parses an OBSERVACIONES cell in any known spelling (case, accents and spacing are
    /// ignored; several legends may share the cell).
    pub fn parse(text: &str) -> Observations {
        let mut norm = normalise(text);
        let mut obs = Observations::NONE;
        if let Some(pos) = norm.find("SIN ACTA") {
            let rest = &norm[pos..];
            let reason = if rest.contains("NO INSTALADA") {
                SinActaReason::CasillaNoInstalada
            } else if rest.contains("NO ENTREGADO") {
                SinActaReason::PaqueteNoEntregado
            } else if rest.contains("SIN BOLSA") || rest.contains("SIN SOBRE") {
                SinActaReason::PaqueteSinBolsa
            } else if rest.contains("CONTINGENCIA") {
                SinActaReason::Contingencia
            } else {
                SinActaReason::Unspecified
            };
            obs.insert(Observation::SinActa);
            obs.sin_acta = Some(reason);
            norm.truncate(pos);
        }
        for (phrase, o) in PHRASES {
            if norm.contains(phrase) {
                obs.insert(*o);
                norm = norm.replace(phrase, " ");
            }
        }
        if norm.chars().any(|c| c.is_alphanumeric()) {
            obs.insert(Observation::Unrecognised);
        }
        obs
    }

    /// A set holding one legend.
    pub fn of(o: Observation) -> Observations {
        let mut s = Observations::NONE;
        s.insert(o);
        s
    }

    /// A `SIN ACTA` set with its reason.
    pub fn sin_acta(reason: SinActaReason) -> Observations {
        let mut s = Observations::of(Observation::SinActa);
        s.sin_acta = Some(reason);
        s
    }

    /// Adds a legend.
    pub fn insert(&mut self, o: Observation) {
        self.bits |= o.bit();
    }

    /// True when the legend is present.
    pub fn contains(&self, o: Observation) -> bool {
        self.bits & o.bit() != 0
    }

    /// True when no legend is present.
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// True when any of `others` is present.
    pub fn intersects(&self, others: &[Observation]) -> bool {
        others.iter().any(|o| self.contains(*o))
    }

    /// The reason of a `SIN ACTA` legend.
    pub fn sin_acta_reason(&self) -> Option<SinActaReason> {
        self.sin_acta
    }

    /// The legends present, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = Observation> + '_ {
        ALL_OBSERVATIONS
            .iter()
            .copied()
            .filter(|o| self.contains(*o))
    }

    /// The cell text as IEE Puebla 2024 writes it: the prevailing legend, or ` - ` for none.
    pub fn puebla_legend(&self) -> &'static str {
        if self.contains(Observation::ExcedeListaNominal) {
            "EXCEDE LISTA NOMINAL"
        } else if let Some(r) = self.sin_acta {
            r.legend()
        } else if self.contains(Observation::FueraDeCatalogo) {
            "FUERA DE CATALOGO"
        } else if self.iter().any(Observation::means_no_legible_field) {
            "TODOS ILEGIBLES O SIN DATO"
        } else if self.intersects(&[
            Observation::AlgunCampoIlegibleOSinDato,
            Observation::AlgunCampoIlegible,
            Observation::AlgunCampoSinDato,
        ]) {
            "ALGUN CAMPO ILEGIBLE O SIN DATO"
        } else {
            " - "
        }
    }
}

const ALL_OBSERVATIONS: [Observation; Observation::COUNT] = [
    Observation::ExcedeListaNominal,
    Observation::AlgunCampoIlegibleOSinDato,
    Observation::AlgunCampoIlegible,
    Observation::AlgunCampoSinDato,
    Observation::TodosIlegiblesOSinDato,
    Observation::TodosIlegibles,
    Observation::TodosVacios,
    Observation::SinActa,
    Observation::FueraDeCatalogo,
    Observation::ProcesoTecnicoOperativo,
    Observation::Inconsistente,
    Observation::Unrecognised,
];

/// Upper-cases, strips Spanish accents and collapses separators to single spaces.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        let c = match c {
            'á' | 'Á' => 'A',
            'é' | 'É' => 'E',
            'í' | 'Í' => 'I',
            'ó' | 'Ó' => 'O',
            'ú' | 'Ú' | 'ü' | 'Ü' => 'U',
            'ñ' | 'Ñ' => 'N',
            c if c.is_alphanumeric() => c.to_ascii_uppercase(),
            _ => ' ',
        };
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puebla_spellings() {
        assert!(Observations::parse(" - ").is_empty());
        assert!(Observations::parse("-").is_empty());
        assert!(Observations::parse("").is_empty());
        let o = Observations::parse("ALGUN CAMPO ILEGIBLE O SIN DATO");
        assert!(o.contains(Observation::AlgunCampoIlegibleOSinDato));
        assert!(!o.contains(Observation::AlgunCampoIlegible));
        let o = Observations::parse("TODOS ILEGIBLES O SIN DATO");
        assert!(o.contains(Observation::TodosIlegiblesOSinDato));
        assert_eq!(o.iter().count(), 1);
        let o = Observations::parse("SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA");
        assert_eq!(o.sin_acta_reason(), Some(SinActaReason::PaqueteSinBolsa));
        assert_eq!(o.iter().collect::<Vec<_>>(), vec![Observation::SinActa]);
        assert!(Observations::parse("FUERA DE CATALOGO").contains(Observation::FueraDeCatalogo));
    }

    #[test]
    fn ine_spellings() {
        let o = Observations::parse("Ilegible, Sin dato");
        assert!(o.contains(Observation::AlgunCampoIlegible));
        assert!(o.contains(Observation::AlgunCampoSinDato));
        assert!(Observations::parse("Todos los campos vacíos").contains(Observation::TodosVacios));
        assert!(
            Observations::parse("Excede Lista Nominal").contains(Observation::ExcedeListaNominal)
        );
        assert_eq!(
            Observations::parse("Sin Acta (Casilla no Instalada)").sin_acta_reason(),
            Some(SinActaReason::CasillaNoInstalada)
        );
        assert!(Observations::parse("algo raro").contains(Observation::Unrecognised));
    }

    #[test]
    fn legend_round_trips() {
        for text in [
            " - ",
            "EXCEDE LISTA NOMINAL",
            "ALGUN CAMPO ILEGIBLE O SIN DATO",
            "TODOS ILEGIBLES O SIN DATO",
            "SIN ACTA POR CASILLA NO INSTALADA",
            "SIN ACTA POR PAQUETE NO ENTREGADO",
            "SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA",
            "FUERA DE CATALOGO",
        ] {
            assert_eq!(Observations::parse(text).puebla_legend(), text);
        }
    }
}

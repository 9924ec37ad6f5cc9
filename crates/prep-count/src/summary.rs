//! The 13 summary fields of a corte.

use crate::Percent4;
use serde::{Deserialize, Serialize};

/// One of the 13 summary fields (*variables resumen*) of a published database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SummaryField {
    /// ACTAS_ESPERADAS: actas in the catalogue.
    ActasEsperadas,
    /// ACTAS_REGISTRADAS: captured actas, including fuera de catálogo.
    ActasRegistradas,
    /// ACTAS_FUERA_CATALOGO (INE: ACTAS_FUERA_DE_CATALOGO).
    ActasFueraCatalogo,
    /// ACTAS_CAPTURADAS: captured actas of the catalogue.
    ActasCapturadas,
    /// PORCENTAJE_ACTAS_CAPTURADAS.
    PorcentajeActasCapturadas,
    /// ACTAS_CONTABILIZADAS.
    ActasContabilizadas,
    /// PORCENTAJE_ACTAS_CONTABILIZADAS.
    PorcentajeActasContabilizadas,
    /// PORCENTAJE_ACTAS_INCONSISTENCIAS (INE: PORCENTAJE_ACTAS_CON_INCONSISTENCIAS).
    PorcentajeActasInconsistencias,
    /// ACTAS_NO_CONTABILIZADAS.
    ActasNoContabilizadas,
    /// LISTA_NOMINAL_ACTAS_CONTABILIZADAS.
    ListaNominalActasContabilizadas,
    /// TOTAL_VOTOS_C_CS: votes of counted actas, casillas especiales included.
    TotalVotosCCs,
    /// TOTAL_VOTOS_S_CS: votes of counted actas, casillas especiales excluded.
    TotalVotosSCs,
    /// PORCENTAJE_PARTICIPACION_CIUDADANA.
    PorcentajeParticipacionCiudadana,
}

impl SummaryField {
    /// All 13, in published order.
    pub const ALL: [SummaryField; 13] = [
        SummaryField::ActasEsperadas,
        SummaryField::ActasRegistradas,
        SummaryField::ActasFueraCatalogo,
        SummaryField::ActasCapturadas,
        SummaryField::PorcentajeActasCapturadas,
        SummaryField::ActasContabilizadas,
        SummaryField::PorcentajeActasContabilizadas,
        SummaryField::PorcentajeActasInconsistencias,
        SummaryField::ActasNoContabilizadas,
        SummaryField::ListaNominalActasContabilizadas,
        SummaryField::TotalVotosCCs,
        SummaryField::TotalVotosSCs,
        SummaryField::PorcentajeParticipacionCiudadana,
    ];

    /// The 2024 (IEE Puebla, INE 2024) header name.
    pub fn name(self) -> &'static str {
        self.names()[0]
    }

    /// Every spelling of the header name seen in published files; the first is the 2024 one.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            SummaryField::ActasEsperadas => &["ACTAS_ESPERADAS"],
            SummaryField::ActasRegistradas => &["ACTAS_REGISTRADAS"],
            SummaryField::ActasFueraCatalogo => {
                &["ACTAS_FUERA_CATALOGO", "ACTAS_FUERA_DE_CATALOGO"]
            }
            SummaryField::ActasCapturadas => &["ACTAS_CAPTURADAS"],
            SummaryField::PorcentajeActasCapturadas => &["PORCENTAJE_ACTAS_CAPTURADAS"],
            SummaryField::ActasContabilizadas => &["ACTAS_CONTABILIZADAS"],
            SummaryField::PorcentajeActasContabilizadas => &["PORCENTAJE_ACTAS_CONTABILIZADAS"],
            SummaryField::PorcentajeActasInconsistencias => &[
                "PORCENTAJE_ACTAS_INCONSISTENCIAS",
                "PORCENTAJE_ACTAS_CON_INCONSISTENCIAS",
            ],
            SummaryField::ActasNoContabilizadas => &["ACTAS_NO_CONTABILIZADAS"],
            SummaryField::ListaNominalActasContabilizadas => &[
                "LISTA_NOMINAL_ACTAS_CONTABILIZADAS",
                "LISTA_NOMINAL_ACTAS_CONTABILZADAS",
            ],
            SummaryField::TotalVotosCCs => &["TOTAL_VOTOS_C_CS"],
            SummaryField::TotalVotosSCs => &["TOTAL_VOTOS_S_CS"],
            SummaryField::PorcentajeParticipacionCiudadana => {
                &["PORCENTAJE_PARTICIPACION_CIUDADANA"]
            }
        }
    }

    /// Recognises a header name in any known spelling: accents are ignored
    /// (`ACTAS_FUERA_CATÁLOGO`, Sonora 2021) and so is a `DE` between words
    /// (`ACTAS_FUERA_DE_CATÁLOGO`, INE 2019).
    pub fn from_name(name: &str) -> Option<SummaryField> {
        let name = name.trim();
        if let Some(f) = SummaryField::ALL
            .into_iter()
            .find(|f| f.names().contains(&name))
        {
            return Some(f);
        }
        let folded = fold_accents(name);
        SummaryField::ALL
            .into_iter()
            .find(|f| f.names().contains(&folded.as_str()))
    }

    /// True for the four percentage fields.
    pub fn is_percentage(self) -> bool {
        matches!(
            self,
            SummaryField::PorcentajeActasCapturadas
                | SummaryField::PorcentajeActasContabilizadas
                | SummaryField::PorcentajeActasInconsistencias
                | SummaryField::PorcentajeParticipacionCiudadana
        )
    }

    /// True for the two vote totals (written `2658993.0` by some institutes).
    pub fn is_vote_total(self) -> bool {
        matches!(
            self,
            SummaryField::TotalVotosCCs | SummaryField::TotalVotosSCs
        )
    }
}

/// Upper case without accents: `Á` → `A`, `ú` → `U`.
pub(crate) fn fold_accents(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'Á' | 'á' | 'À' | 'à' => 'A',
            'É' | 'é' | 'È' | 'è' => 'E',
            'Í' | 'í' | 'Ì' | 'ì' => 'I',
            'Ó' | 'ó' | 'Ò' | 'ò' => 'O',
            'Ú' | 'ú' | 'Ù' | 'ù' | 'Ü' | 'ü' => 'U',
            'Ñ' | 'ñ' => 'N',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

impl std::fmt::Display for SummaryField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The value of one summary field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SummaryValue {
    /// A count of actas, citizens or votes.
    Count(u64),
    /// A truncated percentage.
    Percent(Percent4),
}

impl SummaryValue {
    /// Parses a value as printed in a published file for `field`: counts may carry a `.0`
    /// suffix (`2658993.0`) or thousands separators (`7,672`, INE 2019), percentages a `%`
    /// suffix, a leading `'` (`'97.1604`, Coahuila 2023) or fewer than four decimals.
    pub fn parse_published(field: SummaryField, text: &str) -> Option<SummaryValue> {
        let text = text.trim();
        let text = text.strip_prefix('\'').unwrap_or(text);
        let grouped;
        let text = if has_thousands_separators(text) {
            grouped = text.replace(',', "");
            grouped.as_str()
        } else {
            text
        };
        if field.is_percentage() {
            return Percent4::parse(text).map(SummaryValue::Percent);
        }
        let t = text.trim();
        let int = match t.split_once('.') {
            Some((i, f)) if !f.is_empty() && f.bytes().all(|b| b == b'0') => i,
            Some(_) => return None,
            None => t,
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        int.parse().ok().map(SummaryValue::Count)
    }
}

impl std::fmt::Display for SummaryValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SummaryValue::Count(n) => write!(f, "{n}"),
            SummaryValue::Percent(p) => write!(f, "{p}"),
        }
    }
}

/// `7,672` or `1,527,071`: digits grouped by three with commas (and nothing else but an
/// optional decimal part).
pub fn has_thousands_separators(text: &str) -> bool {
    let int = text.split_once('.').map_or(text, |(i, _)| i);
    let mut groups = int.split(',');
    let Some(first) = groups.next() else {
        return false;
    };
    let mut rest = groups.peekable();
    rest.peek().is_some()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// The 13 summary fields of a corte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// ACTAS_ESPERADAS.
    pub actas_esperadas: u64,
    /// ACTAS_REGISTRADAS.
    pub actas_registradas: u64,
    /// ACTAS_FUERA_CATALOGO.
    pub actas_fuera_catalogo: u64,
    /// ACTAS_CAPTURADAS.
    pub actas_capturadas: u64,
    /// PORCENTAJE_ACTAS_CAPTURADAS.
    pub porcentaje_actas_capturadas: Percent4,
    /// ACTAS_CONTABILIZADAS.
    pub actas_contabilizadas: u64,
    /// PORCENTAJE_ACTAS_CONTABILIZADAS.
    pub porcentaje_actas_contabilizadas: Percent4,
    /// PORCENTAJE_ACTAS_INCONSISTENCIAS.
    pub porcentaje_actas_inconsistencias: Percent4,
    /// ACTAS_NO_CONTABILIZADAS.
    pub actas_no_contabilizadas: u64,
    /// LISTA_NOMINAL_ACTAS_CONTABILIZADAS.
    pub lista_nominal_actas_contabilizadas: u64,
    /// TOTAL_VOTOS_C_CS.
    pub total_votos_c_cs: u64,
    /// TOTAL_VOTOS_S_CS.
    pub total_votos_s_cs: u64,
    /// PORCENTAJE_PARTICIPACION_CIUDADANA.
    pub porcentaje_participacion_ciudadana: Percent4,
}

impl Summary {
    /// The value of one field.
    pub fn get(&self, field: SummaryField) -> SummaryValue {
        use SummaryField as F;
        use SummaryValue::{Count, Percent};
        match field {
            F::ActasEsperadas => Count(self.actas_esperadas),
            F::ActasRegistradas => Count(self.actas_registradas),
            F::ActasFueraCatalogo => Count(self.actas_fuera_catalogo),
            F::ActasCapturadas => Count(self.actas_capturadas),
            F::PorcentajeActasCapturadas => Percent(self.porcentaje_actas_capturadas),
            F::ActasContabilizadas => Count(self.actas_contabilizadas),
            F::PorcentajeActasContabilizadas => Percent(self.porcentaje_actas_contabilizadas),
            F::PorcentajeActasInconsistencias => Percent(self.porcentaje_actas_inconsistencias),
            F::ActasNoContabilizadas => Count(self.actas_no_contabilizadas),
            F::ListaNominalActasContabilizadas => Count(self.lista_nominal_actas_contabilizadas),
            F::TotalVotosCCs => Count(self.total_votos_c_cs),
            F::TotalVotosSCs => Count(self.total_votos_s_cs),
            F::PorcentajeParticipacionCiudadana => Percent(self.porcentaje_participacion_ciudadana),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        for f in SummaryField::ALL {
            for n in f.names() {
                assert_eq!(SummaryField::from_name(n), Some(f));
            }
        }
        assert_eq!(
            SummaryField::from_name("ACTAS_FUERA_DE_CATALOGO"),
            Some(SummaryField::ActasFueraCatalogo)
        );
    }

    #[test]
    fn published_counts() {
        let f = SummaryField::TotalVotosCCs;
        assert_eq!(
            SummaryValue::parse_published(f, "2658993.0"),
            Some(SummaryValue::Count(2658993))
        );
        assert_eq!(
            SummaryValue::parse_published(f, "2658993"),
            Some(SummaryValue::Count(2658993))
        );
        assert_eq!(SummaryValue::parse_published(f, "2658993.5"), None);
        assert_eq!(SummaryValue::parse_published(f, "x"), None);
        assert_eq!(
            SummaryValue::parse_published(f, "1,527,071"),
            Some(SummaryValue::Count(1527071))
        );
        assert_eq!(SummaryValue::parse_published(f, "1,52,071"), None);
        let p = SummaryField::PorcentajeActasContabilizadas;
        assert_eq!(
            SummaryValue::parse_published(p, "'99.5698%"),
            SummaryValue::parse_published(p, "99.5698")
        );
        assert!(SummaryValue::parse_published(p, "'97.1604").is_some());
        assert_eq!(
            SummaryField::from_name("ACTAS_FUERA_DE_CATÁLOGO"),
            Some(SummaryField::ActasFueraCatalogo)
        );
        assert_eq!(
            SummaryField::from_name("ACTAS_FUERA_CATÁLOGO"),
            Some(SummaryField::ActasFueraCatalogo)
        );
    }
}

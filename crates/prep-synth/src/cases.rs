//! How many rows of a database fell in each case the rules know.

use crate::acta::Case;
use prep_model::{CasillaType, SinActaReason};
use serde::{Deserialize, Serialize};

/// The case of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowCase {
    /// An acta of the catalogue.
    Acta(Case),
    /// An acta fuera de catálogo.
    Fuera,
}

/// What kind of acta source a row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RowKind {
    /// TIPO_CASILLA.
    pub casilla_type: CasillaType,
    /// Independents on the ballot.
    pub independents: bool,
    /// Some coalition does not run on the ballot.
    pub partial_coalition: bool,
}

/// Rows of one database per case: how each acta was classified, and what kind of acta
/// source and ballot it came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCounts {
    /// Counted, every vote field legible (OBSERVACIONES ` - `).
    pub counted: u64,
    /// Counted with ALGUN CAMPO ILEGIBLE O SIN DATO.
    pub counted_with_illegible_field: u64,
    /// Not counted: TODOS ILEGIBLES O SIN DATO.
    pub all_illegible: u64,
    /// Not counted: EXCEDE LISTA NOMINAL.
    pub excede_lista_nominal: u64,
    /// Not counted: SIN ACTA POR CASILLA NO INSTALADA.
    pub sin_acta_no_instalada: u64,
    /// Not counted: SIN ACTA POR PAQUETE NO ENTREGADO.
    pub sin_acta_no_entregado: u64,
    /// Not counted: SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA.
    pub sin_acta_sin_bolsa: u64,
    /// Not captured yet (CONTABILIZADA `-`).
    pub not_captured: u64,
    /// Actas fuera de catálogo (CONTABILIZADA 2).
    pub fuera_de_catalogo: u64,
    /// Rows of casillas básicas, contiguas and extraordinarias.
    pub ordinarias: u64,
    /// Rows of casillas especiales (S).
    pub especiales: u64,
    /// Rows of voto anticipado (A).
    pub voto_anticipado: u64,
    /// Rows of prisión preventiva (P).
    pub prision_preventiva: u64,
    /// Rows of Mexicans abroad (M).
    pub extranjero: u64,
    /// Rows whose ballot has independent candidacies.
    pub with_independents: u64,
    /// Rows whose ballot lacks some coalition (its combination cells are `-`).
    pub partial_coalition: u64,
}

impl CaseCounts {
    /// Actas of the catalogue captured at this corte.
    pub fn captured(&self) -> u64 {
        self.counted
            + self.counted_with_illegible_field
            + self.all_illegible
            + self.excede_lista_nominal
            + self.sin_acta()
    }

    /// Actas without acta, for any reason.
    pub fn sin_acta(&self) -> u64 {
        self.sin_acta_no_instalada + self.sin_acta_no_entregado + self.sin_acta_sin_bolsa
    }

    /// Every case with its label and count, for reports.
    pub fn labelled(&self) -> [(&'static str, u64); 9] {
        [
            ("contabilizada", self.counted),
            (
                "ALGUN CAMPO ILEGIBLE O SIN DATO",
                self.counted_with_illegible_field,
            ),
            ("TODOS ILEGIBLES O SIN DATO", self.all_illegible),
            ("EXCEDE LISTA NOMINAL", self.excede_lista_nominal),
            (
                "SIN ACTA POR CASILLA NO INSTALADA",
                self.sin_acta_no_instalada,
            ),
            (
                "SIN ACTA POR PAQUETE NO ENTREGADO",
                self.sin_acta_no_entregado,
            ),
            (
                "SIN ACTA POR PAQUETE ENTREGADO SIN BOLSA",
                self.sin_acta_sin_bolsa,
            ),
            ("no capturada", self.not_captured),
            ("FUERA DE CATALOGO", self.fuera_de_catalogo),
        ]
    }

    pub(crate) fn add(&mut self, case: RowCase, kind: Option<RowKind>) {
        let slot = match case {
            RowCase::Fuera => &mut self.fuera_de_catalogo,
            RowCase::Acta(c) => match c {
                Case::Counted => &mut self.counted,
                Case::CountedIllegible => &mut self.counted_with_illegible_field,
                Case::AllIllegible => &mut self.all_illegible,
                Case::Excede => &mut self.excede_lista_nominal,
                Case::SinActa(SinActaReason::CasillaNoInstalada) => &mut self.sin_acta_no_instalada,
                Case::SinActa(SinActaReason::PaqueteSinBolsa) => &mut self.sin_acta_sin_bolsa,
                Case::SinActa(_) => &mut self.sin_acta_no_entregado,
                Case::NotCaptured => &mut self.not_captured,
            },
        };
        *slot += 1;
        let Some(k) = kind else { return };
        *match k.casilla_type {
            CasillaType::Especial => &mut self.especiales,
            CasillaType::VotoAnticipado => &mut self.voto_anticipado,
            CasillaType::PrisionPreventiva => &mut self.prision_preventiva,
            CasillaType::MesaExtranjero => &mut self.extranjero,
            _ => &mut self.ordinarias,
        } += 1;
        self.with_independents += u64::from(k.independents);
        self.partial_coalition += u64::from(k.partial_coalition);
    }
}

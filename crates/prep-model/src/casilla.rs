//! Kinds of casilla (polling station).

use serde::{Deserialize, Serialize};

/// The type of a casilla, the TIPO_CASILLA column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CasillaType {
    /// `B`: básica.
    Basica,
    /// `C`: contigua.
    Contigua,
    /// `E`: extraordinaria.
    Extraordinaria,
    /// `S`: especial — no lista nominal; bounded by an approved number of ballots.
    Especial,
    /// `A`: voto anticipado (early vote).
    VotoAnticipado,
    /// `P`: voto de personas en prisión preventiva (local elections).
    PrisionPreventiva,
    /// `M`: mesa de escrutinio del voto de mexicanos residentes en el extranjero.
    MesaExtranjero,
    /// `V`: voto de personas en prisión preventiva (INE 2021 spelling).
    PrisionPreventivaIne,
    /// Anything else (including the empty cell of an acta fuera de catálogo).
    Other,
}

impl CasillaType {
    /// Every letter-coded type, in the order the LEEME lists them.
    pub const ALL: [CasillaType; 8] = [
        CasillaType::Basica,
        CasillaType::Contigua,
        CasillaType::Extraordinaria,
        CasillaType::Especial,
        CasillaType::VotoAnticipado,
        CasillaType::PrisionPreventiva,
        CasillaType::MesaExtranjero,
        CasillaType::PrisionPreventivaIne,
    ];

    /// Parses the TIPO_CASILLA cell.
    pub fn parse(text: &str) -> CasillaType {
        match text.trim() {
            "B" => CasillaType::Basica,
            "C" => CasillaType::Contigua,
            "E" => CasillaType::Extraordinaria,
            "S" => CasillaType::Especial,
            "A" => CasillaType::VotoAnticipado,
            "P" => CasillaType::PrisionPreventiva,
            "M" => CasillaType::MesaExtranjero,
            "V" => CasillaType::PrisionPreventivaIne,
            _ => CasillaType::Other,
        }
    }

    /// The one-letter code, `""` for [`CasillaType::Other`].
    pub fn code(self) -> &'static str {
        match self {
            CasillaType::Basica => "B",
            CasillaType::Contigua => "C",
            CasillaType::Extraordinaria => "E",
            CasillaType::Especial => "S",
            CasillaType::VotoAnticipado => "A",
            CasillaType::PrisionPreventiva => "P",
            CasillaType::MesaExtranjero => "M",
            CasillaType::PrisionPreventivaIne => "V",
            CasillaType::Other => "",
        }
    }

    /// True for casillas especiales, whose votes are left out of TOTAL_VOTOS_S_CS and whose
    /// limit is the approved number of ballots instead of the lista nominal.
    pub fn is_especial(self) -> bool {
        self == CasillaType::Especial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in CasillaType::ALL {
            assert_eq!(CasillaType::parse(t.code()), t);
        }
        assert_eq!(CasillaType::parse(""), CasillaType::Other);
    }
}

//! Deciding whether one captured acta is counted.

use prep_model::{Contabilizada, Observation, Observations, SinActaReason, Value};

/// The outcome of the rules for one acta of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// CONTABILIZADA.
    pub status: Contabilizada,
    /// OBSERVACIONES.
    pub observations: Observations,
    /// TOTAL_VOTOS_CALCULADO; `None` for a sin acta.
    pub total_votos: Option<u64>,
}

/// Applies Anexo 13 to one captured acta of the catalogue.
///
/// - `votes`: the acta's vote cells (parties, coalitions, independents, no registradas,
///   nulos). Cells holding `-` or `N/A` are columns not on this ballot and are ignored.
/// - `sin_acta`: the reason when the acta did not arrive.
/// - `vote_limit`: lista nominal (or, for a casilla especial, the approved ballots) plus
///   representatives; `None` when unknown, in which case the limit is not applied.
///
/// In order: a sin acta is not counted; an acta with no legible vote field is not counted
/// (*todos ilegibles o sin dato*, total 0); one whose calculated total exceeds the limit is
/// not counted (*excede lista nominal*, which prevails over the field legends); otherwise it
/// is counted, with *algún campo ilegible o sin dato* when some field is not a number.
pub fn classify(
    votes: &[Value],
    sin_acta: Option<SinActaReason>,
    vote_limit: Option<u64>,
) -> Classification {
    if let Some(reason) = sin_acta {
        return Classification {
            status: Contabilizada::No,
            observations: Observations::sin_acta(reason),
            total_votos: None,
        };
    }
    let mut total: u64 = 0;
    let mut legible = 0usize;
    let mut illegible = false;
    let mut empty = false;
    for v in votes {
        match v {
            Value::Number(n) => {
                total += n;
                legible += 1;
            }
            Value::Dash | Value::NotApplicable => {}
            Value::Ilegible => illegible = true,
            Value::SinDato | Value::Empty | Value::SinActa | Value::Text(_) => empty = true,
        }
    }
    let (status, observations) = if legible == 0 {
        (
            Contabilizada::No,
            Observations::of(Observation::TodosIlegiblesOSinDato),
        )
    } else if vote_limit.is_some_and(|limit| total > limit) {
        (
            Contabilizada::No,
            Observations::of(Observation::ExcedeListaNominal),
        )
    } else if illegible || empty {
        (
            Contabilizada::Si,
            Observations::of(Observation::AlgunCampoIlegibleOSinDato),
        )
    } else {
        (Contabilizada::Si, Observations::NONE)
    };
    Classification {
        status,
        observations,
        total_votos: Some(total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Value::*;

    #[test]
    fn anexo13_cases() {
        let c = classify(&[Number(3), Number(4)], None, Some(10));
        assert_eq!((c.status, c.total_votos), (Contabilizada::Si, Some(7)));
        assert!(c.observations.is_empty());

        let c = classify(&[Number(3), Ilegible, Dash], None, Some(10));
        assert_eq!(c.status, Contabilizada::Si);
        assert_eq!(
            c.observations.puebla_legend(),
            "ALGUN CAMPO ILEGIBLE O SIN DATO"
        );

        let c = classify(&[Ilegible, SinDato, Dash], None, Some(10));
        assert_eq!((c.status, c.total_votos), (Contabilizada::No, Some(0)));
        assert_eq!(c.observations.puebla_legend(), "TODOS ILEGIBLES O SIN DATO");

        let c = classify(&[Number(8), Ilegible, Number(3)], None, Some(10));
        assert_eq!((c.status, c.total_votos), (Contabilizada::No, Some(11)));
        assert_eq!(c.observations.puebla_legend(), "EXCEDE LISTA NOMINAL");

        let c = classify(
            &[SinActa],
            Some(SinActaReason::PaqueteNoEntregado),
            Some(10),
        );
        assert_eq!((c.status, c.total_votos), (Contabilizada::No, None));
        assert_eq!(
            c.observations.puebla_legend(),
            "SIN ACTA POR PAQUETE NO ENTREGADO"
        );

        // unknown limit: never excede
        assert_eq!(
            classify(&[Number(1000)], None, None).status,
            Contabilizada::Si
        );
    }
}

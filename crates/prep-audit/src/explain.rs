//! Why a recomputed summary field is not the published one: the rows and the rule behind
//! each field, in words.

use prep_count::{Percent4, Rules, SummaryField, SummaryValue, Tally};

/// The rows and rule behind `field`, with what the published value would take.
pub(crate) fn reason(
    field: SummaryField,
    published: Option<SummaryValue>,
    tally: &Tally,
    rules: &Rules,
) -> String {
    let c = &tally.counters;
    let Some(published) = published else {
        return "the published value is not a number".to_owned();
    };
    let count = match published {
        SummaryValue::Count(n) => n,
        SummaryValue::Percent(p) => actas_for(p, c.esperadas),
    };
    let profile = &rules.name;
    use SummaryField as F;
    if let SummaryValue::Percent(p) = published
        && let Some((num, den)) = ratio(field, c)
        && rounded(num, den) == Some(p.0)
    {
        return format!(
            "the published value is {num}/{den} rounded to four decimals, where Anexo 13 truncates it"
        );
    }
    match field {
        F::ActasEsperadas => format!(
            "the rows list {} actas of the catalogue ({} captured, {} not captured); the published value counts {}",
            c.esperadas,
            c.capturadas,
            c.esperadas - c.capturadas,
            difference_in_rows(count, c.esperadas)
        ),
        F::ActasRegistradas => format!(
            "the rows give {} captured + {} fuera de catálogo = {}; the published value counts {}",
            c.capturadas,
            c.fuera_catalogo,
            c.capturadas + c.fuera_catalogo,
            difference_in_rows(count, c.capturadas + c.fuera_catalogo)
        ),
        F::ActasFueraCatalogo => format!(
            "{} rows are fuera de catálogo under profile {profile} ({})",
            c.fuera_catalogo,
            if rules.fuera_catalogo_by_observation {
                "CONTABILIZADA 2 or a FUERA DE CATÁLOGO legend"
            } else {
                "CONTABILIZADA 2"
            }
        ),
        F::PorcentajeActasCapturadas
        | F::PorcentajeActasContabilizadas
        | F::PorcentajeActasInconsistencias => {
            let (num, den) = ratio(field, c).unwrap_or_default();
            format!(
                "{num} of the {den} expected actas in the rows{}; the published percentage stands for about {count} of {den}",
                if field == F::PorcentajeActasInconsistencias {
                    format!(
                        " carry a legend profile {profile} counts as an inconsistency ({})",
                        legend_list(rules)
                    )
                } else {
                    String::new()
                }
            )
        }
        F::ActasCapturadas => format!(
            "{} rows are captured actas of the catalogue, of {} expected; the published value counts {}",
            c.capturadas,
            c.esperadas,
            difference_in_rows(count, c.capturadas)
        ),
        F::ActasContabilizadas => format!(
            "{} rows have CONTABILIZADA 1, of {} expected; the published value counts {}",
            c.contabilizadas,
            c.esperadas,
            difference_in_rows(count, c.contabilizadas)
        ),
        F::ActasNoContabilizadas => format!(
            "{} captured rows of the catalogue have CONTABILIZADA 0; the published value counts {}",
            c.no_contabilizadas,
            difference_in_rows(count, c.no_contabilizadas)
        ),
        F::ListaNominalActasContabilizadas => format!(
            "the sum of LISTA_NOMINAL over the {} counted rows",
            c.contabilizadas
        ),
        F::TotalVotosCCs | F::TotalVotosSCs => format!(
            "the sum of the vote cells of the {} counted rows{}",
            c.contabilizadas,
            if field == F::TotalVotosSCs {
                ", casillas especiales left out"
            } else {
                ""
            }
        ),
        F::PorcentajeParticipacionCiudadana => format!(
            "votes of counted actas ({} with casillas especiales, {} without) over their lista nominal ({})",
            c.votos_c_cs, c.votos_s_cs, c.lista_nominal
        ),
    }
}

/// The legends a profile counts as inconsistencies.
fn legend_list(rules: &Rules) -> String {
    rules
        .inconsistencies
        .iter()
        .map(|o| format!("{o:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The numerator and denominator of a percentage of actas.
fn ratio(field: SummaryField, c: &prep_count::Counters) -> Option<(u64, u64)> {
    use SummaryField as F;
    match field {
        F::PorcentajeActasCapturadas => Some((c.capturadas, c.esperadas)),
        F::PorcentajeActasContabilizadas => Some((c.contabilizadas, c.esperadas)),
        F::PorcentajeActasInconsistencias => Some((c.inconsistencias, c.esperadas)),
        _ => None,
    }
}

/// `num / den` as a percentage with four decimals, rounded half up (in units of 0.0001 %).
fn rounded(num: u64, den: u64) -> Option<u64> {
    if den == 0 {
        return None;
    }
    let scaled = u128::from(num) * 1_000_000;
    let den = u128::from(den);
    u64::try_from((scaled + den / 2) / den).ok()
}

/// How many actas of `esperadas` a truncated percentage stands for (rounded down).
fn actas_for(p: Percent4, esperadas: u64) -> u64 {
    let whole = u128::from(p.whole()) * 10_000 + u128::from(p.decimals());
    let n = whole * u128::from(esperadas) / 1_000_000;
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// `4 actas that are not among the rows`, `3 fewer than the rows`, or `the same`.
fn difference_in_rows(published: u64, rows: u64) -> String {
    match published.cmp(&rows) {
        std::cmp::Ordering::Greater => format!(
            "{published}: {} actas that are not among the rows",
            published - rows
        ),
        std::cmp::Ordering::Less => {
            format!("{published}: {} fewer than the rows give", rows - published)
        }
        std::cmp::Ordering::Equal => format!("{published}, the same"),
    }
}

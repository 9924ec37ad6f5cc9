//! The counting rules of the PREP (INE *Reglamento de Elecciones*, Anexo 13, as the LEEME
//! files spell them out), with integer arithmetic only.
//!
//! Principal types:
//!
//! - [`Rules`]: one rules engine whose institute-specific details are configuration — which
//!   observations count as inconsistencies, which participation base applies before the last
//!   corte ([`ParticipationBase`]), how legends are spelled, how not-captured and fuera de
//!   catálogo rows are marked. Presets: [`Rules::anexo13`] and the TOML profiles of
//!   [`profiles`] (one per institute-year family).
//! - [`classify`]: decides an acta's CONTABILIZADA status, its observation and
//!   TOTAL_VOTOS_CALCULADO from its captured cells and its vote limit ([`Classification`]).
//! - [`ActaFacts`] → [`Tally`]: the counters of a set of actas (expected, captured, counted,
//!   …, votes per column); tallies merge, so every level of aggregation (entidad, distrito,
//!   municipio, sección, casilla) is a map of area → [`Tally`].
//! - [`Summary`] and [`SummaryField`]: the 13 summary fields of a corte, computed from a tally
//!   ([`Tally::summary`]) or parsed from a published file ([`SummaryValue::parse_published`]).
//! - [`Percent4`]: a percentage with four decimals, truncated, never rounded.
//!
//! Three actas of a casilla básica's catalogue: two captured, one not yet. The rules classify
//! each captured acta, the tally counts them, and the summary gives the published fields:
//!
//! ```rust
//! use prep_count::{ActaFacts, CorteStage, Percent4, Rules, Tally, classify};
//! use prep_model::{CasillaType, Contabilizada, Observation, Value};
//!
//! let rules = Rules::anexo13();
//! // Vote cells of two captured actas (two parties and nulos); lista nominal 100 each.
//! let legible = [Value::Number(40), Value::Number(35), Value::Number(5)];
//! let one_illegible = [Value::Number(50), Value::Ilegible, Value::Number(2)];
//! let lista_nominal = 100;
//!
//! let mut tally = Tally::new(3);
//! for votes in [&legible[..], &one_illegible[..]] {
//!     let c = classify(votes, None, Some(lista_nominal));
//!     tally.add(
//!         &ActaFacts {
//!             status: c.status,
//!             casilla_type: CasillaType::Basica,
//!             observations: c.observations,
//!             votes,
//!             lista_nominal,
//!         },
//!         &rules,
//!     );
//! }
//! let c = classify(&one_illegible, None, Some(lista_nominal));
//! assert_eq!(c.status, Contabilizada::Si);
//! assert_eq!(c.total_votos, Some(52));
//! assert!(c.observations.contains(Observation::AlgunCampoIlegibleOSinDato));
//!
//! // The third acta of the catalogue has not arrived.
//! tally.add(
//!     &ActaFacts {
//!         status: Contabilizada::NoCapturada,
//!         casilla_type: CasillaType::Basica,
//!         observations: Default::default(),
//!         votes: &[],
//!         lista_nominal,
//!     },
//!     &rules,
//! );
//!
//! let summary = tally.summary(&rules, CorteStage::Final);
//! assert_eq!(summary.actas_esperadas, 3);
//! assert_eq!(summary.actas_contabilizadas, 2);
//! assert_eq!(summary.total_votos_c_cs, 80 + 52);
//! assert_eq!(summary.porcentaje_actas_capturadas, Percent4::truncated(2, 3));
//! assert_eq!(summary.porcentaje_actas_capturadas.to_string(), "66.6666");
//! assert_eq!(tally.votes, [90, 35, 7]);
//! ```

mod classify;
mod percent;
pub mod profiles;
mod rules;
mod summary;
mod tally;

pub use classify::{Classification, classify};
pub use percent::Percent4;
pub use rules::{CorteStage, Legend, ParticipationBase, Rules};
pub use summary::{Summary, SummaryField, SummaryValue, has_thousands_separators};
pub use tally::{ActaFacts, Counters, Tally, candidacy_totals};

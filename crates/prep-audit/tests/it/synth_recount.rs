//! A recount of any synthetic election equals the summary the generator wrote.

use prep_audit::{RecountOptions, StageChoice, recount};
use prep_count::CorteStage;
use prep_synth::{ElectionId, Synth, SynthConfig};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn recount_of_synth_output_equals_the_summary_synth_wrote(
        seed in any::<u64>(),
        casillas in 1usize..1500,
        captured in 0.0f64..=1.0,
        is_final in any::<bool>(),
        election in prop::sample::select(ElectionId::ALL.to_vec()),
    ) {
        let stage = if is_final { CorteStage::Final } else { CorteStage::Preliminary };
        let config = SynthConfig { seed, casillas, captured, stage, elections: vec![election], ..SynthConfig::new(seed, casillas) };
        let synth = Synth::new(config).expect("valid config");
        let mut bytes = Vec::new();
        let written = synth.write_database(election, &mut bytes, &mut |_, _| {}).expect("write");
        let choice = if is_final { StageChoice::Final } else { StageChoice::Preliminary };
        let r = recount(&bytes, &RecountOptions { stage: choice, ..RecountOptions::default() }).expect("recount");
        prop_assert!(r.malformed.is_empty(), "{:?}", r.malformed);
        prop_assert_eq!(r.summary, written.summary);
        prop_assert!(r.differences.is_empty(), "{:?}", r.differences);
        prop_assert!(r.row_findings.is_empty(), "{:?}", r.row_findings.first());
        prop_assert_eq!(r.rows, written.rows);
    }
}

/// Every vote of a candidacy column lands on exactly one candidacy, whatever the map's scope
/// (one national set, one per entidad, one per district of an entidad).
#[test]
fn candidacy_totals_account_for_every_candidacy_vote() {
    let synth = Synth::new(SynthConfig::new(7, 3000)).expect("config");
    for election in ElectionId::ALL {
        let mut db = Vec::new();
        synth
            .write_database(election, &mut db, &mut |_, _| {})
            .expect("write");
        let mut cand = Vec::new();
        synth
            .write_candidaturas(election, &mut cand)
            .expect("write");
        let map = prep_csv::read_candidaturas(&cand[..]).expect("read candidaturas");
        let options = RecountOptions {
            candidacies: Some(map),
            ..RecountOptions::default()
        };
        let r = recount(&db, &options).expect("recount");
        let by_candidacy: u64 = r.candidacies.iter().map(|c| c.votes).sum();
        let by_column: u64 = r
            .columns_totals
            .iter()
            .filter(|c| !matches!(c.column.as_str(), "NULOS" | "NO_REGISTRADAS"))
            .map(|c| c.votes)
            .sum();
        assert!(by_column > 0);
        assert_eq!(by_candidacy, by_column, "{election:?}");
    }
}

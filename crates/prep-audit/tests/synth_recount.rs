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

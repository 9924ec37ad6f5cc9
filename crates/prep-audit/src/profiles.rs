//! `--rules auto`: the counting profile that reproduces a file's summary.

use crate::{ProfileOutcome, Recount};
use prep_count::Rules;

/// Recounts with each profile in turn (`run` does one recount) until one reads every row
/// and reproduces every published field, and returns that recount; when none does, the
/// closest one (fewest unreadable rows, then fewest differing fields; the earlier profile on
/// a tie). [`Recount::profiles_tried`] lists every profile tried and how it fared. A file
/// the first profile reproduces costs one recount, as without `auto`.
pub fn choose_profile<E>(
    profiles: &[Rules],
    mut run: impl FnMut(&Rules) -> Result<Recount, E>,
) -> Result<Option<Recount>, E> {
    let mut tried = Vec::new();
    let mut best: Option<(Recount, (usize, usize))> = None;
    for rules in profiles {
        let r = run(rules)?;
        let outcome = ProfileOutcome {
            profile: rules.name.clone(),
            differences: r.differences.len(),
            malformed: r.malformed.len(),
        };
        let score = (outcome.malformed, outcome.differences);
        let done = outcome.reproduces();
        tried.push(outcome);
        if best.as_ref().is_none_or(|(_, s)| score < *s) {
            best = Some((r, score));
        }
        if done {
            break;
        }
    }
    Ok(best.map(|(mut r, _)| {
        r.profiles_tried = tried;
        r
    }))
}

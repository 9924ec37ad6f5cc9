//! The 3-period rule, as the calls write it: a difusor that fails to serve the current corte
//! for 3 consecutive update periods is suspended (delivery stops, the institute's notice is
//! shown on its portal, its link is disabled in the public list); it is reinstated once it
//! serves the current corte again, with the notice taken down. Pure: no clock, no I/O.

use serde::{Deserialize, Serialize};

/// The number of consecutive failed periods that suspends a difusor (all five calls).
pub const DEFAULT_PERIODS: u32 = 3;

/// Where a difusor stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Standing {
    /// Serving the current corte (or not yet judged).
    #[default]
    Active,
    /// Failed the last `periods` periods in a row, fewer than the limit.
    Failing {
        /// Consecutive failed periods.
        periods: u32,
    },
    /// Suspended at the end of a period; waits to serve the current corte again.
    Suspended {
        /// The latest corte when it was suspended.
        at_sequence: u64,
    },
}

/// A change of standing the monitor must act upon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Stop delivery, deliver the notice, disable the public link.
    Suspend,
    /// Resume delivery, enable the public link.
    Reinstate,
}

/// What a difusor's public URL showed at one observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The corte its `json/main.json` names; `None` when unreachable or unreadable.
    pub sequence: Option<u64>,
    /// Whether a served file differs from the signed manifest.
    pub violation: bool,
    /// Whether its `json/main.json` still shows the institute's suspension notice.
    pub notice: bool,
}

/// The rule with its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Consecutive failed periods that suspend.
    pub periods: u32,
}

impl Default for Rule {
    fn default() -> Rule {
        Rule {
            periods: DEFAULT_PERIODS,
        }
    }
}

impl Rule {
    /// Judges one period that has ended. `due` is the corte the difusor had to serve by the
    /// period's end (the newest published at least the allowed delay before it; `None` when
    /// none was due yet); `seen` is its last observation in the period. A period fails when
    /// the difusor did not serve `due` (or anything newer), or served a file that differs from
    /// the manifest. A suspended difusor is reinstated only once the notice is down too.
    pub fn end_period(
        &self,
        standing: &mut Standing,
        due: Option<u64>,
        seen: Seen,
    ) -> Option<Transition> {
        let due = due?;
        let ok = seen.sequence.is_some_and(|s| s >= due) && !seen.violation;
        match *standing {
            Standing::Suspended { .. } => {
                if ok && !seen.notice {
                    *standing = Standing::Active;
                    Some(Transition::Reinstate)
                } else {
                    None
                }
            }
            _ if ok => {
                *standing = Standing::Active;
                None
            }
            Standing::Active => self.fail(standing, 1, due),
            Standing::Failing { periods } => self.fail(standing, periods + 1, due),
        }
    }

    /// Judges one observation between period ends: a suspended difusor is reinstated as
    /// soon as it serves `current` (the newest corte) with no violation and no longer shows
    /// the suspension notice.
    pub fn observe(
        &self,
        standing: &mut Standing,
        current: Option<u64>,
        seen: Seen,
    ) -> Option<Transition> {
        if let (Standing::Suspended { .. }, Some(current)) = (*standing, current)
            && seen.sequence.is_some_and(|s| s >= current)
            && !seen.violation
            && !seen.notice
        {
            *standing = Standing::Active;
            return Some(Transition::Reinstate);
        }
        None
    }

    fn fail(&self, standing: &mut Standing, periods: u32, due: u64) -> Option<Transition> {
        if periods >= self.periods {
            *standing = Standing::Suspended { at_sequence: due };
            Some(Transition::Suspend)
        } else {
            *standing = Standing::Failing { periods };
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(sequence: Option<u64>) -> Seen {
        Seen {
            sequence,
            violation: false,
            notice: false,
        }
    }

    #[test]
    fn three_failed_periods_in_a_row_suspend_and_serving_the_current_corte_reinstates() {
        let rule = Rule::default();
        let mut s = Standing::default();
        assert_eq!(rule.end_period(&mut s, Some(1), seen(Some(1))), None);
        assert_eq!(rule.end_period(&mut s, Some(2), seen(Some(1))), None);
        assert_eq!(s, Standing::Failing { periods: 1 });
        assert_eq!(rule.end_period(&mut s, Some(3), seen(None)), None);
        assert_eq!(
            rule.end_period(&mut s, Some(4), seen(Some(3))),
            Some(Transition::Suspend)
        );
        assert_eq!(s, Standing::Suspended { at_sequence: 4 });
        // Still behind: stays suspended, no second suspension.
        assert_eq!(rule.end_period(&mut s, Some(5), seen(Some(4))), None);
        assert_eq!(rule.observe(&mut s, Some(5), seen(Some(4))), None);
        assert_eq!(
            rule.observe(&mut s, Some(5), seen(Some(5))),
            Some(Transition::Reinstate)
        );
        assert_eq!(s, Standing::Active);
    }

    #[test]
    fn a_period_served_in_between_starts_the_count_again() {
        let rule = Rule::default();
        let mut s = Standing::default();
        rule.end_period(&mut s, Some(2), seen(Some(1)));
        rule.end_period(&mut s, Some(3), seen(Some(1)));
        assert_eq!(rule.end_period(&mut s, Some(4), seen(Some(4))), None);
        assert_eq!(s, Standing::Active);
        rule.end_period(&mut s, Some(5), seen(Some(4)));
        rule.end_period(&mut s, Some(6), seen(Some(4)));
        assert_eq!(s, Standing::Failing { periods: 2 });
    }

    #[test]
    fn nothing_due_judges_nothing_and_a_violation_fails_the_period() {
        let rule = Rule { periods: 1 };
        let mut s = Standing::default();
        assert_eq!(rule.end_period(&mut s, None, seen(None)), None);
        assert_eq!(s, Standing::Active);
        let altered = Seen {
            sequence: Some(7),
            violation: true,
            notice: false,
        };
        assert_eq!(
            rule.end_period(&mut s, Some(7), altered),
            Some(Transition::Suspend)
        );
        assert_eq!(
            rule.observe(&mut s, Some(7), altered),
            None,
            "still altered"
        );
        assert_eq!(
            rule.observe(&mut s, Some(7), seen(Some(7))),
            Some(Transition::Reinstate)
        );
    }

    #[test]
    fn a_notice_still_shown_keeps_the_difusor_suspended() {
        let rule = Rule { periods: 1 };
        let mut s = Standing::Suspended { at_sequence: 7 };
        let noticed = Seen {
            notice: true,
            ..seen(Some(7))
        };
        assert_eq!(rule.observe(&mut s, Some(7), noticed), None);
        assert_eq!(rule.end_period(&mut s, Some(7), noticed), None);
        assert_eq!(s, Standing::Suspended { at_sequence: 7 });
        assert_eq!(
            rule.observe(&mut s, Some(7), seen(Some(7))),
            Some(Transition::Reinstate)
        );
        // An active difusor is judged on what it serves, as before.
        assert_eq!(rule.end_period(&mut s, Some(7), noticed), None);
        assert_eq!(s, Standing::Active);
    }

    #[test]
    fn standing_is_written_as_tagged_json() {
        let s = Standing::Suspended { at_sequence: 4 };
        let text = serde_json::to_string(&s).expect("json");
        assert_eq!(text, r#"{"state":"suspended","at_sequence":4}"#);
        assert_eq!(serde_json::from_str::<Standing>(&text).expect("back"), s);
    }
}

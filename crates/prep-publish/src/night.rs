//! The night: a replay feeding the store at the times of a published database
//! ([`Feeder`]), and cortes on schedule ([`run_schedule`]), both on one [`SimClock`].
//!
//! In one process the two are interleaved on one thread: before the corte of time `t`, every
//! event due by `t` is recorded, and none after it, so a corte is exactly the store as of its
//! time whatever the speed.

use crate::clock::SimClock;
use crate::corte::{CorteReport, Publisher};
use crate::source::{ReplayPlan, TimedEvent};
use jiff::Timestamp;
use prep_store::Store;
use std::sync::atomic::AtomicBool;

/// Events recorded per transaction at most.
const BATCH: usize = 5_000;

/// What a replay did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedStats {
    /// Events recorded (new in the store).
    pub appended: usize,
    /// Events the store already had (a replay run again): same answer, nothing written.
    pub repeated: usize,
    /// Events the store refused (conflicts, …).
    pub refused: usize,
    /// Transactions.
    pub batches: usize,
}

/// Feeds a replay plan's events into a store as the clock reaches their times.
pub struct Feeder {
    events: Vec<TimedEvent>,
    next: usize,
    stats: FeedStats,
    /// The first refusals, for the log.
    pub refusals: Vec<String>,
}

impl Feeder {
    /// A feeder of every event of `plans` (merged in time order).
    pub fn new(plans: Vec<ReplayPlan>) -> Feeder {
        let mut events: Vec<TimedEvent> = plans.into_iter().flat_map(|p| p.events).collect();
        events.sort_by_key(|e| e.at);
        Feeder {
            events,
            next: 0,
            stats: FeedStats::default(),
            refusals: Vec::new(),
        }
    }

    /// Events in all.
    pub fn total(&self) -> usize {
        self.events.len()
    }

    /// Events fed so far.
    pub fn done(&self) -> usize {
        self.next
    }

    /// What was recorded so far.
    pub fn stats(&self) -> FeedStats {
        self.stats
    }

    /// The time of the next event, if any is left.
    pub fn next_time(&self) -> Option<Timestamp> {
        self.events.get(self.next).map(|e| e.at)
    }

    /// Records every event due up to `limit` (inclusive), waiting on the clock for each
    /// one's time; the events due at once go in one transaction. Returns false when `stop`
    /// was raised (the events recorded so far stay recorded).
    pub fn feed_until(
        &mut self,
        store: &Store,
        limit: Timestamp,
        clock: &mut SimClock,
        stop: &AtomicBool,
        progress: &mut dyn FnMut(usize, usize),
    ) -> anyhow::Result<bool> {
        while let Some(at) = self.next_time().filter(|&t| t <= limit) {
            if !clock.wait_until(at, stop) {
                return Ok(false);
            }
            // As fast as possible, nothing can look at the store between two events before
            // the limit: record them all in batches. Otherwise, what the clock has reached.
            let due = if clock.is_as_fast_as_possible() {
                limit
            } else {
                clock.now().min(limit)
            };
            let end = self.events[self.next..]
                .iter()
                .take(BATCH)
                .position(|e| e.at > due)
                .map_or((self.next + BATCH).min(self.events.len()), |p| {
                    self.next + p
                });
            let batch: Vec<_> = self.events[self.next..end]
                .iter()
                .map(|e| e.event.clone())
                .collect();
            for r in store.record_batch(&batch)? {
                match r {
                    Ok(rec) if rec.appended => self.stats.appended += 1,
                    Ok(_) => self.stats.repeated += 1,
                    Err(e) => {
                        self.stats.refused += 1;
                        if self.refusals.len() < 20 {
                            self.refusals.push(e.to_string());
                        }
                    }
                }
            }
            self.stats.batches += 1;
            if let Some(last) = self.events.get(end.saturating_sub(1)) {
                clock.wait_until(last.at, stop);
            }
            self.next = end;
            progress(self.next, self.events.len());
        }
        Ok(true)
    }
}

/// Cuts the cortes of `times` (the last one final) as the clock reaches each; with a
/// feeder, first records the events due by each corte's time. A corte time the clock has
/// already passed by the next one's is skipped (logged), except the final one. Returns
/// when every corte is cut, or when `stop` is raised (never in the middle of a corte).
pub fn run_schedule(
    publisher: &mut Publisher,
    store: &Store,
    times: &[Timestamp],
    clock: &mut SimClock,
    mut feeder: Option<&mut Feeder>,
    stop: &AtomicBool,
    log: &mut dyn FnMut(NightEvent<'_>),
) -> anyhow::Result<Vec<CorteReport>> {
    let mut reports = Vec::new();
    for (i, &t) in times.iter().enumerate() {
        let is_final = i + 1 == times.len();
        if let Some(f) = feeder.as_deref_mut() {
            let mut progress = |done, total| log(NightEvent::Fed { done, total });
            if !f.feed_until(store, t, clock, stop, &mut progress)? {
                break;
            }
        }
        if !clock.wait_until(t, stop) {
            break;
        }
        if !is_final && times.get(i + 1).is_some_and(|&next| clock.now() >= next) {
            log(NightEvent::Skipped {
                corte: publisher.corte_line(t),
            });
            continue;
        }
        let report = publisher.cut(store, t, is_final)?;
        log(NightEvent::Corte(&report));
        reports.push(report);
    }
    Ok(reports)
}

/// What the night reports as it goes.
#[derive(Debug)]
pub enum NightEvent<'a> {
    /// Events fed so far, of all.
    Fed {
        /// Fed.
        done: usize,
        /// In all.
        total: usize,
    },
    /// A corte cut.
    Corte(&'a CorteReport),
    /// A corte time skipped: the clock had passed the next one before it could be cut.
    Skipped {
        /// Its corte line.
        corte: String,
    },
}

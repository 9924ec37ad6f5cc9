//! [`Figures`]: the report's numbers, computed from a merged [`Tally`], every table
//! serialisable to CSV and JSON.

use crate::format::LineError;
use crate::incidents::Incident;
use crate::logtime::civil_from_days;
use crate::period::Period;
use crate::tally::{FastMap, Spec, Tally};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A new visit starts after this many seconds without a page view (30 minutes).
pub const VISIT_GAP_SECS: i64 = 30 * 60;
/// How many rows the top tables keep.
pub const TOP_N: usize = 20;
/// A silence in the access log longer than this (seconds) during the election is listed.
pub const SILENCE_SECS: i64 = 5 * 60;

/// The headline figures.
#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// Lines read, counted or not.
    pub lines: u64,
    /// Every counted request (hits).
    pub hits: u64,
    /// Lines not counted (malformed).
    pub malformed: u64,
    /// Page views by people.
    pub pages: u64,
    /// Visits.
    pub visits: u64,
    /// Unique visitors (address + user agent + day), as GoAccess counts them.
    pub unique_visitors: u64,
    /// Of those, crawlers.
    pub crawler_visitors: u64,
    /// Requests by crawlers.
    pub crawler_hits: u64,
    /// Response bytes.
    pub bytes: u64,
    /// Requests answered 404.
    pub not_found: u64,
}

/// One day.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    /// `2024-06-02`, as written in the log.
    pub date: String,
    /// Requests.
    pub hits: u64,
    /// Page views.
    pub pages: u64,
    /// Visits starting that day.
    pub visits: u64,
    /// Unique visitors.
    pub unique_visitors: u64,
    /// Bytes.
    pub bytes: u64,
    /// 404s.
    pub not_found: u64,
    /// Crawler requests.
    pub crawler_hits: u64,
}

/// One hour.
#[derive(Debug, Clone, Serialize)]
pub struct HourRow {
    /// `2024-06-02 20:00`, as written in the log.
    pub hour: String,
    /// Requests.
    pub hits: u64,
    /// Page views.
    pub pages: u64,
    /// Bytes.
    pub bytes: u64,
}

/// A count of something named.
#[derive(Debug, Clone, Serialize)]
pub struct CountRow {
    /// The thing (a path, a referrer, a status class...).
    pub item: String,
    /// How many requests.
    pub hits: u64,
}

/// The busiest second or minute.
#[derive(Debug, Clone, Serialize)]
pub struct Peak {
    /// When it began, in the election period's offset.
    pub at: String,
    /// Requests in it.
    pub requests: u64,
}

/// A period's totals.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodRow {
    /// `Elección` or `Referencia`.
    pub period: String,
    /// Start.
    pub from: String,
    /// End (excluded).
    pub to: String,
    /// Length in days.
    pub days: f64,
    /// Requests.
    pub hits: u64,
    /// Page views.
    pub pages: u64,
    /// Visits starting in it.
    pub visits: u64,
    /// Unique visitors (per day, summed).
    pub unique_visitors: u64,
    /// Bytes.
    pub bytes: u64,
    /// Crawler requests.
    pub crawler_hits: u64,
}

/// A figure per day in the election and the baseline, and their ratio.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// The figure (Spanish).
    pub figure: String,
    /// Daily average during the election.
    pub election_per_day: f64,
    /// Daily average during the baseline.
    pub baseline_per_day: f64,
    /// election / baseline (none when the baseline is 0).
    pub ratio: Option<f64>,
}

/// A malformed line shown in the report.
#[derive(Debug, Clone, Serialize)]
pub struct SampleRow {
    /// The file.
    pub file: String,
    /// Line number, from 1.
    pub line: u64,
    /// Why (Spanish).
    pub reason: String,
    /// The line.
    pub text: String,
}

/// A silence in the access log during the election.
#[derive(Debug, Clone, Serialize)]
pub struct SilenceRow {
    /// Last request before it.
    pub from: String,
    /// First request after it.
    pub to: String,
    /// Seconds.
    pub seconds: i64,
}

/// An incident, with its time written out.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentRow {
    /// When.
    pub time: String,
    /// What (Spanish).
    pub kind: String,
    /// Details.
    pub detail: String,
    /// Seconds, when known.
    pub duration_secs: Option<i64>,
    /// `sí` or `no`.
    pub affected_publication: String,
}

/// Every figure of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Headline figures.
    pub totals: Totals,
    /// Per day.
    pub days: Vec<DayRow>,
    /// Per hour.
    pub hours: Vec<HourRow>,
    /// Requests per status class (1xx–5xx).
    pub status_classes: Vec<CountRow>,
    /// Requests per status code.
    pub status_codes: Vec<CountRow>,
    /// The busiest second.
    pub peak_second: Option<Peak>,
    /// The busiest minute.
    pub peak_minute: Option<Peak>,
    /// Election and baseline totals.
    pub periods: Vec<PeriodRow>,
    /// Daily averages side by side.
    pub comparison: Vec<ComparisonRow>,
    /// Most viewed pages.
    pub top_pages: Vec<CountRow>,
    /// Most frequent referrers.
    pub top_referrers: Vec<CountRow>,
    /// Busiest crawlers (by user agent).
    pub top_crawlers: Vec<CountRow>,
    /// Most requested missing paths.
    pub top_not_found: Vec<CountRow>,
    /// Malformed lines per reason.
    pub malformed: Vec<CountRow>,
    /// Some malformed lines.
    pub malformed_samples: Vec<SampleRow>,
    /// Silences in the access log during the election.
    pub silences: Vec<SilenceRow>,
    /// Incidents from the node's event log.
    pub incidents: Vec<IncidentRow>,
    /// The hours (as in [`HourRow::hour`]) with a request in the election period.
    pub election_hours: Vec<String>,
}

fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn top(map: &FastMap<Box<[u8]>, u64>) -> Vec<CountRow> {
    let mut rows: Vec<(&Box<[u8]>, &u64)> = map.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    rows.into_iter()
        .take(TOP_N)
        .map(|(k, v)| CountRow {
            item: String::from_utf8_lossy(k).chars().take(200).collect(),
            hits: *v,
        })
        .collect()
}

fn peak(per: &BTreeMap<i64, u64>, width: i64, period: &Period) -> Option<Peak> {
    let (at, n) = per
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
    Some(Peak {
        at: period.show(at * width),
        requests: *n,
    })
}

impl Figures {
    /// Computes the figures. `files` names the inputs (for the samples' positions).
    pub fn compute(
        tally: &Tally,
        spec: &Spec,
        files: &[PathBuf],
        incidents: &[Incident],
    ) -> Figures {
        let periods = [spec.election, spec.baseline];
        let visits = Visits::of(tally, &periods);
        let (hours, election_hours) = hour_rows(tally);
        let (status_classes, status_codes) = status_rows(tally);
        let (per_second, per_minute) = per_second_and_minute(tally);
        let period_rows = period_rows(tally, &periods, &visits.per_period);
        let (malformed_total, malformed) = malformed_rows(tally);
        Figures {
            totals: Totals {
                lines: tally.lines,
                hits: tally.totals.hits,
                malformed: malformed_total,
                pages: tally.totals.pages,
                visits: visits.total,
                unique_visitors: tally.visitors.len() as u64,
                crawler_visitors: tally.crawler_visitors.len() as u64,
                crawler_hits: tally.totals.crawler_hits,
                bytes: tally.totals.bytes,
                not_found: tally.totals.not_found,
            },
            days: day_rows(tally, &visits.per_day),
            hours,
            status_classes,
            status_codes,
            peak_second: peak(&per_second, 1, &spec.election),
            peak_minute: peak(&per_minute, 60, &spec.election),
            comparison: comparison(&period_rows),
            periods: period_rows,
            top_pages: top(&tally.top_pages),
            top_referrers: top(&tally.top_referrers),
            top_crawlers: top(&tally.crawlers),
            top_not_found: top(&tally.not_found_paths),
            malformed,
            malformed_samples: samples(tally, files),
            silences: silences(&per_second, &spec.election),
            incidents: incident_rows(incidents, &spec.election),
            election_hours,
        }
    }
}

/// Visits: each human visitor's page views in time order, cut at gaps over 30 minutes.
struct Visits {
    /// Every visit.
    total: u64,
    /// Visits by the day they start.
    per_day: BTreeMap<i32, u64>,
    /// Visits starting in the election and in the baseline.
    per_period: [u64; 2],
}

impl Visits {
    fn of(tally: &Tally, periods: &[Period; 2]) -> Visits {
        let mut out = Visits {
            total: 0,
            per_day: BTreeMap::new(),
            per_period: [0; 2],
        };
        for views in tally.page_views.values() {
            let mut views = views.clone();
            views.sort_unstable();
            let mut last: Option<i64> = None;
            for (t, day) in views {
                if last.is_none_or(|l| t - l > VISIT_GAP_SECS) {
                    out.total += 1;
                    *out.per_day.entry(day).or_default() += 1;
                    for (i, p) in periods.iter().enumerate() {
                        if p.contains(t) {
                            out.per_period[i] += 1;
                        }
                    }
                }
                last = Some(t);
            }
        }
        out
    }
}

/// One row per day, in order.
fn day_rows(tally: &Tally, visits_per_day: &BTreeMap<i32, u64>) -> Vec<DayRow> {
    let mut visitors_per_day: BTreeMap<i32, u64> = BTreeMap::new();
    for (day, _) in &tally.visitors {
        *visitors_per_day.entry(*day).or_default() += 1;
    }
    let mut days: Vec<(&i32, &crate::tally::Bucket)> = tally.days.iter().collect();
    days.sort_by_key(|(d, _)| **d);
    days.into_iter()
        .map(|(d, b)| DayRow {
            date: date(i64::from(*d)),
            hits: b.hits,
            pages: b.pages,
            visits: visits_per_day.get(d).copied().unwrap_or(0),
            unique_visitors: visitors_per_day.get(d).copied().unwrap_or(0),
            bytes: b.bytes,
            not_found: b.not_found,
            crawler_hits: b.crawler_hits,
        })
        .collect()
}

/// One row per hour, in order, and the hours of the election period with a request.
fn hour_rows(tally: &Tally) -> (Vec<HourRow>, Vec<String>) {
    let hour_label = |h: i64| format!("{} {:02}:00", date(h.div_euclid(24)), h.rem_euclid(24));
    let election_hours = tally
        .election_hours
        .iter()
        .map(|h| hour_label(*h))
        .collect();
    let mut hours: Vec<(&i64, &crate::tally::Bucket)> = tally.hours.iter().collect();
    hours.sort_by_key(|(h, _)| **h);
    let hours = hours
        .into_iter()
        .map(|(h, b)| HourRow {
            hour: hour_label(*h),
            hits: b.hits,
            pages: b.pages,
            bytes: b.bytes,
        })
        .collect();
    (hours, election_hours)
}

/// Requests per status class (`1xx` to `5xx`) and per status code.
fn status_rows(tally: &Tally) -> (Vec<CountRow>, Vec<CountRow>) {
    let mut classes = [0u64; 5];
    for (code, n) in &tally.status {
        classes[usize::from(code / 100 - 1).min(4)] += n;
    }
    let status_classes = classes
        .iter()
        .enumerate()
        .map(|(i, n)| CountRow {
            item: format!("{}xx", i + 1),
            hits: *n,
        })
        .collect();
    let status_codes = tally
        .status
        .iter()
        .map(|(c, n)| CountRow {
            item: c.to_string(),
            hits: *n,
        })
        .collect();
    (status_classes, status_codes)
}

/// Requests per second and per minute, in order.
fn per_second_and_minute(tally: &Tally) -> (BTreeMap<i64, u64>, BTreeMap<i64, u64>) {
    let per_second: BTreeMap<i64, u64> = tally
        .per_second
        .iter()
        .map(|(k, v)| (*k, u64::from(*v)))
        .collect();
    let mut per_minute: BTreeMap<i64, u64> = BTreeMap::new();
    for (s, n) in &per_second {
        *per_minute.entry(s.div_euclid(60)).or_default() += n;
    }
    (per_second, per_minute)
}

/// The silences of the access log during the election: more than [`SILENCE_SECS`] between
/// two seconds with a request.
fn silences(per_second: &BTreeMap<i64, u64>, election: &Period) -> Vec<SilenceRow> {
    let mut silences = Vec::new();
    let mut prev: Option<i64> = None;
    for s in per_second.keys().filter(|s| election.contains(**s)) {
        if let Some(p) = prev
            && s - p > SILENCE_SECS
        {
            silences.push(SilenceRow {
                from: election.show(p),
                to: election.show(*s),
                seconds: s - p,
            });
        }
        prev = Some(*s);
    }
    silences
}

/// The election's and the baseline's totals.
fn period_rows(tally: &Tally, periods: &[Period; 2], visits: &[u64; 2]) -> Vec<PeriodRow> {
    let labels = ["Elección", "Referencia"];
    periods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let t = &tally.periods[i];
            PeriodRow {
                period: labels[i].into(),
                from: p.show(p.from),
                to: p.show(p.to),
                days: p.days(),
                hits: t.totals.hits,
                pages: t.totals.pages,
                visits: visits[i],
                unique_visitors: t.visitors.len() as u64,
                bytes: t.totals.bytes,
                crawler_hits: t.totals.crawler_hits,
            }
        })
        .collect()
}

/// The election's daily figures against the baseline's (`periods`: election, baseline).
fn comparison(periods: &[PeriodRow]) -> Vec<ComparisonRow> {
    let (e, b) = (&periods[0], &periods[1]);
    [
        ("Visitas", e.visits, b.visits),
        ("Páginas", e.pages, b.pages),
        ("Hits (solicitudes)", e.hits, b.hits),
        ("Visitantes únicos", e.unique_visitors, b.unique_visitors),
        ("Bytes enviados", e.bytes, b.bytes),
    ]
    .into_iter()
    .map(|(name, ev, bv)| {
        let (epd, bpd) = (ev as f64 / e.days, bv as f64 / b.days);
        ComparisonRow {
            figure: name.into(),
            election_per_day: epd,
            baseline_per_day: bpd,
            ratio: (bpd > 0.0).then(|| epd / bpd),
        }
    })
    .collect()
}

/// Malformed lines in all, and per reason.
fn malformed_rows(tally: &Tally) -> (u64, Vec<CountRow>) {
    let total = tally.malformed.values().sum();
    let rows = tally
        .malformed
        .iter()
        .map(|(r, n)| CountRow {
            item: r.label_es().into(),
            hits: *n,
        })
        .collect();
    (total, rows)
}

/// The incidents as the report shows them, times in the election period's offset.
fn incident_rows(incidents: &[Incident], election: &Period) -> Vec<IncidentRow> {
    incidents
        .iter()
        .map(|i| IncidentRow {
            time: election.show(i.time),
            kind: i.kind.clone(),
            detail: i.detail.clone(),
            duration_secs: i.duration_secs,
            affected_publication: if i.affected_publication { "sí" } else { "no" }.into(),
        })
        .collect()
}

fn samples(tally: &Tally, files: &[PathBuf]) -> Vec<SampleRow> {
    let mut chunk_lines = tally.chunk_lines.clone();
    chunk_lines.sort_unstable();
    let mut before: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let mut running: BTreeMap<usize, u64> = BTreeMap::new();
    for (file, chunk, lines) in chunk_lines {
        let r = running.entry(file).or_default();
        before.insert((file, chunk), *r);
        *r += lines;
    }
    let mut samples = tally.samples.clone();
    samples.sort();
    samples
        .into_iter()
        .take(crate::tally::MAX_SAMPLES)
        .map(|s| SampleRow {
            file: files
                .get(s.file)
                .map_or_else(String::new, |p| p.display().to_string()),
            line: before.get(&(s.file, s.chunk)).copied().unwrap_or(0) + s.line_in_chunk + 1,
            reason: LineError::label_es(s.reason).into(),
            text: s.text,
        })
        .collect()
}

//! [`Tally`]: the running counts of one or more log chunks, mergeable in any order, so that
//! files and chunks can be read in parallel and rotated sets in any order.

use crate::classify::{Classifier, is_success_for_pages};
use crate::format::{LineError, LogFormat};
use crate::period::Period;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;

/// A fast, fixed-seed hasher (foldhash): the same key hashes alike in every worker.
pub type Hasher = foldhash::fast::FixedState;
/// A hash map with the fast fixed hasher.
pub type FastMap<K, V> = HashMap<K, V, Hasher>;
/// A hash set with the fast fixed hasher.
pub type FastSet<K> = HashSet<K, Hasher>;

/// How many malformed lines each worker keeps as samples.
pub const MAX_SAMPLES: usize = 40;

/// What a tally needs to know: the format, the classification rules and the two periods.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The access log's format.
    pub format: LogFormat,
    /// Pages versus assets, people versus crawlers.
    pub classifier: Classifier,
    /// The election period (jornada electoral and PREP).
    pub election: Period,
    /// The portal's normal traffic, to compare with.
    pub baseline: Period,
}

/// Hits, pages, bytes and errors of one hour or day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Bucket {
    /// Every request.
    pub hits: u64,
    /// Page views by people.
    pub pages: u64,
    /// Response bytes.
    pub bytes: u64,
    /// Requests by crawlers.
    pub crawler_hits: u64,
    /// Requests answered 404.
    pub not_found: u64,
}

impl Bucket {
    fn add(&mut self, o: &Bucket) {
        self.hits += o.hits;
        self.pages += o.pages;
        self.bytes += o.bytes;
        self.crawler_hits += o.crawler_hits;
        self.not_found += o.not_found;
    }
}

/// The counts of one period (election or baseline).
#[derive(Debug, Clone, Default)]
pub struct PeriodTally {
    /// Hits, pages, bytes of the period.
    pub totals: Bucket,
    /// Unique visitors (day, visitor key) with a non-4xx request in the period.
    pub visitors: FastSet<(i32, u64)>,
}

/// A malformed line kept to show in the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sample {
    /// Index of the file in the input list.
    pub file: usize,
    /// Index of the chunk within the file.
    pub chunk: usize,
    /// Line number within the chunk (from 0).
    pub line_in_chunk: u64,
    /// Why it was not counted.
    pub reason: LineError,
    /// The line (lossy UTF-8, cut to 300 characters).
    pub text: String,
}

/// The running counts.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Lines read (counted or not; empty lines excluded).
    pub lines: u64,
    /// Totals of every counted line.
    pub totals: Bucket,
    /// Requests per HTTP status.
    pub status: BTreeMap<u16, u64>,
    /// Per calendar day as written in the log (days since 1970-01-01).
    pub days: FastMap<i32, Bucket>,
    /// Per hour as written in the log (hours since 1970-01-01 00:00).
    pub hours: FastMap<i64, Bucket>,
    /// Requests per second (Unix seconds), for the peaks.
    pub per_second: FastMap<i64, u32>,
    /// Unique visitors as GoAccess counts them: (day, hash of address and user agent), for
    /// requests not answered 4xx.
    pub visitors: FastSet<(i32, u64)>,
    /// Of those, crawlers'.
    pub crawler_visitors: FastSet<(i32, u64)>,
    /// [election, baseline].
    pub periods: [PeriodTally; 2],
    /// Hours (as written) with a request in the election period.
    pub election_hours: std::collections::BTreeSet<i64>,
    /// Page views of each human visitor (hash of address and user agent): (Unix time, day).
    pub page_views: FastMap<u64, Vec<(i64, i32)>>,
    /// Page views per path.
    pub top_pages: FastMap<Box<[u8]>, u64>,
    /// Requests per referrer (none and `-` left out).
    pub top_referrers: FastMap<Box<[u8]>, u64>,
    /// Requests per crawler user agent.
    pub crawlers: FastMap<Box<[u8]>, u64>,
    /// 404s per path.
    pub not_found_paths: FastMap<Box<[u8]>, u64>,
    /// Lines not counted, per reason.
    pub malformed: BTreeMap<LineError, u64>,
    /// Some of them.
    pub samples: Vec<Sample>,
    /// Lines per (file, chunk), to turn sample positions into line numbers.
    pub chunk_lines: Vec<(usize, usize, u64)>,
}

fn bump(map: &mut FastMap<Box<[u8]>, u64>, key: &[u8], n: u64) {
    if let Some(v) = map.get_mut(key) {
        *v += n;
    } else {
        map.insert(key.into(), n);
    }
}

/// Per-line state that makes time-ordered logs cheap: the current second, hour and day are
/// counted locally and flushed to the maps when they change.
struct Runs {
    second: Option<(i64, u32)>,
    hour: Option<(i64, Bucket)>,
    day: Option<(i32, Bucket)>,
    crawler_cache: FastMap<u64, bool>,
    last_visitor: Option<(i32, u64)>,
}

impl Tally {
    /// Counts every line of `chunk` (a run of whole lines) from file `file`.
    pub fn add_chunk(&mut self, spec: &Spec, file: usize, chunk: usize, data: &[u8]) {
        let hasher = Hasher::with_seed(0x5052_4550);
        let mut runs = Runs {
            second: None,
            hour: None,
            day: None,
            crawler_cache: FastMap::default(),
            last_visitor: None,
        };
        let mut line_no = 0u64;
        for raw in data.split(|&b| b == b'\n') {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            let this = line_no;
            line_no += 1;
            if line.is_empty() {
                continue;
            }
            self.lines += 1;
            let entry = match spec.format.parse(line) {
                Ok(e) => e,
                Err(reason) => {
                    *self.malformed.entry(reason).or_default() += 1;
                    if self.samples.len() < MAX_SAMPLES {
                        let text: String =
                            String::from_utf8_lossy(line).chars().take(300).collect();
                        self.samples.push(Sample {
                            file,
                            chunk,
                            line_in_chunk: this,
                            reason,
                            text,
                        });
                    }
                    continue;
                }
            };
            let unix = entry.time.unix();
            let day = entry.time.local_day();
            let hour = entry.time.local_hour();
            let ua_hash = hasher.hash_one(entry.user_agent);
            let crawler = *runs
                .crawler_cache
                .entry(ua_hash)
                .or_insert_with(|| spec.classifier.is_crawler(entry.user_agent));
            let visitor = hasher.hash_one((entry.addr, ua_hash));
            let path = entry.path();
            let page = !crawler
                && is_success_for_pages(entry.status)
                && spec.classifier.is_page_path(path);
            let not_found = entry.status == 404;
            let b = Bucket {
                hits: 1,
                pages: u64::from(page),
                bytes: entry.bytes,
                crawler_hits: u64::from(crawler),
                not_found: u64::from(not_found),
            };
            self.totals.add(&b);
            *self.status.entry(entry.status).or_default() += 1;
            match &mut runs.second {
                Some((s, n)) if *s == unix => *n += 1,
                slot => {
                    if let Some((s, n)) = slot.take() {
                        *self.per_second.entry(s).or_default() += n;
                    }
                    *slot = Some((unix, 1));
                }
            }
            match &mut runs.hour {
                Some((h, acc)) if *h == hour => acc.add(&b),
                slot => {
                    if let Some((h, acc)) = slot.take() {
                        self.hours.entry(h).or_default().add(&acc);
                    }
                    *slot = Some((hour, b));
                }
            }
            match &mut runs.day {
                Some((d, acc)) if *d == day => acc.add(&b),
                slot => {
                    if let Some((d, acc)) = slot.take() {
                        self.days.entry(d).or_default().add(&acc);
                    }
                    *slot = Some((day, b));
                }
            }
            let counts_as_visitor = !(400..500).contains(&entry.status);
            let key = (day, visitor);
            if counts_as_visitor && runs.last_visitor != Some(key) {
                runs.last_visitor = Some(key);
                if self.visitors.insert(key) && crawler {
                    self.crawler_visitors.insert(key);
                }
            }
            for (i, period) in [spec.election, spec.baseline].iter().enumerate() {
                if period.contains(unix) {
                    if i == 0 {
                        self.election_hours.insert(hour);
                    }
                    let p = &mut self.periods[i];
                    p.totals.add(&b);
                    if counts_as_visitor {
                        p.visitors.insert(key);
                    }
                }
            }
            if page {
                self.page_views
                    .entry(visitor)
                    .or_default()
                    .push((unix, day));
                bump(&mut self.top_pages, path, 1);
            }
            if !entry.referer.is_empty() && entry.referer != b"-" {
                bump(&mut self.top_referrers, entry.referer, 1);
            }
            if crawler {
                bump(&mut self.crawlers, entry.user_agent, 1);
            }
            if not_found {
                bump(&mut self.not_found_paths, path, 1);
            }
        }
        if let Some((s, n)) = runs.second {
            *self.per_second.entry(s).or_default() += n;
        }
        if let Some((h, acc)) = runs.hour {
            self.hours.entry(h).or_default().add(&acc);
        }
        if let Some((d, acc)) = runs.day {
            self.days.entry(d).or_default().add(&acc);
        }
        // A chunk that ends with a newline yields one empty piece after it: not a line.
        let lines = if data.ends_with(b"\n") {
            line_no - 1
        } else {
            line_no
        };
        self.chunk_lines.push((file, chunk, lines));
    }

    /// Adds another tally's counts to this one.
    pub fn merge(&mut self, other: Tally) {
        self.lines += other.lines;
        self.totals.add(&other.totals);
        for (k, v) in other.status {
            *self.status.entry(k).or_default() += v;
        }
        for (k, v) in other.days {
            self.days.entry(k).or_default().add(&v);
        }
        for (k, v) in other.hours {
            self.hours.entry(k).or_default().add(&v);
        }
        for (k, v) in other.per_second {
            *self.per_second.entry(k).or_default() += v;
        }
        self.visitors.extend(other.visitors);
        self.crawler_visitors.extend(other.crawler_visitors);
        self.election_hours.extend(other.election_hours);
        for (mine, theirs) in self.periods.iter_mut().zip(other.periods) {
            mine.totals.add(&theirs.totals);
            mine.visitors.extend(theirs.visitors);
        }
        for (k, mut v) in other.page_views {
            self.page_views.entry(k).or_default().append(&mut v);
        }
        for (mine, theirs) in [
            (&mut self.top_pages, other.top_pages),
            (&mut self.top_referrers, other.top_referrers),
            (&mut self.crawlers, other.crawlers),
            (&mut self.not_found_paths, other.not_found_paths),
        ] {
            for (k, v) in theirs {
                *mine.entry(k).or_default() += v;
            }
        }
        for (k, v) in other.malformed {
            *self.malformed.entry(k).or_default() += v;
        }
        self.samples.extend(other.samples);
        self.chunk_lines.extend(other.chunk_lines);
    }
}

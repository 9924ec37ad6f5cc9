//! A deterministic, realistic access-log generator (combined format) for tests and
//! benchmarks: many visitors with browser user agents, crawlers, assets, 404s and a few 5xx,
//! a daily rhythm, and an election-night peak. Same seed, same bytes.
//!
//! The log covers eight days, 2024-05-27 to 2024-06-03 (offset -06:00); the election night
//! runs from 2024-06-02 18:00 to 2024-06-03 06:00 with a peak at 20:00–23:00, so
//! [`ELECTION`] and [`BASELINE`] suit it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;

/// The election period of generated logs.
pub const ELECTION: &str = "2024-06-02T18:00:00-06:00..2024-06-03T18:00:00-06:00";
/// The baseline period of generated logs (the five days before).
pub const BASELINE: &str = "2024-05-27T00:00:00-06:00..2024-06-01T00:00:00-06:00";

/// 2024-05-27 00:00 -06:00, in local seconds since the epoch.
const START_LOCAL: i64 = 19_870 * 86_400;
const MINUTES: usize = 8 * 24 * 60;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.113 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; moto g(60)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
];
const CRAWLERS: &[&str] = &[
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
];
const PAGES: &[(&str, u64)] = &[
    ("/", 18_000),
    ("/index.html", 18_000),
    ("/json/main.json", 900),
    ("/json/gubernatura/entidad.json", 42_000),
    ("/json/ayuntamientos/puebla.json", 31_000),
    ("/json/diputaciones/distrito-01.json", 12_000),
    ("/gubernatura/", 17_500),
    ("/ayuntamientos/", 16_800),
    ("/descargas/base-de-datos.html", 9_000),
    ("/csv/PUE_GUB_2024.zip", 4_800_000),
];
const ASSETS: &[(&str, u64)] = &[
    ("/assets/app.js", 96_000),
    ("/assets/style.css", 24_000),
    ("/img/logo.svg", 6_000),
    ("/favicon.ico", 1_150),
];
const MISSING: &[&str] = &[
    "/wp-login.php",
    "/json/old/main.json",
    "/.env",
    "/resultados2018/",
    "/apple-touch-icon.png",
];
const REFERRERS: &[&str] = &[
    "https://www.google.com/",
    "https://www.facebook.com/",
    "https://t.co/",
    "https://www.periodico.example.mx/elecciones-2024",
];

/// Minute weights: a daily rhythm (low at night) and, on election night, a peak.
fn minute_weights() -> Vec<f64> {
    (0..MINUTES)
        .map(|m| {
            let day = m / 1440;
            let hour = (m % 1440) as f64 / 60.0;
            let daily = 0.25 + (-(hour - 13.0).powi(2) / 18.0).exp();
            let night = m as f64 / 60.0 - (6.0 * 24.0 + 18.0); // hours since 2024-06-02 18:00
            let election = if (0.0..36.0).contains(&night) {
                6.0 + 60.0 * (-(night - 3.5).powi(2) / 4.0).exp()
            } else if day == 6 {
                2.0
            } else {
                0.0
            };
            daily + election
        })
        .collect()
}

fn ip_of(visitor: u32) -> String {
    let h = visitor.wrapping_mul(2_654_435_761);
    let first = [187, 189, 201, 148, 177, 200][(visitor % 6) as usize];
    format!(
        "{first}.{}.{}.{}",
        (h >> 24) & 0xff,
        (h >> 16) & 0xff,
        ((h >> 8) & 0xfd) + 1
    )
}

/// Writes `lines` log lines to `out`.
pub fn generate(lines: u64, seed: u64, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let weights = minute_weights();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut sum = 0.0;
    for w in &weights {
        sum += w;
        cumulative.push(sum);
    }
    // Seconds since the start for every line, sorted: a log is written in time order.
    let mut times: Vec<u32> = (0..lines)
        .map(|_| {
            let x = rng.random::<f64>() * sum;
            let minute = cumulative.partition_point(|c| *c < x).min(MINUTES - 1);
            (minute * 60) as u32 + rng.random_range(0..60)
        })
        .collect();
    times.sort_unstable();
    let visitors = (lines / 12).max(50) as u32;
    let mut line = String::with_capacity(400);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    for t in times {
        let local = START_LOCAL + i64::from(t);
        let (y, mo, d) = crate::logtime::civil_from_days(local.div_euclid(86_400));
        let s = local.rem_euclid(86_400);
        let crawler = rng.random_bool(0.04);
        let (ip, ua) = if crawler {
            let c = rng.random_range(0..CRAWLERS.len());
            (
                format!("66.249.{}.{}", 64 + c, rng.random_range(1..20)),
                CRAWLERS[c],
            )
        } else {
            // Skewed: a few visitors come back often, most seldom.
            let v = (f64::from(visitors) * rng.random::<f64>().powi(2)) as u32;
            (
                ip_of(v),
                BROWSERS[(v as usize * 7 + v as usize / 5) % BROWSERS.len()],
            )
        };
        let roll = rng.random::<f64>();
        let (path, status, bytes): (String, u16, u64) = if roll < 0.03 {
            (MISSING[rng.random_range(0..MISSING.len())].into(), 404, 153)
        } else if roll < 0.033 {
            (
                "/json/main.json".into(),
                if rng.random_bool(0.5) { 500 } else { 503 },
                0,
            )
        } else if roll < 0.50 {
            let (p, b) = PAGES[rng.random_range(0..PAGES.len())];
            let fresh = rng.random_bool(0.8);
            let query = if p.ends_with(".json") && rng.random_bool(0.3) {
                format!("?t={t}")
            } else {
                String::new()
            };
            (
                format!("{p}{query}"),
                if fresh { 200 } else { 304 },
                if fresh {
                    b + rng.random_range(0..500)
                } else {
                    0
                },
            )
        } else {
            let (p, b) = ASSETS[rng.random_range(0..ASSETS.len())];
            let fresh = rng.random_bool(0.4);
            (
                p.into(),
                if fresh { 200 } else { 304 },
                if fresh { b } else { 0 },
            )
        };
        let method = if rng.random_bool(0.01) { "HEAD" } else { "GET" };
        let referer = if rng.random_bool(0.7) {
            "-"
        } else {
            REFERRERS[rng.random_range(0..REFERRERS.len())]
        };
        line.clear();
        use std::fmt::Write as _;
        let _ = writeln!(
            line,
            "{ip} - - [{d:02}/{}/{y:04}:{:02}:{:02}:{:02} -0600] \"{method} {path} HTTP/1.1\" {status} {bytes} \"{referer}\" \"{ua}\"",
            MONTHS[(mo - 1) as usize],
            s / 3600,
            s % 3600 / 60,
            s % 60
        );
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_log_and_every_line_parses() {
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        generate(2_000, 7, &mut a).expect("writes");
        generate(2_000, 7, &mut b).expect("writes");
        generate(2_000, 8, &mut c).expect("writes");
        assert_eq!(a, b);
        assert_ne!(a, c);
        let f = crate::format::LogFormat::combined();
        let text = String::from_utf8(a).expect("utf8");
        assert_eq!(text.lines().count(), 2_000);
        for l in text.lines() {
            f.parse(l.as_bytes())
                .unwrap_or_else(|e| panic!("{e:?}: {l}"));
        }
    }
}

//! The compliance report of a simulacro or election night: for each difusor and each corte,
//! when the institute published it, when it was delivered, when the difusor's public URL first
//! served it (or a newer one), the delay, and whether it was within the allowed delay. HTML
//! (Spanish) and CSV. [`compliance`] is pure; [`read_looks`] and [`read_deliveries`] read the
//! monitor's and the deliverer's records.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// One look at a difusor: when, and the corte it served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    /// The difusor.
    pub difusor: String,
    /// When (seconds since the epoch).
    pub time: i64,
    /// The corte served, if the site could be read.
    pub sequence: Option<u64>,
}

/// A successful delivery: difusor, corte, when it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The difusor.
    pub difusor: String,
    /// The corte.
    pub sequence: u64,
    /// When the delivery ended (seconds since the epoch).
    pub time: i64,
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceRow {
    /// The difusor.
    pub difusor: String,
    /// The corte.
    pub sequence: u64,
    /// When the institute published it (RFC 3339).
    pub published: String,
    /// When it was delivered to the difusor, if it was.
    pub delivered: Option<String>,
    /// When the difusor's public URL first served it or a newer corte, if it did.
    pub served: Option<String>,
    /// Whether what was first served was a newer corte (this one was skipped over).
    pub superseded: bool,
    /// Seconds from publication to being served.
    pub delay_seconds: Option<i64>,
    /// Served within the allowed delay.
    pub on_time: bool,
}

/// Builds the report: `cortes` are (sequence, publication time) in order; every difusor in
/// `difusores` gets a row per corte.
pub fn compliance(
    cortes: &[(u64, i64)],
    difusores: &[String],
    deliveries: &[Delivered],
    looks: &[Look],
    allowed_delay_seconds: i64,
) -> Vec<ComplianceRow> {
    let mut first_delivery: BTreeMap<(&str, u64), i64> = BTreeMap::new();
    for d in deliveries {
        let t = first_delivery
            .entry((&d.difusor, d.sequence))
            .or_insert(d.time);
        *t = (*t).min(d.time);
    }
    let mut looks_by: BTreeMap<&str, Vec<(i64, u64)>> = BTreeMap::new();
    for l in looks {
        if let Some(s) = l.sequence {
            looks_by.entry(&l.difusor).or_default().push((l.time, s));
        }
    }
    for v in looks_by.values_mut() {
        v.sort_unstable();
    }
    let mut rows = Vec::new();
    for difusor in difusores {
        let seen = looks_by
            .get(difusor.as_str())
            .map_or(&[][..], Vec::as_slice);
        for &(sequence, published) in cortes {
            let first = seen
                .iter()
                .find(|(t, s)| *s >= sequence && *t >= published)
                .copied();
            let delay = first.map(|(t, _)| t - published);
            rows.push(ComplianceRow {
                difusor: difusor.clone(),
                sequence,
                published: prep_package::rfc3339_utc(published),
                delivered: first_delivery
                    .get(&(difusor.as_str(), sequence))
                    .map(|t| prep_package::rfc3339_utc(*t)),
                served: first.map(|(t, _)| prep_package::rfc3339_utc(t)),
                superseded: first.is_some_and(|(_, s)| s > sequence),
                delay_seconds: delay,
                on_time: delay.is_some_and(|d| d <= allowed_delay_seconds),
            });
        }
    }
    rows
}

/// The report as CSV (header `difusor,corte,publicado,entregado,servido,superado,demora_s,a_tiempo`).
pub fn to_csv(rows: &[ComplianceRow]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "difusor",
        "corte",
        "publicado",
        "entregado",
        "servido",
        "superado",
        "demora_s",
        "a_tiempo",
    ])?;
    for r in rows {
        w.write_record([
            r.difusor.clone(),
            r.sequence.to_string(),
            r.published.clone(),
            r.delivered.clone().unwrap_or_default(),
            r.served.clone().unwrap_or_default(),
            if r.superseded { "si" } else { "no" }.to_owned(),
            r.delay_seconds.map(|d| d.to_string()).unwrap_or_default(),
            if r.on_time { "si" } else { "no" }.to_owned(),
        ])?;
    }
    w.into_inner().context("cannot write the CSV")
}

const REPORT: &str = r#"<!doctype html>
<html lang="es-MX"><head><meta charset="utf-8"><title>Reporte de cumplimiento de difusores</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}table{border-collapse:collapse;margin-bottom:1.5rem}
th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left}.no{background:#fdd}</style></head>
<body><h1>Reporte de cumplimiento de difusores</h1>
<p>{{ title }}. Demora permitida entre la publicación del Instituto y la del difusor:
<strong>{{ allowed }} s</strong>. Generado el {{ generated }}.</p>
<h2>Resumen</h2>
<table><caption>Cortes servidos a tiempo por cada difusor</caption>
<thead><tr><th scope="col">Difusor</th><th scope="col">A tiempo</th><th scope="col">Cortes</th>
<th scope="col">No servidos</th><th scope="col">Demora máxima (s)</th></tr></thead><tbody>
{% for s in summary %}<tr{% if s.on_time < s.cortes %} class="no"{% endif %}><th scope="row">{{ s.difusor }}</th>
<td>{{ s.on_time }}</td><td>{{ s.cortes }}</td><td>{{ s.never }}</td><td>{{ s.max_delay if s.max_delay is not none else "—" }}</td></tr>
{% endfor %}</tbody></table>
<h2>Detalle por corte</h2>
<table><caption>Cada corte en cada difusor (horas en UTC)</caption>
<thead><tr><th scope="col">Difusor</th><th scope="col">Corte</th><th scope="col">Publicado</th>
<th scope="col">Entregado</th><th scope="col">Servido</th><th scope="col">Demora (s)</th><th scope="col">A tiempo</th></tr></thead><tbody>
{% for r in rows %}<tr{% if not r.on_time %} class="no"{% endif %}><th scope="row">{{ r.difusor }}</th><td>{{ r.sequence }}</td>
<td>{{ r.published }}</td><td>{{ r.delivered or "—" }}</td><td>{{ r.served or "no servido" }}{% if r.superseded %} (con un corte posterior){% endif %}</td>
<td>{{ r.delay_seconds if r.delay_seconds is not none else "—" }}</td><td>{{ "sí" if r.on_time else "no" }}</td></tr>
{% endfor %}</tbody></table></body></html>
"#;

/// The report as an HTML page (Spanish).
pub fn to_html(
    rows: &[ComplianceRow],
    title: &str,
    allowed_delay_seconds: i64,
    generated: &str,
) -> anyhow::Result<String> {
    #[derive(Serialize, Default)]
    struct Summary {
        difusor: String,
        cortes: usize,
        on_time: usize,
        never: usize,
        max_delay: Option<i64>,
    }
    let mut summary: BTreeMap<&str, Summary> = BTreeMap::new();
    for r in rows {
        let s = summary.entry(&r.difusor).or_default();
        s.difusor.clone_from(&r.difusor);
        s.cortes += 1;
        s.on_time += usize::from(r.on_time);
        s.never += usize::from(r.served.is_none());
        s.max_delay = s.max_delay.max(r.delay_seconds);
    }
    let summary: Vec<Summary> = summary.into_values().collect();
    let mut env = minijinja::Environment::new();
    env.add_template("report.html", REPORT)?;
    Ok(env
        .get_template("report.html")?
        .render(minijinja::context! {
            rows => minijinja::Value::from(minijinja::value::Serde(rows)),
            summary => minijinja::Value::from(minijinja::value::Serde(&summary)),
            title, allowed => allowed_delay_seconds, generated,
        })?)
}

/// The report of an election directory: its published cortes (from their manifests), the
/// monitor's looks (`monitor/events.jsonl`) and the deliveries (`deliveries.jsonl`); every
/// difusor that was looked at or delivered to gets its rows.
pub fn compliance_of(
    election_dir: &Path,
    allowed_delay_seconds: i64,
) -> anyhow::Result<Vec<ComplianceRow>> {
    let cortes_dir = prep_origin::OriginDir::new(election_dir);
    let mut cortes = Vec::new();
    for sequence in cortes_dir.sequences()? {
        let m = cortes_dir.manifest(sequence)?;
        let published = prep_package::rfc3339_seconds(&m.created).with_context(|| {
            format!(
                "corte {sequence}: created {:?} is not an RFC 3339 time",
                m.created
            )
        })?;
        cortes.push((sequence, published));
    }
    let looks_path = election_dir
        .join(crate::monitor::MONITOR_DIR)
        .join("events.jsonl");
    let looks = if looks_path.exists() {
        read_looks(&looks_path)?
    } else {
        Vec::new()
    };
    let deliveries = read_deliveries(&election_dir.join("deliveries.jsonl"))?;
    let mut difusores: Vec<String> = looks
        .iter()
        .map(|l| l.difusor.clone())
        .chain(deliveries.iter().map(|d| d.difusor.clone()))
        .collect();
    difusores.sort();
    difusores.dedup();
    Ok(compliance(
        &cortes,
        &difusores,
        &deliveries,
        &looks,
        allowed_delay_seconds,
    ))
}

/// A line of `monitor/events.jsonl` as the report reads it.
#[derive(Deserialize)]
struct LookLine {
    time: String,
    event: String,
    difusor: String,
    sequence: Option<u64>,
}

/// Reads the looks from the monitor's event log.
pub fn read_looks(path: &Path) -> anyhow::Result<Vec<Look>> {
    let mut out = Vec::new();
    for_each_line(path, |n, line| {
        let l: LookLine = serde_json::from_str(line)
            .with_context(|| format!("{}:{n}: not a monitor event", path.display()))?;
        if l.event == "look" {
            out.push(Look {
                difusor: l.difusor,
                time: time(&l.time, path, n)?,
                sequence: l.sequence,
            });
        }
        Ok(())
    })?;
    Ok(out)
}

/// A line of `deliveries.jsonl` as the report reads it.
#[derive(Deserialize)]
struct DeliveryLine {
    difusor: String,
    sequence: u64,
    end: String,
    outcome: String,
}

/// Reads the successful deliveries from the deliverer's record (`deliveries.jsonl`); a
/// missing file is no delivery.
pub fn read_deliveries(path: &Path) -> anyhow::Result<Vec<Delivered>> {
    let mut out = Vec::new();
    if !path.exists() {
        return Ok(out);
    }
    for_each_line(path, |n, line| {
        let d: DeliveryLine = serde_json::from_str(line)
            .with_context(|| format!("{}:{n}: not a delivery record", path.display()))?;
        if d.outcome == "delivered" || d.outcome == "available" {
            out.push(Delivered {
                difusor: d.difusor,
                sequence: d.sequence,
                time: time(&d.end, path, n)?,
            });
        }
        Ok(())
    })?;
    Ok(out)
}

fn time(text: &str, path: &Path, line: usize) -> anyhow::Result<i64> {
    prep_package::rfc3339_seconds(text).with_context(|| {
        format!(
            "{}:{line}: {text:?} is not an RFC 3339 time",
            path.display()
        )
    })
}

fn for_each_line(
    path: &Path,
    mut f: impl FnMut(usize, &str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        f(i + 1, &line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(difusor: &str, time: i64, sequence: Option<u64>) -> Look {
        Look {
            difusor: difusor.into(),
            time,
            sequence,
        }
    }

    #[test]
    fn delays_are_measured_from_publication_to_the_first_look_that_serves_it() {
        let cortes = [(1, 1000), (2, 1600), (3, 2200)];
        let difusores = ["a".to_owned(), "b".to_owned()];
        let deliveries = [Delivered {
            difusor: "a".into(),
            sequence: 1,
            time: 1003,
        }];
        let looks = [
            look("a", 1005, Some(0)),
            look("a", 1010, Some(1)),
            look("a", 1700, Some(1)),
            look("a", 1750, Some(3)),
            look("b", 1010, None),
            look("b", 2300, Some(3)),
        ];
        let rows = compliance(&cortes, &difusores, &deliveries, &looks, 60);
        assert_eq!(rows.len(), 6);
        let a1 = &rows[0];
        assert_eq!(
            (a1.delay_seconds, a1.on_time, a1.superseded),
            (Some(10), true, false)
        );
        assert_eq!(a1.delivered.as_deref(), Some("1970-01-01T00:16:43Z"));
        // Corte 2 was never served as such: corte 3 was, 150 s after corte 2 came out.
        let a2 = &rows[1];
        assert_eq!(
            (a2.delay_seconds, a2.on_time, a2.superseded),
            (Some(150), false, true)
        );
        // A look before a corte's publication does not count for it.
        let a3 = &rows[2];
        assert_eq!(a3.served, None);
        assert!(!a3.on_time);
        let b3 = &rows[5];
        assert_eq!((b3.delay_seconds, b3.on_time), (Some(100), false));
        let csv = String::from_utf8(to_csv(&rows).expect("csv")).expect("utf-8");
        assert!(
            csv.starts_with(
                "difusor,corte,publicado,entregado,servido,superado,demora_s,a_tiempo\n"
            )
        );
        assert!(
            csv.contains(
                "a,1,1970-01-01T00:16:40Z,1970-01-01T00:16:43Z,1970-01-01T00:16:50Z,no,10,si\n"
            ),
            "{csv}"
        );
        let html = to_html(&rows, "Simulacro <1>", 60, "hoy").expect("html");
        assert!(html.contains("Simulacro &lt;1&gt;"));
        assert!(html.contains("no servido"));
    }
}

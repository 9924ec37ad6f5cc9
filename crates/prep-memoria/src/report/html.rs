//! The HTML report, in Spanish (es-MX): one self-contained file (inline CSS and SVG, no
//! script, no external resource) with the definition of every figure next to it. The markup
//! is the crate's `templates/` (embedded), rendered by `minijinja` with HTML auto-escaping;
//! here every figure is formatted for it, section by section.

use super::{num, svg};
use crate::error::MemoriaError;
use crate::figures::{CountRow, Figures, Peak, SampleRow};
use serde::Serialize;

/// What the report says about itself.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// The outlet (difusor) name, when given.
    pub difusor: Option<String>,
    /// The log files read.
    pub files: Vec<String>,
    /// The log format.
    pub format: String,
    /// The outlet's comments and suggestions (plain text; blank lines separate paragraphs).
    pub comments: Option<String>,
}

/// The report's template (`templates/memoria.html`) and its building blocks (`parts.html`).
const TEMPLATES: &[(&str, &str)] = &[
    ("memoria.html", include_str!("../../templates/memoria.html")),
    ("parts.html", include_str!("../../templates/parts.html")),
];

/// A table as the `table` macro draws it: cells from column `numeric_from` on are numbers.
#[derive(Serialize)]
struct Table {
    head: &'static [&'static str],
    rows: Vec<Vec<String>>,
    numeric_from: usize,
}

/// A table of counts (`counts` macro: "Sin datos." when empty).
fn counts(head: &'static [&'static str; 2], rows: &[CountRow]) -> Table {
    Table {
        head,
        rows: rows
            .iter()
            .map(|r| vec![r.item.clone(), num(r.hits)])
            .collect(),
        numeric_from: 1,
    }
}

fn dec(x: f64) -> String {
    let whole = x.trunc() as u64;
    format!(
        "{}.{:02}",
        num(whole),
        ((x - x.trunc()) * 100.0).round().min(99.0) as u64
    )
}

/// The periods' bounds, as the opening paragraph states them.
#[derive(Serialize)]
struct Periods {
    election_from: String,
    election_to: String,
    baseline_from: String,
    baseline_to: String,
}

/// One headline figure.
#[derive(Serialize)]
struct Headline {
    id: &'static str,
    label: &'static str,
    value: String,
}

/// The totals, formatted.
#[derive(Serialize)]
struct TotalsText {
    bytes: String,
    gigabytes: String,
    crawler_hits: String,
    crawler_visitors: String,
    lines: String,
    malformed: String,
}

/// A peak, formatted.
#[derive(Serialize)]
struct PeakText {
    requests: String,
    at: String,
}

/// A definition.
#[derive(Serialize)]
struct Definition {
    term: &'static str,
    definition: &'static str,
}

/// Everything the template shows, formatted.
#[derive(Serialize)]
struct Context<'a> {
    difusor: Option<&'a str>,
    periods: Option<Periods>,
    headline: Vec<Headline>,
    totals: TotalsText,
    peak_second: Option<PeakText>,
    peak_minute: Option<PeakText>,
    definitions: Vec<Definition>,
    comparison_chart: svg::Grouped,
    comparison: Table,
    period_table: Table,
    hourly_chart: svg::Hourly,
    days: Table,
    status_chart: svg::Grouped,
    status_codes: Table,
    top_pages: Table,
    top_referrers: Table,
    top_crawlers: Table,
    top_not_found: Table,
    incidents: Table,
    silences: Table,
    malformed: Table,
    samples: &'a [SampleRow],
    comments: Vec<&'a str>,
    files: &'a [String],
    format: &'a str,
}

/// Renders the report.
pub fn render(f: &Figures, meta: &Meta) -> Result<String, MemoriaError> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let template_error = |e: minijinja::Error| MemoriaError::Template(format!("{e:#}"));
    for (name, source) in TEMPLATES {
        env.add_template(name, source).map_err(template_error)?;
    }
    let (comparison_chart, comparison, period_table) = comparison(f);
    let (status_chart, status_codes) = status(f);
    let context = Context {
        difusor: meta.difusor.as_deref(),
        periods: periods(f),
        headline: headline(f),
        totals: totals(f),
        peak_second: f.peak_second.as_ref().map(peak),
        peak_minute: f.peak_minute.as_ref().map(peak),
        definitions: DEFINITIONS
            .iter()
            .map(|&(term, definition)| Definition { term, definition })
            .collect(),
        comparison_chart,
        comparison,
        period_table,
        hourly_chart: hourly(f),
        days: days(f),
        status_chart,
        status_codes,
        top_pages: counts(&["Ruta", "Solicitudes"], &f.top_pages),
        top_referrers: counts(&["Referente", "Solicitudes"], &f.top_referrers),
        top_crawlers: counts(&["Agente de usuario", "Solicitudes"], &f.top_crawlers),
        top_not_found: counts(&["Ruta", "Solicitudes"], &f.top_not_found),
        incidents: incidents(f),
        silences: silences(f),
        malformed: counts(&["Motivo", "Solicitudes"], &f.malformed),
        samples: &f.malformed_samples,
        comments: comments(meta),
        files: &meta.files,
        format: &meta.format,
    };
    env.get_template("memoria.html")
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&context))))
        .map_err(template_error)
}

/// The opening paragraph's periods: the election's and the baseline's, when both are there.
fn periods(f: &Figures) -> Option<Periods> {
    let (e, b) = (f.periods.first()?, f.periods.get(1)?);
    Some(Periods {
        election_from: e.from.clone(),
        election_to: e.to.clone(),
        baseline_from: b.from.clone(),
        baseline_to: b.to.clone(),
    })
}

/// The summary's headline figures.
fn headline(f: &Figures) -> Vec<Headline> {
    let t = &f.totals;
    [
        ("hits", "Hits (solicitudes)", t.hits),
        ("paginas", "Páginas", t.pages),
        ("visitas", "Visitas", t.visits),
        ("visitantes", "Visitantes únicos", t.unique_visitors),
        ("no-encontrados", "No encontrados (404)", t.not_found),
        ("invalidas", "Líneas inválidas", t.malformed),
    ]
    .into_iter()
    .map(|(id, label, v)| Headline {
        id,
        label,
        value: num(v),
    })
    .collect()
}

fn totals(f: &Figures) -> TotalsText {
    let t = &f.totals;
    TotalsText {
        bytes: num(t.bytes),
        gigabytes: format!("{:.2}", t.bytes as f64 / 1e9),
        crawler_hits: num(t.crawler_hits),
        crawler_visitors: num(t.crawler_visitors),
        lines: num(t.lines),
        malformed: num(t.malformed),
    }
}

fn peak(p: &Peak) -> PeakText {
    PeakText {
        requests: num(p.requests),
        at: p.at.clone(),
    }
}

/// Election against baseline: the chart of daily averages, their table, the periods' table.
fn comparison(f: &Figures) -> (svg::Grouped, Table, Table) {
    let rows: Vec<(String, Vec<f64>)> = f
        .comparison
        .iter()
        .filter(|c| c.figure != "Bytes enviados")
        .map(|c| {
            (
                c.figure.clone(),
                vec![c.election_per_day, c.baseline_per_day],
            )
        })
        .collect();
    let chart = svg::grouped(
        "chart-comparison",
        "Promedio diario: elección frente a referencia",
        &rows,
        &[("Elección", "#c0392b"), ("Referencia", "#7f8c8d")],
    );
    let averages = Table {
        head: &[
            "Cifra",
            "Elección (por día)",
            "Referencia (por día)",
            "Razón",
        ],
        rows: f
            .comparison
            .iter()
            .map(|c| {
                vec![
                    c.figure.clone(),
                    dec(c.election_per_day),
                    dec(c.baseline_per_day),
                    c.ratio.map_or_else(|| "—".into(), |r| format!("{r:.2}×")),
                ]
            })
            .collect(),
        numeric_from: 1,
    };
    let periods = Table {
        head: &[
            "Periodo",
            "Desde",
            "Hasta",
            "Días",
            "Hits",
            "Páginas",
            "Visitas",
            "Visitantes únicos",
            "Bytes",
        ],
        rows: f
            .periods
            .iter()
            .map(|p| {
                vec![
                    p.period.clone(),
                    p.from.clone(),
                    p.to.clone(),
                    dec(p.days),
                    num(p.hits),
                    num(p.pages),
                    num(p.visits),
                    num(p.unique_visitors),
                    num(p.bytes),
                ]
            })
            .collect(),
        numeric_from: 3,
    };
    (chart, averages, periods)
}

/// Hits per hour, the election's hours shaded.
fn hourly(f: &Figures) -> svg::Hourly {
    let labels: Vec<String> = f.hours.iter().map(|h| h.hour.clone()).collect();
    let values: Vec<u64> = f.hours.iter().map(|h| h.hits).collect();
    let mark: Vec<bool> = f
        .hours
        .iter()
        .map(|h| f.election_hours.contains(&h.hour))
        .collect();
    svg::hourly(&labels, &values, &mark)
}

fn days(f: &Figures) -> Table {
    Table {
        head: &[
            "Día",
            "Hits",
            "Páginas",
            "Visitas",
            "Visitantes únicos",
            "Bytes",
            "404",
            "Rastreadores",
        ],
        rows: f
            .days
            .iter()
            .map(|d| {
                vec![
                    d.date.clone(),
                    num(d.hits),
                    num(d.pages),
                    num(d.visits),
                    num(d.unique_visitors),
                    num(d.bytes),
                    num(d.not_found),
                    num(d.crawler_hits),
                ]
            })
            .collect(),
        numeric_from: 1,
    }
}

/// Status codes: the chart of classes and the table of codes.
fn status(f: &Figures) -> (svg::Grouped, Table) {
    let rows: Vec<(String, Vec<f64>)> = f
        .status_classes
        .iter()
        .map(|c| (c.item.clone(), vec![c.hits as f64]))
        .collect();
    let chart = svg::grouped(
        "chart-status",
        "Solicitudes por clase de código de estado",
        &rows,
        &[("Solicitudes", "#1f5f8b")],
    );
    (chart, counts(&["Código", "Solicitudes"], &f.status_codes))
}

fn incidents(f: &Figures) -> Table {
    Table {
        head: &[
            "Hora",
            "Incidente",
            "Detalle",
            "Duración (s)",
            "¿Afectó la publicación?",
        ],
        rows: f
            .incidents
            .iter()
            .map(|i| {
                vec![
                    i.time.clone(),
                    i.kind.clone(),
                    i.detail.clone(),
                    i.duration_secs
                        .map_or_else(|| "—".into(), |d| d.to_string()),
                    i.affected_publication.clone(),
                ]
            })
            .collect(),
        numeric_from: 3,
    }
}

fn silences(f: &Figures) -> Table {
    Table {
        head: &["Última solicitud", "Siguiente solicitud", "Segundos"],
        rows: f
            .silences
            .iter()
            .map(|g| vec![g.from.clone(), g.to.clone(), num(g.seconds.max(0) as u64)])
            .collect(),
        numeric_from: 2,
    }
}

/// The outlet's comments, one paragraph per blank-line-separated block (none: "Sin
/// comentarios.").
fn comments(meta: &Meta) -> Vec<&str> {
    match &meta.comments {
        Some(c) if !c.trim().is_empty() => c
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .map(str::trim)
            .collect(),
        _ => Vec::new(),
    }
}

/// The definition of every figure, as the report states them.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "Hits (solicitudes)",
        "Cada línea válida de la bitácora de acceso: toda solicitud al servidor (páginas, datos, imágenes, hojas de estilo, scripts), de personas y de rastreadores, con cualquier código de estado. Es lo que AWStats y GoAccess llaman hits (GoAccess: «valid requests»).",
    ),
    (
        "Páginas",
        "Solicitudes de personas (no rastreadores) respondidas con 2xx o 304 cuyo recurso es un documento o un dato: ruta terminada en «/», sin extensión o con extensión html, htm, json, csv, zip, php, asp, aspx, jsp o shtml (configurable). Las imágenes, CSS, JS e íconos no son páginas. Es la definición de páginas de AWStats, con los JSON del sitio de resultados contados como páginas.",
    ),
    (
        "Visitas",
        "Secuencias de páginas vistas por un mismo visitante (misma IP y mismo agente de usuario) sin un intervalo mayor a 30 minutos entre una y la siguiente; una visita se cuenta en el día y periodo en que empieza. Los rastreadores no generan visitas.",
    ),
    (
        "Visitantes únicos",
        "Combinaciones distintas de dirección IP, agente de usuario y día (fecha escrita en la bitácora), sin contar solicitudes respondidas con 4xx: exactamente como los cuenta GoAccess. Un visitante que vuelve otro día cuenta otra vez; el total es la suma de los días. Incluye rastreadores (se indica cuántos).",
    ),
    (
        "Rastreadores",
        "Solicitudes cuyo agente de usuario contiene bot, crawl, spider, slurp, facebookexternalhit, curl, wget, python-requests u otra marca de programa automático, o está vacío.",
    ),
    (
        "Bytes enviados",
        "Suma del tamaño del cuerpo de las respuestas ($body_bytes_sent); «-» cuenta como 0.",
    ),
    (
        "No encontrados (404)",
        "Solicitudes respondidas con el código 404.",
    ),
    (
        "Picos",
        "El segundo y el minuto con más solicitudes, en la hora del periodo de la elección.",
    ),
    (
        "Promedio diario",
        "Cifra del periodo dividida entre la duración del periodo en días; la razón es elección entre referencia.",
    ),
    (
        "Líneas inválidas",
        "Líneas que no corresponden al formato (basura, truncadas, de otro formato, fecha, código o IP ilegibles). Se cuentan y se muestran, pero no entran en ninguna cifra (GoAccess las llama «failed requests»).",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Classifier;
    use crate::format::LogFormat;
    use crate::period::Period;
    use crate::tally::{Spec, Tally};

    fn figures(lines: &str) -> Figures {
        let spec = Spec {
            format: LogFormat::named_or_nginx("combined").expect("format"),
            classifier: Classifier::new(Vec::new()),
            election: Period::parse("2024-06-02T18:00:00-06:00..2024-06-03T18:00:00-06:00")
                .expect("election"),
            baseline: Period::parse("2024-05-27T00:00:00-06:00..2024-06-01T00:00:00-06:00")
                .expect("baseline"),
        };
        let mut tally = Tally::default();
        tally.add_chunk(&spec, 0, 0, lines.as_bytes());
        Figures::compute(&tally, &spec, &["access.log".into()], &[])
    }

    #[test]
    fn the_report_escapes_what_it_is_given_and_keeps_its_sections() {
        let f = figures(concat!(
            "10.0.0.1 - - [02/Jun/2024:20:00:01 -0600] \"GET /a?x=<b> HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n",
            "not a line <script>\n",
        ));
        let meta = Meta {
            difusor: Some("Medio <A> & \"B\"".into()),
            files: vec!["access.log".into()],
            format: "combined".into(),
            comments: Some("Uno <i>.\n\n\n\nDos & tres.".into()),
        };
        let html = render(&f, &meta).expect("renders");
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"es-MX\">"));
        assert!(html.ends_with("</body></html>\n"));
        assert!(html.contains("Difusor: <b>Medio &lt;A&gt; &amp; &quot;B&quot;</b>"));
        assert!(html.contains("<p>Uno &lt;i&gt;.</p><p>Dos &amp; tres.</p>"));
        assert!(html.contains("<div id=\"cifra-hits\">Hits (solicitudes)<b>1</b></div>"));
        assert!(html.contains("<div id=\"cifra-invalidas\">Líneas inválidas<b>1</b></div>"));
        assert!(html.contains("not a line &lt;script&gt;</pre>"));
        assert!(!html.contains("<script>") && !html.contains("<b>Medio <A>"));
        for id in ["chart-hourly", "chart-comparison", "chart-status"] {
            assert!(html.contains(&format!("<svg id=\"{id}\"")), "{id}");
        }
        assert!(html.contains("<h2 id=\"referentes\">Sitios de referencia</h2><p>Sin datos.</p>"));
        assert!(html.contains("<p>Ninguno mayor a 5 minutos.</p>"));

        let plain = render(&f, &Meta::default()).expect("renders");
        assert!(plain.contains("<p>Sin comentarios.</p>") && !plain.contains("Difusor:"));
    }
}

//! The HTML report, in Spanish (es-MX): one self-contained file (inline CSS and SVG, no
//! script, no external resource) with the definition of every figure next to it.

use super::{esc, num, svg};
use crate::figures::{CountRow, Figures};

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

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}\
h1{font-size:1.6rem}h2{border-bottom:2px solid #1f5f8b;padding-bottom:.2rem;margin-top:2rem}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}td,th{border:1px solid #ccc;padding:.2rem .5rem}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef3f7;text-align:left}\
.headline{display:flex;flex-wrap:wrap;gap:1rem}.headline div{border:1px solid #ccc;padding:.5rem 1rem;min-width:9rem}\
.headline b{display:block;font-size:1.4rem}svg.chart{width:100%;height:auto;margin:.5rem 0}\
dt{font-weight:bold}dd{margin:0 0 .5rem 1rem}pre{white-space:pre-wrap;font-size:.8rem;background:#f6f6f6;padding:.3rem}\
@media print{h2{break-after:avoid}svg.chart,table{break-inside:avoid}}";

fn table(head: &[&str], rows: Vec<Vec<String>>, numeric_from: usize) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in head {
        s += &format!("<th>{}</th>", esc(h));
    }
    s += "</tr></thead><tbody>";
    for r in rows {
        s += "<tr>";
        for (i, c) in r.iter().enumerate() {
            let class = if i >= numeric_from {
                " class=\"n\""
            } else {
                ""
            };
            s += &format!("<td{class}>{}</td>", esc(c));
        }
        s += "</tr>";
    }
    s + "</tbody></table>"
}

fn counts(head: &str, rows: &[CountRow]) -> String {
    if rows.is_empty() {
        return "<p>Sin datos.</p>".into();
    }
    table(
        &[head, "Solicitudes"],
        rows.iter()
            .map(|r| vec![r.item.clone(), num(r.hits)])
            .collect(),
        1,
    )
}

fn dec(x: f64) -> String {
    let whole = x.trunc() as u64;
    format!(
        "{}.{:02}",
        num(whole),
        ((x - x.trunc()) * 100.0).round().min(99.0) as u64
    )
}

/// Renders the report.
pub fn render(f: &Figures, meta: &Meta) -> String {
    let t = &f.totals;
    let mut s = String::with_capacity(64 * 1024);
    s += "<!DOCTYPE html><html lang=\"es-MX\"><head><meta charset=\"utf-8\">";
    s += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
    s += "<title>Memoria técnica del difusor</title><style>";
    s += CSS;
    s += "</style></head><body>";
    s += "<h1>Memoria técnica del difusor</h1>";
    if let Some(d) = &meta.difusor {
        s += &format!("<p class=\"difusor\">Difusor: <b>{}</b></p>", esc(d));
    }
    if let (Some(e), Some(b)) = (f.periods.first(), f.periods.get(1)) {
        s += &format!(
            "<p>Periodo de la elección: {} a {}. Periodo de referencia (tráfico normal del portal): {} a {}.</p>",
            esc(&e.from),
            esc(&e.to),
            esc(&b.from),
            esc(&b.to)
        );
    }
    s += "<h2 id=\"resumen\">Resumen</h2><div class=\"headline\">";
    for (id, label, v) in [
        ("hits", "Hits (solicitudes)", t.hits),
        ("paginas", "Páginas", t.pages),
        ("visitas", "Visitas", t.visits),
        ("visitantes", "Visitantes únicos", t.unique_visitors),
        ("no-encontrados", "No encontrados (404)", t.not_found),
        ("invalidas", "Líneas inválidas", t.malformed),
    ] {
        s += &format!(
            "<div id=\"cifra-{id}\">{}<b>{}</b></div>",
            esc(label),
            num(v)
        );
    }
    s += "</div>";
    s += &format!(
        "<p>Bytes enviados: {} ({:.2} GB). Solicitudes de rastreadores: {}. Visitantes únicos que son rastreadores: {}. Líneas leídas: {}.</p>",
        num(t.bytes),
        t.bytes as f64 / 1e9,
        num(t.crawler_hits),
        num(t.crawler_visitors),
        num(t.lines)
    );
    if let Some(p) = &f.peak_second {
        s += &format!(
            "<p>Pico por segundo: <b>{}</b> solicitudes ({}).",
            num(p.requests),
            esc(&p.at)
        );
        if let Some(m) = &f.peak_minute {
            s += &format!(
                " Pico por minuto: <b>{}</b> solicitudes ({}).",
                num(m.requests),
                esc(&m.at)
            );
        }
        s += "</p>";
    }

    s += "<h2 id=\"definiciones\">Definiciones</h2><dl>";
    for (term, def) in DEFINITIONS {
        s += &format!("<dt>{}</dt><dd>{}</dd>", esc(term), esc(def));
    }
    s += "</dl>";

    s += "<h2 id=\"comparativo\">Elección frente a referencia</h2>";
    s += "<p>Promedios diarios: cada cifra del periodo dividida entre su duración en días.</p>";
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
    s += &svg::grouped(
        "chart-comparison",
        "Promedio diario: elección frente a referencia",
        &rows,
        &[("Elección", "#c0392b"), ("Referencia", "#7f8c8d")],
    );
    s += &table(
        &[
            "Cifra",
            "Elección (por día)",
            "Referencia (por día)",
            "Razón",
        ],
        f.comparison
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
        1,
    );
    s += &table(
        &[
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
        f.periods
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
        3,
    );

    s += "<h2 id=\"por-hora\">Tráfico por hora</h2><p>Solicitudes por hora, en la hora escrita en la bitácora; el fondo marca el periodo de la elección.</p>";
    let labels: Vec<String> = f.hours.iter().map(|h| h.hour.clone()).collect();
    let values: Vec<u64> = f.hours.iter().map(|h| h.hits).collect();
    let mark: Vec<bool> = f
        .hours
        .iter()
        .map(|h| f.election_hours.contains(&h.hour))
        .collect();
    s += &svg::hourly(&labels, &values, &mark);

    s += "<h2 id=\"por-dia\">Por día</h2>";
    s += &table(
        &[
            "Día",
            "Hits",
            "Páginas",
            "Visitas",
            "Visitantes únicos",
            "Bytes",
            "404",
            "Rastreadores",
        ],
        f.days
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
        1,
    );

    s += "<h2 id=\"codigos\">Códigos de estado</h2>";
    let rows: Vec<(String, Vec<f64>)> = f
        .status_classes
        .iter()
        .map(|c| (c.item.clone(), vec![c.hits as f64]))
        .collect();
    s += &svg::grouped(
        "chart-status",
        "Solicitudes por clase de código de estado",
        &rows,
        &[("Solicitudes", "#1f5f8b")],
    );
    s += &counts("Código", &f.status_codes);

    s += "<h2 id=\"paginas\">Páginas más vistas</h2>";
    s += &counts("Ruta", &f.top_pages);
    s += "<h2 id=\"referentes\">Sitios de referencia</h2>";
    s += &counts("Referente", &f.top_referrers);
    s += "<h2 id=\"rastreadores\">Rastreadores</h2>";
    s += &counts("Agente de usuario", &f.top_crawlers);
    s += "<h2 id=\"no-encontrados\">No encontrados (404)</h2>";
    s += &counts("Ruta", &f.top_not_found);

    s += "<h2 id=\"incidentes\">Incidentes</h2>";
    if f.incidents.is_empty() {
        s += "<p>No se registraron incidentes en la bitácora de eventos del nodo (o no se proporcionó).</p>";
    } else {
        s += &table(
            &[
                "Hora",
                "Incidente",
                "Detalle",
                "Duración (s)",
                "¿Afectó la publicación?",
            ],
            f.incidents
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
            3,
        );
    }
    s += "<h3>Silencios en la bitácora de acceso durante la elección</h3>";
    if f.silences.is_empty() {
        s += "<p>Ninguno mayor a 5 minutos.</p>";
    } else {
        s += &table(
            &["Última solicitud", "Siguiente solicitud", "Segundos"],
            f.silences
                .iter()
                .map(|g| vec![g.from.clone(), g.to.clone(), num(g.seconds.max(0) as u64)])
                .collect(),
            2,
        );
    }

    s += "<h2 id=\"lineas-invalidas\">Líneas no contabilizadas</h2>";
    s += &format!(
        "<p>{} de {} líneas no se pudieron leer con el formato indicado y no se cuentan en ninguna cifra.</p>",
        num(t.malformed),
        num(t.lines)
    );
    if !f.malformed.is_empty() {
        s += &counts("Motivo", &f.malformed);
        s += "<p>Muestra:</p>";
        for m in &f.malformed_samples {
            s += &format!(
                "<pre>{}:{} ({})\n{}</pre>",
                esc(&m.file),
                m.line,
                esc(&m.reason),
                esc(&m.text)
            );
        }
    }

    s += "<h2 id=\"comentarios\">Comentarios y sugerencias</h2>";
    match &meta.comments {
        Some(c) if !c.trim().is_empty() => {
            for para in c.split("\n\n").filter(|p| !p.trim().is_empty()) {
                s += &format!("<p>{}</p>", esc(para.trim()));
            }
        }
        _ => s += "<p>Sin comentarios.</p>",
    }
    s += "<h2 id=\"fuentes\">Fuentes</h2><ul>";
    for file in &meta.files {
        s += &format!("<li>{}</li>", esc(file));
    }
    s += &format!(
        "</ul><p>Formato de bitácora: <code>{}</code>.</p>",
        esc(&meta.format)
    );
    s += "</body></html>\n";
    s
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

//! The operator's view: a status page (one row per difusor: standing, corte served, lag, last
//! look, last error, altered files), the same as JSON, Prometheus metrics, and the public list.

use crate::monitor::{DifusorStatus, Monitor};
use crate::rule::Standing;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::fmt::Write as _;
use std::sync::Arc;

const PAGE: &str = r#"<!doctype html>
<html lang="es-MX"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Monitor de difusores</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}
th,td{border:1px solid #999;padding:.3rem .6rem;text-align:left}
.suspendido{background:#fdd}.fallando{background:#ffd}</style></head>
<body><h1>Monitor de difusores</h1>
<p>Corte más reciente publicado: <strong>{{ latest if latest is not none else "ninguno" }}</strong>.</p>
<table><caption>Un renglón por difusor; la página se actualiza cada 5 s.</caption>
<thead><tr><th scope="col">Difusor</th><th scope="col">Estado</th><th scope="col">Corte servido</th>
<th scope="col">Atraso (cortes)</th><th scope="col">Atraso (s)</th><th scope="col">Última consulta</th>
<th scope="col">Último error</th><th scope="col">Archivos alterados</th></tr></thead><tbody>
{% for d in rows %}<tr class="{{ d.class }}"><th scope="row"><a href="{{ d.url }}">{{ d.name }}</a> ({{ d.id }})</th>
<td>{{ d.state }}</td><td>{{ d.sequence if d.sequence is not none else "—" }}{% if d.notice %} (aviso){% endif %}</td>
<td>{{ d.lag_cortes }}</td><td>{{ d.lag_seconds }}</td><td>{{ d.last_seen or "—" }}</td>
<td>{{ d.last_error or "" }}</td><td>{{ d.violations }}</td></tr>
{% endfor %}</tbody></table></body></html>
"#;

/// The standing in Spanish, and its row class.
fn state(standing: &Standing) -> (String, &'static str) {
    match standing {
        Standing::Active => ("activo".into(), ""),
        Standing::Failing { periods } => (format!("fallando ({periods} periodos)"), "fallando"),
        Standing::Suspended { at_sequence } => {
            (format!("suspendido (corte {at_sequence})"), "suspendido")
        }
    }
}

/// The status page (Spanish, for the institute's operators).
pub fn status_page(rows: &[DifusorStatus], latest: Option<u64>) -> String {
    let mut env = minijinja::Environment::new();
    if let Err(e) = env.add_template("status.html", PAGE) {
        return format!("template error: {e}");
    }
    let rows: Vec<_> = rows
        .iter()
        .map(|d| {
            let (state, class) = state(&d.standing);
            serde_json::json!({
                "id": d.id, "name": d.name, "url": d.url, "state": state, "class": class,
                "sequence": d.sequence, "notice": d.notice, "lag_cortes": d.lag_cortes,
                "lag_seconds": d.lag_seconds, "last_seen": d.last_seen,
                "last_error": d.last_error, "violations": d.violations,
            })
        })
        .collect();
    env.get_template("status.html")
        .and_then(|t| {
            t.render(minijinja::context! { rows => minijinja::Value::from(minijinja::value::Serde(&rows)), latest })
        })
        .unwrap_or_else(|e| format!("template error: {e}"))
}

/// The metrics in Prometheus text format.
pub fn metrics(rows: &[DifusorStatus], latest: Option<u64>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP prep_monitor_latest_sequence The newest corte published."
    );
    let _ = writeln!(out, "# TYPE prep_monitor_latest_sequence gauge");
    let _ = writeln!(out, "prep_monitor_latest_sequence {}", latest.unwrap_or(0));
    type Metric = (
        &'static str,
        &'static str,
        &'static str,
        fn(&DifusorStatus) -> u64,
    );
    let families: [Metric; 6] = [
        (
            "prep_monitor_served_sequence",
            "gauge",
            "The corte the difusor's public site served at the last look.",
            |d| d.sequence.unwrap_or(0),
        ),
        (
            "prep_monitor_lag_cortes",
            "gauge",
            "Cortes the difusor is behind.",
            |d| d.lag_cortes,
        ),
        (
            "prep_monitor_lag_seconds",
            "gauge",
            "Seconds since the first corte the difusor lacks was published.",
            |d| d.lag_seconds,
        ),
        (
            "prep_monitor_suspended",
            "gauge",
            "1 while the difusor is suspended.",
            |d| u64::from(matches!(d.standing, Standing::Suspended { .. })),
        ),
        (
            "prep_monitor_violations_total",
            "counter",
            "Served files found different from the signed manifest.",
            |d| d.violations,
        ),
        (
            "prep_monitor_up",
            "gauge",
            "1 when the last look read the difusor's json/main.json.",
            |d| u64::from(d.reachable),
        ),
    ];
    for (name, kind, help, value) in families {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for d in rows {
            // Ids are [a-z0-9-]: nothing to escape in the label.
            let _ = writeln!(out, "{name}{{difusor=\"{}\"}} {}", d.id, value(d));
        }
    }
    out
}

/// `/` (status page), `/status.json`, `/metrics`, `/difusores.json` (the public list),
/// `/healthz`.
pub fn router(monitor: Arc<Monitor>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/status.json", get(status_json))
        .route("/metrics", get(metrics_text))
        .route("/difusores.json", get(public_list))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(monitor)
}

/// Serves [`router`] on `listener` until the task is dropped.
pub async fn serve(monitor: Arc<Monitor>, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    axum::serve(listener, router(monitor)).await?;
    Ok(())
}

fn latest(monitor: &Monitor) -> Option<u64> {
    monitor.cortes().current().ok().flatten()
}

async fn page(State(m): State<Arc<Monitor>>) -> Html<String> {
    Html(status_page(&m.status(), latest(&m)))
}

async fn status_json(State(m): State<Arc<Monitor>>) -> Response {
    axum::Json(m.status()).into_response()
}

async fn metrics_text(State(m): State<Arc<Monitor>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics(&m.status(), latest(&m)),
    )
        .into_response()
}

async fn public_list(State(m): State<Arc<Monitor>>) -> Response {
    axum::Json(m.public_list()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, standing: Standing) -> DifusorStatus {
        DifusorStatus {
            id: id.into(),
            name: "<b>Medio</b> & co".into(),
            url: "https://medio.mx/prep".into(),
            standing,
            sequence: Some(4),
            lag_cortes: 2,
            reachable: true,
            ..DifusorStatus::default()
        }
    }

    #[test]
    fn the_page_escapes_names_and_shows_the_standing() {
        let page = status_page(
            &[
                row("a", Standing::Active),
                row("b", Standing::Suspended { at_sequence: 6 }),
            ],
            Some(6),
        );
        assert!(
            page.contains("&lt;b&gt;Medio&lt;&#x2f;b&gt; &amp; co"),
            "{page}"
        );
        assert!(!page.contains("<b>Medio"));
        assert!(page.contains("suspendido (corte 6)"));
        assert!(page.contains("<strong>6</strong>"));
    }

    #[test]
    fn metrics_name_each_difusor() {
        let text = metrics(&[row("a", Standing::Suspended { at_sequence: 6 })], Some(6));
        assert!(text.contains("prep_monitor_latest_sequence 6\n"));
        assert!(text.contains("prep_monitor_suspended{difusor=\"a\"} 1\n"));
        assert!(text.contains("prep_monitor_lag_cortes{difusor=\"a\"} 2\n"));
        assert!(text.contains("# TYPE prep_monitor_violations_total counter\n"));
    }
}

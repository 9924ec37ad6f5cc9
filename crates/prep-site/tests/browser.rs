//! The public site in a real browser: a package built from the published Puebla 2024
//! databases (GUBERNATURA and AYUNTAMIENTOS) with the default site, served on loopback, loaded
//! in headless Debian `chromium`. Checks the corte time, the totals against the JSON, the
//! drill-down area → sección → casilla by following the links the page renders, and that every
//! request the page made stayed in the origin (Chromium's net log and the server's log).
//!
//! Needs `/usr/bin/chromium` (Debian package `chromium`): with CI=true a missing browser fails
//! the test; on a developer machine it is skipped with a note.

mod support;

use serde_json::Value;
use support::{Browser, Server, cell_after, links, percent, thousands};

#[test]
fn site_in_headless_chromium() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let pkg = support::build_package();
    let server = Server::start(pkg.dir.path());
    let origin = server.origin();
    let pointer = pkg.json("json/main.json");
    let index = pkg.json(str_of(&pointer["index"]));

    // 1. The first view: the first election's total.
    let page = browser.load(&format!("{origin}/"), &origin);
    let gub = &index["elections"][0];
    assert_eq!(gub["id"], "gub");
    let total = pkg.json(str_of(&gub["total"]));
    assert_eq!(
        cell_after(&page.dom, "<time", "data-campo=\"corte\"").as_deref(),
        Some(str_of(&pointer["corte"])),
        "the corte time is shown"
    );
    assert!(
        page.dom.contains(&format!(
            "datetime=\"{}\"",
            str_of(&pointer["corte_rfc3339"])
        )),
        "the corte time is machine-readable too"
    );
    assert_summary(&page.dom, &total["summary"], "the election's total");
    let candidacies = total["candidacies"].as_array().expect("candidacies");
    assert_eq!(candidacies.len(), 3, "Puebla 2024 had three candidacies");
    for c in candidacies {
        let name = str_of(&c["candidate"]);
        assert_eq!(
            cell_after(
                &page.dom,
                &format!("data-candidatura=\"{name}\""),
                "data-campo=\"votos\""
            ),
            Some(thousands(c["votes"].as_u64().expect("votes"))),
            "votes of {name}"
        );
    }
    assert_columns(&page.dom, gub, &total["votes"], "the election's total");
    let zip = str_of(&gub["database"]);
    assert!(
        page.dom.contains(&format!("href=\"{zip}\"")),
        "the database download {zip} is linked"
    );
    assert!(
        page.dom.contains("data-eleccion=\"ayun\""),
        "the other election is in the navigation"
    );

    // 2. A district, by the first link of the total's drill-down table.
    let areas = links(&page.dom, "area");
    let first = &total["children"][0];
    assert_eq!(
        areas.len(),
        total["children"].as_array().expect("children").len()
    );
    assert_eq!(areas[0], format!("#/gub/{}", str_of(&first["id"])));
    let page = browser.load(&format!("{origin}/index.html{}", areas[0]), &origin);
    let area = pkg.json(str_of(&first["path"]));
    assert!(
        page.dom.contains(str_of(&area["name"])),
        "the district's name is shown"
    );
    assert_summary(&page.dom, &area["summary"], "the district");
    assert_columns(&page.dom, gub, &area["votes"], "the district");

    // 3. A sección of it, by its link.
    let secciones = links(&page.dom, "seccion");
    let children = area["children"].as_array().expect("secciones");
    assert_eq!(secciones.len(), children.len(), "one link per sección");
    // The first sección with more than one casilla, to see the rows filtered.
    let (link, seccion) = secciones
        .iter()
        .zip(children)
        .find(|(_, s)| s["summary"]["actas_esperadas"].as_u64() > Some(1))
        .expect("a sección with several casillas");
    let seccion_id = str_of(&seccion["id"]);
    assert_eq!(
        *link,
        format!("#/gub/{}/s/{seccion_id}", str_of(&area["id"]))
    );
    let page = browser.load(&format!("{origin}/index.html{link}"), &origin);
    assert_summary(&page.dom, &seccion["summary"], "the sección");
    assert_columns(&page.dom, gub, &seccion["votes"], "the sección");
    let actas_path = seccion
        .get("actas")
        .and_then(Value::as_str)
        .or_else(|| area["actas"].as_str())
        .expect("the sección's casilla rows");
    let actas = pkg.json(actas_path);
    let fields: Vec<&str> = actas["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(str_of)
        .collect();
    let col = |name: &str| fields.iter().position(|f| *f == name).expect("field");
    let rows: Vec<&Vec<Value>> = actas["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(Value::as_array)
        .filter(|r| r[col("SECCION")] == seccion_id)
        .collect();
    let casillas = links(&page.dom, "casilla");
    assert_eq!(
        casillas.len(),
        rows.len(),
        "one link per casilla of the sección"
    );
    assert!(rows.len() > 1);

    // 4. One casilla: its acta's cells as published.
    let row = rows[1];
    let clave = str_of(&row[col("CLAVE_CASILLA")]);
    assert_eq!(casillas[1], format!("{link}/c/{clave}"));
    let page = browser.load(&format!("{origin}/index.html{}", casillas[1]), &origin);
    for (i, field) in fields.iter().enumerate() {
        let expected = str_of(&row[i]).trim().to_owned();
        let shown = if i < prep_corte::model::ACTA_FIELDS.len() {
            cell_after(&page.dom, "data-acta=", &format!("data-campo=\"{field}\""))
        } else {
            cell_after(
                &page.dom,
                &format!("data-columna=\"{field}\""),
                "data-campo=\"votos\"",
            )
        };
        assert_eq!(
            shown.map(|s| s.trim().to_owned()),
            Some(expected),
            "casilla {clave}, {field}"
        );
    }
    let codigo = str_of(&row[col("CODIGO_INTEGRIDAD")]);
    assert!(
        page.dom
            .contains(&format!("href=\"{}{codigo}\"", support::IMAGE_HOST)),
        "the acta image is linked on the image host"
    );

    // 5. The other election: AYUNTAMIENTOS, by municipio.
    let ayun = &index["elections"][1];
    let total = pkg.json(str_of(&ayun["total"]));
    let page = browser.load(&format!("{origin}/index.html#/ayun"), &origin);
    assert_summary(&page.dom, &total["summary"], "AYUNTAMIENTOS");
    assert!(page.dom.contains("Municipios"), "the areas are municipios");
    let municipios = links(&page.dom, "area");
    assert_eq!(
        municipios.len(),
        total["children"].as_array().expect("children").len()
    );

    // 6. The "cómo verificar" page shows the corte and the manifest's hash.
    let page = browser.load(&format!("{origin}/verificar.html"), &origin);
    assert_eq!(
        cell_after(&page.dom, "<dd", "data-campo=\"manifiesto-sha256\"").as_deref(),
        Some(str_of(&pointer["manifest_sha256"]))
    );
    assert_eq!(
        cell_after(&page.dom, "<time", "data-campo=\"corte\"").as_deref(),
        Some(str_of(&pointer["corte"]))
    );

    // What the server saw: only the package's files, json/main.json once per page load.
    let served = server.requests();
    let loads = browser.page_loads();
    let mains = served.iter().filter(|p| *p == "/json/main.json").count();
    assert_eq!(
        mains, loads,
        "json/main.json read once per load: {served:?}"
    );
    for path in &served {
        let rel = path.trim_start_matches('/');
        assert!(
            rel.is_empty() || pkg.listed(rel),
            "the page asked for {path}, which the package does not have"
        );
    }
}

/// The checker of requests catches a page that reaches outside its origin (so that the
/// assertion above could fail).
#[test]
fn outside_requests_are_detected() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("fuera.html"),
        "<!doctype html><title>x</title><img src=\"http://afuera.invalid/pixel.png\" alt=\"\">",
    )
    .expect("write");
    let server = Server::start(dir.path());
    let origin = server.origin();
    let outside = browser.requests_outside(&format!("{origin}/fuera.html"), &origin);
    assert_eq!(outside, vec!["http://afuera.invalid/pixel.png".to_owned()]);
}

fn str_of(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

/// The summary shown equals the JSON's, formatted as the PREP shows it.
fn assert_summary(dom: &str, summary: &Value, what: &str) {
    for field in [
        "actas_esperadas",
        "actas_capturadas",
        "actas_contabilizadas",
        "actas_no_contabilizadas",
        "actas_fuera_catalogo",
        "lista_nominal_actas_contabilizadas",
        "total_votos_c_cs",
    ] {
        let n = summary[field].as_u64().expect("count");
        assert_eq!(
            cell_after(dom, "class=\"resumen\"", &format!("data-campo=\"{field}\"")),
            Some(thousands(n)),
            "{what}: {field}"
        );
    }
    for field in [
        "porcentaje_actas_capturadas",
        "porcentaje_actas_contabilizadas",
        "porcentaje_actas_inconsistencias",
        "porcentaje_participacion_ciudadana",
    ] {
        let n = summary[field].as_u64().expect("percentage");
        assert_eq!(
            cell_after(dom, "class=\"resumen\"", &format!("data-campo=\"{field}\"")),
            Some(percent(n)),
            "{what}: {field}"
        );
    }
}

/// Every vote column's votes shown equal the JSON's.
fn assert_columns(dom: &str, election: &Value, votes: &Value, what: &str) {
    let columns = election["columns"].as_array().expect("columns");
    let votes = votes.as_array().expect("votes");
    assert_eq!(columns.len(), votes.len());
    for (c, v) in columns.iter().zip(votes) {
        let c = str_of(c);
        assert_eq!(
            cell_after(
                dom,
                &format!("data-columna=\"{c}\""),
                "data-campo=\"votos\""
            ),
            Some(thousands(v.as_u64().expect("votes"))),
            "{what}: votes of {c}"
        );
    }
}

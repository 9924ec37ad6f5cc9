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
    assert_accessible(&page.dom, "the election's total");
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
    assert_accessible(&page.dom, "the district");
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
    assert_accessible(&page.dom, "the sección");
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
    assert_accessible(&page.dom, "the casilla");
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
    assert_accessible(&page.dom, "AYUNTAMIENTOS");
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

/// The coming layout where a sección names its own rows file (`child.actas`), which may hold
/// other secciones' rows too: the client follows that path and filters by SECCION. And the
/// site works inside an iframe of another page.
#[test]
fn seccion_rows_file_and_embedding() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let pkg = support::build_package();
    let pointer = pkg.json("json/main.json");
    let index = pkg.json(str_of(&pointer["index"]));
    let total = pkg.json(str_of(&index["elections"][0]["total"]));
    let area_path = str_of(&total["children"][0]["path"]).to_owned();
    let mut area = pkg.json(&area_path);
    let old_rows_path = str_of(&area["actas"]).to_owned();
    let actas = pkg.json(&old_rows_path);
    let seccion_col = actas["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .position(|f| f == "SECCION")
        .expect("SECCION");
    let children = area["children"].as_array().expect("secciones").clone();
    let (s, s_child) = children
        .iter()
        .enumerate()
        .find(|(_, c)| c["summary"]["actas_esperadas"].as_u64() > Some(1))
        .expect("a sección with several casillas");
    let s_id = str_of(&s_child["id"]).to_owned();
    let t_id = str_of(&children[(s + 1) % children.len()]["id"]).to_owned();
    let rows_of = |id: &str| -> Vec<Value> {
        actas["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r[seccion_col] == id)
            .cloned()
            .collect()
    };
    let s_rows = rows_of(&s_id);
    // Another sección's rows first: a client that did not filter would show them.
    let mut rows = rows_of(&t_id);
    rows.extend(s_rows.iter().cloned());
    let new_rows_path = "json/gub/actas/grupo-prueba.json";
    let file = serde_json::json!({"id": area["id"], "fields": actas["fields"], "rows": rows});
    std::fs::write(pkg.dir.path().join(new_rows_path), file.to_string()).expect("write rows");
    area["children"][s]["actas"] = Value::from(new_rows_path);
    area["actas"] = Value::Null;
    std::fs::write(pkg.dir.path().join(&area_path), area.to_string()).expect("rewrite area");

    let server = Server::start(pkg.dir.path());
    let origin = server.origin();
    let link = format!("#/gub/{}/s/{s_id}", str_of(&area["id"]));
    let page = browser.load(&format!("{origin}/index.html{link}"), &origin);
    let casillas = links(&page.dom, "casilla");
    let expected: Vec<String> = s_rows
        .iter()
        .map(|r| format!("{link}/c/{}", str_of(&r[0])))
        .collect();
    assert_eq!(casillas, expected, "exactly the sección's casillas");
    let row = &s_rows[0];
    let page = browser.load(&format!("{origin}/index.html{}", casillas[0]), &origin);
    assert_eq!(
        cell_after(&page.dom, "data-acta=", "data-campo=\"CLAVE_ACTA\""),
        Some(str_of(&row[1]).to_owned())
    );
    let served = server.requests();
    assert!(served.contains(&format!("/{new_rows_path}")));
    assert!(!served.contains(&format!("/{old_rows_path}")));

    // Embedded in another page's iframe, the site still reads its data and draws.
    std::fs::write(
        pkg.dir.path().join("embebido.html"),
        format!(
            "<!doctype html><html lang=\"es\"><title>Medio de comunicación</title>\
             <iframe src=\"index.html#/gub/{}\" title=\"PREP\" width=\"900\" height=\"700\"></iframe></html>",
            str_of(&area["id"])
        ),
    )
    .expect("write embedding page");
    let before = server.requests().len();
    browser.load(&format!("{origin}/embebido.html"), &origin);
    let in_frame = &server.requests()[before..];
    assert!(
        in_frame.contains(&"/json/main.json".to_owned())
            && in_frame.contains(&format!("/{area_path}")),
        "the framed site read the pointer and the district: {in_frame:?}"
    );
}

/// A corte published while the page is open: the automatic refresh reads `json/main.json`
/// once, then only the new corte's files, and the page shows the new corte whole.
#[test]
fn automatic_refresh_shows_the_new_corte_whole() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let sources = support::Sources::read();
    let mut earlier = sources.gub.clone();
    earlier.rows.truncate(earlier.rows.len() / 2);
    let first = sources.corte(&earlier, "03/06/2024 19:00 (UTC-6)", 6);
    let published = sources.gub.preamble.corte.clone().expect("corte line");
    let second = sources.corte(&sources.gub, &published, 7);
    let dir = tempfile::tempdir().expect("dir");
    support::write_package(dir.path(), &first);
    support::write_package(dir.path(), &second);
    let server = Server::start(dir.path());
    server.pointers(vec![first.pointer.to_bytes(), second.pointer.to_bytes()]);
    let origin = server.origin();
    // The site refreshes every 5 minutes; 6 minutes of virtual time see one refresh.
    browser.set_virtual_time(6 * 60 * 1000);
    let page = browser.load(&format!("{origin}/index.html#/gub"), &origin);

    let json = |pkg: &prep_corte::Package, path: &str| -> Value {
        let f = pkg
            .files
            .iter()
            .find(|f| f.path == path)
            .expect("file of the corte");
        serde_json::from_slice(&f.bytes).expect("JSON")
    };
    let total_of = |pkg: &prep_corte::Package| -> String {
        let index = json(pkg, &pkg.pointer.index);
        str_of(&index["elections"][0]["total"]).to_owned()
    };
    let (total1, total2) = (total_of(&first), total_of(&second));
    assert_ne!(total1, total2, "the two cortes differ");
    assert_eq!(
        cell_after(&page.dom, "<time", "data-campo=\"corte\"").as_deref(),
        Some(published.as_str())
    );
    assert_summary(
        &page.dom,
        &json(&second, &total2)["summary"],
        "after the refresh",
    );
    assert!(page.dom.contains("Nuevo corte"), "the refresh is announced");

    let served = server.requests();
    let mains: Vec<usize> = served
        .iter()
        .enumerate()
        .filter(|(_, p)| *p == "/json/main.json")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        mains.len(),
        2,
        "one read of main.json per refresh: {served:?}"
    );
    let data = |range: &[String]| -> Vec<String> {
        range
            .iter()
            .filter(|p| p.starts_with("/json/"))
            .map(|p| p.trim_start_matches('/').to_owned())
            .collect()
    };
    let has = |pkg: &prep_corte::Package, path: &str| pkg.files.iter().any(|f| f.path == path);
    let before = data(&served[mains[0] + 1..mains[1]]);
    let after = data(&served[mains[1] + 1..]);
    assert!(
        before.contains(&total1) && after.contains(&total2),
        "{served:?}"
    );
    for p in &before {
        assert!(has(&first, p), "{p} read for the first corte is not of it");
    }
    for p in &after {
        assert!(
            has(&second, p),
            "{p} read for the second corte is not of it"
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

/// What the page's structure promises: language, a skip link to the main region, one h1,
/// every table captioned with scoped header cells, no inline script or style.
fn assert_accessible(dom: &str, what: &str) {
    assert!(dom.contains("<html lang=\"es-MX\">"), "{what}: lang");
    assert!(dom.contains("href=\"#contenido\""), "{what}: skip link");
    assert!(
        dom.contains("<main id=\"contenido\""),
        "{what}: main region"
    );
    assert_eq!(dom.matches("<h1").count(), 1, "{what}: one h1");
    assert_eq!(
        dom.matches("<table").count(),
        dom.matches("<caption").count(),
        "{what}: every table has a caption"
    );
    assert_eq!(
        dom.matches("<th ").count() + dom.matches("<th>").count(),
        dom.matches("<th scope=\"").count(),
        "{what}: every header cell has a scope"
    );
    assert_eq!(
        dom.matches("<script").count(),
        dom.matches("<script src=").count(),
        "{what}: no inline script"
    );
    assert!(!dom.contains(" style=\""), "{what}: no inline style");
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

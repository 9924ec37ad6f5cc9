//! The public site in a real browser: a package built from the published Puebla 2024
//! databases (GUBERNATURA and AYUNTAMIENTOS) with the default site, served on loopback, loaded
//! in headless Debian `chromium`. Checks the corte time, the totals against the JSON, the
//! drill-down area → sección → casilla by following the links the page renders, and that every
//! request the page made stayed in the origin (Chromium's net log and the server's log).
//!
//! Needs `/usr/bin/chromium` (Debian package `chromium`): with CI=true a missing browser fails
//! the test; on a developer machine it is skipped with a note.

use crate::support::{Browser, Server, cell_after, links, percent, thousands};
use serde_json::Value;

#[test]
fn site_in_headless_chromium() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let pkg = crate::support::build_package();
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
    // The public list of difusores: the enabled one linked (its name as text), the suspended
    // one shown without a link.
    assert!(
        page.dom.contains(
            "<li data-difusor=\"medio\"><a href=\"https://medio.example/prep\" rel=\"noopener\">El Medio &lt;Noticias&gt;</a></li>"
        ),
        "the enabled difusor is linked"
    );
    assert!(
        page.dom.contains("<li data-difusor=\"suspendido\" class=\"inhabilitado\"><span aria-disabled=\"true\">Medio Suspendido</span> (enlace inhabilitado)</li>"),
        "the suspended difusor is shown without its link"
    );
    assert!(!page.dom.contains("href=\"https://suspendido.example"));

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

    // 3. A sección of it, by its link: the district lists its secciones, with their acta
    // counts, from its `secciones` groups.
    assert!(
        area["children"].as_array().expect("children").is_empty(),
        "a district lists secciones, not children"
    );
    let secciones = links(&page.dom, "seccion");
    let listed = seccion_list(&area);
    assert_eq!(secciones.len(), listed.len(), "one link per sección");
    let area_id = str_of(&area["id"]);
    for (link, s) in secciones.iter().zip(&listed) {
        assert_eq!(*link, format!("#/gub/{area_id}/s/{}", uri_component(&s.id)));
        for (field, n) in [
            ("actas_esperadas", s.esperadas),
            ("actas_capturadas", s.capturadas),
            ("actas_contabilizadas", s.contabilizadas),
        ] {
            assert_eq!(
                cell_after(
                    &page.dom,
                    &format!("data-id=\"{}\"", s.id),
                    &format!("data-campo=\"{field}\"")
                ),
                Some(thousands(n)),
                "sección {}: {field}",
                s.id
            );
        }
    }
    // The first sección with more than one casilla whose actas file holds other secciones too,
    // to see the rows filtered.
    let fields: Vec<&str> = gub["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(str_of)
        .collect();
    let col = |name: &str| fields.iter().position(|f| *f == name).expect("field");
    let (link, seccion) = secciones
        .iter()
        .zip(&listed)
        .find(|(_, s)| s.esperadas > 1 && s.shared)
        .expect("a sección with several casillas in a shared file");
    let seccion_id = seccion.id.as_str();
    let page = browser.load(&format!("{origin}/index.html{link}"), &origin);
    let actas = pkg.json(&seccion.actas);
    let (summary, votes) = seccion_counters(&actas, seccion_id);
    assert_summary(&page.dom, &summary, "the sección");
    assert_accessible(&page.dom, "the sección");
    assert_columns(&page.dom, gub, &votes, "the sección");
    let all_rows = actas["rows"].as_array().expect("rows");
    let rows: Vec<&Vec<Value>> = all_rows
        .iter()
        .filter_map(Value::as_array)
        .filter(|r| r[col("SECCION")] == seccion_id)
        .collect();
    assert!(
        rows.len() < all_rows.len(),
        "{} holds other secciones' rows too",
        seccion.actas
    );
    let casillas = links(&page.dom, "casilla");
    let expected: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{link}/c/{}",
                uri_component(str_of(&r[col("CLAVE_CASILLA")]))
            )
        })
        .collect();
    assert_eq!(casillas, expected, "one link per casilla of the sección");
    assert!(rows.len() > 1);

    // 4. One casilla: its acta's cells as published.
    let row = rows[1];
    let clave = str_of(&row[col("CLAVE_CASILLA")]);
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
            .contains(&format!("href=\"{}{codigo}\"", crate::support::IMAGE_HOST)),
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

/// A sección's counters and rows come from the actas file its area's `secciones` group names,
/// which holds other secciones too: the client follows that path (it never builds one), takes
/// the sección's own counters and shows only its rows, filtered by SECCION (whose position the
/// index's `fields` give), even when the other secciones come first. And the site works inside
/// an iframe of another page.
#[test]
fn seccion_rows_file_and_embedding() {
    let Some(browser) = Browser::find() else {
        return;
    };
    let pkg = crate::support::build_package();
    let pointer = pkg.json("json/main.json");
    let index = pkg.json(str_of(&pointer["index"]));
    let gub = &index["elections"][0];
    let seccion_col = gub["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .position(|f| f == "SECCION")
        .expect("SECCION");
    let clave_col = seccion_col - 2;
    assert_eq!(gub["fields"][clave_col], "CLAVE_CASILLA");
    let total = pkg.json(str_of(&gub["total"]));
    let area_path = str_of(&total["children"][0]["path"]).to_owned();
    let mut area = pkg.json(&area_path);
    // A sección with several casillas that shares its file, and not the file's first: its
    // counters and rows are put last in a copy of the file under another name.
    let listed = seccion_list(&area);
    let s = listed
        .iter()
        .find(|s| s.esperadas > 1 && s.shared)
        .expect("a sección with several casillas in a shared file");
    let s_id = s.id.clone();
    let old_rows_path = s.actas.clone();
    let actas = pkg.json(&old_rows_path);
    let rows_of = |keep: &dyn Fn(&str) -> bool| -> Vec<Value> {
        actas["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| keep(str_of(&r[seccion_col])))
            .cloned()
            .collect()
    };
    let s_rows = rows_of(&|id| id == s_id);
    let mut rows = rows_of(&|id| id != s_id);
    assert!(!rows.is_empty(), "other secciones' rows in {old_rows_path}");
    rows.extend(s_rows.iter().cloned());
    let entries = actas["secciones"].as_array().expect("secciones");
    let mut counters: Vec<Value> = entries
        .iter()
        .filter(|e| e["id"] != s_id)
        .cloned()
        .collect();
    counters.extend(entries.iter().filter(|e| e["id"] == s_id).cloned());
    let (summary, votes) = seccion_counters(&actas, &s_id);
    let (first_summary, _) = seccion_counters(&actas, str_of(&counters[0]["id"]));
    assert_ne!(summary, first_summary, "the secciones' counters differ");
    let new_rows_path = "json/gub/actas/grupo-prueba.json";
    let file = serde_json::json!({"id": actas["id"], "rows": rows, "secciones": counters});
    std::fs::write(pkg.dir.path().join(new_rows_path), file.to_string()).expect("write rows");
    for group in area["secciones"].as_array_mut().expect("groups") {
        if group["actas"] == old_rows_path.as_str() {
            group["actas"] = Value::from(new_rows_path);
        }
    }
    std::fs::write(pkg.dir.path().join(&area_path), area.to_string()).expect("rewrite area");

    let server = Server::start(pkg.dir.path());
    let origin = server.origin();
    let link = format!("#/gub/{}/s/{}", str_of(&area["id"]), uri_component(&s_id));
    let page = browser.load(&format!("{origin}/index.html{link}"), &origin);
    assert_summary(
        &page.dom,
        &summary,
        "the sección, its counters last in its file",
    );
    assert_columns(
        &page.dom,
        gub,
        &votes,
        "the sección, its counters last in its file",
    );
    let casillas = links(&page.dom, "casilla");
    let expected: Vec<String> = s_rows
        .iter()
        .map(|r| format!("{link}/c/{}", uri_component(str_of(&r[clave_col]))))
        .collect();
    assert_eq!(casillas, expected, "exactly the sección's casillas");
    let row = &s_rows[0];
    let page = browser.load(&format!("{origin}/index.html{}", casillas[0]), &origin);
    assert_eq!(
        cell_after(&page.dom, "data-acta=", "data-campo=\"CLAVE_ACTA\""),
        Some(str_of(&row[clave_col + 1]).to_owned())
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
    let sources = crate::support::Sources::read();
    let mut earlier = sources.gub.clone();
    earlier.rows.truncate(earlier.rows.len() / 2);
    let first = sources.corte(&earlier, "03/06/2024 19:00 (UTC-6)", 6);
    let published = sources.gub.preamble.corte.clone().expect("corte line");
    let second = sources.corte(&sources.gub, &published, 7);
    let dir = tempfile::tempdir().expect("dir");
    crate::support::write_package(dir.path(), &first);
    crate::support::write_package(dir.path(), &second);
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

/// One sección of a district's list, from its area file's `secciones` groups.
struct ListedSeccion {
    id: String,
    /// The actas file of its group.
    actas: String,
    /// Whether other secciones share that file.
    shared: bool,
    esperadas: u64,
    capturadas: u64,
    contabilizadas: u64,
}

/// The secciones an area file lists, in order, through its `secciones` groups (each count
/// list as long as the group's secciones).
fn seccion_list(area: &Value) -> Vec<ListedSeccion> {
    let mut out = Vec::new();
    for g in area["secciones"].as_array().expect("secciones groups") {
        let ids = g["secciones"].as_array().expect("group secciones");
        let counts = |name: &str| -> Vec<u64> {
            let v: Vec<u64> = g[name]
                .as_array()
                .expect("counts")
                .iter()
                .map(|n| n.as_u64().expect("count"))
                .collect();
            assert_eq!(v.len(), ids.len(), "{name}: one count per sección");
            v
        };
        let (esperadas, capturadas, contabilizadas) = (
            counts("actas_esperadas"),
            counts("actas_capturadas"),
            counts("actas_contabilizadas"),
        );
        for (k, id) in ids.iter().enumerate() {
            out.push(ListedSeccion {
                id: str_of(id).to_owned(),
                actas: str_of(&g["actas"]).to_owned(),
                shared: ids.len() > 1,
                esperadas: esperadas[k],
                capturadas: capturadas[k],
                contabilizadas: contabilizadas[k],
            });
        }
    }
    assert!(!out.is_empty(), "the area lists secciones");
    out
}

/// A sección's counters in an actas file: its summary (the array read by the package's own
/// model, as the object form the site's other summaries have) and its votes.
fn seccion_counters(actas: &Value, id: &str) -> (Value, Value) {
    let entry = actas["secciones"]
        .as_array()
        .expect("secciones")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("sección {id}'s counters"));
    let counters: prep_corte::model::SeccionCounters =
        serde_json::from_value(entry.clone()).expect("sección counters");
    let summary = serde_json::to_value(counters.summary).expect("summary");
    (
        summary,
        serde_json::to_value(counters.votes).expect("votes"),
    )
}

/// `s` as JavaScript's `encodeURIComponent` writes it (`N/A` → `N%2FA`).
fn uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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

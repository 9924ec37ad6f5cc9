//! The API through its router: idempotent submissions, conflicts, corrections,
//! verifications, fuera de catálogo, reading an acta back, and a precise 4xx for every kind
//! of bad request.

use crate::common::{NOW_MS, TestApi, basica, capture};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn same_submission_twice_gets_the_same_answer() {
    let api = TestApi::new();
    let clave = basica();
    let (s1, r1) = api.submit(&capture(&clave, 40)).await;
    assert_eq!(s1, StatusCode::OK, "{r1}");
    assert_eq!(r1["acta"], clave.as_str());
    assert_eq!(r1["repeat"], false);
    assert_eq!(r1["fuera_de_catalogo"], false);
    assert_eq!(r1["state"]["status"], "captured");
    assert_eq!(r1["state"]["contabilizada"], "1");
    assert_eq!(
        r1["state"]["observaciones"],
        "ALGUN CAMPO ILEGIBLE O SIN DATO"
    );
    assert_eq!(r1["state"]["total_votos_calculado"], 50);
    let (s2, r2) = api.submit(&capture(&clave, 40)).await;
    assert_eq!(s2, StatusCode::OK, "{r2}");
    assert_eq!(r2["repeat"], true);
    for field in ["event", "acta", "content_sha256", "kind", "election"] {
        assert_eq!(r1[field], r2[field], "{field}");
    }
    assert_eq!(api.store.last_event().expect("last").0, 1);

    // The event carries the server's clock, the centre as origin, and the declared time.
    let history = api.store.acta_history("GUB", &clave).expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].at_ms, NOW_MS);
    assert_eq!(history[0].origin.to_text(), "catd:catd-07");
    assert_eq!(
        history[0].content.details.fecha_hora_captura.as_deref(),
        Some("02/06/2024 20:58:00")
    );
}

#[tokio::test]
async fn conflicting_capture_is_409_and_a_correction_then_verification_is_accepted() {
    let api = TestApi::new();
    let clave = basica();
    let (s, first) = api.submit(&capture(&clave, 40)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = api.submit(&capture(&clave, 41)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "conflict");
    let msg = body["message"].as_str().expect("message");
    assert!(msg.contains(&clave) && msg.contains("correction"), "{msg}");

    let mut correction = capture(&clave, 41);
    correction["kind"] = json!("correction");
    let (s, corrected) = api.submit(&correction).await;
    assert_eq!(s, StatusCode::OK, "{corrected}");
    assert_ne!(corrected["event"], first["event"]);
    assert_eq!(corrected["state"]["total_votos_calculado"], 51);

    let mut verification = capture(&clave, 41);
    verification["kind"] = json!("verification");
    let (s, verified) = api.submit(&verification).await;
    assert_eq!(s, StatusCode::OK, "{verified}");
    assert_eq!(verified["state"]["status"], "verified");

    let uri = format!("/api/v1/elections/GUB/actas/{clave}");
    let (s, view) = api.send("GET", &uri, Some(&api.casilla), None, "").await;
    assert_eq!(s, StatusCode::OK, "{view}");
    let kinds: Vec<&str> = view["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["capture", "correction", "verification"]);
    assert_eq!(view["history"][1]["content"]["votes"]["PAN"], "41");
    assert_eq!(view["state"]["status"], "verified");
}

#[tokio::test]
async fn an_acta_matching_no_catalogue_entry_is_stored_fuera_de_catalogo() {
    let api = TestApi::new();
    let (s, r) = api.submit(&capture("219999B01002", 5)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["fuera_de_catalogo"], true);
    assert_eq!(r["acta"], "FC:219999B01002");
    assert_eq!(r["state"]["contabilizada"], "2");

    // By its fields instead of its clave: the same acta, the same answer.
    let mut by_fields = capture("", 5);
    by_fields["acta"] = json!({
        "id_entidad": "21", "seccion": "9999", "tipo_casilla": "B",
        "id_casilla": "01", "ext_contigua": "00", "tipo_acta": "2"
    });
    let (s, again) = api.submit(&by_fields).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["event"], r["event"]);
    assert_eq!(again["repeat"], true);

    // Identified by its image only.
    let mut by_image = capture("", 7);
    by_image["acta"] = json!({});
    by_image["details"]["codigo_integridad"] = json!("ab".repeat(32));
    let (s, img) = api.submit(&by_image).await;
    assert_eq!(s, StatusCode::OK, "{img}");
    assert_eq!(img["acta"], format!("FC:IMG:{}", "ab".repeat(32)));
}

/// Asserts a refusal: status, code, field, and that the message names `needle`.
fn refused(
    got: (StatusCode, serde_json::Value),
    status: StatusCode,
    field: Option<&str>,
    needle: &str,
) {
    let (s, body) = got;
    assert_eq!(s, status, "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert_eq!(body["field"].as_str(), field, "{body}");
    let msg = body["message"].as_str().expect("message");
    assert!(
        msg.contains(needle),
        "message {msg:?} should name {needle:?}"
    );
}

#[tokio::test]
async fn every_bad_request_is_a_4xx_naming_the_problem() {
    let api = TestApi::new();
    let clave = basica();
    let good = capture(&clave, 3).to_string();
    let json_ct = Some("application/json");
    let events = "/api/v1/events";

    let r = api.send("POST", events, None, json_ct, good.clone()).await;
    refused(
        r,
        StatusCode::UNAUTHORIZED,
        None,
        "missing Authorization header",
    );
    let r = api
        .send("POST", events, Some("prep_0000"), json_ct, good.clone())
        .await;
    refused(
        r,
        StatusCode::UNAUTHORIZED,
        None,
        "bearer token is not valid",
    );
    let basic = axum::http::Request::builder()
        .method("POST")
        .uri(events)
        .header("authorization", "Basic YTpi")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(good.clone()))
        .expect("request");
    let resp = tower::ServiceExt::oneshot(api.router.clone(), basic)
        .await
        .expect("response");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");

    let r = api
        .send(
            "POST",
            events,
            Some(&api.catd),
            json_ct,
            "{\"election\": \"GUB\",",
        )
        .await;
    refused(r, StatusCode::BAD_REQUEST, None, "not valid JSON");
    let r = api
        .send(
            "POST",
            events,
            Some(&api.catd),
            Some("text/plain"),
            good.clone(),
        )
        .await;
    refused(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        None,
        "reads 'application/json'",
    );
    let r = api
        .send("POST", events, Some(&api.catd), None, good.clone())
        .await;
    refused(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        None,
        "no Content-Type header",
    );
    let huge = format!("{{\"election\": \"{}\"}}", "G".repeat(70_000));
    let r = api
        .send("POST", events, Some(&api.catd), json_ct, huge)
        .await;
    refused(r, StatusCode::PAYLOAD_TOO_LARGE, None, "65536 bytes");

    let mut unknown_field = capture(&clave, 3);
    unknown_field["details"]["colour"] = json!("red");
    refused(
        api.submit(&unknown_field).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("details.colour"),
        "unknown field `colour`",
    );
    let mut unknown_column = capture(&clave, 3);
    unknown_column["votes"]["PARTIDO_X"] = json!(4);
    refused(
        api.submit(&unknown_column).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("votes.PARTIDO_X"),
        "no vote column 'PARTIDO_X'",
    );
    let mut negative = capture(&clave, 3);
    negative["votes"]["PAN"] = json!(-3);
    refused(
        api.submit(&negative).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("votes.PAN"),
        "-3 is not a cell value",
    );
    let mut text = capture(&clave, 3);
    text["votes"]["PRI"] = json!("doce");
    refused(
        api.submit(&text).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("votes.PRI"),
        "\"doce\"",
    );
    let mut election = capture(&clave, 3);
    election["election"] = json!("PRES");
    refused(
        api.submit(&election).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("election"),
        "no election 'PRES'",
    );
    let mut kind = capture(&clave, 3);
    kind["kind"] = json!("delete");
    refused(
        api.submit(&kind).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("kind"),
        "unknown variant `delete`",
    );
    let mut missing = capture(&clave, 3);
    missing.as_object_mut().expect("object").remove("acta");
    refused(
        api.submit(&missing).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body"),
        "missing field `acta`",
    );
    let mut verification = capture(&clave, 3);
    verification["kind"] = json!("verification");
    refused(
        api.submit(&verification).await,
        StatusCode::CONFLICT,
        Some("kind"),
        "has not been captured yet",
    );
    let mut unidentified = capture("", 3);
    unidentified["acta"] = json!({});
    refused(
        api.submit(&unidentified).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("acta.clave_acta"),
        "neither a CLAVE_ACTA nor a CODIGO_INTEGRIDAD",
    );
    // Nothing of the above was stored.
    assert_eq!(api.store.last_event().expect("last").0, 0);

    let r = api
        .send(
            "POST",
            "/api/v1/elections/GUB/bulk",
            Some(&api.casilla),
            Some("text/csv"),
            "",
        )
        .await;
    refused(r, StatusCode::FORBIDDEN, None, "PREP Casilla token");
    let r = api
        .send(
            "GET",
            "/api/v1/elections/GUB/actas/210000X",
            Some(&api.catd),
            None,
            "",
        )
        .await;
    refused(r, StatusCode::NOT_FOUND, None, "has not been captured");
    let r = api
        .send(
            "GET",
            "/api/v1/elections/PRES/actas/210000X",
            Some(&api.catd),
            None,
            "",
        )
        .await;
    refused(r, StatusCode::NOT_FOUND, None, "no election 'PRES'");
    let r = api.send("GET", "/api/v2/nothing", None, None, "").await;
    refused(r, StatusCode::NOT_FOUND, None, "no such route");
    let r = api.send("DELETE", "/api/v1/events", None, None, "").await;
    refused(
        r,
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "does not take that method",
    );
}

#[tokio::test]
async fn health_and_elections() {
    let api = TestApi::new();
    let (s, h) = api.send("GET", "/api/v1/health", None, None, "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h, json!({"status": "ok", "last_event": 0}));
    let (s, list) = api
        .send("GET", "/api/v1/elections", Some(&api.catd), None, "")
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list[0]["id"], "GUB");
    assert_eq!(list[0]["title"], "GUBERNATURA");
    assert_eq!(list[0]["columns"][0], "PAN");
}

#[tokio::test]
async fn concurrent_identical_submissions_store_one_event() {
    let api = std::sync::Arc::new(TestApi::new());
    let clave = basica();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (api, clave) = (std::sync::Arc::clone(&api), clave.clone());
            tokio::spawn(async move { api.submit(&capture(&clave, 12)).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        let (s, r) = t.await.expect("task");
        assert_eq!(s, StatusCode::OK, "{r}");
        answers.push(r);
    }
    assert!(answers.iter().all(|r| r["event"] == answers[0]["event"]));
    let firsts = answers.iter().filter(|r| r["repeat"] == false).count();
    assert_eq!(firsts, 1, "exactly one submission stored the event");
    assert_eq!(api.store.last_event().expect("last").0, 1);
}

#[tokio::test]
async fn a_shared_clave_needs_its_area() {
    let api = TestApi::new();
    // Voto anticipado actas of several districts share this CLAVE_ACTA.
    let mut shared = capture("210000A01002", 2);
    refused(
        api.submit(&shared).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("acta"),
        "210000A01002@001",
    );
    shared["acta"]["id_area"] = json!("004");
    let (s, r) = api.submit(&shared).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["acta"], "210000A01002@004");
    assert_eq!(r["fuera_de_catalogo"], false);
}

#[tokio::test]
async fn sin_acta_is_classified_as_not_counted() {
    let api = TestApi::new();
    let clave = basica();
    let body = json!({
        "election": "GUB",
        "kind": "capture",
        "acta": {"clave_acta": clave},
        "votes": {"PAN": "SIN ACTA", "MORENA": "SIN ACTA"},
        "details": {"total_votos_asentado": "SIN ACTA", "sin_acta": "paquete_no_entregado"}
    });
    let (s, r) = api.submit(&body).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"]["contabilizada"], "0");
    assert_eq!(
        r["state"]["observaciones"],
        "SIN ACTA POR PAQUETE NO ENTREGADO"
    );
    let mut bad = body.clone();
    bad["details"]["sin_acta"] = json!("lost");
    refused(
        api.submit(&bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("details.sin_acta"),
        "unknown variant `lost`",
    );
}

#[tokio::test]
async fn concurrent_conflicting_captures_one_wins_the_others_get_409() {
    let api = std::sync::Arc::new(TestApi::new());
    let clave = basica();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let (api, clave) = (std::sync::Arc::clone(&api), clave.clone());
            tokio::spawn(async move { api.submit(&capture(&clave, 20 + i)).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let (s, r) = t.await.expect("task");
        if s == StatusCode::CONFLICT {
            assert_eq!(r["error"], "conflict", "{r}");
        }
        statuses.push(s);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1);
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        5
    );
    assert_eq!(api.store.last_event().expect("last").0, 1);
    assert!(
        api.store
            .check_derived_state()
            .expect("check")
            .is_consistent()
    );
}

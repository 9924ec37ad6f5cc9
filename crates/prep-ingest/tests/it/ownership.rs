//! Who may amend an acta: a verification or correction comes from the centre that captured
//! the acta, or from a supervisor. Another centre's attempt is a 403 naming the rule, and
//! changes nothing in the store.

use crate::common::{NOW_MS, TestApi, basica, capture};
use axum::http::StatusCode;
use prep_ingest::{AppState, Role, TokenKind, Tokens, router};
use serde_json::json;
use std::sync::Arc;

/// A server whose centres are `catd-07` (the API's usual CATD token), `catd-08`, the app
/// `app-1` and the supervisor `supervision`; the tokens of `catd-08` and of the supervisor
/// are returned beside it.
fn server() -> (TestApi, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = crate::common::store(dir.path());
    let mut tokens = Tokens::default();
    let catd = tokens
        .issue("catd-07", TokenKind::Catd, false)
        .expect("token");
    let other = tokens
        .issue("catd-08", TokenKind::Catd, false)
        .expect("token");
    let casilla = tokens
        .issue("app-1", TokenKind::Casilla, false)
        .expect("token");
    let supervisor = tokens
        .issue_as("supervision", TokenKind::Catd, Role::Supervisor, false)
        .expect("token");
    let mut state = AppState::new(Arc::clone(&store), tokens).expect("state");
    state.clock = Arc::new(|| NOW_MS);
    let api = TestApi {
        dir,
        store,
        router: router(state),
        catd,
        casilla,
    };
    (api, other, supervisor)
}

async fn submit_as(
    api: &TestApi,
    token: &str,
    body: &serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    api.send(
        "POST",
        "/api/v1/events",
        Some(token),
        Some("application/json"),
        body.to_string(),
    )
    .await
}

fn amendment(clave: &str, pan: u64, kind: &str) -> serde_json::Value {
    let mut body = capture(clave, pan);
    body["kind"] = json!(kind);
    body
}

#[tokio::test]
async fn another_centre_cannot_correct_nor_verify_an_acta_it_did_not_capture() {
    let (api, other, _) = server();
    let clave = basica();
    let (s, captured) = api.submit(&capture(&clave, 40)).await;
    assert_eq!(s, StatusCode::OK, "{captured}");
    let before = api.store.acta_state("GUB", &clave).expect("state");
    let last = api.store.last_event().expect("last");

    for (kind, pan) in [
        ("correction", 99),
        ("verification", 40),
        ("verification", 99),
    ] {
        let (s, body) = submit_as(&api, &other, &amendment(&clave, pan, kind)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{kind}: {body}");
        assert_eq!(body["error"], "not_capturing_centre", "{body}");
        let message = body["message"].as_str().expect("message");
        assert!(
            message.contains("catd-08") && message.contains("catd-07") && message.contains(&clave),
            "the message names the centres and the acta: {message}"
        );
        assert!(message.contains("supervisor"), "{message}");
    }
    // The PREP Casilla app did not capture it either.
    let (s, body) = submit_as(&api, &api.casilla, &amendment(&clave, 41, "correction")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");

    // Nothing changed: same events, same state.
    assert_eq!(api.store.last_event().expect("last"), last);
    assert_eq!(api.store.acta_state("GUB", &clave).expect("state"), before);
    assert_eq!(
        api.store
            .acta_history("GUB", &clave)
            .expect("history")
            .len(),
        1
    );

    // The centre that captured it still corrects and verifies it.
    let (s, body) = api.submit(&amendment(&clave, 41, "correction")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = api.submit(&amendment(&clave, 41, "verification")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["state"]["status"], "verified");
}

#[tokio::test]
async fn a_supervisor_corrects_any_acta_and_the_trail_names_it() {
    let (api, other, supervisor) = server();
    let clave = basica();
    let (s, body) = api.submit(&capture(&clave, 40)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) = submit_as(&api, &supervisor, &amendment(&clave, 42, "correction")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["state"]["total_votos_calculado"], 52);
    let (s, body) = submit_as(&api, &supervisor, &amendment(&clave, 42, "verification")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["state"]["status"], "verified");
    // The capture still belongs to catd-07: catd-08 is still refused, catd-07 may amend.
    let (s, body) = submit_as(&api, &other, &amendment(&clave, 43, "correction")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = api.submit(&amendment(&clave, 43, "correction")).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let origins: Vec<String> = api
        .store
        .acta_history("GUB", &clave)
        .expect("history")
        .iter()
        .map(|e| format!("{} {}", e.kind.as_str(), e.origin.to_text()))
        .collect();
    assert_eq!(
        origins,
        [
            "capture catd:catd-07",
            "correction catd:supervision",
            "verification catd:supervision",
            "correction catd:catd-07",
        ]
    );
}

#[tokio::test]
async fn an_amendment_of_an_uncaptured_acta_is_still_not_captured() {
    let (api, other, _) = server();
    let (s, body) = submit_as(&api, &other, &amendment(&basica(), 1, "verification")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "not_captured");
}

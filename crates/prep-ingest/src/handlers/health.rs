//! `GET /api/v1/health`: the server is up and its store answers (no token needed).

use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use serde::Serialize;

/// The health answer.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// The id of the last stored event.
    pub last_event: u64,
}

/// Reads the last event id (a query on the store, so a broken store is a 500).
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let last = state.with_store(|store| Ok(store.last_event()?.0)).await?;
    Ok(Json(Health {
        status: "ok",
        last_event: last,
    }))
}

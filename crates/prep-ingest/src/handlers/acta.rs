//! `GET /api/v1/elections/{election}/actas/{acta}`: an acta's state and audit trail, for a
//! capture centre to confirm what the store holds.

use crate::{ApiError, AppState, Caller, EventView, StateView};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::Serialize;

/// An acta as the store holds it.
#[derive(Debug, Serialize)]
pub struct ActaView {
    /// The election id.
    pub election: String,
    /// The store's key of the acta.
    pub acta: String,
    /// True when it matches no catalogue entry.
    pub fuera_de_catalogo: bool,
    /// Its current state.
    pub state: StateView,
    /// Its events, oldest first.
    pub history: Vec<EventView>,
}

/// Reads an acta by its store key (as a submission's answer gave it; `#` written `%23`).
pub async fn acta(
    State(state): State<AppState>,
    _caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<ActaView>, ApiError> {
    let Path((election, acta)) = path.map_err(|e| ApiError::invalid("path", e.body_text()))?;
    let view = state
        .with_store(move |store| {
            store.election(&election).map_err(|e| match e {
                prep_store::StoreError::UnknownElection(_) => ApiError::not_found(e.to_string()),
                e => ApiError::from_store(e),
            })?;
            let Some(st) = store.acta_state(&election, &acta)? else {
                return Err(ApiError::not_found(format!(
                    "acta '{acta}' of election '{election}' has not been captured (the key is the CLAVE_ACTA, CLAVE@AREA or FC:… that a submission's answer gave)"
                )));
            };
            let history = store.acta_history(&election, &acta)?;
            Ok(ActaView {
                election,
                acta,
                fuera_de_catalogo: st.fuera_de_catalogo,
                state: StateView::of(&st),
                history: history.into_iter().map(EventView::of).collect(),
            })
        })
        .await?;
    Ok(Json(view))
}

//! `GET /api/v1/elections`: the elections the store knows, with their vote columns, so a
//! client can check its forms before submitting.

use crate::{ApiError, AppState, Caller};
use axum::Json;
use axum::extract::State;
use serde::Serialize;

/// One election.
#[derive(Debug, Serialize)]
pub struct ElectionView {
    /// Its id.
    pub id: String,
    /// Its title (`GUBERNATURA`).
    pub title: String,
    /// Its vote columns, in published order.
    pub columns: Vec<String>,
}

/// Lists the elections.
pub async fn elections(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<Vec<ElectionView>>, ApiError> {
    let list = state
        .with_store(|store| {
            let mut out = Vec::new();
            for id in store.elections()? {
                let spec = store.election(&id)?;
                out.push(ElectionView {
                    id: spec.id,
                    title: spec.title,
                    columns: spec.columns,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(list))
}

//! `POST /api/v1/events`: one capture, verification or correction.

use crate::body::{body_bytes, parse_json, require_media_type};
use crate::{ApiError, AppState, Caller, Receipt, Submission};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;

/// Records one event; answers once it is on disk. The same submission again gets the same
/// event id (`repeat: true`); a capture of an already captured acta with other content is
/// 409. A verification or correction of an acta another centre captured is 403 unless the
/// caller is a supervisor.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Receipt>, ApiError> {
    require_media_type(&headers, "application/json")?;
    let bytes = body_bytes(body, state.limits.submission_bytes)?;
    let submission: Submission = parse_json(&bytes)?;
    let event = submission.into_event(caller.origin(), (state.clock)())?;
    let recorded = state.writer.record(event, caller.authority()).await?;
    let receipt = state
        .with_store(move |store| {
            let acta_state = store.acta_state(&recorded.ack.election, &recorded.ack.acta)?;
            Ok(Receipt::new(
                recorded.ack,
                !recorded.appended,
                acta_state.as_ref(),
            ))
        })
        .await?;
    Ok(Json(receipt))
}

//! `GET /openapi.json`: the API's OpenAPI 3.1 document, the file `docs/ingest-openapi.json`
//! of the repository compiled in.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

/// The OpenAPI document, as in the repository.
pub const OPENAPI_JSON: &str = include_str!("../../../../docs/ingest-openapi.json");

/// Serves [`OPENAPI_JSON`].
pub async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

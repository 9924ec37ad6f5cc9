//! [`ApiError`]: every refusal and failure of the API as a status and a JSON body
//! `{"error": CODE, "message": TEXT, "field": PATH | null}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use prep_store::StoreError;
use serde::Serialize;

/// An error answered to a client: what went wrong, where (the request field, when one is
/// to blame) and what to do, with its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status (4xx for a refusal of the request, 5xx for a failure of the server).
    pub status: StatusCode,
    /// A stable machine-readable code (`unauthorized`, `invalid_field`, `conflict`, …).
    pub code: &'static str,
    /// A sentence for a person: what is wrong and what to do.
    pub message: String,
    /// The request field to blame, as a dotted path (`votes.PAN`, `acta.clave_acta`).
    pub field: Option<String>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with no field to blame.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// Names the request field to blame.
    pub fn at(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 422: a field of a well-formed request holds an unusable value.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).at(field)
    }

    /// 400: the body is not what the route reads.
    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_body", message)
    }

    /// 401: no usable credentials.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: valid credentials that do not allow this action.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: nothing at this address.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 413: the body is larger than the route accepts.
    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "the request body is larger than this route's limit of {limit} bytes; split it into smaller requests"
            ),
        )
    }

    /// 415: the body is not of the media type the route reads.
    pub fn unsupported_media_type(expected: &str, got: Option<&str>) -> ApiError {
        let got = got.map_or("no Content-Type header".to_owned(), |g| {
            format!("Content-Type '{g}'")
        });
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("this route reads '{expected}' but the request has {got}"),
        )
    }

    /// 500: the server failed; the client may retry the same request (submissions are
    /// idempotent).
    pub fn internal(message: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("the server failed ({message}); retry the same request later, it is safe"),
        )
    }

    /// The answer to a store error: a refusal of the input is a 4xx naming the problem, a
    /// failure of the store a 500.
    pub fn from_store(e: StoreError) -> ApiError {
        let message = e.to_string();
        match e {
            StoreError::UnknownElection(_) => ApiError::invalid("election", message),
            StoreError::UnknownColumn { column, .. } => {
                ApiError::invalid(format!("votes.{column}"), message)
            }
            StoreError::Conflict { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message).at("kind")
            }
            StoreError::NotCaptured { .. } => {
                ApiError::new(StatusCode::CONFLICT, "not_captured", message).at("kind")
            }
            StoreError::NotCapturingCentre { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "not_capturing_centre", message).at("acta")
            }
            StoreError::Ambiguous { .. } => ApiError::invalid("acta", message),
            StoreError::Unidentified => ApiError::invalid("acta.clave_acta", message),
            StoreError::TooLarge(_) => ApiError::invalid("votes", message),
            e if e.is_refusal() => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", e.to_string())
            }
            e => ApiError::internal(e),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({}): {}", self.code, field, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::from_store(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            message: &self.message,
            field: self.field.as_deref(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

//! Reading request bodies: the media type, the size limit, and JSON with the path of the
//! field to blame (`serde_path_to_error`), so every refusal names what is wrong and where.

use crate::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header::CONTENT_TYPE};
use serde::de::DeserializeOwned;

/// Checks that the body is of media type `expected` (parameters such as `charset` allowed).
pub fn require_media_type(headers: &HeaderMap, expected: &str) -> Result<(), ApiError> {
    let got = headers.get(CONTENT_TYPE).map(|v| v.to_str().unwrap_or("?"));
    let essence = got
        .and_then(|g| g.split(';').next())
        .map(|e| e.trim().to_ascii_lowercase());
    if essence.as_deref() == Some(expected) {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(expected, got))
    }
}

/// The body's bytes, or the refusal: 413 past the route's limit, 400 otherwise.
pub fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(limit)
        } else {
            ApiError::malformed(format!("the request body could not be read: {rejection}"))
        }
    })
}

/// Parses a JSON body: 400 when it is not JSON (with line and column), 422 when a field
/// is missing, unknown or of the wrong type (with the field's path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    if value.is_ok() {
        de.end().map_err(|e| {
            ApiError::malformed(format!(
                "the body is not valid JSON: {e} (data after the object)"
            ))
        })?;
    }
    value.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                ApiError::malformed(format!("the body is not valid JSON: {inner}"))
            }
            _ => {
                let message = inner.to_string();
                let field = field_of(&path);
                let message = if field.is_empty() {
                    format!("the body does not match the request schema: {message}")
                } else {
                    format!("{field}: {message}")
                };
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).at(
                    if field.is_empty() {
                        "body".to_owned()
                    } else {
                        field
                    },
                )
            }
        }
    })
}

/// The path of the field an error is about (`serde_path_to_error` includes an unknown
/// field's own name); empty for the body as a whole.
fn field_of(path: &str) -> String {
    if path == "." {
        String::new()
    } else {
        path.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json::<Outer>(br#"{"inner": {"n": -1}}"#).expect_err("negative");
        assert_eq!(e.field.as_deref(), Some("inner.n"));
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        let e = parse_json::<Outer>(br#"{"inner": {"n": 1, "x": 2}}"#).expect_err("unknown");
        assert_eq!(e.field.as_deref(), Some("inner.x"));
        assert!(e.message.contains("unknown field `x`"), "{}", e.message);
        let e = parse_json::<Outer>(br#"{"inner": {"n": 1}"#).expect_err("syntax");
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("line 1"), "{}", e.message);
        let e = parse_json::<Outer>(br#"{"inner": {"n": 1}} x"#).expect_err("trailing");
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e = parse_json::<Outer>(br#"{}"#).expect_err("missing");
        assert!(e.message.contains("missing field `inner`"), "{}", e.message);
    }
}

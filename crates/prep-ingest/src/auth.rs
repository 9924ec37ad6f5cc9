//! The bearer-token extractor: a handler that takes a [`Caller`] only runs for a request
//! with a valid `Authorization: Bearer <token>` header.

use crate::{ApiError, AppState, Caller, Role, TokenKind};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// Longest Authorization header value looked at.
const MAX_AUTHORIZATION: usize = 512;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let value = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized(
                "missing Authorization header: send 'Authorization: Bearer <token>' with the token `prep ingest token` issued to your capture centre",
            )
        })?;
        let text = value
            .to_str()
            .ok()
            .filter(|t| t.len() <= MAX_AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "the Authorization header is not a printable ASCII value of at most 512 bytes",
                )
            })?;
        let token = text
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "the Authorization header must be 'Bearer <token>' (another scheme or an empty token was sent)",
                )
            })?;
        state.tokens.authenticate(token).ok_or_else(|| {
            ApiError::unauthorized(
                "the bearer token is not valid: it is unknown or was replaced by `prep ingest token --rotate`; ask the institute for your centre's current token",
            )
        })
    }
}

impl Caller {
    /// Refuses a caller whose token is not a capture centre's (403).
    pub fn require_catd(&self, action: &str) -> Result<(), ApiError> {
        match self.kind {
            TokenKind::Catd => Ok(()),
            TokenKind::Casilla => Err(ApiError::forbidden(format!(
                "centre '{}' has a PREP Casilla token, which cannot {action}; only capture centre (CATD) tokens can",
                self.centre
            ))),
        }
    }

    /// Whose actas this caller may verify or correct: any with the supervisor role, else
    /// only those its centre captured.
    pub fn authority(&self) -> prep_store::Authority {
        match self.role {
            Role::Supervisor => prep_store::Authority::Any,
            Role::Capture => prep_store::Authority::OwnCaptures(self.centre.clone()),
        }
    }

    /// The origin recorded on this caller's events.
    pub fn origin(&self) -> prep_store::Origin {
        match self.kind {
            TokenKind::Catd => prep_store::Origin::Catd(self.centre.clone()),
            TokenKind::Casilla => prep_store::Origin::PrepCasilla(self.centre.clone()),
        }
    }
}

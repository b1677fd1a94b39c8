//! Typed errors of the simulator; over HTTP they become
//! `{"error": {"kind", "message"}}` with a fitting status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The phone refuses: expired or unknown QR, wrong pairing code, ...
    #[error("{0}")]
    Conflict(String),
    /// An upload over the limit for its media type.
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("could not bind the simulator: {0}")]
    Bind(#[from] std::io::Error),
    #[error("the simulator has stopped")]
    Stopped,
}

impl SimError {
    pub fn kind(&self) -> &'static str {
        match self {
            SimError::InvalidInput(_) => "invalid_input",
            SimError::NotFound(_) => "not_found",
            SimError::Conflict(_) => "conflict",
            SimError::TooLarge(_) => "too_large",
            SimError::Bind(_) => "bind",
            SimError::Stopped => "stopped",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            SimError::InvalidInput(_) => StatusCode::BAD_REQUEST,
            SimError::NotFound(_) => StatusCode::NOT_FOUND,
            SimError::Conflict(_) => StatusCode::CONFLICT,
            SimError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            SimError::Bind(_) | SimError::Stopped => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// The JSON error body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub kind: String,
    pub message: String,
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { kind: self.kind().to_owned(), message: self.to_string() } };
        (self.status(), axum::Json(body)).into_response()
    }
}

pub type SimResult<T> = Result<T, SimError>;

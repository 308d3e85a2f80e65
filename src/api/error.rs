//! Every refusal of the API, as the beacon-API shapes it: a status and a JSON body
//! `{"code": 400, "message": "..."}` that says what was wrong. Never a 500 for user input.

use axum::extract::rejection::JsonRejection;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// One API error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds a client should wait before retrying (503 only).
    pub retry_after: Option<u64>,
    /// Per-item failures of a batch (`{"index": "2", "message": "..."}`).
    pub failures: Vec<(usize, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
            failures: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// The node's thread is gone (shutting down) or its queue is full.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            retry_after: Some(1),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
        }
    }

    pub fn shutting_down() -> Self {
        Self::unavailable("the node is shutting down")
    }
}

impl From<JsonRejection> for ApiError {
    /// Malformed JSON, a wrong content type or an oversized body, with axum's own status
    /// (400, 415, 422 or 413) and reason.
    fn from(rejection: JsonRejection) -> Self {
        Self::new(rejection.status(), rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "code": self.status.as_u16(),
            "message": self.message,
        });
        if !self.failures.is_empty() {
            body["failures"] = self
                .failures
                .iter()
                .map(|(index, message)| {
                    serde_json::json!({"index": index.to_string(), "message": message})
                })
                .collect();
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            if let Ok(value) = seconds.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

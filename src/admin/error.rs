//! The one error answer of the admin API: `{"error": "..."}` (and any detail next to it) with
//! its HTTP status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value};
use std::fmt;

#[derive(Debug)]
pub(super) struct AdminError {
    status: StatusCode,
    message: String,
    details: Map<String, Value>,
}

impl AdminError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AdminError { status, message: message.into(), details: Map::new() }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(super) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// A further key of the answer, after `error`.
    pub(super) fn with(mut self, key: &str, value: Value) -> Self {
        self.details.insert(key.to_string(), value);
        self
    }

    pub(super) fn response(&self) -> HttpResponse {
        let mut body = Map::new();
        body.insert("error".into(), Value::String(self.message.clone()));
        body.extend(self.details.clone());
        HttpResponse::build(self.status).json(Value::Object(body))
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.response()
    }
}

/// What an admin handler returns.
pub(super) type Answer = Result<HttpResponse, AdminError>;

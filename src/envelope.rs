//! The only place response bodies get their outer shape.
//!
//! v3 answers `{status, code, message, ...}`; v2 answers bare objects on success and
//! `{response_status, response_code, response_msg}` on failure. Codes, statuses and messages
//! come from the catalogue; this module only arranges them.

use crate::catalogue::{self, Family, Row};
use actix_web::http::StatusCode;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Generation {
    V3,
    V2,
}

/// v2 service prefixes, in both the sandbox (`-test`) and the plain form.
const V2_PREFIXES: &[&str] = &["/identity", "/account", "/transaction", "/customer"];

impl Generation {
    /// Which envelope a path speaks, also for paths the sandbox does not serve.
    pub fn of_path(path: &str) -> Self {
        let first = path.split('/').nth(1).unwrap_or("");
        let service = first.strip_suffix("-test").unwrap_or(first);
        let is_v2 = V2_PREFIXES.iter().any(|p| &p[1..] == service) && path.split('/').nth(2) == Some("v2");
        if is_v2 {
            Self::V2
        } else {
            Self::V3
        }
    }
}

/// A failed call: which catalogue row answers it, and what to tell the caller.
#[derive(Clone, Debug)]
pub struct Failure {
    pub row: &'static Row,
    /// Replaces the row's message (a scenario may word it differently).
    pub message: Option<String>,
    /// Appended to gateway-level messages so the caller learns what exactly was wrong.
    pub detail: Option<String>,
}

impl Failure {
    /// A gateway-level failure named by its v3 `error_code` (INVALID_REQUEST, UNAUTHORIZED ...).
    pub fn http(error_code: &str, detail: impl Into<Option<String>>) -> Self {
        let row = catalogue::by_error_code(error_code)
            .or_else(|| catalogue::by_error_code("INTERNAL_ERROR"))
            .expect("the catalogue holds the gateway rows");
        Self { row, message: None, detail: detail.into() }
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::http("INVALID_REQUEST", Some(detail.into()))
    }

    /// A catalogue code as the operation's families word it; None for an unknown code.
    pub fn code(code: i64, families: &[Family]) -> Option<Self> {
        catalogue::lookup(code, families).map(|row| Self { row, message: None, detail: None })
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_message(mut self, message: Option<String>) -> Self {
        if message.is_some() {
            self.message = message;
        }
        self
    }

    pub fn status(&self, generation: Generation) -> StatusCode {
        let status = match generation {
            Generation::V3 => self.row.v3_status,
            Generation::V2 => self.row.v2_status,
        };
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn text(&self) -> String {
        let base = self.message.clone().unwrap_or_else(|| self.row.message.to_string());
        match &self.detail {
            Some(detail) => format!("{base}: {detail}"),
            None => base,
        }
    }

    pub fn render(&self, generation: Generation) -> (StatusCode, Value) {
        let body = match generation {
            Generation::V3 => {
                let mut body = json!({"status": false, "code": self.row.code, "message": self.text()});
                if let Some(error_code) = self.row.error_code {
                    body["error_code"] = json!(error_code);
                }
                body
            }
            Generation::V2 => {
                // v2 words gateway failures with its own codes (500102..500105); 500102 carries
                // the validator's text as its message.
                let v2_row = if self.row.families.contains(&Family::Http) {
                    catalogue::v2_gateway_for(self.row.v2_status)
                } else {
                    None
                };
                match v2_row {
                    Some(row) => json!({
                        "response_status": row.v2_response_status,
                        "response_code": row.code.to_string(),
                        "response_msg": match (&self.detail, row.code) {
                            (Some(detail), 500102) => detail.clone(),
                            (Some(detail), _) => format!("{}: {detail}", row.message),
                            (None, _) => row.message.to_string(),
                        },
                    }),
                    None => json!({
                        "response_status": self.row.v2_response_status,
                        "response_code": self.row.code.to_string(),
                        "response_msg": self.text(),
                    }),
                }
            }
        };
        (self.status(generation), body)
    }
}

/// The v3 success envelope; `extra` fields sit beside `data` (e.g. the echoed `reference`).
pub(crate) fn v3_success(data: Option<Value>, extra: &[(&str, Value)]) -> Value {
    let mut body = json!({"status": true, "code": 0, "message": "success"});
    for (key, value) in extra {
        body[*key] = value.clone();
    }
    if let Some(data) = data {
        body["data"] = data;
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_told_apart_by_generation() {
        assert_eq!(Generation::of_path("/identity-test/v2/token"), Generation::V2);
        assert_eq!(Generation::of_path("/transaction/v2/remittance"), Generation::V2);
        assert_eq!(Generation::of_path("/v3-apis/payment-api/v3.0/stkussdpush/initiate"), Generation::V3);
        assert_eq!(Generation::of_path("/nowhere"), Generation::V3);
        assert_eq!(Generation::of_path("/account-test/v3/x"), Generation::V3);
    }

    #[test]
    fn a_gateway_failure_renders_in_both_envelopes() {
        let failure = Failure::invalid("payment.ref: required");
        let (status, body) = failure.render(Generation::V3);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], 400);
        assert_eq!(body["error_code"], "INVALID_REQUEST");
        assert_eq!(body["message"], "Invalid request parameters: payment.ref: required");
        let (status, body) = failure.render(Generation::V2);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["response_status"], "invalid_request_error");
        assert_eq!(body["response_code"], "500102");
        assert_eq!(body["response_msg"], "payment.ref: required");
        let (status, body) = Failure::http("UNAUTHORIZED", None).render(Generation::V2);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["response_code"], "500103");
        assert_eq!(body["response_msg"], "Unauthorized - Please check your Bearer token.");
    }
}

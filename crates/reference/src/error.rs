//! Error responses: a status and the agents' error object `{"Message", "MessageDetail"}`
//! (notes §6), always as `application/json; charset=utf-8`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A refused request: the status, a short message and a detail naming the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub detail: String,
    /// Extra headers (e.g. `WWW-Authenticate` on 401, `Allow` on 405).
    pub headers: Vec<(header::HeaderName, String)>,
    /// The body, when not the Web API 2 default (`{"Message", "MessageDetail"}`).
    pub custom_body: Option<Box<serde_json::Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            detail: detail.into(),
            headers: Vec::new(),
            custom_body: None,
        }
    }

    /// 400: the request is malformed or carries a value of the wrong type or range.
    /// A method other than POST (invokes) and GET or HEAD (describe) on an agent URL.
    pub fn method_not_allowed(method: &axum::http::Method) -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("The requested resource does not support http method '{method}'."),
            "Agent methods are invoked with POST; GET describes them.",
        )
        .with_header(header::ALLOW, "GET, HEAD, POST")
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "The request is invalid.", detail)
    }

    /// 415: a Content-Type (or charset, or encoding) the endpoint does not read.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request entity's media type is not supported for this resource.",
            detail,
        )
    }

    /// 413: the body is larger than the configured limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
            format!("The request body exceeds the limit of {limit} bytes."),
        )
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The same error with another body.
    pub fn with_body(mut self, body: serde_json::Value) -> Self {
        self.custom_body = Some(Box::new(body));
        self
    }

    pub fn body(&self) -> serde_json::Value {
        self.custom_body
            .as_deref()
            .cloned()
            .unwrap_or_else(|| json!({"Message": self.message, "MessageDetail": self.detail}))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut res = (self.status, body).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.append(name, v);
            }
        }
        res
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.message,
            self.detail
        )
    }
}

impl std::error::Error for ApiError {}

//! One HTTP exchange: building the request (bodies per Content-Type, auth headers), sending
//! it with bounded time and size, and recording it with secrets redacted.

mod auth_headers;
mod client;
pub mod curl;
pub mod encode;
pub mod redact;
pub mod replay;
pub mod watch;

pub use auth_headers::{auth_headers, AuthUnavailable};
pub use client::{HttpClient, TransportError, SWEEP_PURPOSE};
pub use redact::Redactor;
pub use watch::{Halt, HaltKind, TransportStats};

use std::time::{Duration, SystemTime};

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Which encoding of the body this is (e.g. `xml:request-wrapper`), for the record.
    pub body_label: Option<String>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A request and what came back, as sent: may hold secrets, so it is only ever shown
/// through [`Exchange::redacted`].
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Why the suite sent it: `main`, `setup`, `read-back`, `cleanup`, ...
    pub purpose: &'static str,
    pub request: Request,
    pub response: Result<Response, TransportError>,
    pub started: SystemTime,
    pub duration: Duration,
    /// Rate-limit answers (429, or 503 with Retry-After) waited out before this one;
    /// `duration` includes the waits.
    pub rate_limited: u32,
    pub waited: Duration,
}

/// An exchange fit for printing and reports: secret headers masked, secret values
/// replaced wherever they occur, bodies as (lossy) text.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RecordedExchange {
    pub purpose: String,
    pub started_unix_ms: u64,
    pub duration_ms: f64,
    pub request: RecordedRequest,
    pub response: Option<RecordedResponse>,
    /// Set when no response was received (connect failure, timeout, oversized body ...).
    pub error: Option<String>,
    /// Rate-limit answers (429, or 503 with Retry-After) the suite waited out and sent
    /// this same request again after; `duration_ms` includes the waits.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rate_limited: u32,
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub rate_limit_wait_ms: f64,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_f64(n: &f64) -> bool {
    *n == 0.0
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub body_label: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body was longer than the record keeps; `body` is its beginning.
    pub body_truncated: bool,
    pub body_bytes: usize,
    /// The body's exact bytes, when they are not UTF-8 (`body` is then a lossy text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
}

/// Longest body kept in a record: whole bodies, so that `soconform rejudge` can judge
/// them again (the client reads no more than `--max-body-bytes` anyway).
pub const RECORD_BODY_LIMIT: usize = 4 << 20;

impl Exchange {
    pub fn redacted(&self, r: &Redactor) -> RecordedExchange {
        let started_unix_ms = self
            .started
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let (response, error) = match &self.response {
            Ok(resp) => {
                let (body, body_truncated) = text_excerpt(&resp.body, RECORD_BODY_LIMIT);
                (
                    Some(RecordedResponse {
                        status: resp.status,
                        headers: r.headers(&resp.headers),
                        body: r.text(&body),
                        body_truncated,
                        body_bytes: resp.body.len(),
                        // Only when no secret is in it: base64 would carry one unmasked.
                        body_base64: (!body_truncated
                            && std::str::from_utf8(&resp.body).is_err()
                            && r.text(&body) == body)
                            .then(|| {
                                use base64::Engine as _;
                                base64::engine::general_purpose::STANDARD.encode(&resp.body)
                            }),
                    }),
                    None,
                )
            }
            Err(e) => (None, Some(r.text(&e.to_string()))),
        };
        RecordedExchange {
            purpose: self.purpose.to_string(),
            started_unix_ms,
            duration_ms: self.duration.as_secs_f64() * 1000.0,
            request: RecordedRequest {
                method: self.request.method.clone(),
                url: r.text(&self.request.url),
                headers: r.headers(&self.request.headers),
                body: self
                    .request
                    .body
                    .as_ref()
                    .map(|b| r.text(&text_excerpt(b, RECORD_BODY_LIMIT).0)),
                body_label: self.request.body_label.clone(),
            },
            response,
            error,
            rate_limited: self.rate_limited,
            rate_limit_wait_ms: self.waited.as_secs_f64() * 1000.0,
        }
    }
}

/// The first `limit` bytes of `bytes` as text (lossy UTF-8, cut on a char boundary).
pub fn text_excerpt(bytes: &[u8], limit: usize) -> (String, bool) {
    let truncated = bytes.len() > limit;
    let slice = if truncated { &bytes[..limit] } else { bytes };
    let mut s = String::from_utf8_lossy(slice).into_owned();
    if truncated {
        // A multi-byte char cut in half decodes to U+FFFD; drop it.
        while s.ends_with('\u{FFFD}') {
            s.pop();
        }
    }
    (s, truncated)
}

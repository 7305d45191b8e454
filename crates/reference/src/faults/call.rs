//! The faults of any agent call ([`crate::agents`], the calls served from their pages):
//! each the way a real stack gets one behaviour of every call wrong, caught by the
//! suite's generic cases (`cases/call_*.toml`). The family's handlers never see them
//! ([`Fault::applies_to`] is false for every family operation).

use super::Fault;
use crate::error::ApiError;
use axum::http::{header, HeaderMap, StatusCode};
use serde_json::{Map, Value};

impl Fault {
    /// A fault of the generic agent layer.
    pub fn is_call_fault(self) -> bool {
        matches!(
            self,
            Fault::CallAcceptIgnored
                | Fault::CallSelectIgnored
                | Fault::CallIntAsString
                | Fault::CallPropertyMissing
                | Fault::CallPrimitiveWrapped
                | Fault::CallArrayWrapped
                | Fault::CallMalformedKey500
                | Fault::CallGetInvokes
                | Fault::CallXmlRefused
                | Fault::CallAnonymousAccepted
                | Fault::CallUnknownKey404
                | Fault::CallMissingKeyDefaulted
                | Fault::CallNullAs204
                | Fault::CallAnyKeyFound
                | Fault::CallMissingKeyFirstRecord
        )
    }

    /// A request with no credentials at all is let through (an `[AllowAnonymous]` left
    /// on the controller).
    pub fn lets_anonymous_in(self, headers: &HeaderMap) -> bool {
        self == Fault::CallAnonymousAccepted
            && !headers.contains_key(header::AUTHORIZATION)
            && !headers.contains_key(header::COOKIE)
    }

    /// XML request bodies refused 415 (a stack with only the JSON formatter registered).
    pub fn refuses_body(self, headers: &HeaderMap) -> Option<ApiError> {
        let xml = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.to_ascii_lowercase().contains("xml"));
        (self == Fault::CallXmlRefused && xml).then(|| {
            ApiError::unsupported_media_type(
                "No MediaTypeFormatter is available to read an object from content of this media type (fault call_xml_refused)",
            )
        })
    }

    /// The key as the correct code read it, bent: a key that is not a number throws
    /// (500); a required key left out binds as 0, as an optional parameter would, or as
    /// the first record's.
    pub fn bend_key(
        self,
        missing: bool,
        read: Result<Option<i64>, ApiError>,
    ) -> Result<Option<i64>, ApiError> {
        match (self, &read) {
            (Fault::CallMalformedKey500, Err(_)) if !missing => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An error has occurred.",
                "Input string was not in a correct format. (fault call_malformed_key_500)",
            )),
            (Fault::CallMissingKeyDefaulted, Err(_)) if missing => Ok(Some(0)),
            (Fault::CallMissingKeyFirstRecord, Err(_)) if missing => Ok(Some(1)),
            _ => read,
        }
    }

    /// Nothing to return, answered as an HTTP error or no content instead of `null`.
    pub fn nothing_status(self) -> Option<StatusCode> {
        match self {
            Fault::CallUnknownKey404 => Some(StatusCode::NOT_FOUND),
            Fault::CallNullAs204 => Some(StatusCode::NO_CONTENT),
            _ => None,
        }
    }

    /// The answer before `$select`, bent.
    pub fn bend_answer(self, value: Value) -> Value {
        match (self, value) {
            (Fault::CallIntAsString, v) => map_carriers(v, |m| {
                for x in m.values_mut() {
                    if let Some(n) = x.as_i64() {
                        *x = Value::String(n.to_string());
                    }
                }
            }),
            (Fault::CallPropertyMissing, v) => map_carriers(v, |m| {
                if let Some(first) = m.keys().next().cloned() {
                    m.remove(&first);
                }
            }),
            (Fault::CallPrimitiveWrapped, v) if !v.is_object() && !v.is_array() && !v.is_null() => {
                let mut m = Map::new();
                m.insert("Value".into(), v);
                Value::Object(m)
            }
            (Fault::CallArrayWrapped, Value::Array(items)) => {
                let mut m = Map::new();
                m.insert("Items".into(), Value::Array(items));
                Value::Object(m)
            }
            (_, v) => v,
        }
    }
}

/// `f` on the carrier, or on each carrier of a list.
fn map_carriers(mut v: Value, f: impl FnMut(&mut Map<String, Value>)) -> Value {
    crate::agents::for_each_carrier(&mut v, f);
    v
}

//! Response bodies to one JSON value: JSON as is, XML mapped to the JSON the schema
//! describes, so both are validated by the same derived schema.

pub mod schema_view;
pub mod xml;

use crate::vocab::MediaFamily;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty body")]
    Empty,
    #[error("body is not valid JSON: {0}")]
    Json(String),
    #[error("body is not acceptable XML: {0}")]
    Xml(String),
    #[error("cannot decode a body of this media type ({0})")]
    Unsupported(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub value: Value,
    /// The root element's local name, for XML bodies.
    pub xml_root: Option<String>,
}

/// Decodes `body` as `family`, guided by `schema` (the response schema document) for XML.
pub fn decode(family: MediaFamily, body: &[u8], schema: &Value) -> Result<Decoded, DecodeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Empty);
    }
    match family {
        MediaFamily::Json => decode_json(body).map(|value| Decoded {
            value,
            xml_root: None,
        }),
        MediaFamily::Xml => {
            let (root, value) = xml::decode(body, schema)?;
            Ok(Decoded {
                value,
                xml_root: Some(root),
            })
        }
        MediaFamily::Form => Err(DecodeError::Unsupported("form".into())),
    }
}

/// JSON per RFC 8259: UTF-8, no duplicate-free guarantee needed here; serde_json bounds
/// nesting depth (128), so a hostile body cannot exhaust the stack.
pub fn decode_json(body: &[u8]) -> Result<Value, DecodeError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    serde_json::from_slice(body).map_err(|e| DecodeError::Json(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_json_is_an_error_not_a_crash() {
        let deep = "[".repeat(1_000_000);
        assert!(matches!(
            decode_json(deep.as_bytes()),
            Err(DecodeError::Json(_))
        ));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert!(decode_json(b"\"\xff\xfe\"").is_err());
    }

    #[test]
    fn empty_body() {
        assert_eq!(
            decode(MediaFamily::Json, b"  ", &Value::Null),
            Err(DecodeError::Empty)
        );
    }
}

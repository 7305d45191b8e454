//! Stage (b), first half: reading the body under the size limit and decoding it, per
//! Content-Type, into one request object (a JSON value). The second half, typing that
//! object into a request, is [`super::request`].

use super::error::ApiError;
use super::negotiate::{body_type, BodyType};
use super::{form, patch, xml};
use axum::body::{Body, HttpBody};
use axum::http::{header, HeaderMap};
use serde_json::{Map, Value};
use std::pin::Pin;
use std::time::Duration;

/// Where the request object's leaves came from: JSON keeps its types (strict typing);
/// XML and form leaves are all strings (parsed leniently into their types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Json,
    Text,
}

/// A decoded body: the request object (`None` for an empty body) and its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub value: Option<Value>,
    pub source: Source,
}

impl Decoded {
    pub fn empty() -> Self {
        Decoded {
            value: None,
            source: Source::Json,
        }
    }
}

/// Reads the whole body, refusing (413) as soon as it passes `limit` bytes, whether
/// announced by Content-Length or found while reading. After a refusal the rest of the
/// body is read and dropped (up to a bound), so the client gets to read the 413.
pub async fn read_limited(
    headers: &HeaderMap,
    mut body: Body,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut buf = Vec::new();
    let mut over = announced.is_some_and(|n| n > limit as u64);
    if !over {
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            let frame = frame.map_err(|e| {
                ApiError::bad_request(format!("The request body could not be read: {e}"))
            })?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > limit {
                    over = true;
                    break;
                }
                buf.extend_from_slice(&data);
            }
        }
    }
    if over {
        drop(buf);
        // A client waiting for `100 Continue` has sent nothing yet: answer at once
        // (polling the body would ask it to send).
        let expects_continue = headers
            .get(header::EXPECT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
        if !expects_continue {
            drain(body, limit.saturating_mul(8).max(8 * 1024 * 1024)).await;
        }
        return Err(ApiError::too_large(limit));
    }
    Ok(buf)
}

/// Reads and drops up to `bound` more bytes, for at most two seconds.
async fn drain(mut body: Body, bound: usize) {
    let read = async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) =
            std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            if let Ok(data) = frame.into_data() {
                seen += data.len();
                if seen > bound {
                    break;
                }
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), read).await;
}

/// The body's Content-Type, refusing any Content-Encoding (the server reads identity only).
fn check_encoding(headers: &HeaderMap) -> Result<(), ApiError> {
    for v in headers.get_all(header::CONTENT_ENCODING) {
        let v = v.to_str().unwrap_or("?").trim();
        if !v.is_empty() && !v.eq_ignore_ascii_case("identity") {
            return Err(ApiError::unsupported_media_type(format!(
                "Content-Encoding '{}' is not supported; send the body unencoded.",
                v.chars().take(40).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// Decodes `bytes` per the request's Content-Type. `object_names` are the request
/// properties that hold objects (for form bodies, where `UserGroup=` means null).
///
/// An empty (or whitespace-only) body decodes to no request object, whatever the
/// Content-Type says (ASP.NET binds an empty body to null parameters). A non-empty body
/// needs one of the seven documented types, in UTF-8: else 415.
pub fn decode(
    headers: &HeaderMap,
    bytes: &[u8],
    object_names: &[&str],
) -> Result<Decoded, ApiError> {
    decode_with(headers, bytes, object_names, false)
}

/// [`decode`], reading JSON with Newtonsoft's syntax leniency when `relax_json` (the
/// `lenient_json` clean profile).
pub fn decode_with(
    headers: &HeaderMap,
    bytes: &[u8],
    object_names: &[&str],
    relax_json: bool,
) -> Result<Decoded, ApiError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Decoded::empty());
    }
    check_encoding(headers)?;
    let ct = match headers.get(header::CONTENT_TYPE) {
        None => {
            return Err(ApiError::unsupported_media_type(
                "The request has a body but no Content-Type header.",
            ))
        }
        Some(v) => v.to_str().map_err(|_| {
            ApiError::unsupported_media_type("The Content-Type header is not readable text.")
        })?,
    };
    let ty = body_type(ct).map_err(|e| ApiError::unsupported_media_type(e.to_string()))?;
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ApiError::bad_request(format!("The body is not valid UTF-8: {e}")))?;
    match ty {
        BodyType::Json | BodyType::JsonPatch | BodyType::MergePatch => {
            let relaxed;
            let text = if relax_json {
                relaxed = crate::lenient::relax(text);
                relaxed.as_str()
            } else {
                text
            };
            let v: Value = serde_json::from_str(text)
                .map_err(|e| ApiError::bad_request(format!("The JSON body is malformed: {e}")))?;
            let v = match (ty, v) {
                // An array of operation objects (or none) is a JSON Patch; any other array
                // (GetUserGroupList's keys) is the request itself, as plain JSON.
                (BodyType::JsonPatch, Value::Array(ops)) if ops.iter().all(Value::is_object) => {
                    patch::apply_json_patch(&ops)?
                }
                (BodyType::MergePatch, v) => patch::merge_patch(Value::Object(Map::new()), v),
                (_, v) => v,
            };
            Ok(Decoded {
                value: Some(v),
                source: Source::Json,
            })
        }
        BodyType::Xml => {
            let (root, v) = xml::parse(text)?;
            // A bare `<UserGroup>` root is the carrier itself; any other root is the
            // request object holding the parameters.
            let v = match object_names.iter().find(|n| n.eq_ignore_ascii_case(&root)) {
                Some(name) => {
                    let mut m = Map::new();
                    m.insert((*name).to_string(), v);
                    Value::Object(m)
                }
                None => v,
            };
            Ok(Decoded {
                value: Some(v),
                source: Source::Text,
            })
        }
        BodyType::Form => Ok(Decoded {
            value: Some(form::parse(text, object_names)?),
            source: Source::Text,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    fn with_ct(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    #[test]
    fn per_content_type() {
        let names = ["UserGroup"];
        let d = decode(
            &with_ct("application/json"),
            br#"{"UserGroup":{"Value":"a"}}"#,
            &names,
        )
        .unwrap();
        assert_eq!(d.value, Some(json!({"UserGroup": {"Value": "a"}})));
        assert_eq!(d.source, Source::Json);
        let d = decode(
            &with_ct("text/xml"),
            b"<UserGroup><Value>a</Value></UserGroup>",
            &names,
        )
        .unwrap();
        assert_eq!(d.value, Some(json!({"UserGroup": {"Value": "a"}})));
        assert_eq!(d.source, Source::Text);
        let d = decode(
            &with_ct("application/x-www-form-urlencoded"),
            b"UserGroup.Value=a",
            &names,
        )
        .unwrap();
        assert_eq!(d.value, Some(json!({"UserGroup": {"Value": "a"}})));
        let d = decode(
            &with_ct("application/json-patch+json"),
            br#"[{"op":"add","path":"/UserGroup/Value","value":"a"}]"#,
            &names,
        )
        .unwrap();
        assert_eq!(d.value, Some(json!({"UserGroup": {"Value": "a"}})));
        let d = decode(
            &with_ct("application/merge-patch+json"),
            br#"{"UserGroup":{"Value":"a","Rank":null}}"#,
            &names,
        )
        .unwrap();
        assert_eq!(d.value, Some(json!({"UserGroup": {"Value": "a"}})));
    }

    #[test]
    fn empty_and_refused() {
        assert_eq!(
            decode(&HeaderMap::new(), b"", &[]).unwrap(),
            Decoded::empty()
        );
        assert_eq!(
            decode(&with_ct("text/plain"), b" \n", &[]).unwrap(),
            Decoded::empty()
        );
        assert_eq!(
            decode(&HeaderMap::new(), b"{}", &[])
                .unwrap_err()
                .status
                .as_u16(),
            415
        );
        assert_eq!(
            decode(&with_ct("text/plain"), b"{}", &[])
                .unwrap_err()
                .status
                .as_u16(),
            415
        );
        assert_eq!(
            decode(&with_ct("application/json; charset=latin1"), b"{}", &[])
                .unwrap_err()
                .status
                .as_u16(),
            415
        );
        let mut gz = with_ct("application/json");
        gz.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        assert_eq!(decode(&gz, b"{}", &[]).unwrap_err().status.as_u16(), 415);
        assert_eq!(
            decode(&with_ct("application/json"), b"{", &[])
                .unwrap_err()
                .status
                .as_u16(),
            400
        );
        assert_eq!(
            decode(&with_ct("application/json"), b"\xff\xfe", &[])
                .unwrap_err()
                .status
                .as_u16(),
            400
        );
        // A UTF-8 byte order mark is skipped.
        assert!(decode(&with_ct("application/json"), b"\xEF\xBB\xBF{}", &[]).is_ok());
    }

    /// Decoding never panics, whatever the bytes: a cheap deterministic fuzz over each
    /// Content-Type, mixing random bytes with fragments of valid bodies.
    #[test]
    fn garbage_never_panics() {
        let fragments: [&[u8]; 16] = [
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"UserGroup\"",
            b":",
            b",",
            b"null",
            b"<UserGroup>",
            b"</UserGroup>",
            b"<!DOCTYPE",
            b"&lol;",
            b"%",
            b"=",
            b"&",
            b"\xff",
        ];
        let types = [
            "application/json",
            "application/xml",
            "application/x-www-form-urlencoded",
            "application/json-patch+json",
            "application/merge-patch+json",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..4000 {
            let mut body = Vec::new();
            for _ in 0..(next() % 12) {
                if next() % 3 == 0 {
                    body.push((next() % 256) as u8);
                } else {
                    body.extend_from_slice(fragments[(next() % 16) as usize]);
                }
            }
            for t in types {
                if let Ok(d) = decode(&with_ct(t), &body, &["UserGroup"]) {
                    let _ = crate::request::save_request(&d);
                    let _ = crate::request::include_deleted(&d, &Default::default());
                }
            }
        }
    }
}

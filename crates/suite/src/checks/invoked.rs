//! "GET this to get a description of the call. The method is not invoked using GET": an
//! answer to a GET that is a value of the call's documented answer shows it was invoked.
//! What a description looks like is not said, so only the call's own answer is refused:
//! JSON that is a documented answer of the call (`answers`: it validates against the
//! response schema, and is neither `null` nor the error object) and, for a carrier, holds
//! most of its documented properties; an XML document rooted in the carrier; or the bare
//! primitive of a primitive call. A description that names the properties (a help object
//! of names and texts) does not validate as the carrier, and passes.

use crate::description::{BodyShape, EndpointDescription};
use serde_json::Value;

pub fn not_invoked(
    d: &EndpointDescription,
    body: &[u8],
    answers: &dyn Fn(&Value) -> bool,
) -> Result<(), String> {
    let rb = &d.response_body;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let invoked = |what: String| {
        Err(format!(
            "the GET was answered with the call's own result ({what}), not a description of it"
        ))
    };
    if let Some(root) = xml_root(trimmed) {
        let local = root.rsplit(':').next().unwrap_or(root);
        return match &rb.carrier {
            Some(c) if local == c || local == format!("ArrayOf{c}") => {
                invoked(format!("an XML `{local}`"))
            }
            _ => Ok(()),
        };
    }
    let Ok(v) = serde_json::from_str::<Value>(trimmed) else {
        return Ok(());
    };
    let carrier_like = |x: &Value| {
        let Some(m) = x.as_object() else { return false };
        let documented = rb.properties.len();
        let held = rb
            .properties
            .iter()
            .filter(|p| m.keys().any(|k| k.eq_ignore_ascii_case(&p.name)))
            .count();
        documented > 0 && held >= 2.max(documented.div_ceil(2)).min(documented)
    };
    if !answers(&v) {
        return Ok(());
    }
    match (rb.shape, &v) {
        (BodyShape::Object, x) if carrier_like(x) => invoked("a carrier".into()),
        (BodyShape::Array, Value::Array(items)) if items.iter().any(carrier_like) => {
            invoked("an array of carriers".into())
        }
        (BodyShape::Primitive, Value::Bool(_) | Value::Number(_)) => {
            invoked(format!("the bare value {v}"))
        }
        _ => Ok(()),
    }
}

/// The name of the document element of an XML text, if it is one.
fn xml_root(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else {
            break;
        }
    }
    let name = rest.strip_prefix('<')?;
    let end = name.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
    Some(&name[..end]).filter(|n| !n.is_empty() && !n.starts_with('!'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn desc(shape: &str, carrier: Option<&str>, props: &[&str]) -> EndpointDescription {
        let properties: Vec<Value> = props
            .iter()
            .map(|p| json!({"name": p, "type": "string", "description": ""}))
            .collect();
        serde_json::from_value(json!({
            "uid": "v1XAgent_GetX", "title": "", "method": "POST", "path": "/api/v1/Agents/X/GetX",
            "summary": [], "restriction": null, "query_parameters": [], "query_examples": [],
            "request_headers": [], "request_content_types": [], "accept_types": [],
            "auth_schemes": [], "xsrf_header": null, "request_body": null, "responses": [],
            "response_body": {"shape": shape, "carrier": carrier, "properties": properties},
            "sample_request": null, "sample_response": null, "unresolved_types": [],
            "schemas": {"request": null, "response": "r", "response_select": "s"}
        }))
        .expect("a description")
    }

    #[test]
    fn the_calls_own_answer_is_refused_a_description_is_not() {
        // The schema's stand-in: a ContactId, where there is one, is a number.
        let answers = |v: &Value| v.get("ContactId").is_none_or(Value::is_i64);
        let check = |d: &EndpointDescription, body: &[u8]| not_invoked(d, body, &answers);
        let d = desc(
            "object",
            Some("ContactEntity"),
            &["ContactId", "Name", "Department"],
        );
        assert!(check(&d, br#"{"ContactId": 5, "Name": "x", "Department": ""}"#).is_err());
        assert!(check(&d, b"<ContactEntity xmlns=\"x\"><Name/></ContactEntity>").is_err());
        assert!(check(
            &d,
            b"POST Agents/Contact/GetContactEntity\n\nGets a ContactEntity"
        )
        .is_ok());
        assert!(check(&d, br#"{"Name": "GetContactEntity", "Summary": "Gets"}"#).is_ok());
        // A help object naming every property, texts for values: not the answer.
        assert!(check(
            &d,
            br#"{"ContactId": "int32: the primary key", "Name": "string", "Department": "string"}"#
        )
        .is_ok());
        let b = desc("primitive", None, &[]);
        assert!(check(&b, b"true").is_err());
        assert!(check(&b, br#""Returns true when...""#).is_ok());
    }
}

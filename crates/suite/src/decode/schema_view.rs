//! Just enough reading of a JSON Schema to guide decoding and checks: follow local
//! `$ref`s, look through nullable unions, and say what kind of value is expected.

use serde_json::{Map, Value};

/// What a (sub)schema expects, after `$ref` and nullable unions are looked through.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'a> {
    /// An object with named properties (`properties`) and/or a value schema for any other
    /// key (`additionalProperties`, a dictionary).
    Object {
        properties: Option<&'a Map<String, Value>>,
        additional: Option<&'a Value>,
    },
    Array {
        items: Option<&'a Value>,
    },
    Integer,
    Number,
    Boolean,
    String,
    Unknown,
}

/// Follows `#/...` references inside `root` (at most 32 hops, so a cycle cannot hang).
pub fn resolve<'a>(mut s: &'a Value, root: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => s = target,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

fn is_null_only(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("null")
}

/// The non-null branch of a schema: through `$ref`, `anyOf`/`oneOf` (first branch that is
/// not `{"type": "null"}`).
pub fn non_null<'a>(s: &'a Value, root: &'a Value) -> &'a Value {
    let mut s = resolve(s, root);
    for _ in 0..8 {
        let branches = s
            .get("anyOf")
            .or_else(|| s.get("oneOf"))
            .and_then(Value::as_array);
        match branches.and_then(|b| b.iter().find(|x| !is_null_only(resolve(x, root)))) {
            Some(b) => s = resolve(b, root),
            None => break,
        }
    }
    s
}

/// Whether the schema admits `null`.
pub fn allows_null(s: &Value, root: &Value) -> bool {
    let s = resolve(s, root);
    match s {
        Value::Bool(b) => *b,
        Value::Object(m) if m.is_empty() => true,
        _ => {
            let by_type = match s.get("type") {
                Some(Value::String(t)) => t == "null",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "null"),
                None => !has_structural_keyword(s),
                _ => false,
            };
            by_type
                || ["anyOf", "oneOf"].iter().any(|k| {
                    s.get(*k)
                        .and_then(Value::as_array)
                        .is_some_and(|bs| bs.iter().any(|b| allows_null(b, root)))
                })
        }
    }
}

fn has_structural_keyword(s: &Value) -> bool {
    [
        "properties",
        "additionalProperties",
        "items",
        "anyOf",
        "oneOf",
        "allOf",
        "enum",
        "const",
        "$ref",
        "pattern",
    ]
    .iter()
    .any(|k| s.get(*k).is_some())
}

pub fn kind<'a>(s: &'a Value, root: &'a Value) -> Kind<'a> {
    let s = non_null(s, root);
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => vec![],
    };
    let properties = s.get("properties").and_then(Value::as_object);
    let additional = s.get("additionalProperties").filter(|a| a.is_object());
    match types.first().copied() {
        Some("object") => Kind::Object {
            properties,
            additional,
        },
        Some("array") => Kind::Array {
            items: s.get("items"),
        },
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("string") => Kind::String,
        _ if properties.is_some() || additional.is_some() => Kind::Object {
            properties,
            additional,
        },
        _ if s.get("items").is_some() => Kind::Array {
            items: s.get("items"),
        },
        _ => Kind::Unknown,
    }
}

/// The property schema for `name` in an object schema, matched exactly first, then
/// ignoring case; returns the schema's own spelling of the name.
pub fn property<'a>(
    properties: &'a Map<String, Value>,
    name: &str,
) -> Option<(&'a str, &'a Value)> {
    properties
        .get_key_value(name)
        .or_else(|| {
            properties
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
        })
        .map(|(k, v)| (k.as_str(), v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn looks_through_refs_and_unions() {
        let root = json!({"$defs": {"T": {"type": "object", "properties": {"Mask": {"type": ["string", "null"]}}}},
            "properties": {"TableRight": {"anyOf": [{"$ref": "#/$defs/T"}, {"type": "null"}]}}});
        let tr = &root["properties"]["TableRight"];
        assert!(allows_null(tr, &root));
        assert!(matches!(
            kind(tr, &root),
            Kind::Object {
                properties: Some(_),
                ..
            }
        ));
        assert!(allows_null(
            &root["$defs"]["T"]["properties"]["Mask"],
            &root
        ));
        assert!(!allows_null(&json!({"type": "integer"}), &root));
    }
}

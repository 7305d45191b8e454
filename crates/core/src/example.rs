//! The value a JSON Schema describes, as a server that has the record would answer it:
//! every documented property, one item in an array, the documented answer rather than the
//! NULL result or the internal error object. Pure: a derived schema in, a value out. The
//! reference server answers the agent calls it has no code for with it.

use serde_json::{json, Map, Value};

/// Nested carriers deeper than this are answered `null` (or `{}` where null is not
/// allowed): carrier pages refer to each other, and a value must end.
const MAX_DEPTH: usize = 6;

/// A value `schema` (a derived schema document, its `$defs` included) accepts.
pub fn value_of(schema: &Value) -> Value {
    build(schema, schema, 0)
}

/// The `$defs` name a reference points to (`#/$defs/Name`).
fn def<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    root.get("$defs")?.get(reference.strip_prefix("#/$defs/")?)
}

/// Whether `alt` is the NULL result or the agents' internal error object: a server that has
/// the record answers the documented value instead.
fn is_failure(alt: &Value) -> bool {
    alt.get("type") == Some(&json!("null"))
        || alt
            .get("$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| r.ends_with("/AgentError"))
}

fn build(root: &Value, schema: &Value, depth: usize) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return match def(root, r) {
            Some(d) if depth < MAX_DEPTH => build(root, d, depth + 1),
            _ => nothing(schema, root),
        };
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            let chosen = alts.iter().find(|a| !is_failure(a)).or(alts.first());
            return chosen.map_or(Value::Null, |a| build(root, a, depth));
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            match build(root, part, depth) {
                Value::Object(m) => merged.extend(m),
                other if all.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    match type_of(schema) {
        Some("object") => object(root, schema, depth),
        Some("array") => match schema.get("items") {
            Some(items) if depth < MAX_DEPTH => json!([build(root, items, depth + 1)]),
            _ => json!([]),
        },
        Some("string") => string(schema),
        Some("integer") => Value::from(number(schema, 1.0) as i64),
        Some("number") => json!(number(schema, 1.5)),
        Some("boolean") => Value::Bool(true),
        Some("null") => Value::Null,
        _ if schema.get("properties").is_some() => object(root, schema, depth),
        _ => json!({}),
    }
}

/// The first type a schema allows other than `null` (`["object", "null"]` is an object).
fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type")? {
        Value::String(t) => Some(t.as_str()),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .or(Some("null")),
        _ => None,
    }
}

fn object(root: &Value, schema: &Value, depth: usize) -> Value {
    let mut out = Map::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            let v = if depth < MAX_DEPTH {
                build(root, p, depth + 1)
            } else {
                nothing(p, root)
            };
            out.insert(name.clone(), v);
        }
    }
    Value::Object(out)
}

/// A value where the nesting ends: `null` where the schema allows it, else an empty value
/// of its type.
fn nothing(schema: &Value, root: &Value) -> Value {
    let target = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| def(root, r))
        .unwrap_or(schema);
    let nullable = |s: &Value| match s.get("type") {
        Some(Value::Array(ts)) => ts.contains(&json!("null")),
        Some(t) => t == "null",
        None => s
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x.get("type") == Some(&json!("null")))),
    };
    if nullable(target) || nullable(schema) {
        return Value::Null;
    }
    match type_of(target) {
        Some("array") => json!([]),
        Some("string") => json!(""),
        Some("integer") | Some("number") => json!(0),
        Some("boolean") => json!(false),
        _ => json!({}),
    }
}

fn string(schema: &Value) -> Value {
    if let Some(flags) = schema.get("x-flags").and_then(Value::as_object) {
        if let Some(first) = flags.keys().next() {
            return Value::String(first.clone());
        }
    }
    let format = schema
        .get("format")
        .or_else(|| schema.get("x-doc-type"))
        .and_then(Value::as_str);
    let s = match format {
        // As the pages' samples write them: with the offset (RFC 3339).
        Some("date-time") => "2026-12-07T12:00:00+01:00",
        Some("date") => "2026-12-07",
        Some("time") => "12:00:00",
        _ if schema.get("contentEncoding") == Some(&json!("base64")) => "c29jb25mb3Jt",
        _ => "soconform",
    };
    Value::String(s.to_string())
}

/// A number within the schema's bounds, `preferred` when it fits.
fn number(schema: &Value, preferred: f64) -> f64 {
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    let mut n = preferred;
    if let Some(m) = min {
        n = n.max(m);
    }
    if let Some(m) = max {
        n = n.min(m);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_answer_not_the_failures() {
        let schema = json!({
            "anyOf": [{"$ref": "#/$defs/Thing"}, {"type": "null"}, {"$ref": "#/$defs/AgentError"}],
            "$defs": {
                "Thing": {"type": "object", "properties": {
                    "Id": {"type": "integer", "minimum": -2147483648i64, "maximum": 2147483647},
                    "Name": {"type": ["string", "null"]},
                    "When": {"type": "string", "format": "date-time"},
                    "Mask": {"type": "string", "x-flags": {"None": 0, "Read": 1}},
                    "Tags": {"type": "array", "items": {"type": "string"}},
                    "Self": {"anyOf": [{"$ref": "#/$defs/Thing"}, {"type": "null"}]},
                    "Open": {"type": ["object", "null"]}
                }},
                "AgentError": {"type": "object"}
            }
        });
        let v = value_of(&schema);
        assert_eq!(v["Id"], json!(1));
        assert_eq!(v["Name"], json!("soconform"));
        assert_eq!(v["When"], json!("2026-12-07T12:00:00+01:00"));
        assert_eq!(v["Mask"], json!("None"));
        assert_eq!(v["Tags"], json!(["soconform"]));
        assert_eq!(v["Open"], json!({}));
        // A carrier that holds itself ends.
        let mut depth = 0;
        let mut cur = &v;
        while let Some(next) = cur.get("Self").filter(|s| !s.is_null()) {
            cur = next;
            depth += 1;
        }
        assert!(depth <= MAX_DEPTH, "{depth}");
    }

    #[test]
    fn primitives_streams_and_arrays() {
        assert_eq!(value_of(&json!({"type": "boolean"})), json!(true));
        assert_eq!(
            value_of(&json!({"type": "integer", "minimum": 0, "maximum": 255})),
            json!(1)
        );
        assert_eq!(
            value_of(&json!({"type": "string", "contentEncoding": "base64"})),
            json!("c29jb25mb3Jt")
        );
        assert_eq!(
            value_of(&json!({"type": "array", "items": {"type": "integer"}})),
            json!([1])
        );
        assert_eq!(value_of(&json!({"type": "null"})), Value::Null);
    }
}

//! `$select`: "Optional comma separated list of properties to include in the result.
//! Other fields are then nulled out". The docs' own sample mixes case (`Name,department`)
//! and shows a path (`category/id`), so names match case-insensitively and a path keeps
//! its first segment. What "nulled out" means for value types (.NET int, short, bool
//! cannot be null) is not said, so `null` and the type's default are both accepted there.

use crate::decode::schema_view::{self, allows_null, Kind};
use serde_json::Value;
use std::collections::BTreeSet;

/// The top-level carrier properties a `$select` value keeps, in the schema's spelling;
/// names that match no property are ignored (and listed in `unknown`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub kept: BTreeSet<String>,
    pub unknown: Vec<String>,
}

/// The carrier schema (object kind) of a response schema: the root, or its items.
pub fn carrier_schema(response_schema: &Value) -> Option<&serde_json::Map<String, Value>> {
    match schema_view::kind(response_schema, response_schema) {
        Kind::Object { properties, .. } => properties,
        Kind::Array { items: Some(items) } => match schema_view::kind(items, response_schema) {
            Kind::Object { properties, .. } => properties,
            _ => None,
        },
        _ => None,
    }
}

pub fn parse(select: &str, carrier: &serde_json::Map<String, Value>) -> Selection {
    let mut kept = BTreeSet::new();
    let mut unknown = Vec::new();
    for name in select.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let head = name.split('/').next().unwrap_or(name).trim();
        match schema_view::property(carrier, head) {
            Some((canonical, _)) => {
                kept.insert(canonical.to_string());
            }
            None => unknown.push(name.to_string()),
        }
    }
    Selection { kept, unknown }
}

/// A nulled-out value as a server may write it: null, or its type's default (`""`, 0,
/// false).
pub(crate) fn is_default(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// Non-selected properties are nulled out: `null` where the type allows it, `null` or the
/// default for value types. Selected properties are checked by the echo check.
pub fn check_nulled(
    selection: &Selection,
    value: &Value,
    response_schema: &Value,
) -> Result<(), String> {
    let Some(carrier) = carrier_schema(response_schema) else {
        return Err("the response schema names no carrier properties".into());
    };
    let Some(obj) = value.as_object() else {
        return Err(format!("expected an object, got {}", super::excerpt(value)));
    };
    let mut wrong = Vec::new();
    for (name, schema) in carrier {
        if selection.kept.contains(name) {
            continue;
        }
        let Some(v) = obj.get(name) else { continue };
        let ok = if allows_null(schema, response_schema) {
            v.is_null()
        } else {
            is_default(v)
        };
        if !ok {
            wrong.push(format!("{name} = {}", super::excerpt(v)));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        let kept: Vec<&str> = selection.kept.iter().map(String::as_str).collect();
        Err(format!(
            "not selected (kept: {}) but not nulled out: {}",
            kept.join(","),
            wrong.join(", ")
        ))
    }
}

/// Selected properties must not be nulled out (a selected property that is null on the
/// server anyway cannot be told apart, so only the ones the caller knows are checked).
pub fn check_kept(
    selection: &Selection,
    value: &Value,
    known_non_null: &[&str],
) -> Result<(), String> {
    let nulled: Vec<&str> = known_non_null
        .iter()
        .copied()
        .filter(|p| selection.kept.contains(*p) && value.get(*p).is_none_or(Value::is_null))
        .collect();
    if nulled.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "selected but nulled out or missing: {}",
            nulled.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "Value": {"type": ["string", "null"]}, "Tooltip": {"type": ["string", "null"]},
            "Id": {"type": "integer"}, "Rank": {"type": "integer"}, "Deleted": {"type": "boolean"},
            "TableRight": {"type": ["object", "null"]}}})
    }

    #[test]
    fn parse_is_case_insensitive_with_paths() {
        let s = schema();
        let c = carrier_schema(&s).expect("carrier");
        let sel = parse("value, TOOLTIP ,tableright/mask,category/id", c);
        assert_eq!(
            sel.kept.iter().cloned().collect::<Vec<_>>(),
            ["TableRight", "Tooltip", "Value"]
        );
        assert_eq!(sel.unknown, ["category/id"]);
    }

    #[test]
    fn nulled_rules() {
        let s = schema();
        let sel = parse("Value", carrier_schema(&s).expect("carrier"));
        let ok = json!({"Value": "a", "Tooltip": null, "Id": null, "Rank": 0, "Deleted": false, "TableRight": null});
        assert!(check_nulled(&sel, &ok, &s).is_ok());
        let bad = json!({"Value": "a", "Tooltip": "t", "Id": 5, "Rank": 0, "Deleted": false, "TableRight": null});
        let e = check_nulled(&sel, &bad, &s).unwrap_err();
        assert!(e.contains("Tooltip") && e.contains("Id = 5"), "{e}");
        assert!(check_kept(&sel, &json!({"Value": null}), &["Value"]).is_err());
    }
}

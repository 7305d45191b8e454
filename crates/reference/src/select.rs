//! `$select`: "Optional comma separated list of properties to include in the result.
//! Other fields are then nulled out" (every agent page). The docs are silent on the
//! details (notes §3); this server:
//! - matches names case-insensitively (the docs' own sample mixes `Name` and `department`);
//! - ignores names the carrier does not have (no error);
//! - nulls every other property, value types included (`Id`, `Rank`, `Deleted` become
//!   JSON `null`, XML `xsi:nil`), since "nulled out" is the documented wording;
//! - reads `a/b` as "keep `a`, and inside `a` keep only `b`": on an object the other
//!   properties are nulled, on a dictionary (`FieldProperties`) only key `b` is kept;
//!   selecting `a` itself keeps all of `a`;
//! - treats an empty `$select` (no names) as absent: all fields are shown;
//! - applies to each element of an array response.

use super::carrier::is_dictionary;
use serde_json::Value;

/// A parsed `$select`: each entry a path of one or more names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select(Vec<Vec<String>>);

impl Select {
    /// Parses the comma-separated list; `None` when it names nothing.
    pub fn parse(raw: &str) -> Option<Select> {
        let paths: Vec<Vec<String>> = raw
            .split(',')
            .map(|p| {
                p.split('/')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|p| !p.is_empty())
            .collect();
        (!paths.is_empty()).then_some(Select(paths))
    }

    /// Applies the selection to a response value (an object, an array of objects, or null).
    pub fn apply(&self, value: &mut Value) {
        let paths: Vec<&[String]> = self.0.iter().map(|p| p.as_slice()).collect();
        match value {
            Value::Array(items) => {
                for item in items {
                    apply_object(item, &paths, false);
                }
            }
            v => apply_object(v, &paths, false),
        }
    }
}

/// Keeps the selected members of an object (nulling the rest), or of a dictionary
/// (removing the rest).
fn apply_object(value: &mut Value, paths: &[&[String]], dictionary: bool) {
    let Value::Object(map) = value else { return };
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let matching: Vec<&[String]> = paths
            .iter()
            .filter(|p| p.first().is_some_and(|n| n.eq_ignore_ascii_case(&key)))
            .map(|p| &p[1..])
            .collect();
        if matching.is_empty() {
            if dictionary {
                map.remove(&key);
            } else if let Some(v) = map.get_mut(&key) {
                *v = Value::Null;
            }
        } else if matching.iter().any(|rest| rest.is_empty()) {
            // The property itself is selected: keep it whole.
        } else if let Some(v) = map.get_mut(&key) {
            let child_is_dict = !dictionary && is_dictionary(&key);
            match v {
                Value::Array(items) => {
                    for item in items {
                        apply_object(item, &matching, child_is_dict);
                    }
                }
                v => apply_object(v, &matching, child_is_dict),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::UserGroup;
    use serde_json::json;

    fn group() -> Value {
        UserGroup {
            id: 7,
            value: Some("Sales".into()),
            tooltip: Some("tip".into()),
            rank: 3,
            deleted: false,
        }
        .to_value()
    }

    fn select(raw: &str) -> Value {
        let mut v = group();
        Select::parse(raw).unwrap().apply(&mut v);
        v
    }

    #[test]
    fn case_insensitive_and_nulls_the_rest() {
        let v = select("value, ID");
        assert_eq!(v["Value"], "Sales");
        assert_eq!(v["Id"], 7);
        for k in [
            "Tooltip",
            "Rank",
            "Deleted",
            "TableRight",
            "FieldProperties",
        ] {
            assert_eq!(v[k], Value::Null, "{k}");
        }
        // Key order and set are kept.
        assert_eq!(v.as_object().unwrap().len(), 7);
    }

    #[test]
    fn unknown_names_are_ignored() {
        let v = select("name,department,category/id");
        assert!(v.as_object().unwrap().values().all(Value::is_null));
        let v = select("Rank,nonsense");
        assert_eq!(v["Rank"], 3);
        assert_eq!(v["Value"], Value::Null);
    }

    #[test]
    fn paths_into_objects_and_dictionaries() {
        let v = select("TableRight/Mask");
        assert_eq!(v["TableRight"], json!({"Mask": "FULL", "Reason": null}));
        let v = select("fieldproperties/value");
        let fp = v["FieldProperties"].as_object().unwrap();
        assert_eq!(fp.keys().collect::<Vec<_>>(), ["Value"]);
        assert_eq!(fp["Value"]["FieldLength"], 239);
        let v = select("FieldProperties/Rank/FieldType");
        assert_eq!(
            v["FieldProperties"],
            json!({"Rank": {"FieldRight": null, "FieldType": "System.Int32", "FieldLength": null}})
        );
        // The whole property wins over a path into it.
        let v = select("TableRight/Mask,TableRight");
        assert_eq!(v["TableRight"]["Reason"], "");
        // A path into a scalar keeps the scalar.
        let v = select("Value/x");
        assert_eq!(v["Value"], "Sales");
    }

    #[test]
    fn empty_select_shows_all_and_arrays_apply_per_element() {
        assert_eq!(Select::parse(""), None);
        assert_eq!(Select::parse(" , /"), None);
        let mut arr = json!([group(), group()]);
        Select::parse("Id").unwrap().apply(&mut arr);
        for item in arr.as_array().unwrap() {
            assert_eq!(item["Id"], 7);
            assert_eq!(item["Value"], Value::Null);
        }
        let mut null = Value::Null;
        Select::parse("Id").unwrap().apply(&mut null);
        assert_eq!(null, Value::Null);
    }
}

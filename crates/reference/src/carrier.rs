//! The `UserGroup` carrier as stored, and its documented response shape.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// A stored user group: the five data properties of the documented carrier.
/// (`TableRight` and `FieldProperties` are computed for each response.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserGroup {
    pub id: i32,
    pub value: Option<String>,
    pub tooltip: Option<String>,
    pub rank: i32,
    pub deleted: bool,
}

/// The carrier's property names, in the order the docs list them (response key order).
pub const PROPERTIES: [&str; 7] = [
    "Value",
    "Tooltip",
    "Id",
    "Rank",
    "Deleted",
    "TableRight",
    "FieldProperties",
];

/// Properties whose value is a dictionary (not an object with fixed properties).
pub fn is_dictionary(property: &str) -> bool {
    property.eq_ignore_ascii_case("FieldProperties")
}

impl UserGroup {
    /// The response value, keys in documented order: the five data properties, then a
    /// computed `TableRight` (full rights) and `FieldProperties` (one entry per field).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("Value".into(), json!(self.value));
        m.insert("Tooltip".into(), json!(self.tooltip));
        m.insert("Id".into(), json!(self.id));
        m.insert("Rank".into(), json!(self.rank));
        m.insert("Deleted".into(), json!(self.deleted));
        m.insert("TableRight".into(), json!({"Mask": "FULL", "Reason": ""}));
        m.insert("FieldProperties".into(), field_properties());
        Value::Object(m)
    }
}

/// `FieldProperties` for UserGroup: field lengths from the database table (name 239,
/// tooltip 254); the primary key is read-only, the rest updatable.
fn field_properties() -> Value {
    let entry = |mask: &str, ty: &str, len: i32| json!({"FieldRight": {"Mask": mask, "Reason": ""}, "FieldType": ty, "FieldLength": len});
    let mut m = Map::new();
    m.insert("Value".into(), entry("Update", "System.String", 239));
    m.insert("Tooltip".into(), entry("Update", "System.String", 254));
    m.insert("Id".into(), entry("Read", "System.Int32", 0));
    m.insert("Rank".into(), entry("Update", "System.Int32", 0));
    m.insert("Deleted".into(), entry("Update", "System.Boolean", 0));
    Value::Object(m)
}

/// What a SaveUserGroup request carries: each property either absent (`None`) or sent.
/// Strings distinguish "sent as null" (`Some(None)`) from absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserGroupInput {
    pub id: Option<i32>,
    pub value: Option<Option<String>>,
    pub tooltip: Option<Option<String>>,
    pub rank: Option<i32>,
    pub deleted: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_keys_in_documented_order() {
        let g = UserGroup {
            id: 3,
            value: Some("Sales".into()),
            tooltip: None,
            rank: 2,
            deleted: false,
        };
        let v = g.to_value();
        let keys: Vec<&str> = v
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, PROPERTIES);
        assert_eq!(v["FieldProperties"]["Value"]["FieldLength"], 239);
        assert_eq!(v["Tooltip"], Value::Null);
    }

    #[test]
    fn serde_is_pascal_case() {
        let g: UserGroup =
            serde_json::from_str(r#"{"Id":1,"Value":"a","Tooltip":null,"Rank":1,"Deleted":true}"#)
                .unwrap();
        assert!(g.deleted);
        assert!(serde_json::to_string(&g)
            .unwrap()
            .contains("\"Value\":\"a\""));
    }
}

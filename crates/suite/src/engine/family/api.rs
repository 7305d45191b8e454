//! The group calls the engine makes on its own behalf, resolved once from `[groups]` in
//! `cases/matrix.toml` and the endpoint descriptions: which endpoints, which wrapper,
//! query and body parameter names, and how to read a carrier (its key, its name, its
//! Deleted mark). Everything here is pure: the requests themselves are in `trial::calls`.

use crate::cases::GroupCalls;
use crate::suite::{Endpoint, Suite};
use serde_json::{Map, Value};

/// The placeholder for the unique group name in `[groups] setup_json`.
const NAME_PLACEHOLDER: &str = "{name}";

#[derive(Debug, Clone)]
pub(crate) struct GroupApi {
    pub props: GroupCalls,
    /// `props.setup_json`, parsed.
    pub setup: Map<String, Value>,
    /// The save request's property that holds the carrier (`UserGroup`).
    pub wrapper: String,
    /// The read call's required query parameter, the key (`userGroupId`).
    pub id_param: String,
    /// The list call's request property that includes deleted groups (`IncludeDeleted`).
    pub include_deleted: String,
}

impl GroupApi {
    pub fn resolve(suite: &Suite) -> Result<GroupApi, String> {
        let props = suite.cases.matrix.groups.clone();
        let endpoint = |uid: &str| {
            suite
                .endpoint(uid)
                .ok_or_else(|| format!("[groups]: no description for `{uid}`"))
        };
        let first_body_property = |e: &Endpoint| {
            e.description
                .request_body
                .as_ref()
                .and_then(|b| b.properties.first())
                .map(|p| p.name.clone())
                .ok_or_else(|| {
                    format!("`{}` documents no request body property", e.description.uid)
                })
        };
        let wrapper = first_body_property(endpoint(&props.save)?)?;
        let include_deleted = first_body_property(endpoint(&props.list)?)?;
        let read = endpoint(&props.read)?;
        let id_param = read
            .description
            .query_parameters
            .iter()
            .find(|q| q.required)
            .map(|q| q.name.clone())
            .ok_or_else(|| {
                format!(
                    "`{}` documents no required query parameter",
                    read.description.uid
                )
            })?;
        let setup = match serde_json::from_str::<Value>(&props.setup_json) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err("[groups] setup_json: expected a JSON object".into()),
            Err(e) => return Err(format!("[groups] setup_json: {e}")),
        };
        Ok(GroupApi {
            props,
            setup,
            wrapper,
            id_param,
            include_deleted,
        })
    }

    /// The request property holding the carrier on `endpoint` (its first documented
    /// request property), or the save call's when it documents none.
    pub fn wrapper_of(&self, endpoint: &Endpoint) -> String {
        endpoint
            .description
            .request_body
            .as_ref()
            .and_then(|b| b.properties.first())
            .map_or_else(|| self.wrapper.clone(), |p| p.name.clone())
    }

    /// The carrier inside a request object: the `wrapper` property (any case), else the
    /// first property whose value is an object (`{"UserGroup": {...}}` -> the UserGroup);
    /// a bare carrier (a name property or the key, no wrapper) is its own carrier.
    pub fn carrier_of<'v>(&self, body: &'v Value, wrapper: &str) -> Option<&'v Value> {
        let map = body.as_object()?;
        if let Some((_, v)) = map
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(wrapper) && v.is_object())
        {
            return Some(v);
        }
        if self
            .props
            .name_properties
            .iter()
            .chain([&self.props.id_property])
            .any(|p| map.keys().any(|k| k.eq_ignore_ascii_case(p)))
        {
            return Some(body);
        }
        map.values().find(|v| v.is_object())
    }

    /// `{wrapper: carrier}`: the save request's body.
    pub fn wrap(&self, carrier: Value) -> Value {
        let mut m = Map::new();
        m.insert(self.wrapper.clone(), carrier);
        Value::Object(m)
    }

    /// The key of a carrier, when it is a non-zero int32.
    pub fn id_of(&self, carrier: &Value) -> Option<i32> {
        carrier
            .get(&self.props.id_property)
            .and_then(Value::as_i64)
            .and_then(|i| i32::try_from(i).ok())
            .filter(|i| *i != 0)
    }

    /// Whether a name property starts with `prefix` (a unique name, or the run's prefix).
    pub fn named(&self, carrier: &Value, prefix: &str) -> bool {
        self.props.name_properties.iter().any(|p| {
            carrier
                .get(p)
                .and_then(Value::as_str)
                .is_some_and(|v| v.starts_with(prefix))
        })
    }

    /// Whether every name property is absent or null (nulled out by `$select`).
    pub fn unnamed(&self, carrier: &Value) -> bool {
        self.props
            .name_properties
            .iter()
            .all(|p| carrier.get(p).is_none_or(Value::is_null))
    }

    /// Whether the carrier says it is Deleted (a nulled-out mark is no confirmation).
    pub fn is_deleted(&self, carrier: &Value) -> bool {
        carrier.get(&self.props.deleted_property) == Some(&Value::Bool(true))
    }

    /// The carrier a setup creates, named `name`.
    pub fn setup_carrier(&self, name: &str) -> Value {
        Value::Object(
            self.setup
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => Value::String(s.replace(NAME_PLACEHOLDER, name)),
                        other => other.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        )
    }

    /// Whether `got` carries `name` in every property the setup carrier names it in.
    pub fn carries_setup_name(&self, got: &Value, name: &str) -> bool {
        self.setup
            .iter()
            .filter(|(_, v)| v.as_str().is_some_and(|s| s.contains(NAME_PLACEHOLDER)))
            .all(|(k, _)| {
                got.get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.starts_with(name))
            })
    }

    /// `carrier` with its key set to `id`.
    pub fn with_id(&self, carrier: &Value, id: i32) -> Value {
        let mut c = carrier.clone();
        if let Some(m) = c.as_object_mut() {
            m.insert(self.props.id_property.clone(), Value::from(id));
        }
        c
    }

    /// The group as saved, for marking it Deleted later: each property of the setup
    /// carrier, from the server's answer where it has the setup's JSON type, else from
    /// what was sent; the key is `id`. What a negative case sent may be ill-typed: it is
    /// never sent again.
    pub fn saved_carrier(&self, sent: &Value, got: &Value, id: i32) -> Value {
        let mut m = Map::new();
        for (p, template) in &self.setup {
            if *p == self.props.id_property {
                m.insert(p.clone(), Value::from(id));
                continue;
            }
            if let Some(v) = [got.get(p), sent.get(p)]
                .into_iter()
                .flatten()
                .find(|v| same_type(template, v))
            {
                m.insert(p.clone(), v.clone());
            }
        }
        Value::Object(m)
    }

    /// `carrier`, well typed, with its Deleted mark set.
    pub fn marked_deleted(&self, carrier: &Value, id: i32) -> Value {
        let mut c = self.saved_carrier(carrier, carrier, id);
        if let Some(m) = c.as_object_mut() {
            m.insert(self.props.deleted_property.clone(), Value::Bool(true));
        }
        c
    }

    /// The request body of a listing, deleted groups included or not.
    pub fn list_body(&self, include_deleted: bool) -> Value {
        let mut m = Map::new();
        m.insert(self.include_deleted.clone(), Value::Bool(include_deleted));
        Value::Object(m)
    }

    /// The read call's query for group `id`.
    pub fn id_query(&self, id: i32) -> Vec<(String, String)> {
        vec![(self.id_param.clone(), id.to_string())]
    }
}

/// Same JSON type as the template; an integer template takes only int32 values.
fn same_type(template: &Value, v: &Value) -> bool {
    match template {
        Value::String(_) => v.is_string(),
        Value::Bool(_) => v.is_boolean(),
        Value::Number(n) if n.is_i64() => v.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        Value::Number(_) => v.is_number(),
        Value::Null => v.is_null(),
        Value::Array(_) => v.is_array(),
        Value::Object(_) => v.is_object(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn api() -> GroupApi {
        let setup = json!({"Value": "{name}", "Tooltip": "soconform setup", "Id": 0, "Rank": 1, "Deleted": false});
        GroupApi {
            setup: setup.as_object().cloned().unwrap_or_default(),
            props: GroupCalls {
                save: "save".into(),
                read: "read".into(),
                list: "list".into(),
                name_properties: vec!["Value".into(), "Tooltip".into()],
                id_property: "Id".into(),
                deleted_property: "Deleted".into(),
                key_properties: vec!["UserGroupToDelete".into(), "UserGroupToMoveTo".into()],
                delete: None,
                delete_property: None,
                setup_json: setup.to_string(),
            },
            wrapper: "UserGroup".into(),
            id_param: "userGroupId".into(),
            include_deleted: "IncludeDeleted".into(),
        }
    }

    #[test]
    fn resolved_from_the_suite_in_the_order_matrix_toml_writes() {
        let suite = Suite::load(crate::suite::SuitePaths::source_tree()).expect("suite");
        let api = GroupApi::resolve(&suite).expect("resolves");
        assert_eq!(
            (
                api.wrapper.as_str(),
                api.id_param.as_str(),
                api.include_deleted.as_str()
            ),
            ("UserGroup", "userGroupId", "IncludeDeleted")
        );
        assert_eq!(
            api.setup_carrier("n").to_string(),
            r#"{"Value":"n","Tooltip":"soconform setup","Id":0,"Rank":1,"Deleted":false}"#
        );
    }

    #[test]
    fn carriers_with_and_without_wrapper() {
        let api = api();
        let wrapped = json!({"UserGroup": {"Value": "a"}});
        assert_eq!(
            api.carrier_of(&wrapped, "UserGroup"),
            Some(&json!({"Value": "a"}))
        );
        let bare = json!({"Value": "a", "TableRight": {}});
        assert_eq!(api.carrier_of(&bare, "UserGroup"), Some(&bare));
        let other = json!({"Group": {"Value": "a"}});
        assert_eq!(
            api.carrier_of(&other, "UserGroup"),
            Some(&json!({"Value": "a"}))
        );
        assert_eq!(api.carrier_of(&json!(42), "UserGroup"), None);
    }

    #[test]
    fn saved_carriers_are_well_typed() {
        let api = api();
        let sent =
            json!({"Value": {"x": 1}, "Tooltip": "soconform-r-1", "Rank": "abc", "Deleted": "yes"});
        let got = json!({"Value": "12345", "Rank": 3, "Deleted": false, "TableRight": {}});
        assert_eq!(
            api.saved_carrier(&sent, &got, 7),
            json!({"Value": "12345", "Tooltip": "soconform-r-1", "Id": 7, "Rank": 3, "Deleted": false})
        );
        assert_eq!(
            api.saved_carrier(&sent, &json!(null), 7),
            json!({"Tooltip": "soconform-r-1", "Id": 7})
        );
    }

    #[test]
    fn setup_carriers_carry_the_name_in_key_order() {
        let api = api();
        let c = api.setup_carrier("soconform-r-1");
        assert_eq!(
            c.to_string(),
            r#"{"Value":"soconform-r-1","Tooltip":"soconform setup","Id":0,"Rank":1,"Deleted":false}"#
        );
        assert!(api.carries_setup_name(&json!({"Value": "soconform-r-1 x"}), "soconform-r-1"));
        assert!(!api.carries_setup_name(&json!({"Tooltip": "soconform-r-1"}), "soconform-r-1"));
        assert_eq!(api.id_of(&json!({"Id": 5})), Some(5));
        assert_eq!(api.id_of(&json!({"Id": 0})), None);
        assert_eq!(api.id_of(&json!({"Id": 5_000_000_000_i64})), None);
    }
}

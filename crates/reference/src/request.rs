//! Stage (b), second half: typing a decoded request object into the request of each
//! method. JSON keeps its types strictly (`"Id": "5"` is 400; only `true`/`false` are
//! booleans); XML and form leaves are strings parsed as xs:int and xs:boolean read them
//! (a nil element counts as not sent, an empty one is no number: 400; booleans also
//! `1`/`0`, any case). Integers must
//! fit int32 (the page's type for Id and Rank). Property names match case-insensitively
//! (as ASP.NET binds them); unknown properties, and `TableRight`/`FieldProperties` sent by
//! the client, are ignored.

use super::body::{Decoded, Source};
use super::carrier::{UserGroupInput, PROPERTIES};
use super::error::ApiError;
use super::xml::is_xml_char;
use serde_json::{Map, Value};

/// The properties of request objects that hold objects (see [`super::form::parse`]).
pub const SAVE_OBJECTS: &[&str] = &["UserGroup"];

/// A SaveUserGroup request: `None` when `UserGroup` is null or not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveRequest {
    pub user_group: Option<UserGroupInput>,
}

fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn describe(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

/// Reads the SaveUserGroup request object: `{"UserGroup": {...}}`, or a bare carrier
/// (an object with carrier properties and no `UserGroup` member; notes §5).
pub fn save_request(d: &Decoded) -> Result<SaveRequest, ApiError> {
    let map = match &d.value {
        None | Some(Value::Null) => return Ok(SaveRequest { user_group: None }),
        Some(Value::String(s)) if d.source == Source::Text && s.trim().is_empty() => {
            return Ok(SaveRequest { user_group: None })
        }
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The request body must be an object with a UserGroup property, not {}.",
                describe(other)
            )))
        }
    };
    let carrier = match get_ci(map, "UserGroup") {
        Some(v) => v,
        None if map
            .keys()
            .any(|k| PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(k))) =>
        {
            return Ok(SaveRequest {
                user_group: Some(user_group(map, d.source)?),
            })
        }
        None => return Ok(SaveRequest { user_group: None }),
    };
    let user_group = match carrier {
        Value::Null => None,
        Value::Object(m) => Some(user_group(m, d.source)?),
        Value::String(s) if d.source == Source::Text && s.trim().is_empty() => {
            Some(UserGroupInput::default())
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "UserGroup must be an object or null, not {}.",
                describe(other)
            )))
        }
    };
    Ok(SaveRequest { user_group })
}

fn user_group(map: &Map<String, Value>, source: Source) -> Result<UserGroupInput, ApiError> {
    let mut input = UserGroupInput::default();
    let field = |name: &str| get_ci(map, name);
    if let Some(v) = field("Id") {
        input.id = int(v, source, "UserGroup.Id")?;
    }
    if let Some(v) = field("Rank") {
        input.rank = int(v, source, "UserGroup.Rank")?;
    }
    if let Some(v) = field("Deleted") {
        input.deleted = boolean(v, source, "UserGroup.Deleted")?;
    }
    if let Some(v) = field("Value") {
        input.value = Some(string(v, "UserGroup.Value")?);
    }
    if let Some(v) = field("Tooltip") {
        input.tooltip = Some(string(v, "UserGroup.Tooltip")?);
    }
    Ok(input)
}

fn string(v: &Value, name: &str) -> Result<Option<String>, ApiError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => {
            if let Some(c) = s.chars().find(|c| !is_xml_char(*c)) {
                return Err(ApiError::bad_request(format!(
                    "{name} contains the control character U+{:04X}, which the XML representation cannot carry.",
                    c as u32
                )));
            }
            Ok(Some(s.clone()))
        }
        other => Err(ApiError::bad_request(format!(
            "{name} must be a string or null, not {}.",
            describe(other)
        ))),
    }
}

/// An int32 value: a JSON integer, or (from XML/form) its decimal text.
pub fn int(v: &Value, source: Source, name: &str) -> Result<Option<i32>, ApiError> {
    let wrong = || {
        ApiError::bad_request(format!(
            "{name} must be a 32-bit integer, not {}.",
            describe(v)
        ))
    };
    let range = |n: i64| {
        i32::try_from(n).map_err(|_| {
            ApiError::bad_request(format!(
                "{name} is out of range: {n} does not fit a 32-bit integer ({}..{}).",
                i32::MIN,
                i32::MAX
            ))
        })
    };
    match (source, v) {
        (Source::Json, Value::Number(n)) => match n.as_i64() {
            Some(i) => range(i).map(Some),
            None if n.is_u64() => Err(ApiError::bad_request(format!(
                "{name} is out of range: {n} does not fit a 32-bit integer."
            ))),
            // JSON has one number type (RFC 8259 §6): `8880.0` and `8.88e3` are the integer
            // 8880, as JSON Schema's `integer` (the derived contract's int32) counts them.
            None => match n.as_f64() {
                Some(f) if f.is_finite() && f.fract() == 0.0 => {
                    if f < f64::from(i32::MIN) || f > f64::from(i32::MAX) {
                        Err(ApiError::bad_request(format!(
                            "{name} is out of range: {n} does not fit a 32-bit integer."
                        )))
                    } else {
                        // In range and integral: the conversion is exact.
                        Ok(Some(f as i32))
                    }
                }
                _ => Err(wrong()),
            },
        },
        (Source::Text, Value::Null) => Ok(None),
        (Source::Text, Value::String(s)) => {
            // An empty element or value is no number (xs:int has no empty form); a nil
            // element (`Value::Null`) is the way to send none.
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(wrong());
            }
            match t.parse::<i64>() {
                Ok(i) => range(i).map(Some),
                Err(_) => Err(ApiError::bad_request(format!(
                    "{name} is out of range: {t} does not fit a 32-bit integer."
                ))),
            }
        }
        _ => Err(wrong()),
    }
}

/// A boolean: JSON `true`/`false`, or (from XML/form) `true`/`false` in any case, `1`/`0`.
pub fn boolean(v: &Value, source: Source, name: &str) -> Result<Option<bool>, ApiError> {
    match (source, v) {
        (Source::Json, Value::Bool(b)) => Ok(Some(*b)),
        (Source::Text, Value::Null) => Ok(None),
        (Source::Text, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(ApiError::bad_request(format!(
                "{name} must be true or false, not {}.",
                describe(v)
            ))),
        },
        _ => Err(ApiError::bad_request(format!(
            "{name} must be true or false, not {}.",
            describe(v)
        ))),
    }
}

/// The query string's parameters, percent-decoded.
#[derive(Debug, Clone, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        Query(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// Every value of a parameter, name matched case-insensitively.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `$select` values joined (a repeated parameter adds names).
    pub fn select(&self) -> Option<String> {
        let parts: Vec<&str> = self.all("$select").collect();
        (!parts.is_empty()).then(|| parts.join(","))
    }
}

/// GetUserGroup's required `userGroupId` query parameter.
pub fn user_group_id(query: &Query) -> Result<i32, ApiError> {
    match query.first("userGroupId") {
        None => Err(ApiError::bad_request(
            "The parameters dictionary contains a null entry for parameter 'userGroupId' of non-nullable type 'System.Int32'.",
        )),
        Some(raw) => int(&Value::String(raw.to_string()), Source::Text, "userGroupId")?
            .ok_or_else(|| ApiError::bad_request("userGroupId must be a 32-bit integer, not empty.")),
    }
}

/// GetAllUserGroups' `IncludeDeleted`: from the body, else the `includeDeleted` query
/// parameter, else false.
pub fn include_deleted(d: &Decoded, query: &Query) -> Result<bool, ApiError> {
    let from_body = match &d.value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if d.source == Source::Text && s.trim().is_empty() => None,
        Some(Value::Object(map)) => match get_ci(map, "IncludeDeleted") {
            Some(v) => boolean(v, d.source, "IncludeDeleted")?,
            None => None,
        },
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The request body must be an object like {{\"IncludeDeleted\": false}}, not {}.",
                describe(other)
            )))
        }
    };
    if let Some(b) = from_body {
        return Ok(b);
    }
    match query.first("includeDeleted") {
        Some(raw) => Ok(boolean(
            &Value::String(raw.to_string()),
            Source::Text,
            "includeDeleted",
        )?
        .unwrap_or(false)),
        None => Ok(false),
    }
}

/// DeleteUserGroup's `{"UserGroupToDelete": int32, "UserGroupToMoveTo": int32}` (names
/// case-insensitive; either may also come as a query parameter). A missing Id is 0.
pub fn delete_request(d: &Decoded, query: &Query) -> Result<(i32, i32), ApiError> {
    let map = match &d.value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if d.source == Source::Text && s.trim().is_empty() => None,
        Some(Value::Object(map)) => Some(map),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The request body must be an object like {{\"UserGroupToDelete\": 5, \"UserGroupToMoveTo\": 6}}, not {}.",
                describe(other)
            )))
        }
    };
    let id = |name: &str| -> Result<i32, ApiError> {
        if let Some(v) = map.and_then(|m| get_ci(m, name)) {
            return Ok(int(v, d.source, name)?.unwrap_or(0));
        }
        match query.first(name) {
            Some(raw) => Ok(int(&Value::String(raw.to_string()), Source::Text, name)?.unwrap_or(0)),
            None => Ok(0),
        }
    };
    Ok((id("UserGroupToDelete")?, id("UserGroupToMoveTo")?))
}

/// GetUserGroupList's primary keys: a bare array (`[1, 2]`, as a Web API 2 `int[]`
/// parameter binds), `{"userGroupIds": [...]}` (the page's body name), an XML or form
/// list of them, or `userGroupIds` query parameters. None is an empty list.
pub fn id_list(d: &Decoded, query: &Query) -> Result<Vec<i32>, ApiError> {
    let list = match &d.value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if d.source == Source::Text && s.trim().is_empty() => None,
        Some(Value::Array(items)) => Some(items.clone()),
        Some(Value::Object(map)) => match get_ci(map, "userGroupIds") {
            Some(Value::Array(items)) => Some(items.clone()),
            Some(Value::Null) | None if map.is_empty() => None,
            // XML `<userGroupIds><int>1</int>...</userGroupIds>` as the root itself.
            None => Some(
                map.values()
                    .flat_map(|v| match v {
                        Value::Array(a) => a.clone(),
                        other => vec![other.clone()],
                    })
                    .collect(),
            ),
            // XML `<userGroupIds><int>1</int><int>2</int></userGroupIds>` or one element.
            Some(Value::Object(inner)) => Some(
                inner
                    .values()
                    .flat_map(|v| match v {
                        Value::Array(a) => a.clone(),
                        other => vec![other.clone()],
                    })
                    .collect(),
            ),
            Some(one @ (Value::String(_) | Value::Number(_))) => Some(vec![one.clone()]),
            _ => {
                return Err(ApiError::bad_request(
                    "The request body must be the primary keys, e.g. [1, 2] or {\"userGroupIds\": [1, 2]}.",
                ))
            }
        },
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The request body must be the primary keys, e.g. [1, 2], not {}.",
                describe(other)
            )))
        }
    };
    let items = match list {
        Some(items) => items,
        None => query
            .all("userGroupIds")
            .map(|v| Value::String(v.to_string()))
            .collect(),
    };
    let source = if d.value.is_some() {
        d.source
    } else {
        Source::Text
    };
    items
        .iter()
        .map(|v| {
            let source = if v.is_string() { Source::Text } else { source };
            Ok(int(v, source, "userGroupIds")?.unwrap_or(0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integral_json_numbers_are_int32() {
        let int = |v: Value| int(&v, Source::Json, "Id").map_err(|e| e.status.as_u16());
        assert_eq!(int(json!(8880.0)), Ok(Some(8880)));
        assert_eq!(int(json!(-2147483648.0)), Ok(Some(i32::MIN)));
        let big: Value = serde_json::from_str("8.88e3").unwrap();
        assert_eq!(int(big), Ok(Some(8880)));
        assert_eq!(int(json!(1.5)), Err(400));
        assert_eq!(int(json!(2147483648.0)), Err(400));
        assert_eq!(int(json!(1e300)), Err(400));
    }

    fn json(v: Value) -> Decoded {
        Decoded {
            value: Some(v),
            source: Source::Json,
        }
    }
    fn text(v: Value) -> Decoded {
        Decoded {
            value: Some(v),
            source: Source::Text,
        }
    }

    #[test]
    fn wrapped_bare_and_null() {
        let r = save_request(&json(json!({"UserGroup": {"Value": "a", "Id": 0, "Rank": 2, "Deleted": false, "TableRight": 5}}))).unwrap();
        assert_eq!(
            r.user_group,
            Some(UserGroupInput {
                id: Some(0),
                value: Some(Some("a".into())),
                tooltip: None,
                rank: Some(2),
                deleted: Some(false)
            })
        );
        let r = save_request(&json(json!({"value": "a", "tooltip": null}))).unwrap();
        assert_eq!(r.user_group.unwrap().tooltip, Some(None));
        for v in [
            json!({"UserGroup": null}),
            json!({}),
            json!(null),
            json!({"Other": 1}),
        ] {
            assert_eq!(save_request(&json(v)).unwrap().user_group, None);
        }
        assert_eq!(save_request(&Decoded::empty()).unwrap().user_group, None);
        let r = save_request(&json(json!({"usergroup": {"ID": 3}}))).unwrap();
        assert_eq!(r.user_group.unwrap().id, Some(3));
    }

    #[test]
    fn strict_json_types() {
        for bad in [
            json!({"UserGroup": {"Id": "5"}}),
            json!({"UserGroup": {"Id": 1.5}}),
            json!({"UserGroup": {"Id": null}}),
            json!({"UserGroup": {"Id": 2147483648i64}}),
            json!({"UserGroup": {"Id": -2147483649i64}}),
            json!({"UserGroup": {"Rank": 18446744073709551615u64}}),
            json!({"UserGroup": {"Deleted": "true"}}),
            json!({"UserGroup": {"Deleted": 1}}),
            json!({"UserGroup": {"Value": 5}}),
            json!({"UserGroup": {"Value": "a\u{1}b"}}),
            json!({"UserGroup": []}),
            json!({"UserGroup": "x"}),
            json!([1]),
            json!("x"),
        ] {
            assert_eq!(
                save_request(&json(bad.clone()))
                    .unwrap_err()
                    .status
                    .as_u16(),
                400,
                "{bad}"
            );
        }
        let r = save_request(&json(
            json!({"UserGroup": {"Id": 2147483647, "Rank": -2147483648}}),
        ))
        .unwrap();
        assert_eq!(r.user_group.unwrap().rank, Some(i32::MIN));
    }

    #[test]
    fn lenient_text_types() {
        let r = save_request(&text(
            json!({"UserGroup": {"Id": " 7 ", "Rank": null, "Deleted": "TRUE", "Tooltip": ""}}),
        ))
        .unwrap();
        let g = r.user_group.unwrap();
        assert_eq!((g.id, g.rank, g.deleted), (Some(7), None, Some(true)));
        // An empty element or value is no number or boolean (nil is how to send none).
        for empty in [json!({"Rank": ""}), json!({"Deleted": " "})] {
            let err = save_request(&text(json!({ "UserGroup": empty }))).unwrap_err();
            assert_eq!(err.status.as_u16(), 400);
        }
        assert_eq!(g.tooltip, Some(Some(String::new())));
        let r = save_request(&text(json!({"UserGroup": {"Deleted": "0", "Value": null}}))).unwrap();
        let g = r.user_group.unwrap();
        assert_eq!((g.deleted, g.value), (Some(false), Some(None)));
        assert_eq!(
            save_request(&text(json!({"UserGroup": ""})))
                .unwrap()
                .user_group,
            Some(UserGroupInput::default())
        );
        for bad in ["abc", "1.0", "99999999999", "0x10", "-"] {
            let e = save_request(&text(json!({"UserGroup": {"Id": bad}}))).unwrap_err();
            assert_eq!(e.status.as_u16(), 400, "{bad}");
        }
        assert!(save_request(&text(json!({"UserGroup": {"Deleted": "yes"}}))).is_err());
    }

    #[test]
    fn queries() {
        let q = Query::parse(Some("%24select=Value,Id&$SELECT=Rank&userGroupId=12"));
        assert_eq!(q.select().as_deref(), Some("Value,Id,Rank"));
        assert_eq!(user_group_id(&q).unwrap(), 12);
        for bad in [
            "",
            "userGroupId=glops",
            "userGroupId=",
            "userGroupId=2147483648",
        ] {
            assert!(user_group_id(&Query::parse(Some(bad))).is_err(), "{bad}");
        }
        let q = Query::parse(Some("includeDeleted=True"));
        assert!(include_deleted(&Decoded::empty(), &q).unwrap());
        assert!(!include_deleted(&json(json!({"IncludeDeleted": false})), &q).unwrap());
        assert!(
            include_deleted(&json(json!({"IncludeDeleted": true})), &Query::default()).unwrap()
        );
        assert!(
            include_deleted(&json(json!({"IncludeDeleted": "true"})), &Query::default()).is_err()
        );
        assert!(include_deleted(&text(json!({"IncludeDeleted": "1"})), &Query::default()).unwrap());
        assert!(include_deleted(
            &Decoded::empty(),
            &Query::parse(Some("includeDeleted=maybe"))
        )
        .is_err());
    }

    #[test]
    fn delete_and_list_bodies() {
        let q = Query::parse(None);
        assert_eq!(
            delete_request(
                &json(json!({"UserGroupToDelete": 358, "userGroupToMoveTo": 834})),
                &q
            )
            .unwrap(),
            (358, 834)
        );
        assert!(delete_request(&json(json!({"UserGroupToDelete": "x"})), &q).is_err());
        assert_eq!(
            delete_request(
                &json(json!(null)),
                &Query::parse(Some("UserGroupToDelete=5&UserGroupToMoveTo=6"))
            )
            .unwrap(),
            (5, 6)
        );
        assert_eq!(id_list(&json(json!([1, 2])), &q).unwrap(), vec![1, 2]);
        assert_eq!(
            id_list(&json(json!({"userGroupIds": [3]})), &q).unwrap(),
            vec![3]
        );
        assert_eq!(
            id_list(&text(json!({"userGroupIds": {"int": ["4", "5"]}})), &q).unwrap(),
            vec![4, 5]
        );
        // The list as the XML root: `<userGroupIds><item>6</item></userGroupIds>`.
        assert_eq!(
            id_list(&text(json!({"item": ["6", "7"]})), &q).unwrap(),
            vec![6, 7]
        );
        assert_eq!(
            id_list(
                &json(json!(null)),
                &Query::parse(Some("userGroupIds=7&userGroupIds=8"))
            )
            .unwrap(),
            vec![7, 8]
        );
        assert!(id_list(&json(json!(["glops"])), &q).is_err());
        assert!(id_list(&json(json!("glops")), &q).is_err());
    }
}

//! The family's Id guard: the suite only ever writes groups it created in this run, so a
//! body that names any other group is refused before it is sent.

use crate::engine::trial::id_guard::{key_ids, readings};
use crate::engine::Engine;
use serde_json::Value;

/// Refuses a body that names a group this run did not create: every `Id` in a JSON
/// body (a number, a numeric string, `true`) must be 0 or one of this run's groups, and
/// so must every value of the other key properties (`[groups] key_properties`, e.g.
/// `UserGroupToDelete`; in an array, each element) and every number of a body that is a
/// bare array (GetUserGroupList's primary keys); a raw body is also scanned for `Id`
/// followed by a number, in any syntax (`"Id": 5`, `<Id>5</Id>`, `UserGroup.Id=5`,
/// `UserGroup%5BId%5D=5`).
pub(in crate::engine) fn check(
    engine: &Engine,
    value: Option<&Value>,
    raw: Option<&str>,
) -> Result<(), String> {
    let keys = &engine.family.api.props.key_properties;
    let mut ids = Vec::new();
    if let Some(v) = value {
        json_ids(v, &mut ids);
        key_ids(v, keys, true, &mut ids);
    }
    if let Some(r) = raw {
        if let Ok(v) = serde_json::from_str::<Value>(r) {
            json_ids(&v, &mut ids);
            key_ids(&v, keys, true, &mut ids);
        }
        raw_ids(r, &mut ids);
    }
    for id in ids {
        let ours = i32::try_from(id).is_ok_and(|i| engine.family.groups.is_ours(i));
        if id != 0 && !ours {
            return Err(format!(
                "refusing to send Id {id}: the suite only saves groups it created in this run (Id 0 creates)"
            ));
        }
    }
    Ok(())
}

/// Every value of an `Id` member (any case) that a lenient server could read as a number.
fn json_ids(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k.eq_ignore_ascii_case("id") {
                    readings(x, out);
                }
                json_ids(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| json_ids(x, out)),
        _ => {}
    }
}

fn raw_ids(raw: &str, out: &mut Vec<i64>) {
    let lower = raw.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find("id").map(|i| i + from) {
        from = at + 2;
        let before_ok =
            at == 0 || !b[at - 1].is_ascii_alphanumeric() || lower[..at].ends_with("%5b");
        if !before_ok
            || b.get(at + 2)
                .is_some_and(|c| c.is_ascii_alphanumeric() && !lower[at + 2..].starts_with("%5d"))
        {
            continue;
        }
        let mut i = at + 2;
        loop {
            if lower[i..].starts_with("%5d") {
                i += 3;
            } else if b.get(i).is_some_and(|c| b"\"'>]=: \t\r\n".contains(c)) {
                i += 1;
            } else {
                break;
            }
        }
        let start = i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i > start && b[start..i] != *b"-" {
            out.push(lower[start..i].parse::<i64>().unwrap_or(i64::MAX));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::trial::id_guard::key_ids;
    use serde_json::json;

    #[test]
    fn key_properties_and_bare_arrays_name_groups_too() {
        let keys = [
            "UserGroupToDelete".to_string(),
            "UserGroupToMoveTo".to_string(),
        ];
        let ids = |v: Value| {
            let mut out = vec![];
            key_ids(&v, &keys, true, &mut out);
            out
        };
        // Each value read as `Id` is (truncated and rounded).
        assert_eq!(
            ids(json!({"UserGroupToDelete": 358, "usergrouptomoveto": "834"})),
            [358, 358, 834, 834]
        );
        assert_eq!(
            ids(json!([4, "5"])),
            [4, 4, 5, 5],
            "GetUserGroupList's bare keys"
        );
        assert_eq!(ids(json!({"request": {"UserGroupToDelete": [6]}})), [6, 6]);
        assert_eq!(
            ids(json!({"UserGroupToDelete": 1.5})),
            [1, 2],
            "either rounding"
        );
        assert!(ids(json!({"Rank": 7, "Value": "9"})).is_empty());
    }

    #[test]
    fn ids_in_bodies_are_found_in_every_syntax() {
        let ids = |v: Value| {
            let mut out = vec![];
            json_ids(&v, &mut out);
            out
        };
        assert_eq!(ids(json!({"UserGroup": {"Id": 0, "Value": "x"}})), [0, 0]);
        assert_eq!(ids(json!({"UserGroup": {"id": "5"}})), [5, 5]);
        assert_eq!(ids(json!({"UserGroup": {"Id": true}})), [1, 1]);
        assert_eq!(ids(json!({"UserGroup": {"Id": 1.5}})), [1, 2]);
        assert!(ids(json!({"UserGroup": {"Id": "glops"}})).is_empty());
        assert!(ids(json!({"UserGroup": {"Id": {}, "Rank": 7}})).is_empty());
        assert_eq!(ids(json!([{"UserGroup": {"Id": 9}}])), [9, 9]);
        let raw = |r: &str| {
            let mut out = vec![];
            raw_ids(r, &mut out);
            out
        };
        assert_eq!(raw(r#"{"UserGroup": {"Id": 12, "Value": "x"}}"#), [12]);
        assert_eq!(
            raw("<request><UserGroup><Id>34</Id></UserGroup></request>"),
            [34]
        );
        assert_eq!(raw("UserGroup.Id=56&UserGroup.Value=a"), [56]);
        assert_eq!(raw("UserGroup%5BId%5D=78"), [78]);
        assert_eq!(raw("Id=-9"), [-9]);
        assert!(raw("userGroupId=5&Identity=3&valid=1 id glops").is_empty());
    }
}

//! Whether an answer shows that the server did not read the body it was sent. Only asked
//! of a body form no page gives (an XML root, form field names, a patch document, a list
//! of keys): a server that binds another form reads such a body as nothing sent, and
//! answers as it would to nothing: the NULL result, the internal error object, an empty
//! list, or a carrier holding none of the values sent. Then the suite tries its next form
//! instead of judging the answer.

use serde_json::Value;

/// Why `got` shows that `sent` was not read, or `None` when it does not (or cannot tell).
/// `got_is_error`: `got` is the agents' internal error object. `nulled`: a property
/// `$select` leaves out (its value may come back default whatever was sent). `exists`: a
/// key known to name a record (an empty list answers keys that name nothing).
pub fn not_read(
    sent: &Value,
    got: &Value,
    got_is_error: bool,
    nulled: &dyn Fn(&str) -> bool,
    exists: &dyn Fn(i64) -> bool,
) -> Option<String> {
    // Nothing found is a fair answer to a body that names nothing and sets nothing.
    let asks = holds_keys(sent, exists)
        || carrier_of(sent).is_some_and(|c| c.values().any(|v| !is_default(v)));
    if got.is_null() && asks {
        return Some("the NULL result".into());
    }
    if got_is_error && asks {
        return Some("the internal error object".into());
    }
    match got {
        Value::Array(items) if items.is_empty() && holds_keys(sent, exists) => {
            Some("an empty list where keys of existing records were sent".into())
        }
        Value::Object(answer) => {
            let carrier = carrier_of(sent)?;
            let shared = carrier
                .keys()
                .any(|k| answer.keys().any(|a| a.eq_ignore_ascii_case(k)));
            // An answer that is not the carrier sent (another shape): nothing to tell.
            if !shared {
                return None;
            }
            let compared: Vec<&String> = carrier
                .iter()
                .filter(|(k, v)| !is_default(v) && !nulled(k))
                .map(|(k, _)| k)
                .collect();
            let came_back = |k: &str| {
                answer
                    .iter()
                    .find(|(a, _)| a.eq_ignore_ascii_case(k))
                    .is_some_and(|(_, v)| !is_default(v))
            };
            (!compared.is_empty() && !compared.iter().any(|k| came_back(k))).then(|| {
                let names: Vec<&str> = compared.iter().map(|k| k.as_str()).collect();
                format!(
                    "a default carrier: none of the values sent came back ({})",
                    names.join(", ")
                )
            })
        }
        _ => None,
    }
}

/// A list holding a key of an existing record: the body itself, or one of its properties.
fn holds_keys(sent: &Value, exists: &dyn Fn(i64) -> bool) -> bool {
    let named = |v: &Value| {
        v.as_array()
            .is_some_and(|a| a.iter().filter_map(Value::as_i64).any(exists))
    };
    named(sent) || sent.as_object().is_some_and(|m| m.values().any(named))
}

/// The carrier a request object holds: its one object-valued property
/// (`{"UserGroup": {...}}`), or the object itself when it holds values of its own.
fn carrier_of(sent: &Value) -> Option<&serde_json::Map<String, Value>> {
    let map = sent.as_object()?;
    match map.iter().collect::<Vec<_>>()[..] {
        [(_, Value::Object(inner))] => Some(inner),
        _ => Some(map),
    }
}

/// What a server that read nothing answers for a property: a nulled-out value
/// ([`super::select::is_default`]), or an empty list or object.
fn is_default(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        other => super::select::is_default(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn none(_: &str) -> bool {
        false
    }

    fn all(_: i64) -> bool {
        true
    }

    #[test]
    fn an_empty_list_for_keys_sent_is_not_read() {
        let why = not_read(&json!([1071]), &json!([]), false, &none, &all);
        assert_eq!(
            why.as_deref(),
            Some("an empty list where keys of existing records were sent")
        );
        // Keys that name nothing are answered by an empty list.
        let unknown = |k: i64| k != 9999;
        assert_eq!(
            not_read(&json!([9999]), &json!([]), false, &none, &unknown),
            None
        );
        assert!(not_read(
            &json!({"userGroupIds": [7]}),
            &json!([]),
            false,
            &none,
            &all
        )
        .is_some());
        // Nothing was asked for: an empty list says nothing.
        assert_eq!(not_read(&json!([]), &json!([]), false, &none, &all), None);
        assert_eq!(
            not_read(&json!([1]), &json!([{"Id": 1}]), false, &none, &all),
            None
        );
    }

    #[test]
    fn null_and_error_objects_are_not_read() {
        let sent = json!({"UserGroup": {"Value": "x"}});
        assert!(not_read(&sent, &Value::Null, false, &none, &all).is_some());
        assert!(not_read(&sent, &json!({"Message": "boom"}), true, &none, &all).is_some());
        // Keys that name nothing may well be answered by nothing.
        let unknown = |_: i64| false;
        assert_eq!(
            not_read(&json!([9999]), &Value::Null, false, &none, &unknown),
            None
        );
    }

    #[test]
    fn a_default_carrier_is_not_read_and_one_value_back_is() {
        let sent = json!({"UserGroup": {"Value": "soconform-1", "Tooltip": "t", "Id": 0, "Rank": 6, "Deleted": false}});
        let default = json!({"Value": "", "Tooltip": null, "Id": 12, "Rank": 0, "Deleted": false});
        let why = not_read(&sent, &default, false, &none, &all).expect("not read");
        assert!(why.contains("Value, Tooltip, Rank"), "{why}");
        let one_back = json!({"Value": "", "Tooltip": null, "Id": 12, "Rank": 6});
        assert_eq!(not_read(&sent, &one_back, false, &none, &all), None);
        // Names compared without regard to case (a camelCase answer).
        assert_eq!(
            not_read(
                &sent,
                &json!({"value": "soconform-1", "id": 3}),
                false,
                &none,
                &all
            ),
            None
        );
    }

    #[test]
    fn what_select_left_out_proves_nothing() {
        let sent = json!({"UserGroup": {"Value": "soconform-1", "Id": 0}});
        let only_id = |k: &str| k != "Id";
        assert_eq!(
            not_read(
                &sent,
                &json!({"Value": null, "Id": 9}),
                false,
                &only_id,
                &all
            ),
            None
        );
    }

    #[test]
    fn another_shape_tells_nothing() {
        let sent = json!({"UserGroupToDelete": 5, "UserGroupToMoveTo": 6});
        assert_eq!(
            not_read(&sent, &json!({"Other": 1}), false, &none, &all),
            None
        );
        assert_eq!(not_read(&sent, &json!(true), false, &none, &all), None);
        // An answer echoing the keys sent read them.
        assert_eq!(
            not_read(&sent, &json!({"UserGroupToDelete": 5}), false, &none, &all),
            None
        );
    }
}

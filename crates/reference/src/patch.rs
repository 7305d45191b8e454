//! The two patch media types on an agent POST (the docs list them but give them no
//! agent meaning; notes §5). The request object is built from an empty object:
//! - `application/json-patch+json`: a JSON object is the request object itself (as with
//!   `application/json`); an array of operation objects is a JSON Patch (RFC 6902)
//!   applied to `{}`, any other array (GetUserGroupList's keys) is the request itself. Paths may
//!   omit the leading `/` (the docs' own examples do both, notes §5). Leniency for
//!   building from nothing: missing parent objects are created, and `replace` of a
//!   missing member adds it. A failed `test` is 409 Conflict (RFC 5789 §2.2).
//! - `application/merge-patch+json`: RFC 7396 MergePatch(`{}`, body); so members whose
//!   value is null are dropped (they mean "not sent").

use super::error::ApiError;
use axum::http::StatusCode;
use serde_json::{Map, Value};

fn bad(detail: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("The JSON Patch is invalid: {detail}"))
}

/// Splits a JSON Pointer (leading `/` optional) into unescaped tokens.
fn pointer(path: &str) -> Result<Vec<String>, ApiError> {
    let p = path.strip_prefix('/').unwrap_or(path);
    if p.is_empty() {
        return Ok(Vec::new());
    }
    p.split('/')
        .map(|t| {
            if t.contains('~') {
                let ok = t
                    .match_indices('~')
                    .all(|(i, _)| matches!(t.as_bytes().get(i + 1), Some(b'0' | b'1')));
                if !ok {
                    return Err(bad(format!("bad '~' escape in path '{path}'")));
                }
            }
            Ok(t.replace("~1", "/").replace("~0", "~"))
        })
        .collect()
}

/// The container holding the last token, creating missing objects on the way.
fn parent<'a>(
    doc: &'a mut Value,
    tokens: &[String],
    create: bool,
) -> Result<&'a mut Value, ApiError> {
    let mut cur = doc;
    for t in tokens {
        cur = match cur {
            Value::Object(map) => {
                if !map.contains_key(t) {
                    if !create {
                        return Err(bad(format!("path member '{t}' does not exist")));
                    }
                    map.insert(t.clone(), Value::Object(Map::new()));
                }
                map.get_mut(t).ok_or_else(|| bad("path"))?
            }
            Value::Array(items) => {
                let i: usize = t
                    .parse()
                    .map_err(|_| bad(format!("'{t}' is not an array index")))?;
                items
                    .get_mut(i)
                    .ok_or_else(|| bad(format!("index {i} is out of bounds")))?
            }
            _ => return Err(bad(format!("path goes through a scalar at '{t}'"))),
        };
    }
    Ok(cur)
}

fn add(doc: &mut Value, tokens: &[String], value: Value) -> Result<(), ApiError> {
    let Some((last, parents)) = tokens.split_last() else {
        *doc = value;
        return Ok(());
    };
    match parent(doc, parents, true)? {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let i = if last == "-" {
                items.len()
            } else {
                last.parse()
                    .map_err(|_| bad(format!("'{last}' is not an array index")))?
            };
            if i > items.len() {
                return Err(bad(format!("index {i} is out of bounds")));
            }
            items.insert(i, value);
            Ok(())
        }
        _ => Err(bad("cannot add a member to a scalar")),
    }
}

fn remove(doc: &mut Value, tokens: &[String]) -> Result<Value, ApiError> {
    let Some((last, parents)) = tokens.split_last() else {
        return Ok(std::mem::replace(doc, Value::Null));
    };
    match parent(doc, parents, false)? {
        Value::Object(map) => map
            .shift_remove(last)
            .ok_or_else(|| bad(format!("member '{last}' does not exist"))),
        Value::Array(items) => {
            let i: usize = last
                .parse()
                .map_err(|_| bad(format!("'{last}' is not an array index")))?;
            if i >= items.len() {
                return Err(bad(format!("index {i} is out of bounds")));
            }
            Ok(items.remove(i))
        }
        _ => Err(bad("cannot remove a member of a scalar")),
    }
}

fn get(doc: &mut Value, tokens: &[String]) -> Result<Value, ApiError> {
    parent(doc, tokens, false).map(|v| v.clone())
}

/// Applies an RFC 6902 patch to `{}`.
pub fn apply_json_patch(ops: &[Value]) -> Result<Value, ApiError> {
    let mut doc = Value::Object(Map::new());
    for (n, op) in ops.iter().enumerate() {
        let obj = op
            .as_object()
            .ok_or_else(|| bad(format!("operation {n} is not an object")))?;
        let field = |name: &str| obj.get(name);
        let kind = field("op")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("operation {n} has no string 'op'")))?;
        let path = field("path")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("operation {n} has no string 'path'")))?;
        let tokens = pointer(path)?;
        let value = || {
            field("value")
                .cloned()
                .ok_or_else(|| bad(format!("operation {n} ('{kind}') has no 'value'")))
        };
        let from = || -> Result<Vec<String>, ApiError> {
            pointer(
                field("from")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(format!("operation {n} ('{kind}') has no string 'from'")))?,
            )
        };
        match kind {
            "add" | "replace" => add(&mut doc, &tokens, value()?)?,
            "remove" => {
                remove(&mut doc, &tokens)?;
            }
            "move" => {
                let v = remove(&mut doc, &from()?)?;
                add(&mut doc, &tokens, v)?;
            }
            "copy" => {
                let v = get(&mut doc, &from()?)?;
                add(&mut doc, &tokens, v)?;
            }
            "test" => {
                let expected = value()?;
                let actual = get(&mut doc, &tokens).ok();
                if actual.as_ref() != Some(&expected) {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "The JSON Patch test failed.",
                        format!("operation {n}: the value at '{path}' is not the tested value"),
                    ));
                }
            }
            other => {
                return Err(bad(format!(
                    "operation {n} has unknown op '{}'",
                    other.chars().take(20).collect::<String>()
                )))
            }
        }
    }
    Ok(doc)
}

/// RFC 7396 MergePatch(target, patch).
pub fn merge_patch(target: Value, patch: Value) -> Value {
    let Value::Object(patch) = patch else {
        return patch;
    };
    let mut target = match target {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, v) in patch {
        if v.is_null() {
            target.shift_remove(&k);
        } else {
            let current = target.shift_remove(&k).unwrap_or(Value::Null);
            target.insert(k, merge_patch(current, v));
        }
    }
    Value::Object(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(ops: Value) -> Result<Value, ApiError> {
        apply_json_patch(ops.as_array().unwrap())
    }

    #[test]
    fn builds_request_objects() {
        assert_eq!(
            apply(
                json!([{"op": "add", "path": "/UserGroup", "value": {"Value": "a"}},
                         {"op": "replace", "path": "UserGroup/Rank", "value": 4}])
            )
            .unwrap(),
            json!({"UserGroup": {"Value": "a", "Rank": 4}})
        );
        assert_eq!(
            apply(
                json!([{"op": "replace", "path": "/UserGroup/Value", "value": "x"},
                         {"op": "copy", "from": "/UserGroup/Value", "path": "/UserGroup/Tooltip"},
                         {"op": "test", "path": "/UserGroup/Tooltip", "value": "x"},
                         {"op": "add", "path": "/tmp", "value": 1},
                         {"op": "remove", "path": "/tmp"}])
            )
            .unwrap(),
            json!({"UserGroup": {"Value": "x", "Tooltip": "x"}})
        );
        assert_eq!(
            apply(json!([{"op": "add", "path": "/a~1b", "value": [1]}, {"op": "add", "path": "/a~1b/-", "value": 2}])).unwrap(),
            json!({"a/b": [1, 2]})
        );
        assert_eq!(apply(json!([])).unwrap(), json!({}));
    }

    #[test]
    fn invalid_patches() {
        for ops in [
            json!([1]),
            json!([{"op": "add", "value": 1}]),
            json!([{"op": "add", "path": "/x"}]),
            json!([{"op": "frobnicate", "path": "/x", "value": 1}]),
            json!([{"op": "remove", "path": "/missing"}]),
            json!([{"op": "add", "path": "/a~2", "value": 1}]),
            json!([{"op": "move", "path": "/a"}]),
        ] {
            assert_eq!(
                apply(ops.clone()).unwrap_err().status.as_u16(),
                400,
                "{ops}"
            );
        }
        let e = apply(json!([{"op": "test", "path": "/x", "value": 1}])).unwrap_err();
        assert_eq!(e.status.as_u16(), 409);
    }

    #[test]
    fn merge_patch_rfc7396() {
        assert_eq!(
            merge_patch(
                json!({}),
                json!({"UserGroup": {"Value": "a", "Tooltip": null}})
            ),
            json!({"UserGroup": {"Value": "a"}})
        );
        assert_eq!(
            merge_patch(json!({}), json!({"UserGroup": null})),
            json!({})
        );
        assert_eq!(merge_patch(json!({"a": 1}), json!([1])), json!([1]));
    }
}

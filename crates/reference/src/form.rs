//! `application/x-www-form-urlencoded` bodies (the docs list the type but not how it
//! binds; notes §5). Read leniently, into the same object shape a JSON body has:
//! - `UserGroup.Value=x` (ASP.NET dotted binding) and `UserGroup[Value]=x` (bracket
//!   style) set a property of the carrier; bare `Value=x` sets a top-level property
//!   (a bare carrier, handled like a bare JSON carrier);
//! - an empty form, or `UserGroup=` alone, means `UserGroup` null;
//! - values stay strings, typed later (bool `true`/`false` in any case, or `1`/`0`);
//! - strict percent-decoding: a bad `%` escape or non-UTF-8 bytes are malformed (400);
//! - a field name that cannot name a property (an empty segment, an unclosed `[`) is
//!   ignored, as ASP.NET's binder ignores keys that match nothing: unknown names are.

use super::error::ApiError;
use serde_json::{Map, Value};

fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("The form body is malformed: {detail}"))
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one `application/x-www-form-urlencoded` name or value.
fn decode(raw: &str) -> Result<String, ApiError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex);
                let lo = bytes.get(i + 2).copied().and_then(hex);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h * 16 + l),
                    _ => return Err(malformed(format!("bad percent escape at byte {i}"))),
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| malformed("a decoded value is not UTF-8"))
}

/// Splits a field name into a path: `UserGroup.Value`, `UserGroup[Value]`, `Value`;
/// `None` for a name that cannot name a property (empty segment, unclosed `[`, text
/// after `]`).
fn path(name: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for dotted in name.split('.') {
        let (head, mut rest) = match dotted.find('[') {
            Some(i) => (&dotted[..i], &dotted[i..]),
            None => (dotted, ""),
        };
        out.push(head.trim().to_string());
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            out.push(r[..end].trim().to_string());
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    if out.iter().any(String::is_empty) {
        return None;
    }
    Some(out)
}

/// Sets `value` at `path` in `map`, turning any scalar in the way into an object.
fn set(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = map;
    for p in parents {
        // Match an existing key case-insensitively so `UserGroup.Value` and
        // `usergroup.Rank` land in the same object.
        let key = cur
            .keys()
            .find(|k| k.eq_ignore_ascii_case(p))
            .cloned()
            .unwrap_or_else(|| p.clone());
        let slot = cur.entry(key).or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else { return };
        cur = next;
    }
    let key = cur
        .keys()
        .find(|k| k.eq_ignore_ascii_case(last))
        .cloned()
        .unwrap_or_else(|| last.clone());
    match cur.get_mut(&key) {
        // `UserGroup=` after `UserGroup.Value=x`: the properties win.
        Some(Value::Object(_)) if value.is_null() => {}
        Some(slot) => *slot = value,
        None => {
            cur.insert(key, value);
        }
    }
}

/// Parses a form body into an object of strings (and nulls).
/// Names whose whole value is empty and that name an object (`UserGroup=`) become null.
pub fn parse(body: &str, object_names: &[&str]) -> Result<Value, ApiError> {
    let mut map = Map::new();
    for pair in body.split('&') {
        if pair.trim().is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name)?;
        let value = decode(value)?;
        let Some(path) = path(&name) else {
            continue;
        };
        let names_object = path.len() == 1
            && object_names
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&path[0]));
        let v = if names_object {
            if !value.is_empty() {
                return Err(malformed(format!(
                    "'{name}' names an object; send its properties as '{name}.Property=value'"
                )));
            }
            Value::Null
        } else {
            Value::String(value)
        };
        set(&mut map, &path, v);
    }
    Ok(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(body: &str) -> Result<Value, ApiError> {
        parse(body, &["UserGroup"])
    }

    #[test]
    fn three_styles() {
        assert_eq!(
            p("UserGroup.Value=Sales+team&UserGroup.Rank=3").unwrap(),
            json!({"UserGroup": {"Value": "Sales team", "Rank": "3"}})
        );
        assert_eq!(
            p("UserGroup%5BValue%5D=a%26b&UserGroup[Deleted]=TRUE").unwrap(),
            json!({"UserGroup": {"Value": "a&b", "Deleted": "TRUE"}})
        );
        assert_eq!(p("Value=x&Id=0").unwrap(), json!({"Value": "x", "Id": "0"}));
        assert_eq!(
            p("userGroup.value=a&UserGroup.Tooltip=").unwrap(),
            json!({"userGroup": {"value": "a", "Tooltip": ""}})
        );
    }

    #[test]
    fn null_forms() {
        assert_eq!(p("").unwrap(), json!({}));
        assert_eq!(p("UserGroup=").unwrap(), json!({"UserGroup": null}));
        assert_eq!(p("UserGroup").unwrap(), json!({"UserGroup": null}));
        assert_eq!(
            p("UserGroup=&UserGroup.Value=a").unwrap(),
            json!({"UserGroup": {"Value": "a"}})
        );
        assert_eq!(
            p("UserGroup.Value=a&UserGroup=").unwrap(),
            json!({"UserGroup": {"Value": "a"}})
        );
    }

    #[test]
    fn malformed_forms() {
        for bad in ["Value=%zz", "Value=%4", "Value=%ff", "UserGroup=x"] {
            assert_eq!(p(bad).unwrap_err().status.as_u16(), 400, "{bad}");
        }
    }

    #[test]
    fn unbindable_names_are_ignored() {
        for name in ["UserGroup[Value", "a..b", "", "UserGroup.", "x[y]z"] {
            let body = format!("{}=1&UserGroup.Value=kept", name);
            assert_eq!(
                p(&body).unwrap(),
                json!({"UserGroup": {"Value": "kept"}}),
                "{name}"
            );
        }
    }
}

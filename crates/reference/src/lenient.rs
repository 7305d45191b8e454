//! A JSON reader as lenient as Newtonsoft.Json's, for the `lenient_json` clean profile.
//! The .NET client and (by its error wording) the product read JSON with it, and
//! SuperOffice's own sample requests rely on it (trailing commas, `"Id": "22"`; see
//! `shared/reference/real-clients.md`). RFC 8259 forbids the syntax; the agents page is
//! silent, so a server that reads it is as correct as one that refuses it.

use serde_json::{Map, Value};

/// `text` with what Newtonsoft reads and RFC 8259 does not rewritten into plain JSON:
/// `//` and `/* */` comments dropped, trailing commas dropped, single-quoted strings
/// double-quoted. Anything else is left for the JSON parser to judge.
pub fn relax(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(end) = comment_end(&chars, i) {
            i = end;
            continue;
        }
        match c {
            '"' | '\'' => i = copy_string(&chars, i, &mut out),
            ',' if closes_next(&chars, i + 1) => i += 1,
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Copies the string starting at `chars[start]` (either quote) as a JSON string; the
/// index after it.
fn copy_string(chars: &[char], start: usize, out: &mut String) -> usize {
    let quote = chars[start];
    out.push('"');
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            match chars.get(i + 1) {
                // `\'` is not a JSON escape: the quote itself.
                Some('\'') => out.push('\''),
                Some(n) => {
                    out.push('\\');
                    out.push(*n);
                }
                None => out.push('\\'),
            }
            i += 2;
            continue;
        }
        if c == quote {
            out.push('"');
            return i + 1;
        }
        if c == '"' {
            out.push_str("\\\"");
        } else {
            out.push(c);
        }
        i += 1;
    }
    i
}

/// When a `//` or `/* */` comment starts at `i`: the index after it.
fn comment_end(chars: &[char], i: usize) -> Option<usize> {
    if chars.get(i) != Some(&'/') {
        return None;
    }
    let mut j = i + 2;
    match chars.get(i + 1) {
        Some('/') => {
            while j < chars.len() && chars[j] != '\n' {
                j += 1;
            }
            Some(j)
        }
        Some('*') => {
            while j < chars.len() && !(chars[j] == '*' && chars.get(j + 1) == Some(&'/')) {
                j += 1;
            }
            Some((j + 2).min(chars.len()))
        }
        _ => None,
    }
}

/// Whether the next significant character after `from` (white space and comments
/// skipped) closes an object or array.
fn closes_next(chars: &[char], from: usize) -> bool {
    let mut i = from;
    while i < chars.len() {
        if let Some(end) = comment_end(chars, i) {
            i = end;
            continue;
        }
        match chars[i] {
            c if c.is_whitespace() => i += 1,
            '}' | ']' => return true,
            _ => return false,
        }
    }
    false
}

/// What Newtonsoft converts when it binds a value to a property's type, applied to the
/// request object before it is typed: integers written as strings (`"22"`) for
/// `int_names`, numbers and booleans for `string_names` (as their text), and numbers or
/// `"true"`/`"false"` for `bool_names`. Names match case-insensitively; anything it would
/// not convert is left for the strict typing to refuse.
pub fn coerce(
    map: &mut Map<String, Value>,
    int_names: &[&str],
    string_names: &[&str],
    bool_names: &[&str],
) {
    let is = |names: &[&str], k: &str| names.iter().any(|n| n.eq_ignore_ascii_case(k));
    for (k, v) in map.iter_mut() {
        let new = if is(int_names, k) {
            match v {
                Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
                _ => None,
            }
        } else if is(string_names, k) {
            match v {
                Value::Number(n) => Some(Value::String(n.to_string())),
                Value::Bool(b) => Some(Value::String(if *b { "True" } else { "False" }.into())),
                _ => None,
            }
        } else if is(bool_names, k) {
            match v {
                Value::Number(n) => n.as_f64().map(|f| Value::Bool(f != 0.0)),
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                },
                _ => None,
            }
        } else {
            None
        };
        if let Some(n) = new {
            *v = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relaxes_what_newtonsoft_reads() {
        let sample =
            "{'UserGroup': {'Value': 'a \"b\" it\\'s', /* c */ 'Tooltip': 'x', // d\n 'Id': 0,},}";
        let v: Value = serde_json::from_str(&relax(sample)).expect("plain JSON");
        assert_eq!(
            v,
            json!({"UserGroup": {"Value": "a \"b\" it's", "Tooltip": "x", "Id": 0}})
        );
        // Commas and slashes inside strings are text.
        let v: Value = serde_json::from_str(&relax(r#"{"a": "x,}", "b": "//no"}"#)).expect("ok");
        assert_eq!(v, json!({"a": "x,}", "b": "//no"}));
        // What it does not relax still fails.
        assert!(serde_json::from_str::<Value>(&relax("{\"a\": }")).is_err());
        assert!(serde_json::from_str::<Value>(&relax("{\"a\": 1")).is_err());
    }

    #[test]
    fn coerces_as_newtonsoft_binds() {
        let mut m = json!({"id": "22", "Rank": "x", "Value": 5, "Tooltip": null, "Deleted": 1, "deleted2": "no"})
            .as_object()
            .cloned()
            .expect("object");
        coerce(&mut m, &["Id", "Rank"], &["Value", "Tooltip"], &["Deleted"]);
        assert_eq!(
            Value::Object(m),
            json!({"id": 22, "Rank": "x", "Value": "5", "Tooltip": null, "Deleted": true, "deleted2": "no"})
        );
    }
}

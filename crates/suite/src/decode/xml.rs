//! XML response bodies -> the JSON value the schema describes. The docs show one REST
//! XML sample (root = carrier name, no namespace) and are silent on nulls, booleans and
//! dictionaries, so the mapping accepts the reasonable forms: `xsi:nil` under any prefix,
//! namespaces (local names are matched), booleans `true/false/1/0` (xs:boolean),
//! dictionaries as `<Key>/<Value>` pair elements or as one element per key, and a
//! missing element for a property that may be null. Element names are matched to
//! property names exactly (XML names are case-sensitive, and the docs' sample writes the
//! property names as they are): `<id>` is not `Id`, it is an unknown element. DTDs and
//! entity references other than the five predefined ones are refused, never expanded.

use super::schema_view::{self, allows_null, Kind};
use super::DecodeError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;
/// Most elements accepted in one body.
const MAX_ELEMENTS: usize = 100_000;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub nil: bool,
    pub children: Vec<Element>,
    pub text: String,
}

fn err(msg: impl Into<String>) -> DecodeError {
    DecodeError::Xml(msg.into())
}

/// Parses `body` into an element tree.
pub fn parse(body: &[u8]) -> Result<Element, DecodeError> {
    let text = std::str::from_utf8(body).map_err(|e| err(format!("not UTF-8: {e}")))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| err(format!("at byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Decl(d) => {
                if let Some(Ok(enc)) = d.encoding() {
                    let enc = enc.to_ascii_lowercase();
                    if enc != "utf-8" && enc != "utf8" {
                        return Err(err(format!(
                            "declared encoding `{enc}`; only UTF-8 is read"
                        )));
                    }
                }
            }
            Event::DocType(_) => return Err(err("a DOCTYPE (DTD) is not accepted")),
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                return Err(err(format!(
                    "content after the root element: <{}>",
                    local(&e)
                )))
            }
            Event::Start(e) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(err(format!(
                        "more than {MAX_DEPTH} levels or {MAX_ELEMENTS} elements"
                    )));
                }
                stack.push(element(&e)?);
            }
            Event::Empty(e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(err(format!("more than {MAX_ELEMENTS} elements")));
                }
                let el = element(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| err("unbalanced end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content();
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(err("text outside the root element")),
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| err(format!("bad character reference: {e}")))?
                } else {
                    match r.xml10_content().as_ref() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        other => {
                            return Err(err(format!(
                            "entity reference `&{other};` is not expanded (no DTDs or entities)"
                        )))
                        }
                    }
                };
                if let (Some(c), Some(top)) = (resolved, stack.last_mut()) {
                    top.text.push(c);
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(err(format!(
            "unclosed element <{}>",
            stack.last().map_or("", |e| e.name.as_str())
        )));
    }
    root.ok_or_else(|| err("no root element"))
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

fn element(e: &BytesStart<'_>) -> Result<Element, DecodeError> {
    let mut nil = false;
    for a in e.attributes() {
        let a = a.map_err(|x| err(format!("bad attribute in <{}>: {x}", local(e))))?;
        if a.key.local_name().as_ref() == "nil" {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|x| err(format!("bad attribute value: {x}")))?;
            nil = matches!(v.trim(), "true" | "1");
        }
    }
    Ok(Element {
        name: local(e),
        nil,
        children: vec![],
        text: String::new(),
    })
}

/// Parses and maps `body` under the root of `schema`; returns the root element's name too.
pub fn decode(body: &[u8], schema: &Value) -> Result<(String, Value), DecodeError> {
    let root = parse(body)?;
    let value = map(&root, Some(schema), schema);
    Ok((root.name, value))
}

/// Maps an element to JSON under `schema` (a subschema of `root`, or none).
pub fn map(el: &Element, schema: Option<&Value>, root: &Value) -> Value {
    if el.nil {
        return Value::Null;
    }
    let Some(schema) = schema else {
        return generic(el);
    };
    match schema_view::kind(schema, root) {
        Kind::Object {
            properties,
            additional,
        } => {
            let mut out = Map::new();
            if let Some(props) = properties {
                for child in &el.children {
                    match props.get_key_value(&child.name) {
                        Some((name, s)) => {
                            out.insert(name.clone(), map(child, Some(s), root));
                        }
                        None if additional.is_some() => {
                            insert_entry(&mut out, child, additional, root)
                        }
                        None => {
                            out.insert(child.name.clone(), generic(child));
                        }
                    }
                }
                // An omitted element stands for null where null is allowed (serializers
                // that skip nulls); a required non-null property stays missing.
                let mut ordered = Map::new();
                for (k, s) in props {
                    match out.remove(k) {
                        Some(v) => {
                            ordered.insert(k.clone(), v);
                        }
                        None if allows_null(s, root) => {
                            ordered.insert(k.clone(), Value::Null);
                        }
                        None => {}
                    }
                }
                ordered.extend(out);
                Value::Object(ordered)
            } else {
                for child in &el.children {
                    insert_entry(&mut out, child, additional, root);
                }
                Value::Object(out)
            }
        }
        Kind::Array { items } => {
            Value::Array(el.children.iter().map(|c| map(c, items, root)).collect())
        }
        Kind::Integer => {
            let t = el.text.trim();
            t.parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(el.text.clone()))
        }
        Kind::Number => {
            let t = el.text.trim();
            t.parse::<i64>()
                .map(Value::from)
                .ok()
                .or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                })
                .unwrap_or_else(|| Value::String(el.text.clone()))
        }
        Kind::Boolean => match el.text.trim() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(el.text.clone()),
        },
        Kind::String => Value::String(el.text.clone()),
        Kind::Unknown => generic(el),
    }
}

/// A dictionary entry: a `<Key>`/`<Value>` pair element (the DataContract form), or an
/// element whose name is the key.
fn insert_entry(
    out: &mut Map<String, Value>,
    child: &Element,
    value_schema: Option<&Value>,
    root: &Value,
) {
    let part = |n: &str| {
        child
            .children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(n))
    };
    match (part("Key"), part("Value")) {
        (Some(k), Some(v)) if child.children.len() == 2 => {
            out.insert(k.text.clone(), map(v, value_schema, root));
        }
        _ => {
            out.insert(child.name.clone(), map(child, value_schema, root));
        }
    }
}

/// Without a schema: text-only elements are strings, others objects (repeated names
/// become arrays).
fn generic(el: &Element) -> Value {
    if el.nil {
        return Value::Null;
    }
    if el.children.is_empty() {
        return Value::String(el.text.clone());
    }
    let mut out = Map::new();
    for c in &el.children {
        let v = generic(c);
        match out.get_mut(&c.name) {
            Some(Value::Array(a)) => a.push(v),
            Some(prev) => {
                let first = prev.take();
                *prev = Value::Array(vec![first, v]);
            }
            None => {
                out.insert(c.name.clone(), v);
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "$ref": "#/$defs/UserGroup",
            "$defs": {
                "UserGroup": {"type": "object", "properties": {
                    "Value": {"type": ["string", "null"]},
                    "Tooltip": {"type": ["string", "null"]},
                    "Id": {"type": "integer"},
                    "Rank": {"type": "integer"},
                    "Deleted": {"type": "boolean"},
                    "TableRight": {"anyOf": [{"$ref": "#/$defs/TableRight"}, {"type": "null"}]},
                    "FieldProperties": {"type": ["object", "null"], "additionalProperties": {"anyOf": [{"$ref": "#/$defs/FieldProperty"}, {"type": "null"}]}}
                }},
                "TableRight": {"type": "object", "properties": {"Mask": {"type": ["string", "null"]}, "Reason": {"type": ["string", "null"]}}},
                "FieldProperty": {"type": "object", "properties": {"FieldType": {"type": ["string", "null"]}, "FieldLength": {"type": "integer"}}}
            }
        })
    }

    #[test]
    fn maps_a_usergroup_with_nil_namespaces_and_pairs() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<UserGroup xmlns="http://www.superoffice.net/ws/crm/NetServer/Services88" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <Value>Sälj &amp; co</Value><Tooltip/><Id>12</Id><Rank>3</Rank><Deleted>1</Deleted>
  <TableRight i:nil="true"/>
  <FieldProperties>
    <FieldPropertyDictionaryKeyValuePair><Key>Value</Key><Value><FieldType>System.String</FieldType><FieldLength>239</FieldLength></Value></FieldPropertyDictionaryKeyValuePair>
    <Tooltip><FieldType>System.String</FieldType><FieldLength>254</FieldLength></Tooltip>
  </FieldProperties>
</UserGroup>"#;
        let (root, v) = decode(xml.as_bytes(), &schema()).expect("decodes");
        assert_eq!(root, "UserGroup");
        assert_eq!(
            v,
            json!({"Value": "Sälj & co", "Tooltip": "", "Id": 12, "Rank": 3, "Deleted": true, "TableRight": null,
                "FieldProperties": {"Value": {"FieldType": "System.String", "FieldLength": 239},
                                    "Tooltip": {"FieldType": "System.String", "FieldLength": 254}}})
        );
    }

    #[test]
    fn missing_nullable_is_null_and_missing_required_stays_missing() {
        let (_, v) = decode(
            b"<UserGroup><Id>1</Id><Deleted>false</Deleted></UserGroup>",
            &schema(),
        )
        .expect("decodes");
        assert_eq!(v["Value"], Value::Null);
        assert!(v.get("Rank").is_none());
    }

    #[test]
    fn element_names_are_case_sensitive() {
        let (_, v) = decode(
            b"<UserGroup><value>x</value><id>1</id><Rank>2</Rank><Deleted>false</Deleted></UserGroup>",
            &schema(),
        )
        .expect("decodes");
        // `<value>` and `<id>` are not the documented properties: Value reads as absent
        // (null), Id stays missing for the schema to report.
        assert_eq!(v["Value"], Value::Null);
        assert!(v.get("Id").is_none());
        assert_eq!(v["value"], json!("x"));
    }

    #[test]
    fn wrong_scalar_stays_a_string_for_the_schema_to_report() {
        let (_, v) = decode(b"<UserGroup><Id>twelve</Id></UserGroup>", &schema()).expect("decodes");
        assert_eq!(v["Id"], json!("twelve"));
    }

    #[test]
    fn refuses_dtd_and_entities() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><UserGroup><Value>&lol2;</Value></UserGroup>"#;
        assert!(
            matches!(decode(bomb.as_bytes(), &schema()), Err(DecodeError::Xml(m)) if m.contains("DOCTYPE"))
        );
        let ent = "<UserGroup><Value>&ext;</Value></UserGroup>";
        assert!(
            matches!(decode(ent.as_bytes(), &schema()), Err(DecodeError::Xml(m)) if m.contains("&ext;"))
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
        assert!(decode(deep.as_bytes(), &schema()).is_err());
    }

    #[test]
    fn arrays_by_schema() {
        let s = json!({"type": "array", "items": schema()["$defs"]["UserGroup"].clone(), "$defs": schema()["$defs"].clone()});
        let (root, v) = decode(b"<ArrayOfUserGroup><UserGroup><Id>1</Id></UserGroup><UserGroup><Id>2</Id></UserGroup></ArrayOfUserGroup>", &s)
            .expect("decodes");
        assert_eq!(root, "ArrayOfUserGroup");
        assert_eq!(v.as_array().map(|a| a.len()), Some(2));
        assert_eq!(v[1]["Id"], json!(2));
    }
}

//! XML bodies: a small, safe reader (requests) and writer (responses).
//!
//! Reading never expands entities: a DOCTYPE is refused outright (so no DTD can declare
//! one), the five predefined entities and character references are resolved, and any
//! other entity reference is refused. Names are matched by local name (prefixes and
//! namespaces ignored); `xsi:nil="true"` reads as null; leaves read as strings, typed
//! later by the caller.
//!
//! Writing follows the docs' only REST XML sample (notes §4): the carrier name as root,
//! no namespace on elements, no XML declaration, an empty string as an empty element;
//! nulls are `xsi:nil="true"` (with `xmlns:xsi` declared on the root when used);
//! dictionaries use the SOAP WSDL's `<FieldPropertyDictionaryKeyValuePair>` form.

use super::carrier::is_dictionary;
use super::error::ApiError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Deepest element nesting accepted in a request.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Default)]
struct Element {
    name: String,
    nil: bool,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn into_value(self) -> Value {
        if self.nil {
            return Value::Null;
        }
        if self.children.is_empty() {
            return Value::String(self.text);
        }
        let mut map = Map::new();
        for child in self.children {
            let name = child.name.clone();
            let v = child.into_value();
            match map.get_mut(&name) {
                None => {
                    map.insert(name, v);
                }
                Some(Value::Array(items)) => items.push(v),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, v]);
                }
            }
        }
        Value::Object(map)
    }
}

fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("The XML body is malformed: {detail}"))
}

fn local_name(start: &BytesStart<'_>) -> Result<String, ApiError> {
    let name = start.local_name();
    let name: &str = name.as_ref();
    Ok(name.to_string())
}

fn is_nil(start: &BytesStart<'_>) -> Result<bool, ApiError> {
    for attr in start.attributes() {
        let attr = attr.map_err(malformed)?;
        let key = attr.key.local_name();
        let key: &str = key.as_ref();
        if key == "nil" {
            let v = attr.value.trim();
            return Ok(v == "true" || v == "1");
        }
    }
    Ok(false)
}

/// Parses an XML request body into its root element's local name and value: an object
/// of its children (repeated names become arrays), a string for a leaf, null for nil.
pub fn parse(body: &str) -> Result<(String, Value), ApiError> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let mut reader = Reader::from_str(body);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(malformed)?;
        match event {
            Event::Decl(decl) => {
                if let Some(enc) = decl.encoding() {
                    let enc = enc.map_err(malformed)?;
                    let enc = enc.trim();
                    if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                        return Err(ApiError::unsupported_media_type(format!(
                            "the XML declaration names encoding '{}'; only UTF-8 is read",
                            enc.chars().take(40).collect::<String>()
                        )));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(ApiError::bad_request(
                    "The XML body has a DOCTYPE; document type definitions are not accepted.",
                ))
            }
            Event::PI(_) | Event::Comment(_) => {}
            Event::Start(start) | Event::Empty(start) if root.is_some() && stack.is_empty() => {
                let _ = start;
                return Err(malformed("more than one root element"));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(format!("elements nest deeper than {MAX_DEPTH}")));
                }
                stack.push(Element {
                    name: local_name(&start)?,
                    nil: is_nil(&start)?,
                    ..Default::default()
                });
            }
            Event::Empty(start) => {
                let el = Element {
                    name: local_name(&start)?,
                    nil: is_nil(&start)?,
                    ..Default::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| malformed("unmatched end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(malformed("text outside the root element")),
                }
            }
            Event::CData(data) => {
                let content = data.xml10_content();
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&content),
                    None => return Err(malformed("CDATA outside the root element")),
                }
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref().map_err(malformed)? {
                    Some(c) => c,
                    None => match &*r.into_inner() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => {
                            return Err(ApiError::bad_request(format!(
                                "The XML body refers to entity '&{};', which is not defined; \
                                 only the predefined entities and character references are read.",
                                other.chars().take(40).collect::<String>()
                            )))
                        }
                    },
                };
                match stack.last_mut() {
                    Some(el) => el.text.push(ch),
                    None => return Err(malformed("a reference outside the root element")),
                }
            }
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed(
            "unexpected end of document (an element is not closed)",
        ));
    }
    let root = root.ok_or_else(|| malformed("no root element"))?;
    let name = root.name.clone();
    Ok((name, root.into_value()))
}

/// Writes a response value as an XML document. An array becomes `<ArrayOf{item}>`
/// holding one `<{item}>` per element; anything else becomes `<{item}>`.
pub fn write_document(item: &str, value: &Value) -> String {
    let mut body = String::new();
    let mut nil_used = false;
    let root = match value {
        Value::Array(items) => {
            for v in items {
                write_element(&mut body, item, v, &mut nil_used);
            }
            format!("ArrayOf{item}")
        }
        Value::Object(map) => {
            write_members(&mut body, item, map, &mut nil_used);
            item.to_string()
        }
        Value::Null => {
            return format!("<{item} xsi:nil=\"true\" xmlns:xsi=\"{XSI_NS}\"/>");
        }
        scalar => {
            write_scalar(&mut body, scalar);
            item.to_string()
        }
    };
    let ns = if nil_used {
        format!(" xmlns:xsi=\"{XSI_NS}\"")
    } else {
        String::new()
    };
    format!("<{root}{ns}>{body}</{root}>")
}

fn write_members(out: &mut String, name: &str, map: &Map<String, Value>, nil_used: &mut bool) {
    if is_dictionary(name) {
        let pair = "FieldPropertyDictionaryKeyValuePair";
        for (k, v) in map {
            out.push_str(&format!("<{pair}><Key>"));
            push_escaped(out, k);
            out.push_str("</Key>");
            write_element(out, "Value", v, nil_used);
            out.push_str(&format!("</{pair}>"));
        }
    } else {
        for (k, v) in map {
            write_element(out, k, v, nil_used);
        }
    }
}

fn write_element(out: &mut String, name: &str, value: &Value, nil_used: &mut bool) {
    match value {
        Value::Null => {
            *nil_used = true;
            out.push_str(&format!("<{name} xsi:nil=\"true\"/>"));
        }
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            write_members(out, name, map, nil_used);
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for v in items {
                write_element(out, "Item", v, nil_used);
            }
            out.push_str(&format!("</{name}>"));
        }
        scalar => {
            out.push_str(&format!("<{name}>"));
            write_scalar(out, scalar);
            out.push_str(&format!("</{name}>"));
        }
    }
}

fn write_scalar(out: &mut String, value: &Value) {
    match value {
        Value::String(s) => push_escaped(out, s),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        _ => {}
    }
}

/// Escapes text content; `\r` as a character reference so it survives end-of-line
/// normalisation on the reading side.
fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Whether XML 1.0 can carry the character (Char production, XML 1.0 §2.2).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::UserGroup;
    use serde_json::json;

    #[test]
    fn reads_wrapped_and_bare_forms() {
        let (root, v) = parse(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<request>\n  <UserGroup>\n    \
             <Value>Sales &amp; Co</Value><Tooltip/><Id>0</Id></UserGroup></request>",
        )
        .unwrap();
        assert_eq!(root, "request");
        assert_eq!(
            v,
            json!({"UserGroup": {"Value": "Sales & Co", "Tooltip": "", "Id": "0"}})
        );
        let (root, v) = parse("<UserGroup><Value>x</Value></UserGroup>").unwrap();
        assert_eq!((root.as_str(), v), ("UserGroup", json!({"Value": "x"})));
    }

    #[test]
    fn namespaces_prefixes_nil_and_refs() {
        let (_, v) = parse(
            "<s:SaveUserGroup xmlns:s=\"urn:x\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\
             <s:UserGroup><s:Value>&#65;&#x42;<![CDATA[<c>]]></s:Value>\
             <s:Tooltip i:nil=\"true\"/></s:UserGroup></s:SaveUserGroup>",
        )
        .unwrap();
        assert_eq!(v, json!({"UserGroup": {"Value": "AB<c>", "Tooltip": null}}));
        let (_, v) = parse("<UserGroup xsi:nil=\"true\" xmlns:xsi=\"x\"/>").unwrap();
        assert_eq!(v, Value::Null);
    }

    #[test]
    fn refuses_dtd_entities_and_malformed() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">]><request>&lol;</request>";
        assert!(parse(bomb).unwrap_err().detail.contains("DOCTYPE"));
        let ent = parse("<request><UserGroup><Value>&lol;</Value></UserGroup></request>");
        assert!(ent.unwrap_err().detail.contains("lol"));
        for bad in [
            "",
            "   ",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text",
            "<a>&#0;</a>",
            "<a>& b</a>",
            "</a>",
            "<a x=></a>",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.status.as_u16(), 400, "{bad}");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).is_err());
        let e = parse("<?xml version=\"1.0\" encoding=\"utf-16\"?><a/>").unwrap_err();
        assert_eq!(e.status.as_u16(), 415);
    }

    #[test]
    fn writes_documented_shape() {
        let g = UserGroup {
            id: 5,
            value: Some("R&D <team>".into()),
            tooltip: Some(String::new()),
            rank: 2,
            deleted: true,
        };
        let xml = write_document("UserGroup", &g.to_value());
        assert!(xml.starts_with("<UserGroup><Value>R&amp;D &lt;team&gt;</Value><Tooltip></Tooltip><Id>5</Id><Rank>2</Rank><Deleted>true</Deleted><TableRight><Mask>FULL</Mask><Reason></Reason></TableRight><FieldProperties><FieldPropertyDictionaryKeyValuePair><Key>Value</Key><Value><FieldRight><Mask>Update</Mask>"), "{xml}");
        // Round trip through the reader.
        let (root, v) = parse(&xml).unwrap();
        assert_eq!(root, "UserGroup");
        assert_eq!(v["Value"], "R&D <team>");
        let g2 = UserGroup { tooltip: None, ..g };
        let xml = write_document("UserGroup", &g2.to_value());
        assert!(xml.starts_with(&format!("<UserGroup xmlns:xsi=\"{XSI_NS}\"><Value>")));
        assert!(xml.contains("<Tooltip xsi:nil=\"true\"/>"));
    }

    #[test]
    fn writes_arrays_and_null() {
        let xml = write_document("UserGroup", &json!([{"Id": 1}, {"Id": 2}]));
        assert_eq!(
            xml,
            "<ArrayOfUserGroup><UserGroup><Id>1</Id></UserGroup><UserGroup><Id>2</Id></UserGroup></ArrayOfUserGroup>"
        );
        assert_eq!(
            write_document("UserGroup", &json!([])),
            "<ArrayOfUserGroup></ArrayOfUserGroup>"
        );
        assert_eq!(
            write_document("UserGroup", &Value::Null),
            format!("<UserGroup xsi:nil=\"true\" xmlns:xsi=\"{XSI_NS}\"/>")
        );
        let xml = write_document("UserGroup", &json!({"Value": "a\r\nb"}));
        let (_, v) = parse(&xml).unwrap();
        assert_eq!(v["Value"], "a\r\nb");
    }
}

//! Request bodies per Content-Type. The page lists seven request types but documents only
//! the JSON shape of a request object (`{"UserGroup": {...}}`); for XML, forms, patch
//! documents and key lists it is silent. Such a form is a guess ([`BodyForm::guess`]): each
//! encoder yields the reasonable forms with what a .NET Web API 2 stack binds first
//! (DataContract names and namespaces, `ArrayOfint` for a list of keys, a bare array for a
//! JSON list), and a trial that expects success tries the next form when the server
//! refused one or answered as if it had not read it. Every attempt is recorded.

use crate::vocab::{self, MediaFamily};
use serde_json::Value;

/// One way of writing the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyForm {
    /// e.g. `json`, `xml:request-root`, `form:dotted`.
    pub label: String,
    pub bytes: Vec<u8>,
    /// No page gives this form (only the JSON of a request object is documented): a server
    /// that binds none of a body's guessed forms is reported, never failed, on that.
    pub guess: bool,
    /// A guess the vendor's own client sends (the official `@superoffice/webapi` client
    /// posts a list of keys as a bare JSON array): a server that does not bind it fails a
    /// should, not a must.
    pub client: bool,
}

/// Names the docs give the body: `## Request Body: request` and the method name.
#[derive(Debug, Clone, Default)]
pub struct EncodeContext {
    /// The body's name on the page (`request`): the primary XML root.
    pub body_name: String,
    /// The agent method (`SaveUserGroup`): an alternative XML root.
    pub method_name: String,
    /// Per request property holding a carrier (`UserGroup`), its members in data-contract
    /// order (the derived schema's `x-member-order`).
    pub member_order: std::collections::BTreeMap<String, Vec<String>>,
    /// The page's body is a bare list (GetUserGroupList's "The primary keys."), which no
    /// page gives a form for; any other body is a request object.
    pub list_body: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(pub String);

pub use crate::vocab::xml_ns::{
    ARRAYS as ARRAYS_NS, DATA_CONTRACT as DATA_CONTRACT_NS, XSI as XSI_NS,
};

/// Every reasonable encoding of `value` for `content_type`, primary first. Types outside
/// the three families get the JSON text (negative cases send it on purpose).
pub fn encode(
    value: &Value,
    content_type: &str,
    ctx: &EncodeContext,
) -> Result<Vec<BodyForm>, EncodeError> {
    let json = |label: &str, v: &Value, guess: bool| BodyForm {
        label: label.into(),
        bytes: v.to_string().into_bytes(),
        guess,
        client: false,
    };
    match vocab::family_of(content_type) {
        Some(MediaFamily::Json) if vocab::essence(content_type).contains("patch+json") => {
            // No page says what a patch document of an agent call holds. ASP.NET's JSON
            // input formatter reads these types as plain JSON (first); an RFC 6902 patch
            // building the request from `{}` is the other reasonable reading.
            let mut forms = vec![json("json", value, true)];
            if let (Value::Object(map), true) = (
                value,
                vocab::essence(content_type) == "application/json-patch+json",
            ) {
                let ops: Vec<Value> = map
                    .iter()
                    .map(|(k, v)| serde_json::json!({"op": "add", "path": format!("/{}", pointer_escape(k)), "value": v}))
                    .collect();
                forms.push(json("json-patch:ops", &Value::Array(ops), true));
            }
            Ok(forms)
        }
        Some(MediaFamily::Json) | None => {
            // A request object is the page's JSON (its table's properties by name); so is
            // any JSON a case sends on purpose. A bare list of keys (GetUserGroupList's
            // `userGroupIds`, which has no table) is a guess: bare first, as a Web API 2 `int[]` parameter binds it and the official
            // client sends it; then named by the page's body name, as its other calls'
            // bodies are. An object holding one list may also go bare.
            let mut forms = vec![json("json", value, ctx.list_body)];
            forms[0].client = ctx.list_body
                && value.is_array()
                && vocab::essence(content_type) == "application/json";
            match value {
                Value::Object(map) => {
                    if let [(_, list @ Value::Array(_))] = map.iter().collect::<Vec<_>>()[..] {
                        forms.push(json("json:bare-parameter", list, true));
                    }
                }
                Value::Array(_) if !ctx.body_name.is_empty() && ctx.body_name != "request" => {
                    let named = serde_json::json!({ ctx.body_name.clone(): value });
                    forms.push(json("json:named-parameter", &named, true));
                }
                _ => {}
            }
            Ok(forms)
        }
        Some(MediaFamily::Xml) => xml_forms(value, ctx),
        Some(MediaFamily::Form) => Ok(form_forms(value)),
    }
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

// ---- XML -------------------------------------------------------------------------

fn xml_forms(value: &Value, ctx: &EncodeContext) -> Result<Vec<BodyForm>, EncodeError> {
    let xml = |label: String, text: String| BodyForm {
        label,
        bytes: text.into_bytes(),
        guess: true,
        client: false,
    };
    let mut forms = Vec::new();
    // First what a DataContractSerializer reads: for a request object the contract's root
    // and namespace (the SOAP contract's, the one documented), members in contract order,
    // `i:nil` for null; for a list of primitives `ArrayOfint` and its item names.
    match value {
        Value::Object(map) if !ctx.method_name.is_empty() => forms.push(xml(
            "xml:data-contract".into(),
            data_contract_document(&ctx.method_name, map, ctx)?,
        )),
        Value::Array(items) => {
            if let Some(doc) = data_contract_array(items) {
                forms.push(xml("xml:data-contract".into(), doc));
            }
        }
        _ => {}
    }
    let mut roots = vec![ctx.body_name.clone()];
    if !ctx.method_name.is_empty() && ctx.method_name != ctx.body_name {
        roots.push(ctx.method_name.clone());
    }
    for root in roots {
        forms.push(xml(format!("xml:{root}-root"), xml_document(&root, value)?));
    }
    // A single carrier parameter may also be sent bare, its own name as the root.
    if let Value::Object(map) = value {
        if let [(name, inner @ Value::Object(_))] = map.iter().collect::<Vec<_>>()[..] {
            forms.push(xml("xml:bare-carrier".into(), xml_document(name, inner)?));
        }
    }
    Ok(forms)
}

/// `<ArrayOfint xmlns="{ARRAYS_NS}"><int>1</int></ArrayOfint>`: a list of primitives as
/// DataContractSerializer writes `int[]` (`long`, `string`, `boolean`, `double` likewise);
/// `None` for a list of anything else.
pub fn data_contract_array(items: &[Value]) -> Option<String> {
    let item = |v: &Value| -> Option<&'static str> {
        Some(match v {
            Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => "int",
            Value::Number(n) if n.is_i64() || n.is_u64() => "long",
            Value::Number(_) => "double",
            Value::String(_) => "string",
            Value::Bool(_) => "boolean",
            _ => return None,
        })
    };
    let kinds: Vec<&str> = items.iter().map(item).collect::<Option<_>>()?;
    // One element name for every item: the widest kind among them.
    let name = ["string", "double", "long", "boolean", "int"]
        .into_iter()
        .find(|k| kinds.contains(k))
        .unwrap_or("int");
    let mut out = format!("<ArrayOf{name} xmlns=\"{ARRAYS_NS}\">");
    for v in items {
        let text = match v {
            Value::String(s) => quick_xml::escape::escape(s.as_str()).into_owned(),
            other => other.to_string(),
        };
        out.push_str(&format!("<{name}>{text}</{name}>"));
    }
    out.push_str(&format!("</ArrayOf{name}>"));
    Some(out)
}

/// `<Method xmlns="{DATA_CONTRACT_NS}" xmlns:i="{XSI_NS}">` holding each request
/// property, a carrier's members in its data-contract order (others after, as sent).
pub fn data_contract_document(
    root: &str,
    request: &serde_json::Map<String, Value>,
    ctx: &EncodeContext,
) -> Result<String, EncodeError> {
    let mut out = format!("<{root} xmlns=\"{DATA_CONTRACT_NS}\" xmlns:i=\"{XSI_NS}\">");
    for (name, v) in request {
        write_contract(&mut out, name, v, ctx.member_order.get(name))?;
    }
    out.push_str(&format!("</{root}>"));
    Ok(out)
}

fn write_contract(
    out: &mut String,
    name: &str,
    v: &Value,
    order: Option<&Vec<String>>,
) -> Result<(), EncodeError> {
    match v {
        Value::Null => {
            if !is_xml_name(name) {
                return Err(EncodeError(format!(
                    "`{name}` cannot be an XML element name"
                )));
            }
            out.push_str(&format!("<{name} i:nil=\"true\"/>"));
        }
        Value::Object(map) => {
            if !is_xml_name(name) {
                return Err(EncodeError(format!(
                    "`{name}` cannot be an XML element name"
                )));
            }
            out.push_str(&format!("<{name}>"));
            let rank = |k: &String| {
                order
                    .and_then(|o| o.iter().position(|m| m == k))
                    .unwrap_or(usize::MAX)
            };
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by_key(|(k, _)| rank(k));
            for (k, child) in members {
                write_contract(out, k, child, None)?;
            }
            out.push_str(&format!("</{name}>"));
        }
        other => write_element(out, name, other, false, false)?,
    }
    Ok(())
}

/// `value` as an XML document with root element `root`: object members become child
/// elements in order, `null` becomes `xsi:nil="true"`, booleans `true`/`false`.
pub fn xml_document(root: &str, value: &Value) -> Result<String, EncodeError> {
    let mut out = String::new();
    let needs_xsi = contains_null(value);
    write_element(&mut out, root, value, needs_xsi, true)?;
    Ok(out)
}

fn contains_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.values().any(contains_null),
        Value::Array(a) => a.iter().any(contains_null),
        _ => false,
    }
}

fn write_element(
    out: &mut String,
    name: &str,
    v: &Value,
    xsi: bool,
    root: bool,
) -> Result<(), EncodeError> {
    if !is_xml_name(name) {
        return Err(EncodeError(format!(
            "`{name}` cannot be an XML element name"
        )));
    }
    let ns = if root && xsi {
        format!(" xmlns:xsi=\"{XSI_NS}\"")
    } else {
        String::new()
    };
    match v {
        Value::Null => out.push_str(&format!("<{name}{ns} xsi:nil=\"true\"/>")),
        Value::Object(map) => {
            out.push_str(&format!("<{name}{ns}>"));
            for (k, child) in map {
                write_element(out, k, child, xsi, false)?;
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(items) => {
            out.push_str(&format!("<{name}{ns}>"));
            for item in items {
                write_element(out, "item", item, xsi, false)?;
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => {
            if let Some(c) = s.chars().find(|c| !is_xml_char(*c)) {
                return Err(EncodeError(format!(
                    "U+{:04X} cannot be written in XML 1.0",
                    c as u32
                )));
            }
            out.push_str(&format!(
                "<{name}{ns}>{}</{name}>",
                quick_xml::escape::escape(s.as_str())
            ));
        }
        Value::Bool(b) => out.push_str(&format!("<{name}{ns}>{b}</{name}>")),
        Value::Number(n) => out.push_str(&format!("<{name}{ns}>{n}</{name}>")),
    }
    Ok(())
}

fn is_xml_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// XML 1.0 `Char`: tab, newline, carriage return and everything from U+0020 except the
/// surrogates and U+FFFE/U+FFFF.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

// ---- forms -----------------------------------------------------------------------

fn form_forms(value: &Value) -> Vec<BodyForm> {
    let dotted = |p: &str, k: &str| {
        if p.is_empty() {
            k.to_string()
        } else {
            format!("{p}.{k}")
        }
    };
    let bracket = |p: &str, k: &str| {
        if p.is_empty() {
            k.to_string()
        } else {
            format!("{p}[{k}]")
        }
    };
    let form = |label: &str, v: &Value, join: &dyn Fn(&str, &str) -> String| {
        let mut pairs = Vec::new();
        flatten(v, String::new(), join, &mut pairs);
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            ser.append_pair(k, v);
        }
        BodyForm {
            label: label.into(),
            bytes: ser.finish().into_bytes(),
            guess: true,
            client: false,
        }
    };
    let mut forms = vec![
        form("form:dotted", value, &dotted),
        form("form:bracket", value, &bracket),
    ];
    // The carrier's own properties at the top level, as MVC binds a single parameter.
    if let Value::Object(map) = value {
        if let [(_, inner @ Value::Object(_))] = map.iter().collect::<Vec<_>>()[..] {
            forms.push(form("form:bare-carrier", inner, &dotted));
        }
    }
    forms
}

/// Leaves become `path=value`; nulls are left out (a form cannot say null).
fn flatten(
    v: &Value,
    path: String,
    join: &dyn Fn(&str, &str) -> String,
    out: &mut Vec<(String, String)>,
) {
    match v {
        Value::Null => {}
        Value::Object(map) => {
            for (k, child) in map {
                flatten(child, join(&path, k), join, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                flatten(child, format!("{path}[{i}]"), join, out);
            }
        }
        Value::String(s) => out.push((path, s.clone())),
        Value::Bool(b) => out.push((path, b.to_string())),
        Value::Number(n) => out.push((path, n.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> EncodeContext {
        EncodeContext {
            body_name: "request".into(),
            method_name: "SaveUserGroup".into(),
            member_order: [(
                "UserGroup".to_string(),
                [
                    "TableRight",
                    "FieldProperties",
                    "Value",
                    "Tooltip",
                    "Id",
                    "Rank",
                    "Deleted",
                ]
                .map(String::from)
                .to_vec(),
            )]
            .into(),
            list_body: false,
        }
    }

    fn text(f: &BodyForm) -> String {
        String::from_utf8(f.bytes.clone()).expect("utf8")
    }

    #[test]
    fn xml_forms_in_order() {
        let v =
            json!({"UserGroup": {"Value": "a<b", "Id": 0, "Deleted": false, "TableRight": null}});
        let forms = encode(&v, "application/xml", &ctx()).expect("encodes");
        let labels: Vec<_> = forms.iter().map(|f| f.label.as_str()).collect();
        // What a Web API 2 / DataContractSerializer stack binds first; all are guesses.
        assert_eq!(
            labels,
            [
                "xml:data-contract",
                "xml:request-root",
                "xml:SaveUserGroup-root",
                "xml:bare-carrier"
            ]
        );
        assert!(forms.iter().all(|f| f.guess));
        assert_eq!(
            text(&forms[1]),
            format!("<request xmlns:xsi=\"{XSI_NS}\"><UserGroup><Value>a&lt;b</Value><Id>0</Id><Deleted>false</Deleted><TableRight xsi:nil=\"true\"/></UserGroup></request>")
        );
        assert!(text(&forms[3]).starts_with("<UserGroup xmlns:xsi="));
        // Contract order (base members first), the contract namespace, `i:nil`.
        assert_eq!(
            text(&forms[0]),
            format!("<SaveUserGroup xmlns=\"{DATA_CONTRACT_NS}\" xmlns:i=\"{XSI_NS}\"><UserGroup><TableRight i:nil=\"true\"/><Value>a&lt;b</Value><Id>0</Id><Deleted>false</Deleted></UserGroup></SaveUserGroup>")
        );
    }

    #[test]
    fn a_list_of_keys_goes_as_array_of_int_first() {
        let ctx = EncodeContext {
            body_name: "userGroupIds".into(),
            method_name: "GetUserGroupList".into(),
            ..EncodeContext::default()
        };
        let forms = encode(&json!([1071, 7]), "application/xml", &ctx).expect("encodes");
        let labels: Vec<_> = forms.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "xml:data-contract",
                "xml:userGroupIds-root",
                "xml:GetUserGroupList-root"
            ]
        );
        assert_eq!(
            text(&forms[0]),
            format!("<ArrayOfint xmlns=\"{ARRAYS_NS}\"><int>1071</int><int>7</int></ArrayOfint>")
        );
        assert_eq!(
            data_contract_array(&[json!("a<b"), json!(3)]).as_deref(),
            Some(format!("<ArrayOfstring xmlns=\"{ARRAYS_NS}\"><string>a&lt;b</string><string>3</string></ArrayOfstring>").as_str())
        );
        assert_eq!(data_contract_array(&[json!({"x": 1})]), None);
    }

    #[test]
    fn only_the_json_of_a_request_object_is_documented() {
        let guesses = |v: &Value, ct: &str| -> Vec<bool> {
            encode(v, ct, &ctx())
                .expect("encodes")
                .iter()
                .map(|f| f.guess)
                .collect()
        };
        let object = json!({"UserGroup": {"Value": "v"}});
        assert_eq!(guesses(&object, "application/json"), [false]);
        assert_eq!(guesses(&object, "text/json"), [false]);
        assert_eq!(guesses(&object, "application/merge-patch+json"), [true]);
        assert_eq!(
            guesses(&object, "application/json-patch+json"),
            [true, true]
        );
        // A list is a guess where the page's body is one, and a case's own JSON elsewhere.
        assert_eq!(guesses(&json!([1]), "application/json"), [false]);
        let list = EncodeContext {
            body_name: "userGroupIds".into(),
            list_body: true,
            ..ctx()
        };
        let forms = encode(&json!([1]), "application/json", &list).expect("encodes");
        assert!(forms.iter().all(|f| f.guess));
        // The bare array is what the official client sends, under application/json.
        assert!(forms[0].client && !forms[1].client);
        let forms = encode(&json!([1]), "text/json", &list).expect("encodes");
        assert!(!forms[0].client);
        assert_eq!(
            guesses(&json!({"Ids": [1]}), "application/json"),
            [false, true]
        );
    }

    #[test]
    fn a_single_list_parameter_goes_bare_and_named() {
        let ctx = EncodeContext {
            body_name: "userGroupIds".into(),
            method_name: "GetUserGroupList".into(),
            list_body: true,
            ..EncodeContext::default()
        };
        let forms = encode(&json!([7]), "application/json", &ctx).expect("encodes");
        assert_eq!(text(&forms[0]), "[7]");
        assert_eq!(text(&forms[1]), r#"{"userGroupIds":[7]}"#);
        let forms =
            encode(&json!({"userGroupIds": [7]}), "application/json", &ctx).expect("encodes");
        assert_eq!(text(&forms[1]), "[7]");
    }

    #[test]
    fn xml_refuses_control_chars() {
        let v = json!({"UserGroup": {"Value": "a\u{1}"}});
        assert!(encode(&v, "text/xml", &ctx()).is_err());
    }

    #[test]
    fn form_styles() {
        let v = json!({"UserGroup": {"Value": "x y", "Id": 0, "Deleted": true}});
        let forms = encode(&v, "application/x-www-form-urlencoded", &ctx()).expect("encodes");
        assert_eq!(
            text(&forms[0]),
            "UserGroup.Value=x+y&UserGroup.Id=0&UserGroup.Deleted=true"
        );
        assert_eq!(
            text(&forms[1]),
            "UserGroup%5BValue%5D=x+y&UserGroup%5BId%5D=0&UserGroup%5BDeleted%5D=true"
        );
        assert_eq!(text(&forms[2]), "Value=x+y&Id=0&Deleted=true");
    }

    #[test]
    fn json_patch_has_ops_form() {
        let v = json!({"UserGroup": {"Value": "v"}});
        let forms = encode(&v, "application/json-patch+json", &ctx()).expect("encodes");
        assert_eq!(text(&forms[0]), r#"{"UserGroup":{"Value":"v"}}"#);
        assert_eq!(
            text(&forms[1]),
            r#"[{"op":"add","path":"/UserGroup","value":{"Value":"v"}}]"#
        );
        let merge = encode(&v, "application/merge-patch+json", &ctx()).expect("encodes");
        assert_eq!(merge.len(), 1);
    }
}

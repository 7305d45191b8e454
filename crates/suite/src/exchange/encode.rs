//! Request bodies per Content-Type. The page lists seven request types but documents only
//! the JSON shape (`{"UserGroup": {...}}`); for XML and forms it is silent, so the suite is
//! lenient in what it sends: each encoder yields the reasonable forms in order of
//! likelihood, and a trial that expects success tries the next form when the server
//! refuses one (400/415/422). Every attempt is recorded.

use crate::vocab::{self, MediaFamily};
use serde_json::Value;

/// One way of writing the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyForm {
    /// e.g. `json`, `xml:request-root`, `form:dotted`.
    pub label: String,
    pub bytes: Vec<u8>,
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
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(pub String);

pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The data contract namespace of the agent calls: the SOAP contract's (notes §4, X1:
/// `http://www.superoffice.net/ws/crm/NetServer/ServicesNN`, 88 the newest seen). The REST
/// pages name none; a DataContractSerializer stack reads only its own.
pub const DATA_CONTRACT_NS: &str = "http://www.superoffice.net/ws/crm/NetServer/Services88";

/// Every reasonable encoding of `value` for `content_type`, primary first. Types outside
/// the three families get the JSON text (negative cases send it on purpose).
pub fn encode(
    value: &Value,
    content_type: &str,
    ctx: &EncodeContext,
) -> Result<Vec<BodyForm>, EncodeError> {
    let json = |label: &str, v: &Value| BodyForm {
        label: label.into(),
        bytes: v.to_string().into_bytes(),
    };
    match vocab::family_of(content_type) {
        Some(MediaFamily::Json)
            if vocab::essence(content_type) == "application/json-patch+json" =>
        {
            // ASP.NET's JSON input formatter reads this type as plain JSON; an RFC 6902
            // patch building the request from `{}` is the other reasonable reading.
            let mut forms = vec![json("json", value)];
            if let Value::Object(map) = value {
                let ops: Vec<Value> = map
                    .iter()
                    .map(|(k, v)| serde_json::json!({"op": "add", "path": format!("/{}", pointer_escape(k)), "value": v}))
                    .collect();
                forms.push(json("json-patch:ops", &Value::Array(ops)));
            }
            Ok(forms)
        }
        Some(MediaFamily::Json) | None => {
            let mut forms = vec![json("json", value)];
            // A single list parameter (GetUserGroupList's `userGroupIds`) goes bare, as a
            // Web API 2 `int[]` parameter binds it and the official client sends it; after
            // a refusal, named by the page's body name, as its other calls' bodies are.
            match value {
                Value::Object(map) => {
                    if let [(_, list @ Value::Array(_))] = map.iter().collect::<Vec<_>>()[..] {
                        forms.push(json("json:bare-parameter", list));
                    }
                }
                Value::Array(_) if !ctx.body_name.is_empty() && ctx.body_name != "request" => {
                    let named = serde_json::json!({ ctx.body_name.clone(): value });
                    forms.push(json("json:named-parameter", &named));
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
    let mut forms = Vec::new();
    let mut roots = vec![ctx.body_name.clone()];
    if !ctx.method_name.is_empty() && ctx.method_name != ctx.body_name {
        roots.push(ctx.method_name.clone());
    }
    for root in roots {
        forms.push(BodyForm {
            label: format!("xml:{root}-root"),
            bytes: xml_document(&root, value)?.into_bytes(),
        });
    }
    // A single carrier parameter may also be sent bare, its own name as the root.
    if let Value::Object(map) = value {
        if let [(name, inner @ Value::Object(_))] = map.iter().collect::<Vec<_>>()[..] {
            forms.push(BodyForm {
                label: "xml:bare-carrier".into(),
                bytes: xml_document(name, inner)?.into_bytes(),
            });
        }
        // What a DataContractSerializer reads: the contract's root and namespace, members
        // in contract order, `i:nil` for null. Last: its names are an inference.
        if !ctx.method_name.is_empty() {
            forms.push(BodyForm {
                label: "xml:data-contract".into(),
                bytes: data_contract_document(&ctx.method_name, map, ctx)?.into_bytes(),
            });
        }
    }
    Ok(forms)
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
        assert_eq!(
            labels,
            [
                "xml:request-root",
                "xml:SaveUserGroup-root",
                "xml:bare-carrier",
                "xml:data-contract"
            ]
        );
        assert_eq!(
            text(&forms[0]),
            format!("<request xmlns:xsi=\"{XSI_NS}\"><UserGroup><Value>a&lt;b</Value><Id>0</Id><Deleted>false</Deleted><TableRight xsi:nil=\"true\"/></UserGroup></request>")
        );
        assert!(text(&forms[2]).starts_with("<UserGroup xmlns:xsi="));
        // Contract order (base members first), the contract namespace, `i:nil`.
        assert_eq!(
            text(&forms[3]),
            format!("<SaveUserGroup xmlns=\"{DATA_CONTRACT_NS}\" xmlns:i=\"{XSI_NS}\"><UserGroup><TableRight i:nil=\"true\"/><Value>a&lt;b</Value><Id>0</Id><Deleted>false</Deleted></UserGroup></SaveUserGroup>")
        );
    }

    #[test]
    fn a_single_list_parameter_goes_bare_and_named() {
        let ctx = EncodeContext {
            body_name: "userGroupIds".into(),
            method_name: "GetUserGroupList".into(),
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

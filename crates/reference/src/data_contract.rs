//! XML as a Web API 2 stack with DataContractSerializer reads and writes it, for the
//! `data_contract` clean profile (real-clients.md: "XML answers plausibly carry a default
//! namespace, `xmlns:i` with `i:nil="true"` for nulls, base-type members first ...,
//! dictionaries as `<a:KeyValueOf...>`"; "XML request bodies for such a stack would need
//! the data-contract root name and namespace"). The pages show XML without a namespace
//! and say nothing of requests, so this is as correct as the reference's forms.
//!
//! The names are the SOAP contract's (notes §4, X1), the one data contract documented:
//! request `SaveUserGroup{UserGroup}` in `.../NetServer/Services88`; `UserGroup` extends
//! `Carrier`, whose `TableRight` and `FieldProperties` come first.

use crate::error::ApiError;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

pub const NS: &str = "http://www.superoffice.net/ws/crm/NetServer/Services88";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const ARRAYS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
/// The carrier's members in contract order.
const ORDER: [&str; 7] = [
    "TableRight",
    "FieldProperties",
    "Value",
    "Tooltip",
    "Id",
    "Rank",
    "Deleted",
];

/// Reads an agent request object as a DataContractSerializer does: the root must be the
/// method's name (`SaveUserGroup`, `DeleteUserGroup`, ...) in the contract namespace
/// (anything else: 400, as model binding fails), and a carrier member out of contract
/// order is skipped (read as not sent).
pub fn read_request(method: &str, text: &str) -> Result<Value, ApiError> {
    let (root, ns) = root_of(text)?;
    if root != method || ns.as_deref() != Some(NS) {
        return Err(ApiError::bad_request(format!(
            "Error in line 1 position 1. Expecting element '{method}' from namespace '{NS}'.. Encountered 'Element' with name '{}', namespace '{}'.",
            root.chars().take(60).collect::<String>(),
            ns.unwrap_or_default().chars().take(80).collect::<String>()
        )));
    }
    let (_, mut value) = crate::xml::parse(text)?;
    if let Some(Value::Object(request)) = Some(&mut value) {
        for (k, v) in request.iter_mut() {
            if k == "UserGroup" {
                if let Value::Object(carrier) = v {
                    *carrier = in_contract_order(std::mem::take(carrier));
                }
            }
        }
    }
    Ok(value)
}

/// Reads an `int[]` parameter as a DataContractSerializer does: only
/// `<ArrayOfint xmlns="{ARRAYS}"><int>1</int>...</ArrayOfint>` holds keys. Any other
/// document does not bind, and the parameter is null: no keys (an independent server's
/// GetUserGroupList then answers `[]`, which the agents page allows).
pub fn read_int_array(text: &str) -> Result<Value, ApiError> {
    let (root, ns) = root_of(text)?;
    if root != "ArrayOfint" || ns.as_deref() != Some(ARRAYS) {
        return Ok(Value::Array(vec![]));
    }
    let (_, value) = crate::xml::parse(text)?;
    let items = match value.get("int") {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => vec![],
    };
    Ok(Value::Array(items))
}

/// The root element's local name and its default namespace (`xmlns="..."`).
fn root_of(text: &str) -> Result<(String, Option<String>), ApiError> {
    let mut reader = Reader::from_str(text.strip_prefix('\u{feff}').unwrap_or(text));
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let local = e.local_name();
                let name: &str = local.as_ref();
                let name = name.to_string();
                let ns = e
                    .attributes()
                    .flatten()
                    .find(|a| {
                        let key: &str = a.key.as_ref();
                        key == "xmlns"
                    })
                    .map(|a| a.value.to_string());
                return Ok((name, ns));
            }
            Ok(Event::Eof) => return Err(ApiError::bad_request("The XML body has no element.")),
            Err(e) => {
                return Err(ApiError::bad_request(format!(
                    "The XML body is malformed: {e}"
                )))
            }
            Ok(_) => {}
        }
    }
}

/// Keeps the members that come in contract order; one that comes after a later member
/// is skipped (DataContractSerializer reads a sequence). Unknown members are skipped too.
fn in_contract_order(carrier: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let mut last = None;
    for (k, v) in carrier {
        let Some(rank) = ORDER.iter().position(|m| *m == k) else {
            continue;
        };
        if last.is_some_and(|l| rank <= l) {
            continue;
        }
        last = Some(rank);
        out.insert(k, v);
    }
    out
}

/// A response value as DataContractSerializer writes it: `<{item}>` (or `<ArrayOf{item}>`;
/// the family's is `UserGroup`) in the contract namespace with `xmlns:i`, the carrier's members
/// in contract order, `i:nil="true"` for null, dictionaries as `a:KeyValueOf...` pairs.
pub fn write_as(item: &str, value: &Value) -> String {
    let head = format!("xmlns=\"{NS}\" xmlns:i=\"{XSI}\"");
    match value {
        Value::Null => format!("<{item} i:nil=\"true\" {head}/>"),
        Value::Array(items) => {
            let mut out = format!("<ArrayOf{item} {head}>");
            for v in items {
                carrier(&mut out, item, v);
            }
            out.push_str(&format!("</ArrayOf{item}>"));
            out
        }
        other => {
            let mut out = String::new();
            carrier(&mut out, item, other);
            out.replacen(&format!("<{item}>"), &format!("<{item} {head}>"), 1)
        }
    }
}

fn carrier(out: &mut String, name: &str, v: &Value) {
    let Value::Object(map) = v else {
        return element(out, name, v);
    };
    out.push_str(&format!("<{name}>"));
    let known = ORDER.iter().filter_map(|k| map.get(*k).map(|v| (*k, v)));
    let others = map
        .iter()
        .filter(|(k, _)| !ORDER.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v));
    for (k, v) in known.chain(others) {
        match (k, v) {
            ("FieldProperties", Value::Object(dict)) => {
                out.push_str(&format!("<FieldProperties xmlns:a=\"{ARRAYS}\">"));
                for (key, prop) in dict {
                    let pair = "a:KeyValueOfstringFieldPropertyx_PgLJ4j";
                    out.push_str(&format!("<{pair}><a:Key>"));
                    escape(out, key);
                    out.push_str("</a:Key>");
                    element(out, "a:Value", prop);
                    out.push_str(&format!("</{pair}>"));
                }
                out.push_str("</FieldProperties>");
            }
            _ => element(out, k, v),
        }
    }
    out.push_str(&format!("</{name}>"));
}

fn element(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => out.push_str(&format!("<{name} i:nil=\"true\"/>")),
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, c) in map {
                element(out, k, c);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for c in items {
                element(out, "a:anyType", c);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => {
            out.push_str(&format!("<{name}>"));
            escape(out, s);
            out.push_str(&format!("</{name}>"));
        }
        Value::Bool(b) => out.push_str(&format!("<{name}>{b}</{name}>")),
        Value::Number(n) => out.push_str(&format!("<{name}>{n}</{name}>")),
    }
}

fn escape(out: &mut String, s: &str) {
    out.push_str(&quick_xml::escape::escape(s));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_only_the_contract_root_and_order() {
        let ok = format!(
            "<SaveUserGroup xmlns=\"{NS}\" xmlns:i=\"{XSI}\"><UserGroup><TableRight i:nil=\"true\"/><Value>a</Value><Id>0</Id><Deleted>false</Deleted></UserGroup></SaveUserGroup>"
        );
        let v = read_request("SaveUserGroup", &ok).expect("the contract form");
        assert_eq!(v["UserGroup"]["Value"], json!("a"));
        for wrong in [
            "<request><UserGroup><Value>a</Value></UserGroup></request>".to_string(),
            "<SaveUserGroup><UserGroup><Value>a</Value></UserGroup></SaveUserGroup>".to_string(),
            format!("<UserGroup xmlns=\"{NS}\"><Value>a</Value></UserGroup>"),
        ] {
            let e = read_request("SaveUserGroup", &wrong).expect_err(&wrong);
            assert_eq!(e.status.as_u16(), 400, "{wrong}");
        }
        // Out of order: Value after Id is skipped, as the serializer reads a sequence.
        let late = format!(
            "<SaveUserGroup xmlns=\"{NS}\"><UserGroup><Id>0</Id><Value>a</Value><Rank>2</Rank></UserGroup></SaveUserGroup>"
        );
        let v = read_request("SaveUserGroup", &late).expect("reads");
        assert_eq!(v["UserGroup"], json!({"Id": "0", "Rank": "2"}));
    }

    #[test]
    fn keys_bind_only_as_array_of_int() {
        let ok = format!("<ArrayOfint xmlns=\"{ARRAYS}\"><int>1071</int><int>7</int></ArrayOfint>");
        assert_eq!(read_int_array(&ok).expect("reads"), json!(["1071", "7"]));
        let one = format!("<ArrayOfint xmlns=\"{ARRAYS}\"><int>5</int></ArrayOfint>");
        assert_eq!(read_int_array(&one).expect("reads"), json!(["5"]));
        // Another root, item name or namespace binds as no keys (not a refusal).
        for other in [
            "<userGroupIds><item>1071</item></userGroupIds>".to_string(),
            "<ArrayOfint><int>1071</int></ArrayOfint>".to_string(),
            format!("<GetUserGroupList xmlns=\"{NS}\"><int>1</int></GetUserGroupList>"),
        ] {
            assert_eq!(read_int_array(&other).expect("binds"), json!([]), "{other}");
        }
    }

    #[test]
    fn writes_the_contract_shape() {
        let v = json!({"Value": "a&b", "Tooltip": null, "Id": 1, "Rank": 1, "Deleted": false,
            "TableRight": {"Mask": "FULL", "Reason": ""},
            "FieldProperties": {"Value": {"FieldRight": null, "FieldType": "System.String", "FieldLength": 239}}});
        let x = write_as("UserGroup", &v);
        assert!(
            x.starts_with(&format!(
                "<UserGroup xmlns=\"{NS}\" xmlns:i=\"{XSI}\"><TableRight><Mask>FULL</Mask>"
            )),
            "{x}"
        );
        assert!(x.contains("<a:KeyValueOfstringFieldPropertyx_PgLJ4j><a:Key>Value</a:Key><a:Value><FieldRight i:nil=\"true\"/>"), "{x}");
        assert!(
            x.contains("<Value>a&amp;b</Value><Tooltip i:nil=\"true\"/><Id>1</Id>"),
            "{x}"
        );
        assert!(write_as("UserGroup", &json!([v])).starts_with("<ArrayOfUserGroup xmlns="));
        assert!(write_as("UserGroup", &Value::Null).contains("i:nil=\"true\""));
    }
}

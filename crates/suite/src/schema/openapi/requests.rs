//! The request side of the export: each documented request body as the suite sends it
//! per Content-Type (JSON, RFC 7396 merge patch, the data-contract XML, the flat form),
//! promising no more than the docs say (no negative primary key, no null body).

use super::{source, SOURCE};
use crate::vocab::xml_ns;
use serde_json::{json, Map, Value};

/// The members every carrier inherits from `Carrier` (SuperOffice.WebApi.Data.Carrier.yml,
/// "Base class for carrier objects Implementing common carrier properties"): rights the
/// server computes. Requests leave them out (the older SaveUserGroup page's sample request
/// sends none), and the server ignores them.
pub(super) const CARRIER_BASE_MEMBERS: &[&str] = &["TableRight", "FieldProperties"];

/// Applies `f` to the property map of the root and of every `$defs` entry.
pub(super) fn each_property_map(schema: &mut Value, f: &dyn Fn(&mut Map<String, Value>)) {
    if let Some(Value::Object(props)) = schema.get_mut("properties") {
        f(props);
    }
    if let Some(Value::Object(defs)) = schema.get_mut("$defs") {
        for d in defs.values_mut() {
            if let Some(Value::Object(props)) = d.get_mut("properties") {
                f(props);
            }
        }
    }
}

/// A string member of a request holds only characters XML 1.0 can carry: the API answers
/// XML too ("The API supports both JSON and XML responses"), so a value it could not
/// write back may be refused.
pub(super) fn xml_representable(props: &mut Map<String, Value>) {
    for p in props.values_mut() {
        let is_string = match p.get("type") {
            Some(Value::String(t)) => t == "string",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
            _ => false,
        };
        if is_string {
            if let Value::Object(m) = p {
                m.insert("pattern".into(), json!(XML_CHARS));
                m.insert(
                    SOURCE.into(),
                    source(
                        "http-headers.md",
                        "Content types",
                        Some("The API supports both JSON and XML responses."),
                    ),
                );
            }
        }
    }
}

/// Characters XML 1.0 allows (`Char`), as a pattern over the whole string.
pub(super) const XML_CHARS: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]*$";

/// What every request variant says of its members: strings XML can carry, rights read-only.
pub(super) fn request_members(props: &mut Map<String, Value>) {
    xml_representable(props);
    mark_rights_read_only(props);
}

pub(super) fn mark_rights_read_only(props: &mut Map<String, Value>) {
    for name in CARRIER_BASE_MEMBERS {
        if let Some(Value::Object(p)) = props.get_mut(*name) {
            p.insert("readOnly".into(), json!(true));
            p.insert(
                SOURCE.into(),
                source(
                    "SuperOffice.WebApi.Data.Carrier.yml",
                    name,
                    Some("Base class for carrier objects Implementing common carrier properties"),
                ),
            );
        }
    }
}

/// The JSON request: the documented shape, the carriers' rights read-only, and no more
/// than the docs promise (see [`promised_only`]).
pub(super) fn request_json(request: &Value) -> Value {
    let mut r = request.clone();
    each_property_map(&mut r, &request_members);
    promised_only(&mut r);
    r
}

/// Where the docs are silent a request schema must not promise that a server accepts a
/// value: a primary key is never negative (0 stays: SaveUserGroup's new group). A server
/// may refuse one as malformed ("Happens when the request is malformed."). (A null body
/// is left out where the body is given, in [`request_body`]; a null carrier stays: the
/// SaveUserGroup page's own sample request sends `{"UserGroup": null}`.)
pub(super) fn promised_only(request: &mut Value) {
    each_property_map(request, &|props| {
        for (name, p) in props.iter_mut() {
            if is_key(name, p.get("description").and_then(Value::as_str)) {
                key_minimum(p);
                if let Some(items) = p.get_mut("items") {
                    key_minimum(items);
                }
            }
        }
    });
    // A body that is a list of keys ("The primary keys.").
    let keys_body = request
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| d.to_ascii_lowercase().contains("primary keys"));
    if keys_body {
        if let Some(items) = request.get_mut("items") {
            key_minimum(items);
        }
    }
}

/// A primary key: an integer named `*Id`/`*Ids` or described as a primary key.
pub(super) fn is_key(name: &str, description: Option<&str>) -> bool {
    name.ends_with("Id")
        || name.ends_with("Ids")
        || name.ends_with("ID")
        || description.is_some_and(|d| d.to_ascii_lowercase().contains("primary key"))
}

/// An integer schema that promises no negative value (0 stays).
pub(super) fn key_minimum(schema: &mut Value) {
    if schema.get("type").is_some_and(|t| t == "integer")
        && schema
            .get("minimum")
            .and_then(Value::as_i64)
            .is_none_or(|m| m < 0)
    {
        if let Value::Object(m) = schema {
            m.insert("minimum".into(), json!(0));
        }
    }
}

/// `schema` without its `null` alternative (`anyOf [X, null]` becomes X, a type list
/// loses `"null"`).
pub(super) fn not_null(schema: &mut Value) {
    let Value::Object(m) = schema else { return };
    if let Some(Value::Array(ts)) = m.get_mut("type") {
        ts.retain(|t| t != "null");
        if let [one] = ts.as_slice() {
            let one = one.clone();
            m.insert("type".into(), one);
        }
    }
    if let Some(Value::Array(alts)) = m.get_mut("anyOf") {
        alts.retain(|a| a != &json!({"type": "null"}));
        if alts.len() == 1 {
            if let Some(Value::Object(only)) = alts.pop() {
                m.remove("anyOf");
                for (k, v) in only {
                    m.entry(k).or_insert(v);
                }
            }
        }
    }
}

/// The `application/merge-patch+json` request: a member may also be null, which RFC 7396
/// reads as "remove the member" (here: not sent).
pub(super) fn request_merge_patch(request: &Value) -> Value {
    let mut r = request_json(request);
    each_property_map(&mut r, &|props| {
        for p in props.values_mut() {
            if !p.get("readOnly").is_some_and(|v| v == true) {
                *p = crate::schema::types::nullable(std::mem::take(p));
            }
        }
    });
    r
}

/// A boolean leaf of a text body (XML, form): `true`/`false` or xs:boolean's `1`/`0`.
pub(super) fn text_boolean(schema: &mut Value) {
    if schema.get("type").is_some_and(|t| t == "boolean") {
        if let Value::Object(m) = schema {
            m.remove("type");
            m.insert(
                "anyOf".into(),
                json!([{"type": "boolean"}, {"enum": [0, 1]}]),
            );
        }
    }
}

/// The XML request: XML has no null (an element is there or not), so every `null`
/// alternative goes; the root is the form the suite sends first, what a .NET Web API 2
/// stack's DataContractSerializer reads: the method's name in the contract namespace for a
/// request object, `ArrayOfint` in the Arrays namespace for a list of keys. No page gives
/// either (the suite tries others after them).
pub(super) fn request_xml(request: &Value, method: &str) -> Value {
    fn strip_null(v: &mut Value) {
        not_null(v);
        match v {
            Value::Object(m) => m.values_mut().for_each(strip_null),
            Value::Array(a) => a.iter_mut().for_each(strip_null),
            _ => {}
        }
    }
    let mut r = request.clone();
    promised_only(&mut r);
    strip_null(&mut r);
    each_property_map(&mut r, &|props| {
        props.values_mut().for_each(text_boolean);
        request_members(props);
    });
    if let Value::Object(m) = &mut r {
        let array = m.get("type").is_some_and(|t| t == "array");
        if array {
            // A list of keys as DataContractSerializer writes `int[]`: one `<int>` each.
            m.insert(
                "xml".into(),
                json!({"name": "ArrayOfint", "namespace": xml_ns::ARRAYS, "wrapped": true}),
            );
            if let Some(Value::Object(items)) = m.get_mut("items") {
                if items.get("type").is_some_and(|t| t == "integer") {
                    items.insert("xml".into(), json!({"name": "int"}));
                }
            }
        } else {
            m.insert(
                "xml".into(),
                json!({"name": method, "namespace": xml_ns::DATA_CONTRACT}),
            );
        }
    }
    r
}

/// The form body the suite sends first, as a flat object: a carrier property's members
/// under dotted names (`UserGroup.Value`), other properties as they are. Forms cannot say
/// null, and carry no nested objects (rights) at all.
pub(super) fn form_schema(request: &Value) -> Option<Value> {
    let defs = request.get("$defs").and_then(Value::as_object);
    let props = request.get("properties")?.as_object()?;
    let def_of = |schema: &Value| -> Option<&Map<String, Value>> {
        let name = ref_name(schema)?;
        defs?.get(name)?.get("properties")?.as_object()
    };
    let mut flat = Map::new();
    for (name, schema) in props {
        match def_of(schema) {
            Some(members) => {
                for (member, m) in members {
                    if let Some(leaf) = form_leaf(m) {
                        flat.insert(format!("{name}.{member}"), leaf);
                    }
                }
            }
            None => {
                if let Some(leaf) = form_leaf(schema) {
                    flat.insert(name.clone(), leaf);
                }
            }
        }
    }
    xml_representable(&mut flat);
    Some(json!({
        "type": "object",
        "properties": flat,
        "description": "The form the suite sends first: the request's carrier members as `Carrier.Member=value` (ASP.NET's dotted binding; the bracket style `Carrier[Member]` is the suite's second form). The page lists the type but not how it binds.",
    }))
}

/// The `$defs` name a schema refers to, directly or as the first `anyOf` alternative.
pub(super) fn ref_name(schema: &Value) -> Option<&str> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.strip_prefix("#/$defs/");
    }
    schema
        .get("anyOf")?
        .as_array()?
        .iter()
        .find_map(|a| a.get("$ref")?.as_str()?.strip_prefix("#/$defs/"))
}

/// A primitive member as a form value: its type without null (a form leaves a null out).
pub(super) fn form_leaf(schema: &Value) -> Option<Value> {
    if ref_name(schema).is_some() {
        return None;
    }
    let mut leaf = schema.clone();
    let obj = leaf.as_object_mut()?;
    match obj.get("type").cloned() {
        Some(Value::Array(ts)) => {
            let kept: Vec<Value> = ts.into_iter().filter(|t| t != "null").collect();
            match kept.as_slice() {
                [one] => {
                    obj.insert("type".into(), one.clone());
                }
                _ => {
                    obj.insert("type".into(), Value::Array(kept));
                }
            }
        }
        Some(Value::String(_)) => {}
        _ => return None,
    }
    text_boolean(&mut leaf);
    Some(leaf)
}

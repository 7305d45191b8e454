//! What a generic trial needs to know of any endpoint, read from its description alone:
//! its key, a property to `$select`, and the request its page documents. Pure: no case,
//! no engine, nothing of the UserGroup family.

use crate::cases::KeyVariant;
use crate::description::{
    is_integer_type as is_integer, BodyShape, EndpointDescription, QueryParameter,
};
use crate::suite::Endpoint;
use serde_json::Value;

/// The key sent for [`KeyVariant::NamesNothing`]: int32's largest value, which no tenant
/// reaches (the agents page's own example, `9999`, may name a record on a real one).
pub const NAMES_NOTHING: &str = "2147483647";
/// The agents page's malformed key.
pub const MALFORMED: &str = "glops";

/// The required integer query parameter that names the record (`contactEntityId`).
pub fn required_key(d: &EndpointDescription) -> Option<&QueryParameter> {
    d.query_parameters
        .iter()
        .find(|q| q.required && !q.name.starts_with('$') && is_integer(&q.type_name))
}

/// The first scalar property of the answer's carrier, to `$select` alone: when the page
/// documents `$select` and answers a carrier or an array of carriers.
pub fn select_property(endpoint: &Endpoint) -> Option<String> {
    let d = &endpoint.description;
    d.select_parameter()?;
    if !matches!(d.response_body.shape, BodyShape::Object | BodyShape::Array) {
        return None;
    }
    let carrier = crate::checks::select::carrier_schema(&endpoint.response_schema)?;
    d.response_body
        .properties
        .iter()
        .filter(|p| carrier.contains_key(&p.name))
        .find(|p| p.type_name.as_deref().is_some_and(is_scalar))
        .map(|p| p.name.clone())
}

/// Whether a property or parameter names a record by its key: named `*Id` or `*Ids`, or
/// described as a primary key (the rule of the write guard; its values count as keys
/// where they read as numbers).
pub fn is_key(name: &str, description: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with("id")
        || n.ends_with("ids")
        || description.to_ascii_lowercase().contains("primary key")
}

/// The request the page documents: its sample request's body when that is JSON, else a
/// body built from its request schema; and every required query parameter, with the
/// value of the page's query example, else one of its type. With `zero_keys` (a call
/// that may write), every key is 0 (key lists empty), so it names nothing it did not
/// make. `key` replaces the required key's value (or leaves it out).
pub fn documented_request(
    endpoint: &Endpoint,
    zero_keys: bool,
    key: Option<KeyVariant>,
) -> (Option<Value>, Vec<(String, String)>) {
    let d = &endpoint.description;
    let body = match endpoint.sample_body() {
        Some(v) if d.request_body.is_some() => Some(keyed(endpoint, v.clone(), zero_keys)),
        _ => built_body(endpoint, zero_keys),
    };
    let key_name = required_key(d).map(|q| q.name.as_str());
    let mut query = Vec::new();
    for q in d.query_parameters.iter().filter(|q| q.required) {
        let is_the_key = Some(q.name.as_str()) == key_name;
        let value = match key.filter(|_| is_the_key) {
            Some(KeyVariant::Missing) => continue,
            Some(KeyVariant::NamesNothing) => NAMES_NOTHING.to_string(),
            Some(KeyVariant::Malformed) => MALFORMED.to_string(),
            None if zero_keys && is_key(&q.name, &q.description) => "0".to_string(),
            None => example_value(d, &q.name).unwrap_or_else(|| of_type(&q.type_name)),
        };
        query.push((q.name.clone(), value));
    }
    (body, query)
}

/// A body built from the page's request schema (keys 0 with `zero_keys`), if it
/// documents one.
pub fn built_body(endpoint: &Endpoint, zero_keys: bool) -> Option<Value> {
    endpoint.description.request_body.as_ref()?;
    let v = endpoint.request_schema.as_ref().map_or(
        Value::Object(Default::default()),
        soconform_core::example::value_of,
    );
    Some(keyed(endpoint, v, zero_keys))
}

fn keyed(endpoint: &Endpoint, mut v: Value, zero_keys: bool) -> Value {
    if zero_keys {
        let top: Vec<&str> = endpoint
            .description
            .request_body
            .iter()
            .flat_map(|b| &b.properties)
            .filter(|p| is_key(&p.name, &p.description))
            .map(|p| p.name.as_str())
            .collect();
        zero(&mut v, &top);
    }
    v
}

/// The value the page's query examples give parameter `name` (`?contactEntityId=718`).
fn example_value(d: &EndpointDescription, name: &str) -> Option<String> {
    d.query_examples.iter().find_map(|ex| {
        let (_, query) = ex.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    })
}

fn of_type(doc_type: &str) -> String {
    match doc_type.to_ascii_lowercase().as_str() {
        t if is_integer(t) => "1".into(),
        "bool" | "boolean" => "true".into(),
        _ => "soconform".into(),
    }
}

/// Every key at any depth set to 0 (numbers, numeric strings) or emptied (arrays).
fn zero(v: &mut Value, top: &[&str]) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                let named = is_key(k, "") || top.iter().any(|t| t.eq_ignore_ascii_case(k));
                match x {
                    Value::Number(_) if named => *x = Value::from(0),
                    Value::String(s) if named && s.trim().parse::<f64>().is_ok() => {
                        *x = Value::String("0".into())
                    }
                    Value::Array(_) if named => *x = Value::Array(vec![]),
                    other => zero(other, top),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| zero(x, top)),
        _ => {}
    }
}

fn is_scalar(doc_type: &str) -> bool {
    is_integer(doc_type)
        || matches!(
            doc_type.to_ascii_lowercase().as_str(),
            "string" | "bool" | "boolean" | "double"
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_zeroed_at_any_depth() {
        let mut v = json!({"ContactId": 123, "Person": {"PersonId": "7", "Name": "x"}, "Ids": [1, 2], "Rank": 5});
        zero(&mut v, &[]);
        assert_eq!(
            v,
            json!({"ContactId": 0, "Person": {"PersonId": "0", "Name": "x"}, "Ids": [], "Rank": 5})
        );
    }
}

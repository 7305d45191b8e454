//! The key guard on writes: on an endpoint of safety class `write`, every key its page
//! documents must be 0 or a record this run made, or nothing is sent.

use crate::cases::SafetyClass;
use crate::engine::Engine;
use crate::suite::Endpoint;
use serde_json::Value;

/// On an endpoint of safety class `write` (`cases/safety.toml`), every key its page
/// documents must be 0 or a record this run made: a query parameter or request property
/// that is an integer named `*Id`/`*Ids` or described as a primary key. A write naming
/// another record would change what the suite did not make. Reads may name anything.
pub(super) fn check_keys(
    engine: &Engine,
    endpoint: &Endpoint,
    body: Option<&Value>,
    query: &[(String, String)],
) -> Result<(), String> {
    let d = &endpoint.description;
    if engine.suite.safety_of(&d.uid).0 == SafetyClass::Read {
        return Ok(());
    }
    let is_key = crate::endpoint_facts::is_key;
    let mut ids = Vec::new();
    for q in d
        .query_parameters
        .iter()
        .filter(|q| is_key(&q.name, &q.description))
    {
        for (_, v) in query
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(&q.name))
        {
            readings(&Value::String(v.clone()), &mut ids);
        }
    }
    let body_keys: Vec<String> = d
        .request_body
        .iter()
        .flat_map(|b| &b.properties)
        .filter(|p| is_key(&p.name, &p.description))
        .map(|p| p.name.clone())
        .collect();
    if let Some(v) = body {
        key_ids(v, &body_keys, false, &mut ids);
    }
    match ids
        .into_iter()
        .find(|id| *id != 0 && !i32::try_from(*id).is_ok_and(|i| engine.family.groups.is_ours(i)))
    {
        Some(id) => Err(format!(
            "refusing to send key {id} to `{}`: it may change data (cases/safety.toml), and the suite writes only what it created in this run",
            d.uid
        )),
        None => Ok(()),
    }
}

/// Every number (or numeric string) that names a group through a key property (any
/// case), directly or in an array; at the top, every number of a bare array.
pub(in crate::engine) fn key_ids(v: &Value, keys: &[String], top: bool, out: &mut Vec<i64>) {
    let numbers = |x: &Value, out: &mut Vec<i64>| match x {
        Value::Array(a) => a.iter().for_each(|i| readings(i, out)),
        one => readings(one, out),
    };
    match v {
        Value::Array(_) if top => numbers(v, out),
        Value::Object(m) => {
            for (k, x) in m {
                if keys.iter().any(|p| p.eq_ignore_ascii_case(k)) {
                    numbers(x, out);
                }
                key_ids(x, keys, false, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| key_ids(x, keys, false, out)),
        _ => {}
    }
}

/// Every group Id a lenient server could read in `x`: a number (truncated or rounded),
/// a numeric string, `true`/`false`; a number beyond range (or `"1e999"`) is never ours.
pub(in crate::engine) fn readings(x: &Value, out: &mut Vec<i64>) {
    let n = match x {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() => {
            // Either rounding a lenient server might do.
            out.push(n.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64);
            out.push(n.round().clamp(i64::MIN as f64, i64::MAX as f64) as i64);
        }
        Some(_) => out.push(i64::MAX),
        None => {}
    }
}

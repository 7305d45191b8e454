//! When several generations of a page describe one endpoint: which one leads, how they
//! differ, and what the others fill in where the leader is blank.

use super::*;

/// Orders generations: more non-blank type and description cells first, then file name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Score(std::cmp::Reverse<usize>, String);

impl Score {
    pub(super) fn of(e: &DerivedEndpoint, file: &str) -> Score {
        let d = &e.description;
        let rows = d
            .request_body
            .iter()
            .flat_map(|r| &r.properties)
            .chain(&d.response_body.properties);
        let filled: usize = rows
            .map(|p| usize::from(p.type_name.is_some()) + usize::from(!p.description.is_empty()))
            .sum::<usize>()
            + usize::from(d.response_body.carrier.is_some());
        Score(std::cmp::Reverse(filled), file.to_string())
    }
}

/// What differs between two derivations of one uid, ignoring what generations may leave
/// blank (type and description cells) and the random values of the samples.
pub(super) fn differences(a: &DerivedEndpoint, b: &DerivedEndpoint) -> Vec<String> {
    let mut out = Vec::new();
    if a.request_schema != b.request_schema {
        out.push("the request schemas differ".to_string());
    }
    if a.response_schema != b.response_schema {
        out.push("the response schemas differ".to_string());
    }
    if a.response_select_schema != b.response_select_schema {
        out.push("the $select response schemas differ".to_string());
    }
    let (da, db) = (&a.description, &b.description);
    let mut na = serde_json::to_value(normative(da)).unwrap_or(Value::Null);
    let nb = serde_json::to_value(normative(db)).unwrap_or(Value::Null);
    if na != nb {
        if let (Some(ma), Some(mb)) = (na.as_object_mut(), nb.as_object()) {
            for (k, v) in ma.iter() {
                if mb.get(k) != Some(v) {
                    out.push(format!("`{k}` differs"));
                }
            }
        }
    }
    let rows = |d: &EndpointDescription| -> Vec<crate::description::PropertyDoc> {
        d.request_body
            .iter()
            .flat_map(|r| r.properties.clone())
            .chain(d.response_body.properties.clone())
            .collect()
    };
    for (pa, pb) in rows(da).iter().zip(rows(db).iter()) {
        if let (Some(ta), Some(tb)) = (&pa.type_name, &pb.type_name) {
            if ta != tb {
                out.push(format!("property `{}` has type `{ta}` and `{tb}`", pa.name));
            }
        }
        if !pa.description.is_empty()
            && !pb.description.is_empty()
            && pa.description != pb.description
        {
            out.push(format!(
                "property `{}` has two different descriptions",
                pa.name
            ));
        }
    }
    out
}

/// The description without blank-able cells, with samples reduced to their shape.
pub(super) fn normative(d: &EndpointDescription) -> EndpointDescription {
    let mut d = d.clone();
    let blank = |p: &mut crate::description::PropertyDoc| {
        p.type_name = None;
        p.description.clear();
    };
    if let Some(rb) = d.request_body.as_mut() {
        rb.properties.iter_mut().for_each(blank);
    }
    d.response_body.properties.iter_mut().for_each(blank);
    for s in [d.sample_request.as_mut(), d.sample_response.as_mut()]
        .into_iter()
        .flatten()
    {
        for h in s.headers.iter_mut() {
            h.1.clear();
        }
        s.body = s
            .body
            .as_ref()
            .map(|b| match serde_json::from_str::<Value>(b) {
                Ok(v) => shape_of(&v).to_string(),
                Err(_) => "<not JSON>".to_string(),
            });
    }
    d
}

/// A JSON value with every scalar replaced by its type name.
pub(super) fn shape_of(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(a) => Value::Array(a.iter().map(shape_of).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), shape_of(v))).collect())
        }
    }
}

/// Fills the primary's blank type and description cells from another generation.
pub(super) fn fill_blanks(primary: &mut DerivedEndpoint, other: &DerivedEndpoint) {
    let d = &mut primary.description;
    let o = &other.description;
    let pairs = d
        .request_body
        .iter_mut()
        .flat_map(|r| r.properties.iter_mut())
        .zip(o.request_body.iter().flat_map(|r| r.properties.iter()))
        .chain(
            d.response_body
                .properties
                .iter_mut()
                .zip(o.response_body.properties.iter()),
        );
    for (p, q) in pairs {
        if p.type_name.is_none() {
            p.type_name = q.type_name.clone();
        }
        if p.description.is_empty() {
            p.description = q.description.clone();
        }
    }
}

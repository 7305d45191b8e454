//! OpenAPI 3.1 export of derived endpoints, so that other tools (Schemathesis, Prism,
//! Postman) read the same contract as the suite.
//!
//! One path item per endpoint; `components.schemas` holds every schema's `$defs` plus each
//! endpoint's request and response roots (`<uid>.request`, `<uid>.response`). A def keeps
//! its plain name (`UserGroup`) unless another schema defines the same name differently
//! (request carriers have no `required`): then it is `UserGroup.request`, and as a last
//! resort `UserGroup.<uid>.request`.

use super::types::{primitive_schema, DocType};
use super::{Derivation, SCHEMA_DIALECT};
use crate::description::{EndpointDescription, HttpSample};
use crate::vocab::{essence, header};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const HTTP_HEADERS_NOT_PARAMETERS: &[&str] = &["Authorization", "Accept", "Content-Type"];

struct Doc<'a> {
    uid: &'a str,
    part: &'static str,
    schema: &'a Value,
}

impl Doc<'_> {
    fn defs(&self) -> Vec<(&String, &Value)> {
        self.schema
            .get("$defs")
            .and_then(Value::as_object)
            .map(|m| m.iter().collect())
            .unwrap_or_default()
    }

    fn candidate(&self, name: &str, level: usize) -> String {
        match level {
            0 => name.to_string(),
            1 => format!("{name}.{}", self.part),
            _ => format!("{name}.{}.{}", self.uid, self.part),
        }
    }
}

fn rewrite(v: &Value, names: &BTreeMap<String, String>) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v.as_str()) {
                        ("$ref", Some(r)) => match r.strip_prefix("#/$defs/") {
                            Some(name) => json!(format!(
                                "#/components/schemas/{}",
                                names.get(name).map(String::as_str).unwrap_or(name)
                            )),
                            None => v.clone(),
                        },
                        _ => rewrite(v, names),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| rewrite(v, names)).collect()),
        other => other.clone(),
    }
}

/// Names every def of every document so that equal names mean equal schemas.
fn components(docs: &[Doc]) -> (BTreeMap<String, Value>, Vec<BTreeMap<String, String>>) {
    let mut levels: Vec<BTreeMap<String, usize>> = docs.iter().map(|_| BTreeMap::new()).collect();
    loop {
        let names: Vec<BTreeMap<String, String>> = docs
            .iter()
            .zip(&levels)
            .map(|(d, lv)| {
                d.defs()
                    .into_iter()
                    .map(|(n, _)| (n.clone(), d.candidate(n, lv.get(n).copied().unwrap_or(0))))
                    .collect()
            })
            .collect();
        let mut comps: BTreeMap<String, Value> = BTreeMap::new();
        let mut changed = false;
        for (i, d) in docs.iter().enumerate() {
            for (n, def) in d.defs() {
                let cname = names[i][n].clone();
                let body = rewrite(def, &names[i]);
                match comps.get(&cname) {
                    Some(existing) if *existing != body => {
                        let lv = levels[i].entry(n.clone()).or_insert(0);
                        if *lv < 2 {
                            *lv += 1;
                            changed = true;
                        }
                    }
                    Some(_) => {}
                    None => {
                        comps.insert(cname, body);
                    }
                }
            }
        }
        if !changed {
            return (comps, names);
        }
    }
}

fn sample_content_type(s: &Option<HttpSample>) -> Option<String> {
    s.as_ref()?
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Type"))
        .map(|(_, v)| essence(v))
}

fn security_name(scheme: &str) -> Option<&'static str> {
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some("basic"),
        "soticket" => Some("SoTicket"),
        "bearer" => Some("bearer"),
        _ => None,
    }
}

fn query_schema(type_name: &str) -> Value {
    match DocType::parse(type_name) {
        Some(DocType::String) => json!({"type": "string"}),
        Some(t) if t.is_primitive() => primitive_schema(&t),
        _ => json!({"type": "string"}),
    }
}

fn operation(d: &EndpointDescription, has_request: bool) -> Value {
    let mut op = Map::new();
    op.insert("operationId".into(), json!(d.uid));
    op.insert("summary".into(), json!(d.title));
    let mut description = d.summary.join("\n\n");
    if let Some(r) = &d.restriction {
        description.push_str(&format!("\n\nOnline Restricted: {r}"));
    }
    op.insert("description".into(), json!(description));
    let mut params: Vec<Value> = d
        .query_parameters
        .iter()
        .map(|q| {
            json!({
                "name": q.name,
                "in": "query",
                "required": q.required,
                "description": q.description,
                "schema": query_schema(&q.type_name),
            })
        })
        .collect();
    for h in &d.request_headers {
        let skip = HTTP_HEADERS_NOT_PARAMETERS
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&h.name))
            || d.xsrf_header
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(&h.name));
        if !skip {
            params.push(json!({
                "name": h.name,
                "in": "header",
                "required": false,
                "description": h.description,
                "schema": {"type": "string"},
            }));
        }
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if has_request {
        let mut types = d.request_content_types.clone();
        if types.is_empty() {
            types.push(sample_content_type(&d.sample_request).unwrap_or_else(|| "*/*".into()));
        }
        let schema = json!({"$ref": format!("#/components/schemas/{}.request", d.uid)});
        let content: Map<String, Value> = types
            .into_iter()
            .map(|t| (t, json!({"schema": schema.clone()})))
            .collect();
        op.insert("requestBody".into(), json!({"content": content}));
    }
    let mut responses = Map::new();
    for r in &d.responses {
        let mut resp = Map::new();
        resp.insert("description".into(), json!(r.description));
        if r.status != 204 {
            let mut types = d.accept_types.clone();
            if types.is_empty() {
                types.extend(sample_content_type(&d.sample_response));
            }
            let schema = json!({"$ref": format!("#/components/schemas/{}.response", d.uid)});
            let content: Map<String, Value> = types
                .into_iter()
                .map(|t| (t, json!({"schema": schema.clone()})))
                .collect();
            if !content.is_empty() {
                resp.insert("content".into(), Value::Object(content));
            }
        }
        responses.insert(r.status.to_string(), Value::Object(resp));
    }
    op.insert("responses".into(), Value::Object(responses));
    let mut security: Vec<Value> = d
        .auth_schemes
        .iter()
        .filter_map(|s| security_name(s))
        .map(|n| json!({ n: [] }))
        .collect();
    if d.xsrf_header.is_some() {
        security.push(json!({"XSRF": []}));
    }
    if !security.is_empty() {
        op.insert("security".into(), Value::Array(security));
    }
    Value::Object(op)
}

/// The OpenAPI 3.1 document of every derived endpoint.
pub fn document(derivation: &Derivation) -> Result<Value, String> {
    let mut docs = Vec::new();
    for part in ["response", "request"] {
        for e in &derivation.endpoints {
            let schema = if part == "response" {
                Some(&e.response_schema)
            } else {
                e.request_schema.as_ref()
            };
            if let Some(schema) = schema {
                docs.push(Doc {
                    uid: &e.description.uid,
                    part,
                    schema,
                });
            }
        }
    }
    let (mut schemas, names) = components(&docs);
    for (doc, names) in docs.iter().zip(&names) {
        let mut root = rewrite(doc.schema, names);
        if let Some(m) = root.as_object_mut() {
            m.remove("$schema");
            m.remove("$id");
            m.remove("$defs");
        }
        let key = format!("{}.{}", doc.uid, doc.part);
        if schemas.insert(key.clone(), root).is_some() {
            return Err(format!("two schemas would be named `{key}` in components"));
        }
    }

    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for e in &derivation.endpoints {
        let d = &e.description;
        let method = d.method.to_ascii_lowercase();
        let item = paths.entry(d.path.clone()).or_default();
        if item.contains_key(&method) {
            return Err(format!(
                "two endpoints document {} {}; the second is {}",
                d.method, d.path, d.uid
            ));
        }
        item.insert(method, operation(d, e.request_schema.is_some()));
    }

    Ok(json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": SCHEMA_DIALECT,
        "info": {
            "title": "SuperOffice CRM WebAPI (derived by soconform)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Derived from the SuperOffice documentation reference pages by `soconform openapi`; the same contract the soconform conformance suite checks. Responses to requests with `$select` may null out any carrier property (see the `*.response-select.schema.json` files that `soconform derive` writes).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "`Authorization: Basic base64(username:password)`; onsite only.",
                },
                "SoTicket": {
                    "type": "http",
                    "scheme": "SoTicket",
                    "description": "`Authorization: SoTicket <ticket>` (the docs also spell it SOTICKET and SOTicket); the ticket (7T:...) is sent as is.",
                },
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer <access token>` from SuperID.",
                },
                "XSRF": {
                    "type": "apiKey",
                    "in": "header",
                    "name": header::XSRF_TOKEN,
                    "description": "No Authorization header: the current session's XSRF token (from the XSRF-TOKEN cookie or the XSRF_TOKEN input field) plus the session cookie.",
                },
            },
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_rewritten_and_conflicting_defs_renamed() {
        let resp = json!({"$ref": "#/$defs/A", "$defs": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "required": ["b"]},
            "B": {"type": "string"}
        }});
        let req = json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
            "B": {"type": "string"}
        }});
        let docs = [
            Doc {
                uid: "u",
                part: "response",
                schema: &resp,
            },
            Doc {
                uid: "u",
                part: "request",
                schema: &req,
            },
        ];
        let (comps, names) = components(&docs);
        assert_eq!(names[0]["A"], "A");
        assert_eq!(names[1]["A"], "A.request");
        assert_eq!(names[1]["B"], "B");
        assert_eq!(
            comps["A.request"]["properties"]["b"]["$ref"],
            "#/components/schemas/B"
        );
        assert_eq!(comps.len(), 3);
    }

    #[test]
    fn transitive_conflicts_are_renamed_too() {
        // Equal `D`, but `D` refers to an `E` that differs: `D` must not be shared.
        let one = json!({"$defs": {"D": {"$ref": "#/$defs/E"}, "E": {"type": "string"}}});
        let two = json!({"$defs": {"D": {"$ref": "#/$defs/E"}, "E": {"type": "integer"}}});
        let docs = [
            Doc {
                uid: "u1",
                part: "response",
                schema: &one,
            },
            Doc {
                uid: "u2",
                part: "response",
                schema: &two,
            },
        ];
        let (comps, names) = components(&docs);
        assert_eq!(names[1]["E"], "E.response");
        assert_eq!(names[1]["D"], "D.response");
        assert_eq!(
            comps["D.response"]["$ref"],
            "#/components/schemas/E.response"
        );
    }
}

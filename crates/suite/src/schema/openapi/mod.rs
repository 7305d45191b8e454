//! OpenAPI 3.1 export of derived endpoints, so that other tools (Schemathesis, Prism,
//! Postman) read the same contract as the suite.
//!
//! One path item per endpoint (its documented POST and the GET that describes it);
//! `components.schemas` holds every schema's `$defs` plus each endpoint's roots:
//! `<uid>.response`, `<uid>.response-select`, and per request encoding `<uid>.request`
//! (JSON), `<uid>.request-merge-patch`, `<uid>.request-xml` and `<uid>.request-form`. A def
//! keeps its plain name (`UserGroup`) unless another schema defines the same name
//! differently (request carriers have no `required`): then it is `UserGroup.request`, and
//! as a last resort `UserGroup.<uid>.request`. Each part names its source in
//! `x-soconform-source`.

use super::types::{primitive_schema, DocType};
use super::{Derivation, DerivedEndpoint, SCHEMA_DIALECT};
use crate::description::{EndpointDescription, HttpSample};
use crate::vocab::{essence, header};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

mod requests;
use requests::{form_schema, is_key, key_minimum, request_json, request_merge_patch, request_xml};

const HTTP_HEADERS_NOT_PARAMETERS: &[&str] = &["Authorization", "Accept", "Content-Type"];

struct Doc<'a> {
    uid: &'a str,
    part: &'static str,
    schema: std::borrow::Cow<'a, Value>,
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

/// A sample's JSON body, as the example of `media_type` when the sample is in that type.
fn sample_for(s: &Option<HttpSample>, media_type: &str) -> Option<Value> {
    if sample_content_type(s)? != essence(media_type) {
        return None;
    }
    serde_json::from_str(s.as_ref()?.body.as_deref()?).ok()
}

/// `x-soconform-source`: where a part of the contract comes from (a page of `spec/`, its
/// section and, where one sentence decides it, the sentence).
fn source(page: &str, section: &str, quote: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("page".into(), json!(page));
    m.insert("section".into(), json!(section));
    if let Some(q) = quote {
        m.insert("quote".into(), json!(q));
    }
    Value::Object(m)
}

const SOURCE: &str = "x-soconform-source";
const AGENTS_PAGE: &str = "agents-webapi.md";
use super::AGENT_ERROR;

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

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn is_form(media: &str) -> bool {
    essence(media) == "application/x-www-form-urlencoded"
}

fn is_xml(media: &str) -> bool {
    let e = essence(media);
    e == "application/xml" || e == "text/xml"
}

/// The page an endpoint was derived from (its file name; the first of a generation).
fn page_of(e: &DerivedEndpoint) -> String {
    e.sources
        .first()
        .map(|s| {
            std::path::Path::new(s)
                .file_name()
                .map_or(s.clone(), |f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| format!("{}.md", e.description.uid))
}

fn parameters(d: &EndpointDescription, page: &str) -> Vec<Value> {
    let mut params: Vec<Value> = d
        .query_parameters
        .iter()
        .map(|q| {
            let mut schema = query_schema(&q.type_name);
            if is_key(&q.name, Some(&q.description)) {
                key_minimum(&mut schema);
            }
            json!({
                "name": q.name,
                "in": "query",
                "required": q.required,
                "description": q.description,
                "schema": schema,
                SOURCE: source(page, "Query String Parameters", None),
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
                SOURCE: source(page, "Request Headers", None),
            }));
        }
    }
    params
}

/// The request body per documented Content-Type: JSON (or the NULL the agents read as
/// nothing sent), XML rooted where the suite roots it first, and the flat form the suite
/// sends first (`UserGroup.Value=...`).
fn request_body(d: &EndpointDescription, page: &str, form_schema: Option<&str>) -> Value {
    let mut types = d.request_content_types.clone();
    if types.is_empty() {
        types.push(sample_content_type(&d.sample_request).unwrap_or_else(|| "*/*".into()));
    }
    let root = format!("{}.request", d.uid);
    let body_name = d
        .request_body
        .as_ref()
        .map_or("request", |b| b.name.as_str());
    let content: Map<String, Value> = types
        .into_iter()
        .map(|t| {
            let mut media = Map::new();
            if is_form(&t) {
                match form_schema {
                    Some(f) => {
                        media.insert("schema".into(), schema_ref(f));
                        media.insert("x-soconform-form-style".into(), json!("dotted"));
                    }
                    None => {
                        media.insert("schema".into(), schema_ref(&root));
                    }
                }
            } else if is_xml(&t) {
                media.insert("schema".into(), schema_ref(&format!("{root}-xml")));
            } else if essence(&t) == "application/merge-patch+json" {
                media.insert(
                    "schema".into(),
                    json!({
                        "allOf": [schema_ref(&format!("{root}-merge-patch"))],
                        SOURCE: source("RFC 7396", "1. Introduction", Some("Null values in the merge patch are given special meaning to indicate the removal of existing values in the target.")),
                    }),
                );
            } else {
                // No null body: no page shows one, and a server may refuse it as malformed.
                media.insert(
                    "schema".into(),
                    json!({
                        "allOf": [schema_ref(&root)],
                        "description": "The request as the page's body table gives it. No page says that a null body or a negative key is accepted, so neither is promised.",
                        SOURCE: source(AGENTS_PAGE, "Errors", Some("Happens when the request is malformed.")),
                    }),
                );
            }
            if let Some(example) = sample_for(&d.sample_request, &t) {
                media.insert("example".into(), example);
            }
            (t, Value::Object(media))
        })
        .collect();
    json!({
        "content": content,
        SOURCE: source(page, &format!("Request Body: {body_name}"), None),
    })
}

/// The internal error object of a 200, in the types servers send it.
fn error_content() -> Value {
    json!({
        "application/json": {"schema": schema_ref(AGENT_ERROR)},
        "application/xml": {"schema": schema_ref(AGENT_ERROR)},
    })
}

/// A 4xx body: the pages show no shape for it ("an error result"), so any object.
fn error_result_content() -> Value {
    let schema = json!({"type": "object", "description": "An error result; the pages show no shape for it (the reference server's is AgentError's)."});
    json!({
        "application/json": {"schema": schema.clone()},
        "application/xml": {"schema": schema},
    })
}

fn responses(d: &EndpointDescription, page: &str) -> Map<String, Value> {
    let mut responses = Map::new();
    let select = d.select_parameter().is_some();
    for r in &d.responses {
        let mut resp = Map::new();
        resp.insert("description".into(), json!(r.description));
        resp.insert(SOURCE.into(), source(page, "Response:", None));
        if r.status != 204 {
            let mut types = d.accept_types.clone();
            if types.is_empty() {
                types.extend(sample_content_type(&d.sample_response));
            }
            let mut alternatives = vec![schema_ref(&format!("{}.response", d.uid))];
            if select {
                alternatives.push(schema_ref(&format!("{}.response-select", d.uid)));
            }
            let schema = json!({
                "anyOf": alternatives,
                "description": "The documented answer (with `$select`, its select variant: \"Other fields are then nulled out\"), the NULL result, or the internal error object the agents page shows under 200 OK.",
                SOURCE: source(AGENTS_PAGE, "Errors", Some("You may also get a 200 OK with an internal error object.")),
            });
            let content: Map<String, Value> = types
                .into_iter()
                .map(|t| {
                    let mut media = Map::new();
                    media.insert("schema".into(), schema.clone());
                    if let Some(example) = sample_for(&d.sample_response, &t) {
                        media.insert("example".into(), example);
                    }
                    (t, Value::Object(media))
                })
                .collect();
            if !content.is_empty() {
                resp.insert("content".into(), Value::Object(content));
            }
        }
        responses.insert(r.status.to_string(), Value::Object(resp));
    }
    if !responses.contains_key("200") {
        responses.insert(
            "200".into(),
            json!({
                "description": "OK with an internal error object: happens when the request succeeds but the data is invalid (the documented answer above is the success).",
                "content": error_content(),
                SOURCE: source(AGENTS_PAGE, "Errors", Some("Happens when the request succeeds but the data is invalid. For example, a required parameter is missing.")),
            }),
        );
    }
    responses.insert(
        "400".into(),
        json!({
            "description": "Bad Request: happens when the request is malformed (the agents page's `contactEntityId=glops`).",
            "content": error_result_content(),
            SOURCE: source(AGENTS_PAGE, "Errors", Some("Happens when the request is malformed.")),
        }),
    );
    responses.insert(
        "401".into(),
        json!({
            "description": "Unauthorized: no valid credentials (Basic, SoTicket, Bearer, or the session cookie with its X-XSRF-TOKEN).",
            "content": error_result_content(),
            SOURCE: source("use-x-xsrf-token.md", "Cross site request forgery token", Some("will return HTTP error 401 Unauthorized.")),
        }),
    );
    responses
}

fn security(d: &EndpointDescription) -> Vec<Value> {
    let mut security: Vec<Value> = d
        .auth_schemes
        .iter()
        .filter_map(|s| security_name(s))
        .map(|n| json!({ n: [] }))
        .collect();
    if d.xsrf_header.is_some() {
        security.push(json!({"XSRF": []}));
    }
    security
}

/// The documented POST.
fn operation(e: &DerivedEndpoint, form_schema: Option<&str>) -> Value {
    let d = &e.description;
    let page = page_of(e);
    let mut op = Map::new();
    op.insert("operationId".into(), json!(d.uid));
    op.insert("summary".into(), json!(d.title));
    let mut description = d.summary.join("\n\n");
    if let Some(r) = &d.restriction {
        description.push_str(&format!("\n\nOnline Restricted: {r}"));
    }
    op.insert("description".into(), json!(description));
    op.insert(SOURCE.into(), source(&page, &d.title, None));
    let params = parameters(d, &page);
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if e.request_schema.is_some() {
        op.insert("requestBody".into(), request_body(d, &page, form_schema));
    }
    op.insert("responses".into(), Value::Object(responses(d, &page)));
    let security = security(d);
    if !security.is_empty() {
        op.insert("security".into(), Value::Array(security));
    }
    Value::Object(op)
}

/// `GET` on an agent path: "GET this to get a description of the call".
fn describe_operation(e: &DerivedEndpoint) -> Value {
    let d = &e.description;
    json!({
        "operationId": format!("{}.describe", d.uid),
        "summary": format!("Description of {}", d.title),
        "description": "A description of the call, for people. The method is not invoked using GET.",
        SOURCE: source(AGENTS_PAGE, "GET vs. POST", Some("GET this to get a description of the call.")),
        "responses": {
            "200": {
                "description": "The call described.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
        },
    })
}

/// The OpenAPI 3.1 document of every derived endpoint.
pub fn document(derivation: &Derivation) -> Result<Value, String> {
    let mut docs = Vec::new();
    for part in [
        "response",
        "request",
        "request-merge-patch",
        "request-xml",
        "response-select",
    ] {
        for e in &derivation.endpoints {
            let d = &e.description;
            let schema = match part {
                "response" => Some(Cow::Borrowed(&e.response_schema)),
                "request" => e
                    .request_schema
                    .as_ref()
                    .map(|r| Cow::Owned(request_json(r))),
                "request-xml" if d.request_content_types.iter().any(|t| is_xml(t)) => {
                    e.request_schema.as_ref().map(|r| {
                        let method = d.uid.rsplit('_').next().unwrap_or("request");
                        Cow::Owned(request_xml(r, method))
                    })
                }
                "request-xml" => None,
                "request-merge-patch" => e
                    .request_schema
                    .as_ref()
                    .map(|r| Cow::Owned(request_merge_patch(r))),
                _ => Some(Cow::Borrowed(&e.response_select_schema)),
            };
            if let Some(schema) = schema {
                docs.push(Doc {
                    uid: &d.uid,
                    part,
                    schema,
                });
            }
        }
    }
    let (mut schemas, names) = components(&docs);
    for (doc, names) in docs.iter().zip(&names) {
        let mut root = rewrite(&doc.schema, names);
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

    // Every agent response schema defines it; a derivation without one still needs it for
    // the 200 of calls whose success is another status.
    schemas
        .entry(AGENT_ERROR.to_string())
        .or_insert_with(super::agent_error_def);
    // Where the docs show XML, element names are the carriers' and properties' own.
    for e in &derivation.endpoints {
        if let Some(c) = &e.description.response_body.carrier {
            if let Some(Value::Object(m)) = schemas.get_mut(c) {
                m.insert("xml".into(), json!({"name": c}));
                m.insert(
                    SOURCE.into(),
                    source(
                        "http-headers.md",
                        "XML",
                        Some("Returns an XML representation of the contact:"),
                    ),
                );
            }
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
        let form = match (
            &e.request_schema,
            d.request_content_types.iter().any(|t| is_form(t)),
        ) {
            (Some(request), true) => form_schema(&request_json(request)).map(|f| {
                let name = format!("{}.request-form", d.uid);
                schemas.insert(name.clone(), f);
                name
            }),
            _ => None,
        };
        item.insert(method.clone(), operation(e, form.as_deref()));
        if method == "post" && super::is_agent_path(&d.path) && !item.contains_key("get") {
            item.insert("get".into(), describe_operation(e));
        }
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
                    SOURCE: source("web-services-index.md", "RESTful headers", Some("BASIC authentication: Base64 Encode SuperOffice username:password")),
                },
                "SoTicket": {
                    "type": "http",
                    "scheme": "SoTicket",
                    "description": "`Authorization: SoTicket <ticket>` (the docs also spell it SOTICKET and SOTicket); the ticket (7T:...) is sent as is.",
                    SOURCE: source("web-services-index.md", "RESTful headers", Some("SOTICKET authentication. Pass the SuperOffice ticket (7T:abc123==) without any encoding.")),
                },
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer <access token>` from SuperID.",
                    SOURCE: source("web-services-index.md", "RESTful headers", Some("BEARER authentication. Pass along an access token (7A:abc123==) from SuperID.")),
                },
                "XSRF": {
                    "type": "apiKey",
                    "in": "header",
                    "name": header::XSRF_TOKEN,
                    "description": "No Authorization header: the current session's XSRF token (from the XSRF-TOKEN cookie or the XSRF_TOKEN input field) plus the session cookie.",
                    SOURCE: source("use-x-xsrf-token.md", "Cross site request forgery token", Some("You must add an X-XSRF-TOKEN header with the random value from the input field.")),
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
                schema: Cow::Borrowed(&resp),
            },
            Doc {
                uid: "u",
                part: "request",
                schema: Cow::Borrowed(&req),
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
                schema: Cow::Borrowed(&one),
            },
            Doc {
                uid: "u2",
                part: "response",
                schema: Cow::Borrowed(&two),
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

//! Every documented agent call the server has no code for, served from its endpoint
//! description and derived response schema (`schemas/<uid>.endpoint.json` and
//! `<uid>.response.schema.json`, what `soconform derive` writes): the same pipeline as the
//! UserGroup family (authentication, request Content-Type decoding, Accept negotiation,
//! `$select`, the language headers accepted, error answers, GET describing the call), and
//! an answer built from the response schema ([`soconform_core::example`]).
//!
//! Where the pages are silent this layer decides, as the README's decisions table says:
//! - a call that takes a key (a query parameter, or an integer body property named `*Id`)
//!   answers the record with that key in its primary key; keys 1 - 9998 name a record,
//!   any other (the agents page's `contactEntityId=9999`) names nothing: the NULL result;
//! - a key that is not a number (the agents page's `glops`) is a 400, a required query
//!   parameter left out a 400 (Web API 2's "parameters dictionary contains a null entry");
//! - a `No Content` page answers 204 with no body, whatever type its stray `Response
//!   body:` heading names.

use crate::auth;
use crate::body::{self, Decoded, Source};
use crate::config::Config;
use crate::error::ApiError;
use crate::faults::Fault;
use crate::negotiate::response_type;
use crate::request::{self, Query};
use crate::select::Select;
use axum::body::Body;
use axum::http::{header, request::Parts, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use soconform_core::description::{is_integer_type as is_integer, BodyShape, EndpointDescription};
use std::collections::HashMap;
use std::path::Path;

/// The first key that names nothing.
const FIRST_UNKNOWN_KEY: i64 = 9999;

/// One agent call: what its page documents, and the answer it gives.
#[derive(Debug)]
pub struct AgentCall {
    pub description: EndpointDescription,
    /// What a record answers (before its key and `$select`).
    answer: Value,
    /// The parameter that names the record, and where it comes from.
    key: Option<Key>,
    /// The answer's primary key property, which echoes the key.
    primary_key: Option<String>,
    /// The XML root of the answer (the carrier's name, or the primitive's).
    xml_item: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Query { name: String, required: bool },
    Body { name: String },
}

/// Every agent call of a suite directory's `schemas/`, by path.
#[derive(Debug, Default)]
pub struct Catalogue {
    by_path: HashMap<String, AgentCall>,
}

impl Catalogue {
    /// Reads every `*.endpoint.json` in `dir` and its response schema. An unreadable file
    /// is an error naming it: a server that silently served less would pass for complete.
    pub fn load(dir: &Path) -> Result<Catalogue, String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut by_path = HashMap::new();
        let mut files: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".endpoint.json"))
            })
            .collect();
        files.sort();
        for file in files {
            let read = |p: &Path| -> Result<Value, String> {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
            };
            let description: EndpointDescription = serde_json::from_value(read(&file)?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let schema = read(&dir.join(&description.schemas.response))?;
            let call = AgentCall::new(description, &schema);
            by_path.insert(call.description.path.to_ascii_lowercase(), call);
        }
        Ok(Catalogue { by_path })
    }

    /// The calls of descriptions already read, each with its response schema.
    pub fn new<'a>(calls: impl IntoIterator<Item = (EndpointDescription, &'a Value)>) -> Catalogue {
        let by_path = calls
            .into_iter()
            .map(|(d, schema)| {
                let call = AgentCall::new(d, schema);
                (call.description.path.to_ascii_lowercase(), call)
            })
            .collect();
        Catalogue { by_path }
    }

    /// The call at `path` (case-insensitive, a trailing `/` ignored).
    pub fn find(&self, path: &str) -> Option<&AgentCall> {
        self.by_path
            .get(&path.trim_end_matches('/').to_ascii_lowercase())
    }

    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    /// Every call, in path order.
    pub fn calls(&self) -> Vec<&AgentCall> {
        let mut calls: Vec<&AgentCall> = self.by_path.values().collect();
        calls.sort_by(|a, b| a.description.path.cmp(&b.description.path));
        calls
    }
}

impl AgentCall {
    fn new(description: EndpointDescription, response_schema: &Value) -> AgentCall {
        let key = description
            .query_parameters
            .iter()
            .find(|q| q.name != "$select" && is_integer(&q.type_name))
            .map(|q| Key::Query {
                name: q.name.clone(),
                required: q.required,
            })
            .or_else(|| {
                let body = description.request_body.as_ref()?;
                body.properties
                    .iter()
                    .find(|p| {
                        p.name.to_ascii_lowercase().ends_with("id")
                            && p.type_name.as_deref().is_some_and(is_integer)
                    })
                    .map(|p| Key::Body {
                        name: p.name.clone(),
                    })
            });
        let rb = &description.response_body;
        let primary_key = rb
            .properties
            .iter()
            .find(|p| p.description.to_ascii_lowercase().contains("primary key"))
            .or_else(|| {
                let carrier = rb.carrier.as_deref()?;
                let stem = carrier.strip_suffix("Entity").unwrap_or(carrier);
                rb.properties
                    .iter()
                    .find(|p| p.name == format!("{stem}Id") || p.name == "Id")
            })
            .map(|p| p.name.clone());
        let xml_item = match (&rb.carrier, &rb.primitive) {
            (Some(c), _) => c.clone(),
            (None, Some(p)) => xml_primitive(p).to_string(),
            (None, None) => "Result".to_string(),
        };
        AgentCall {
            answer: soconform_core::example::value_of(response_schema),
            key,
            primary_key,
            xml_item,
            description,
        }
    }

    /// The method's name (`GetContactEntity`): the data-contract root of its XML request.
    pub fn method(&self) -> &str {
        self.description
            .uid
            .rsplit('_')
            .next()
            .unwrap_or(&self.description.uid)
    }
}

/// The element DataContractSerializer names a primitive answer with.
fn xml_primitive(doc_type: &str) -> &'static str {
    match doc_type.to_ascii_lowercase().as_str() {
        "bool" | "boolean" => "boolean",
        "int32" | "integer" | "int" => "int",
        "int64" => "long",
        "int16" => "short",
        "byte" => "base64Binary",
        "double" | "number" => "double",
        "date-time" | "datetime" => "dateTime",
        _ => "string",
    }
}

/// GET (and HEAD) describe the call: "GET this to get a description of the call."
fn describe(call: &AgentCall) -> Response {
    let d = &call.description;
    let text = format!(
        "{}\n\n{}\n\nInvoke it with POST {} (the documented request body and parameters).",
        d.title,
        d.summary.join("\n"),
        d.path
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// The whole pipeline for one request to `call`.
pub async fn handle(config: &Config, call: &AgentCall, parts: &Parts, body: Body) -> Response {
    let fault = config.fault.filter(|f| f.is_call_fault());
    let get = parts.method == Method::GET || parts.method == Method::HEAD;
    if get && fault != Some(Fault::CallGetInvokes) {
        return describe(call);
    }
    if parts.method != Method::POST && !get {
        return config
            .profile
            .error_response(ApiError::method_not_allowed(&parts.method));
    }
    match invoke(config, fault, call, parts, body).await {
        Ok(res) => res,
        Err(e) => config.profile.error_response(e),
    }
}

async fn invoke(
    config: &Config,
    fault: Option<Fault>,
    call: &AgentCall,
    parts: &Parts,
    body: Body,
) -> Result<Response, ApiError> {
    let query = Query::parse(parts.uri.query());
    let content_type = match fault {
        Some(Fault::CallAcceptIgnored) => crate::negotiate::DEFAULT_RESPONSE_TYPE,
        _ => response_type(&parts.headers),
    };
    let creds = &config.credentials;
    if !fault.is_some_and(|f| f.lets_anonymous_in(&parts.headers)) {
        auth::authorize(&parts.headers, creds).map_err(|r| r.into_error(creds))?;
    }
    if let Some(e) = fault.and_then(|f| f.refuses_body(&parts.headers)) {
        return Err(e);
    }
    let bytes = body::read_limited(&parts.headers, body, config.max_body_bytes).await?;
    let profile = config.profile;
    let decoded = match profile.read_contract(call.method(), false, &parts.headers, &bytes) {
        Some(contract) => contract?,
        None => body::decode_with(&parts.headers, &bytes, &[], profile.relaxes_json())?,
    };
    profile.screen_body(&decoded)?;
    let key = key_value(call, &query, &decoded);
    let key = match fault {
        Some(f) => f.bend_key(key_missing(call, &query), key)?,
        None => key?,
    };
    if let Some(k) = key {
        profile.screen_key(k)?;
    }
    if call.description.response_body.shape == BodyShape::None {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if let Some(media) = stream_type(call, parts) {
        return Ok(stream(call, media));
    }
    let mut value = match key {
        Some(k)
            if !(1..FIRST_UNKNOWN_KEY).contains(&k) && fault != Some(Fault::CallAnyKeyFound) =>
        {
            Value::Null
        }
        Some(k) => with_key(call, k),
        None => call.answer.clone(),
    };
    if let Some(f) = fault {
        if let (true, Some(status)) = (value.is_null(), f.nothing_status()) {
            return Ok(status.into_response());
        }
        value = f.bend_answer(value);
    }
    if fault != Some(Fault::CallSelectIgnored) {
        if let Some(select) = query.select().as_deref().and_then(Select::parse) {
            select.apply(&mut value);
        }
    }
    Ok(config
        .profile
        .render_as(&call.xml_item, content_type, &value))
}

/// A byte stream's answer in a type of its own (`image/png`, `application/pdf`, ...): when
/// the page lists it beside the JSON and XML types and the Accept header names it.
fn stream_type<'a>(call: &'a AgentCall, parts: &Parts) -> Option<&'a str> {
    let rb = &call.description.response_body;
    if rb.shape != BodyShape::Primitive || rb.primitive.as_deref() != Some("byte") {
        return None;
    }
    let asked: Vec<String> = parts
        .headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(crate::vocab::essence)
        .collect();
    call.description
        .accept_types
        .iter()
        .filter(|t| crate::vocab::family_of(t).is_none() && !t.contains("json"))
        .find(|t| asked.iter().any(|a| a.eq_ignore_ascii_case(t)))
        .map(String::as_str)
}

/// The stream's bytes as they are (the base64 of the JSON answer, decoded).
fn stream(call: &AgentCall, media: &str) -> Response {
    use base64::Engine as _;
    let bytes = call
        .answer
        .as_str()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_default();
    let mut res = (StatusCode::OK, bytes).into_response();
    if let Ok(v) = HeaderValue::from_str(media) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res
}

/// The key the request names, if the call takes one: from the query string, or the body.
fn key_value(call: &AgentCall, query: &Query, decoded: &Decoded) -> Result<Option<i64>, ApiError> {
    let parse = |raw: &Value, source: Source, name: &str| -> Result<Option<i64>, ApiError> {
        request::int(raw, source, name).map(|v| v.map(i64::from))
    };
    match &call.key {
        None => Ok(None),
        Some(Key::Query { name, required }) => match query.first(name) {
            Some(raw) => parse(&Value::String(raw.to_string()), Source::Text, name),
            None if *required => Err(ApiError::bad_request(format!(
                "The parameters dictionary contains a null entry for parameter '{name}' of non-nullable type 'System.Int32'."
            ))),
            None => Ok(None),
        },
        Some(Key::Body { name }) => {
            let found = match &decoded.value {
                Some(Value::Object(map)) => map
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v),
                _ => None,
            };
            match found {
                Some(v) => parse(v, decoded.source, name),
                None => Ok(None),
            }
        }
    }
}

/// The call's required query key is left out of the request.
fn key_missing(call: &AgentCall, query: &Query) -> bool {
    matches!(&call.key, Some(Key::Query { name, required: true }) if query.first(name).is_none())
}

/// The answer for the record with key `key`: the key in its primary key property (each
/// item's, for a list).
fn with_key(call: &AgentCall, key: i64) -> Value {
    let mut value = call.answer.clone();
    if let Some(pk) = &call.primary_key {
        let set = |m: &mut Map<String, Value>| {
            if m.contains_key(pk) {
                m.insert(pk.clone(), Value::from(key));
            }
        };
        for_each_carrier(&mut value, set);
    }
    value
}

/// `f` on an answer's carrier, or on each carrier of a list answer.
pub(crate) fn for_each_carrier(v: &mut Value, f: impl FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            let mut f = f;
            f(m)
        }
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(f),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn description(json: Value) -> EndpointDescription {
        serde_json::from_value(json).expect("a description")
    }

    fn get_contact_entity() -> EndpointDescription {
        description(json!({
            "uid": "v1ContactAgent_GetContactEntity",
            "title": "POST Agents/Contact/GetContactEntity",
            "method": "POST",
            "path": "/api/v1/Agents/Contact/GetContactEntity",
            "summary": ["Gets a ContactEntity object."],
            "restriction": null,
            "query_parameters": [
                {"name": "contactEntityId", "type": "int32", "required": true, "description": "The primary key."},
                {"name": "$select", "type": "string", "required": false, "description": ""}
            ],
            "query_examples": [],
            "request_headers": [],
            "request_content_types": [],
            "accept_types": ["application/json"],
            "auth_schemes": [],
            "xsrf_header": null,
            "request_body": null,
            "responses": [],
            "response_body": {"shape": "object", "carrier": "ContactEntity", "properties": [
                {"name": "ContactId", "type": "int32", "description": "Primary key"},
                {"name": "Name", "type": "string", "description": "Contact name"}
            ]},
            "sample_request": null,
            "sample_response": null,
            "unresolved_types": [],
            "schemas": {"request": null, "response": "r.json", "response_select": "s.json"}
        }))
    }

    #[test]
    fn a_key_is_echoed_in_the_primary_key() {
        let schema = json!({"anyOf": [{"type": "object", "properties": {
            "ContactId": {"type": "integer"}, "Name": {"type": ["string", "null"]}}}, {"type": "null"}]});
        let call = AgentCall::new(get_contact_entity(), &schema);
        assert_eq!(
            call.key,
            Some(Key::Query {
                name: "contactEntityId".into(),
                required: true
            })
        );
        assert_eq!(call.primary_key.as_deref(), Some("ContactId"));
        assert_eq!(with_key(&call, 123)["ContactId"], json!(123));
        assert_eq!(call.xml_item, "ContactEntity");
        let query = Query::parse(Some("contactEntityId=glops"));
        assert!(key_value(&call, &query, &Decoded::empty()).is_err());
        let query = Query::parse(Some("ContactEntityId=9999"));
        assert_eq!(
            key_value(&call, &query, &Decoded::empty()).expect("a key"),
            Some(9999)
        );
        let missing = key_value(&call, &Query::parse(None), &Decoded::empty());
        assert!(missing.is_err(), "a required key left out");
    }
}

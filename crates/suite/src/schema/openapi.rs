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
use crate::vocab::{essence, header, xml_ns};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

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

/// The members every carrier inherits from `Carrier` (SuperOffice.WebApi.Data.Carrier.yml,
/// "Base class for carrier objects Implementing common carrier properties"): rights the
/// server computes. Requests leave them out (the older SaveUserGroup page's sample request
/// sends none), and the server ignores them.
const CARRIER_BASE_MEMBERS: &[&str] = &["TableRight", "FieldProperties"];

/// Applies `f` to the property map of the root and of every `$defs` entry.
fn each_property_map(schema: &mut Value, f: &dyn Fn(&mut Map<String, Value>)) {
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
fn xml_representable(props: &mut Map<String, Value>) {
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
const XML_CHARS: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]*$";

/// What every request variant says of its members: strings XML can carry, rights read-only.
fn request_members(props: &mut Map<String, Value>) {
    xml_representable(props);
    mark_rights_read_only(props);
}

fn mark_rights_read_only(props: &mut Map<String, Value>) {
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
fn request_json(request: &Value) -> Value {
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
fn promised_only(request: &mut Value) {
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
fn is_key(name: &str, description: Option<&str>) -> bool {
    name.ends_with("Id")
        || name.ends_with("Ids")
        || name.ends_with("ID")
        || description.is_some_and(|d| d.to_ascii_lowercase().contains("primary key"))
}

/// An integer schema that promises no negative value (0 stays).
fn key_minimum(schema: &mut Value) {
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
fn not_null(schema: &mut Value) {
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
fn request_merge_patch(request: &Value) -> Value {
    let mut r = request_json(request);
    each_property_map(&mut r, &|props| {
        for p in props.values_mut() {
            if !p.get("readOnly").is_some_and(|v| v == true) {
                *p = super::types::nullable(std::mem::take(p));
            }
        }
    });
    r
}

/// A boolean leaf of a text body (XML, form): `true`/`false` or xs:boolean's `1`/`0`.
fn text_boolean(schema: &mut Value) {
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
fn request_xml(request: &Value, method: &str) -> Value {
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
fn form_schema(request: &Value) -> Option<Value> {
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
fn ref_name(schema: &Value) -> Option<&str> {
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
fn form_leaf(schema: &Value) -> Option<Value> {
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

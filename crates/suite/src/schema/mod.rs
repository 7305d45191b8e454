//! Endpoint description and JSON Schemas derived from parsed pages (no I/O).
//!
//! [`derive`] takes the text of reference pages (`.md`) and carrier pages (`.yml`) and
//! produces, per endpoint uid, an [`EndpointDescription`] and three JSON Schemas (draft
//! 2020-12): the request body (when the page documents one), the response body, and the
//! response body under `$select` (every carrier property may also be null).
//!
//! Rules, in short (the README's "Derived schemas" section has the why):
//! - the reference page's table decides which properties a carrier has and, for primitive
//!   cells, their types (`Rank` is `int32` there, `Int16` on the carrier page: the page wins);
//! - blank, `object` and `array` cells, and carriers nested in carriers, are resolved from
//!   the carrier pages (`.yml`); a type whose page is not among the inputs becomes an open
//!   object-or-null schema and a [`Warning`], never an error and never a dropped property;
//! - in responses every documented carrier property is required; in requests none is.
//!   `additionalProperties` is left open everywhere.

mod builder;
pub mod describe;
mod merge;
pub mod openapi;
pub mod types;

use crate::description::{BodyShape, EndpointDescription, ResponseBody, SchemaFiles};
use crate::docs::page::{Page, PropertyRow};
use crate::docs::{parse_page, parse_type_page, DocError, TypePage};
use merge::*;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use types::{def_ref, nullable, primitive_schema, Builder, DocType, Mode, TypeIndex};

pub const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// One input file: its name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// Something the docs leave open, reported by `derive` without failing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeriveError {
    #[error(transparent)]
    Doc(#[from] DocError),
    #[error("{} share uid `{uid}` but do not derive the same endpoint:\n  {}", files.join(" and "), differences.join("\n  "))]
    Conflict {
        uid: String,
        files: Vec<String>,
        differences: Vec<String>,
    },
}

/// Everything derived for one endpoint uid.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedEndpoint {
    pub description: EndpointDescription,
    pub request_schema: Option<Value>,
    pub response_schema: Value,
    pub response_select_schema: Value,
    /// The input pages this endpoint was derived from (more than one for generations).
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Derivation {
    /// Sorted by uid.
    pub endpoints: Vec<DerivedEndpoint>,
    /// Sorted, without duplicates.
    pub warnings: Vec<Warning>,
}

/// Pretty JSON with a trailing newline: the on-disk form of every derived file.
pub fn render(value: &impl serde::Serialize) -> String {
    let mut s =
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

pub fn endpoint_file(uid: &str) -> String {
    format!("{uid}.endpoint.json")
}

impl Derivation {
    /// `(file name, content)` for every file `derive` writes, in a stable order.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for e in &self.endpoints {
            let d = &e.description;
            out.push((endpoint_file(&d.uid), render(d)));
            if let (Some(name), Some(s)) = (&d.schemas.request, &e.request_schema) {
                out.push((name.clone(), render(s)));
            }
            out.push((d.schemas.response.clone(), render(&e.response_schema)));
            out.push((
                d.schemas.response_select.clone(),
                render(&e.response_select_schema),
            ));
        }
        out
    }
}

/// Whether `name` is a reference page (`.md`) or a carrier page (`.yml`/`.yaml`).
fn kind_of(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".md") {
        Some(true)
    } else if lower.ends_with(".yml") || lower.ends_with(".yaml") {
        Some(false)
    } else {
        None
    }
}

/// Derives every endpoint from `sources`. Reference pages derive independently of each
/// other; carrier pages serve all of them. Two pages with the same uid (two generations of
/// one page) must derive the same endpoint; it is produced once.
/// [`derive`] of every page that can be read: a page that cannot (or pages whose uid
/// conflicts) is left out with its error, and the others are derived without it. One
/// unreadable page never stops the rest.
pub fn derive_each(sources: &[Source]) -> (Derivation, Vec<DeriveError>) {
    let mut errors = Vec::new();
    let mut left: Option<Vec<Source>> = None;
    loop {
        let attempt = derive(left.as_deref().unwrap_or(sources));
        let e = match attempt {
            Ok(d) => return (d, errors),
            Err(e) => e,
        };
        let bad: Vec<String> = match &e {
            DeriveError::Doc(d) => vec![d.file.clone()],
            DeriveError::Conflict { files, .. } => files.clone(),
        };
        let mut rest = left.take().unwrap_or_else(|| sources.to_vec());
        let before = rest.len();
        rest.retain(|s| !bad.contains(&s.name));
        errors.push(e);
        // An error that names no input would come back forever: stop there.
        if rest.len() == before {
            let none = Derivation {
                endpoints: vec![],
                warnings: vec![],
            };
            return (none, errors);
        }
        left = Some(rest);
    }
}

pub fn derive(sources: &[Source]) -> Result<Derivation, DeriveError> {
    let mut pages: Vec<(Page, &str)> = Vec::new();
    let mut type_pages: Vec<(TypePage, &str)> = Vec::new();
    for s in sources {
        match kind_of(&s.name) {
            Some(true) => pages.push((parse_page(&s.name, &s.text)?, &s.name)),
            Some(false) => type_pages.push((parse_type_page(&s.name, &s.text)?, &s.name)),
            None => {
                return Err(DocError::new(
                    &s.name,
                    1,
                    "a `.md` reference page or a `.yml` DocFX ManagedReference page",
                    "a file with another extension",
                )
                .into())
            }
        }
    }
    let refs: Vec<(&TypePage, &str)> = type_pages.iter().map(|(p, f)| (p, *f)).collect();
    let index = TypeIndex::new(&refs)?;

    let mut warnings = BTreeSet::new();
    let mut by_uid: BTreeMap<String, Vec<(DerivedEndpoint, Score)>> = BTreeMap::new();
    for (page, file) in &pages {
        let (endpoint, w) = derive_page(page, file, &index)?;
        warnings.extend(w);
        let score = Score::of(&endpoint, file);
        by_uid
            .entry(page.uid.clone())
            .or_default()
            .push((endpoint, score));
    }
    let mut endpoints = Vec::new();
    for (uid, mut group) in by_uid {
        // The most complete generation is the primary (ties: the first file name).
        group.sort_by(|a, b| a.1.cmp(&b.1));
        let mut it = group.into_iter();
        let Some((mut primary, _)) = it.next() else {
            continue;
        };
        for (other, _) in it {
            let differences = differences(&primary, &other);
            if !differences.is_empty() {
                return Err(DeriveError::Conflict {
                    uid,
                    files: primary
                        .sources
                        .iter()
                        .chain(&other.sources)
                        .cloned()
                        .collect(),
                    differences,
                });
            }
            fill_blanks(&mut primary, &other);
            primary.sources.extend(other.sources);
        }
        endpoints.push(primary);
    }
    Ok(Derivation {
        endpoints,
        warnings: warnings.into_iter().collect(),
    })
}

/// How the response section reads: shape, carrier, primitive type.
fn response_shape(
    page: &Page,
    file: &str,
) -> Result<(BodyShape, Option<String>, Option<String>), DocError> {
    #[derive(Debug)]
    enum Named {
        Nothing,
        Array,
        Object,
        Prim(String),
        Carrier(String),
    }
    let classify = |s: &Option<String>, line: usize| -> Result<Named, DocError> {
        let Some(s) = s else {
            return Ok(Named::Nothing);
        };
        match DocType::parse(s) {
            Some(DocType::Array(None)) => Ok(Named::Array),
            Some(DocType::Object) => Ok(Named::Object),
            Some(DocType::Carrier(c)) => Ok(Named::Carrier(c)),
            Some(t) if t.is_primitive() => Ok(Named::Prim(s.clone())),
            _ => Err(DocError::new(
                file,
                line,
                "`array`, `object`, a primitive type or a carrier name",
                format!("`{s}`"),
            )),
        }
    };
    let r = &page.response;
    let heading = classify(&r.heading_type, r.line)?;
    let body = classify(&r.body_type, r.body_line)?;
    let conflict = || {
        DocError::new(
            file,
            r.body_line.max(r.line),
            format!(
                "a response body type that agrees with `## Response:{}`",
                r.heading_type.clone().unwrap_or_default()
            ),
            format!(
                "`Response body: {}`",
                r.body_type.clone().unwrap_or_default()
            ),
        )
    };
    let (shape, carrier, primitive) = match (heading, body) {
        (Named::Nothing | Named::Object, Named::Nothing | Named::Object) => {
            (BodyShape::Object, None, None)
        }
        (Named::Nothing | Named::Object, Named::Carrier(c))
        | (Named::Carrier(c), Named::Nothing | Named::Object) => (BodyShape::Object, Some(c), None),
        (Named::Carrier(a), Named::Carrier(b)) if a == b => (BodyShape::Object, Some(a), None),
        (Named::Nothing | Named::Array, Named::Array)
        | (Named::Array, Named::Nothing | Named::Object) => (BodyShape::Array, None, None),
        (Named::Array, Named::Carrier(c)) => (BodyShape::Array, Some(c), None),
        (Named::Array, Named::Prim(p)) => (BodyShape::Array, None, Some(p)),
        (Named::Nothing, Named::Prim(p)) | (Named::Prim(p), Named::Nothing) => {
            (BodyShape::Primitive, None, Some(p))
        }
        (Named::Prim(a), Named::Prim(b)) if a.eq_ignore_ascii_case(&b) => {
            (BodyShape::Primitive, None, Some(a))
        }
        _ => return Err(conflict()),
    };
    if shape == BodyShape::Primitive && !r.properties.is_empty() {
        return Err(DocError::new(
            file,
            r.body_line,
            "no property table under a primitive response body",
            "a table",
        ));
    }
    if r.statuses.iter().all(|s| s.status == 204) {
        return Ok((BodyShape::None, carrier, primitive));
    }
    Ok((shape, carrier, primitive))
}

fn schema_doc(
    uid: &str,
    part: &str,
    title: String,
    description: String,
    root: Value,
    defs: BTreeMap<String, Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("$schema".into(), json!(SCHEMA_DIALECT));
    m.insert(
        "$id".into(),
        json!(format!("urn:soconform:schema:{uid}.{part}")),
    );
    m.insert("title".into(), json!(title));
    m.insert("description".into(), json!(description));
    if let Value::Object(root) = root {
        m.extend(root);
    }
    if !defs.is_empty() {
        m.insert("$defs".into(), Value::Object(defs.into_iter().collect()));
    }
    Value::Object(m)
}

fn object_root(
    b: &mut Builder,
    carrier: &Option<String>,
    rows: &[PropertyRow],
    line: usize,
    what: &str,
) -> Result<Value, DocError> {
    if let Some(c) = carrier {
        b.ensure_def(c, line)?;
        return Ok(def_ref(c));
    }
    if rows.is_empty() {
        let file = b.file;
        b.warnings.push(Warning {
            file: file.to_string(),
            line,
            message: format!("the {what} names no carrier and has no property table; its schema accepts any JSON"),
        });
        return Ok(json!({}));
    }
    let (props, required) = b.object_members(None, Some(rows), line)?;
    let mut m = Map::new();
    m.insert("type".into(), json!("object"));
    m.insert("properties".into(), Value::Object(props));
    if b.mode == Mode::Response {
        m.insert("required".into(), json!(required));
    }
    Ok(Value::Object(m))
}

/// Makes every property of every carrier object (defs and an inline root) nullable: the
/// `$select` variant.
fn select_variant(schema: &Value) -> Value {
    fn nullify_props(obj: &mut Value) {
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            for v in props.values_mut() {
                *v = nullable(std::mem::take(v));
            }
        }
    }
    fn nullify_root(root: &mut Value) {
        nullify_props(root);
        if let Some(items) = root.get_mut("items") {
            nullify_props(items);
        }
    }
    let mut s = schema.clone();
    nullify_root(&mut s);
    // A root that admits the NULL result: `{"anyOf": [<root>, {"type": "null"}]}`.
    if let Some(Value::Array(alts)) = s.get_mut("anyOf") {
        alts.iter_mut().for_each(nullify_root);
    }
    if let Some(Value::Object(defs)) = s.get_mut("$defs") {
        for (name, d) in defs.iter_mut() {
            if name != AGENT_ERROR {
                nullify_props(d);
            }
        }
    }
    s
}

/// The `$defs` name of the agents' internal error object.
pub const AGENT_ERROR: &str = "AgentError";

/// The internal error object of agents-webapi.md § Errors ("200 OK with an internal error
/// object", `{"Message": "The request is invalid.", "MessageDetail": "..."}`): the members
/// of ASP.NET Web API 2's HttpError, the product's own (`Error`, `ErrorType`,
/// `ErrorMessage`, `ErrorSource`), and nothing else, so that no carrier is taken for one.
pub fn agent_error_def() -> Value {
    let text = json!({"type": ["string", "null"]});
    json!({
        "title": AGENT_ERROR,
        "description": "The internal error object the agents page shows under \"200 OK with an internal error object\" (\"Happens when the request succeeds but the data is invalid\"): a message, and only error members (ASP.NET Web API 2's HttpError, the product's Error/ErrorType/ErrorMessage/ErrorSource).",
        "type": "object",
        "properties": {
            "Message": {"type": "string"},
            "MessageDetail": text,
            "ExceptionMessage": text,
            "ExceptionType": text,
            "StackTrace": text,
            "InnerException": {},
            "ModelState": {},
            "Error": {"type": ["boolean", "null"]},
            "ErrorType": text,
            "ErrorMessage": {"type": "string"},
            "ErrorSource": text,
        },
        "anyOf": [{"required": ["Message"]}, {"required": ["ErrorMessage"]}],
        "additionalProperties": false,
    })
}

/// A request body with no property table whose text is "The primary key(s)." (the
/// GetUserGroupList page's `userGroupIds`): the key, or an array of keys, typed as the
/// response's row described `Primary key`.
fn primary_keys_body(intro: &[String], response_rows: &[PropertyRow]) -> Option<Value> {
    let text = intro.join(" ");
    let text = text
        .trim()
        .trim_end_matches('.')
        .trim()
        .to_ascii_lowercase();
    let many = match text.as_str() {
        "the primary keys" => true,
        "the primary key" => false,
        _ => return None,
    };
    let key = response_rows
        .iter()
        .find(|r| r.description.trim().eq_ignore_ascii_case("primary key"))?;
    let t = DocType::parse(key.type_cell.as_deref()?)?;
    if !t.is_primitive() {
        return None;
    }
    let one = primitive_schema(&t);
    Some(if many {
        json!({"type": "array", "items": one})
    } else {
        one
    })
}

/// Whether a route is an agent's (`/api/v1/Agents/...`), whose answers may be NULL.
pub(crate) fn is_agent_path(path: &str) -> bool {
    path.split('/')
        .any(|segment| segment.eq_ignore_ascii_case("Agents"))
}

fn safe_uid(uid: &str) -> bool {
    !uid.is_empty()
        && !uid.starts_with('.')
        && uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Derives one reference page against the carrier pages in `types`.
pub fn derive_page(
    page: &Page,
    file: &str,
    types: &TypeIndex,
) -> Result<(DerivedEndpoint, Vec<Warning>), DocError> {
    if !safe_uid(&page.uid) {
        return Err(DocError::new(
            file,
            1,
            "a front-matter uid usable as a file name (letters, digits, `_`, `-`, `.`)",
            format!("`{}`", page.uid),
        ));
    }
    let uid = page.uid.as_str();
    for q in &page.query_parameters {
        if !DocType::parse(&q.type_name).is_some_and(|t| t.is_primitive()) {
            return Err(DocError::new(
                file,
                q.line,
                format!(
                    "a primitive type for query parameter `{}` (`string`, `int32`, `bool`, ...)",
                    q.name
                ),
                format!("`{}`", q.type_name),
            ));
        }
    }
    let (shape, named_carrier, primitive) = response_shape(page, file)?;
    let rows = &page.response.properties;
    let carrier = named_carrier.or_else(|| {
        if matches!(shape, BodyShape::Primitive) || primitive.is_some() {
            return None;
        }
        // `## Response: object` pages describe the carrier: "Carrier object for X."
        if let Some(c) = page
            .response
            .description
            .iter()
            .find_map(|d| types::carrier_named_in(d))
        {
            return Some(c);
        }
        if rows.is_empty() {
            return None;
        }
        let names: BTreeSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        types.infer_carrier(&names)
    });
    let documented = carrier
        .clone()
        .filter(|_| !rows.is_empty())
        .map(|c| (c, rows.as_slice()));
    let rline = page.response.body_line.max(page.response.line);

    // Response.
    let mut rb = Builder::new(types, file, Mode::Response, documented.clone());
    let root = match shape {
        BodyShape::Object => object_root(&mut rb, &carrier, rows, rline, "response body")?,
        BodyShape::Array => {
            let items = match &primitive {
                Some(p) => DocType::parse(p)
                    .map(|t| primitive_schema(&t))
                    .unwrap_or(json!({})),
                None => object_root(&mut rb, &carrier, rows, rline, "response body")?,
            };
            json!({"type": "array", "items": items})
        }
        BodyShape::Primitive => primitive
            .as_deref()
            .and_then(DocType::parse)
            .map(|t| primitive_schema(&t))
            .unwrap_or(json!({})),
        BodyShape::None => {
            if carrier.is_none() && rows.is_empty() {
                json!({"type": "null"})
            } else {
                nullable(object_root(
                    &mut rb,
                    &carrier,
                    rows,
                    rline,
                    "response body",
                )?)
            }
        }
    };
    // "The agents do not return HTTP errors - a failed call will return NULL instead" and
    // "HTTP 200 OK - with a NULL result" (agents-webapi.md): an agent's answer may be null.
    let agent = is_agent_path(&page.path);
    // The agents page also shows "200 OK with an internal error object". Spelled as an
    // `anyOf` even where a type list would do: the three answers side by side (and
    // Schemathesis 4.32's link inference reads only this).
    let root = match (agent, &shape) {
        (true, BodyShape::None) => root,
        (true, _) => {
            rb.defs.insert(AGENT_ERROR.to_string(), agent_error_def());
            json!({"anyOf": [root, {"type": "null"}, def_ref(AGENT_ERROR)]})
        }
        (false, _) => root,
    };
    let null_words = if agent && !matches!(shape, BodyShape::None) {
        ", the NULL result or the internal error object (agents-webapi.md: \"a failed call will return NULL instead\"; \"HTTP 200 OK - with a NULL result: Happens when the request succeeds but there is nothing to return\"; \"You may also get a 200 OK with an internal error object\")"
    } else {
        ""
    };
    let body_words = match (&shape, &carrier, &primitive) {
        (BodyShape::Array, Some(c), _) => format!("an array of {c}"),
        (BodyShape::Array, None, Some(p)) => format!("an array of {p}"),
        (BodyShape::Array, None, None) => "an array".to_string(),
        (BodyShape::Object, Some(c), _) => c.clone(),
        (BodyShape::Object, None, _) => "an object".to_string(),
        (BodyShape::Primitive, _, p) => p.clone().unwrap_or_default(),
        (BodyShape::None, Some(c), _) => format!("no content (the page names {c}; null accepted)"),
        (BodyShape::None, None, _) => "no content".to_string(),
    };
    let response_schema = schema_doc(
        uid,
        "response",
        format!("{}: response body", page.title),
        format!(
            "Derived by `soconform derive` from the reference page {uid}, section \"Response\": {body_words}{null_words}. Every documented carrier property is required. Do not edit; run `cargo run -- derive`."
        ),
        root,
        std::mem::take(&mut rb.defs),
    );
    let mut select = select_variant(&response_schema);
    if let Some(m) = select.as_object_mut() {
        m.insert(
            "$id".into(),
            json!(format!("urn:soconform:schema:{uid}.response-select")),
        );
        m.insert(
            "title".into(),
            json!(format!("{}: response body with $select", page.title)),
        );
        m.insert(
            "description".into(),
            json!(format!(
                "Derived by `soconform derive` from the reference page {uid}, sections \"Response\" and \"Query String Parameters\" ($select: \"Other fields are then nulled out\"): the response schema with every carrier property also allowed to be null. Do not edit; run `cargo run -- derive`."
            )),
        );
    }
    let mut warnings = std::mem::take(&mut rb.warnings);
    let mut unresolved = std::mem::take(&mut rb.unresolved);

    // Request.
    let request_schema = match &page.request_body {
        None => None,
        Some(body) => {
            let mut qb = Builder::new(types, file, Mode::Request, documented);
            let keys = primary_keys_body(&body.intro, rows);
            let root = if let Some(keys) = &keys {
                keys.clone()
            } else if body.properties.is_empty() {
                qb.warnings.push(Warning {
                    file: file.to_string(),
                    line: body.line,
                    message: format!(
                        "request body `{}` has no property table; its schema accepts any JSON",
                        body.name
                    ),
                });
                json!({})
            } else {
                let (props, _) = qb.object_members(None, Some(&body.properties), body.line)?;
                json!({"type": "object", "properties": props})
            };
            warnings.append(&mut qb.warnings);
            unresolved.append(&mut qb.unresolved);
            Some(schema_doc(
                uid,
                "request",
                format!("{}: request body", page.title),
                if keys.is_some() {
                    format!(
                        "Derived by `soconform derive` from the reference page {uid}, section \"Request Body: {}\" (\"{}\"): the keys, typed as the response's `Primary key` row. Do not edit; run `cargo run -- derive`.",
                        body.name,
                        body.intro.join(" ")
                    )
                } else if body.properties.is_empty() {
                    format!(
                        "Derived by `soconform derive` from the reference page {uid}, section \"Request Body: {}\" (\"{}\"), which has no property table: any JSON is accepted. Do not edit; run `cargo run -- derive`.",
                        body.name,
                        body.intro.join(" ")
                    )
                } else {
                    format!(
                        "Derived by `soconform derive` from the reference page {uid}, section \"Request Body: {}\". Carrier properties are optional in requests. Do not edit; run `cargo run -- derive`.",
                        body.name
                    )
                },
                root,
                std::mem::take(&mut qb.defs),
            ))
        }
    };

    let description = EndpointDescription {
        uid: uid.to_string(),
        title: page.title.clone(),
        method: page.method.clone(),
        path: page.path.clone(),
        summary: page.summary.clone(),
        restriction: page.restriction.clone(),
        experimental: page.experimental.clone(),
        query_parameters: describe::query_parameters(page),
        query_examples: page.query_examples.clone(),
        request_headers: describe::request_headers(page),
        request_content_types: describe::request_content_types(page),
        accept_types: describe::accept_types(page),
        auth_schemes: describe::auth_schemes(page),
        xsrf_header: describe::xsrf_header(page),
        request_body: describe::request_body(page),
        responses: describe::responses(page),
        response_body: ResponseBody {
            shape,
            carrier,
            properties: describe::property_docs(rows),
            primitive,
        },
        sample_request: describe::sample(&page.sample_request),
        sample_response: describe::sample(&page.sample_response),
        unresolved_types: unresolved.into_iter().collect(),
        schemas: SchemaFiles {
            request: request_schema
                .as_ref()
                .map(|_| format!("{uid}.request.schema.json")),
            response: format!("{uid}.response.schema.json"),
            response_select: format!("{uid}.response-select.schema.json"),
        },
    };
    Ok((
        DerivedEndpoint {
            description,
            request_schema,
            response_schema,
            response_select_schema: select,
            sources: vec![file.to_string()],
        },
        warnings,
    ))
}

#[cfg(test)]
mod tests;

//! The endpoint description: what `derive` extracts from a documentation page and writes
//! as `schemas/<uid>.endpoint.json`. The suite reads it instead of keeping constants in
//! code, so when the docs change the suite follows.

use serde::{Deserialize, Serialize};

/// One documented endpoint, as derived from its reference page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointDescription {
    /// Front-matter `uid` (or `id` in older generations), e.g. `v1UserAgent_SaveUserGroup`.
    pub uid: String,
    /// Front-matter `title`, e.g. `POST Agents/User/SaveUserGroup`.
    pub title: String,
    /// HTTP method from the route block, e.g. `POST`.
    pub method: String,
    /// Route path from the route block, e.g. `/api/v1/Agents/User/SaveUserGroup`.
    pub path: String,
    /// Summary paragraphs, verbatim.
    pub summary: Vec<String>,
    /// The "Online Restricted" banner text, when the page has one.
    pub restriction: Option<String>,
    /// The "Experimental" banner text, when the page has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<String>,
    pub query_parameters: Vec<QueryParameter>,
    /// Example request lines shown under the query-string table.
    pub query_examples: Vec<String>,
    /// Every row of the request-header table.
    pub request_headers: Vec<HeaderDoc>,
    /// The Content-Type list of the request-header table (empty when the page has none).
    pub request_content_types: Vec<String>,
    /// The Accept list of the request-header table.
    pub accept_types: Vec<String>,
    /// Authorization schemes named in the Authorization row, e.g. `["Basic", "SoTicket", "Bearer"]`.
    pub auth_schemes: Vec<String>,
    /// The header that authenticates without `Authorization`, e.g. `X-XSRF-TOKEN`.
    pub xsrf_header: Option<String>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<ResponseStatus>,
    pub response_body: ResponseBody,
    pub sample_request: Option<HttpSample>,
    pub sample_response: Option<HttpSample>,
    /// Carrier types referenced by the page whose own page was not among the inputs.
    pub unresolved_types: Vec<String>,
    /// Schema files written next to this description (file names relative to it).
    pub schemas: SchemaFiles,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryParameter {
    pub name: String,
    /// The doc's type name, e.g. `int32`, `string`.
    #[serde(rename = "type")]
    pub type_name: String,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderDoc {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// The body's name from `## Request Body: <name>`, e.g. `request` or `userGroupIds`.
    pub name: String,
    /// Property rows of the request-body table, in page order.
    pub properties: Vec<PropertyDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyDoc {
    pub name: String,
    /// The doc's type cell; `None` when the cell is blank and the type was inferred.
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseStatus {
    pub status: u16,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    /// `object`, `array`, `primitive` (e.g. `## Response:bool`), or `none` (e.g. a 204 response).
    pub shape: BodyShape,
    /// The carrier named by `### Response body: <Carrier>` (or inferred from the properties).
    pub carrier: Option<String>,
    pub properties: Vec<PropertyDoc>,
    /// The doc's type name of a primitive body (shape `primitive`) or of the items of an
    /// array of primitives (shape `array`), e.g. `bool`. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primitive: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyShape {
    Object,
    Array,
    /// A single JSON value of a primitive type (`## Response:bool`).
    Primitive,
    None,
}

/// A sample block (```http! request or ```http_ response), split into its parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSample {
    /// `POST /api/...` for a request, `HTTP/1.1 200 OK` for a response.
    pub start_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFiles {
    /// JSON Schema of the request body, if the page documents one.
    pub request: Option<String>,
    /// JSON Schema of the response body.
    pub response: String,
    /// The `$select` variant: every carrier property may also be null.
    pub response_select: String,
}

/// Whether a page's type cell names an integer (`int32`, `Integer`, ...): the types a key
/// has.
pub fn is_integer_type(doc_type: &str) -> bool {
    matches!(
        doc_type.to_ascii_lowercase().as_str(),
        "int32" | "int64" | "int16" | "integer" | "int"
    )
}

impl EndpointDescription {
    /// The query parameter documented as `$select`, if any.
    pub fn select_parameter(&self) -> Option<&QueryParameter> {
        self.query_parameters
            .iter()
            .find(|q| q.name.eq_ignore_ascii_case("$select"))
    }

    /// The sample request's header value, case-insensitively.
    pub fn sample_request_header(&self, name: &str) -> Option<&str> {
        self.sample_request
            .as_ref()?
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

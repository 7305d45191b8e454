//! The case format: serde types with `deny_unknown_fields`, so a typo in a case file is an
//! error with its line and column rather than a silently ignored key. The JSON Schema of
//! this format (`cases/case.schema.json`) is generated from these types.

use crate::vocab::{Level, MediaFamily};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use soconform_core::citation::SpecRef;
use std::collections::BTreeMap;

/// One `cases/<concern>.toml` file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// The concern every case in this file checks (`auth`, `content_types`, ...): the
    /// second segment of every trial name, and the row of the summary table.
    pub concern: String,
    /// The endpoint (description uid in `schemas/`) the cases exercise; may be left out
    /// when every case expands over endpoints (`axes.endpoint`).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The cases, in file order.
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

impl CaseFile {
    /// The one endpoint `case` exercises: its own `request.endpoint`, else the file's;
    /// `None` for a case that expands over endpoints (`axes.endpoint`).
    pub fn endpoint_of<'a>(&'a self, case: &'a Case) -> Option<&'a str> {
        if case.axes.endpoint.is_some() {
            return None;
        }
        case.request
            .endpoint
            .as_deref()
            .or(self.endpoint.as_deref())
    }
}

/// One requirement of the docs, checked over the axes it declares.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable id `<concern>.<slug>`; never derived from the title. Trial names are built
    /// from it, so renaming it renames the trials.
    pub id: String,
    /// One line saying what is checked.
    pub title: String,
    /// How strongly the docs back this requirement; it caps the level of every check the
    /// case runs.
    pub level: Level,
    /// The documentation sentence this case enforces.
    pub spec: SpecRef,
    /// Extra sentences the case also relies on.
    #[serde(default)]
    pub also: Vec<SpecRef>,
    /// State the case needs before its request.
    #[serde(default)]
    pub setup: Setup,
    pub request: RequestSpec,
    #[serde(default)]
    pub axes: Axes,
    pub expect: Expect,
}

impl Case {
    /// The case compares the answer with the state of its setup group before the call
    /// (a deleted group gone, a rank not below it): that group must be one just created,
    /// never one an earlier trial left, whose state the server may have changed unseen.
    pub fn needs_fresh_group(&self) -> bool {
        self.expect.listing == Some(Listing::Gone) || !self.expect.not_below_setup.is_empty()
    }

    /// The case proves that carrier property `property` was stored (a read-back of it, or
    /// a listing): its group must not already hold the value sent.
    pub fn proves_property(&self, property: &str) -> bool {
        self.expect
            .read_back
            .iter()
            .any(|p| p.eq_ignore_ascii_case(property))
            || self.expect.listing.is_some()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Setup {
    /// Nothing before the request.
    #[default]
    None,
    /// Create a group first (JSON, first configured scheme); its Id is `{id}` in the body.
    Create,
    /// Create two groups first (`create_two`): `{id}` and `{id2}` (e.g. one to delete, one to move its
    /// members to).
    CreateTwo,
    /// Create a group first and mark it Deleted (`create_deleted`): `{id}` names a group
    /// that exists but is marked Deleted.
    CreateDeleted,
}

/// What the trial sends. Strings in `body` and `body_raw` may use placeholders: `{name}`
/// (a unique, recognisable group name), `{run}` (the run id), `{long:N}` (N characters of
/// filler, for length limits); in `body` the whole string `"{id}"` becomes the integer Id
/// of the group made by `setup = "create"`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Endpoint uid when not the file's (e.g. `v1UserAgent_GetUserGroup`).
    pub endpoint: Option<String>,
    /// HTTP method; default POST (every agent call is a POST).
    pub method: Option<String>,
    /// The request object, written as TOML; encoded per Content-Type.
    pub body: Option<serde_json::Value>,
    /// The request object as JSON text, for what TOML cannot say (`null`).
    pub body_json: Option<String>,
    /// Bytes sent exactly as written (after placeholders), whatever the Content-Type
    /// (malformed input).
    pub body_raw: Option<String>,
    /// The request the endpoint's own page documents (`request.documented = true`): its
    /// sample request's body (else a body built from its request schema) and every
    /// required query parameter (the page's query example's value, else one of its
    /// type). On an endpoint of safety class `write`, every key in it is 0.
    #[serde(default)]
    pub documented: bool,
    /// With `documented`: what the endpoint's integer key (a required query parameter)
    /// holds instead of the documented value.
    pub key: Option<KeyVariant>,
    /// The body comes from the seeded generator (`src/generate/`): the case expands over
    /// the run's seeds (`--generated N`, `--seed S`), one trial per seed and axis value.
    pub generate: Option<Generate>,
    /// Query-string parameters, in addition to the `$select` axis.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// The key a generic trial sends, after the agents page's own examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KeyVariant {
    /// A key no tenant uses (int32's largest value): the agents page's `9999`, "the
    /// request succeeds but there is nothing to return".
    NamesNothing,
    /// Not a number: the agents page's `glops`, "the request is malformed".
    Malformed,
    /// Left out: "a required parameter is missing".
    Missing,
}

/// Which generated bodies a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Generate {
    /// Bodies of the documented types and ranges, named so the suite recognises them.
    Valid,
    /// Bodies no reasonable binder accepts: a property of the wrong JSON type, an
    /// integer outside int32, a carrier that is not an object.
    Invalid,
}

/// The axes a case expands over. Each list holds media types / schemes, `"all"` (every
/// value the endpoint description lists), or `{ id, value }` for a value that needs a
/// readable name in the trial name.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Axes {
    /// Request Content-Types; `[]` sends no body.
    #[serde(default = "default_media")]
    pub content_type: Vec<AxisValue>,
    /// Accept header values.
    #[serde(default = "default_media")]
    pub accept: Vec<AxisValue>,
    /// Auth modes: `basic`, `soticket` (every documented spelling), `soticket:<Spelling>`,
    /// `bearer`, `xsrf`, `any` (the first configured scheme), `all` (every scheme and
    /// spelling), and the refusals `none`, `wrong-basic`, `wrong-ticket`, `wrong-bearer`,
    /// `wrong-xsrf`, `unknown-scheme`, `cookie-without-xsrf`, `xsrf-without-cookie`.
    #[serde(default = "default_auth")]
    pub auth: Vec<AxisValue>,
    /// `$select` variants; each expands into its own trials. In a case that expands over
    /// endpoints, `{property}` is the first documented scalar property of the answer's
    /// carrier (an endpoint without one gets no trial of the case).
    #[serde(default)]
    pub select: Vec<SelectVariant>,
    /// The endpoints the case expands over: `"all"`, or a table of filters every one of
    /// which an endpoint must meet. Absent: the file's (or `request.endpoint`) alone.
    pub endpoint: Option<EndpointAxis>,
}

/// `axes.endpoint`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EndpointAxis {
    /// `"all"`: every endpoint described in `schemas/`, but the ones other case files
    /// name (they have cases of their own).
    All(String),
    Filter(EndpointFilter),
}

/// Filters on the endpoint axis; an endpoint must meet each one given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointFilter {
    /// The page documents a request body (`true`) or none (`false`).
    pub body: Option<bool>,
    /// The page has a required integer query parameter (the record's key).
    pub required_key: Option<bool>,
    /// The answer's shape is one of these (`object`, `array`, `primitive`, `none`).
    #[serde(default)]
    pub answer: Vec<String>,
    /// The page documents `$select` and its answer is a carrier or an array of carriers.
    pub select: Option<bool>,
    /// The endpoint's safety class (`cases/safety.toml`).
    pub safety: Option<SafetyClass>,
    /// Also the endpoints other case files name (default: left out, they have cases of
    /// their own).
    #[serde(default)]
    pub with_own_cases: bool,
}

impl Default for Axes {
    fn default() -> Self {
        Axes {
            content_type: default_media(),
            accept: default_media(),
            auth: default_auth(),
            select: vec![],
            endpoint: None,
        }
    }
}

fn default_media() -> Vec<AxisValue> {
    vec![AxisValue::Plain("application/json".into())]
}

fn default_auth() -> Vec<AxisValue> {
    vec![AxisValue::Plain("any".into())]
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum AxisValue {
    /// A media type, scheme name or `all`.
    Plain(String),
    /// A value with an explicit name token for the trial name.
    Named { id: String, value: String },
}

/// One `$select` value and the token naming it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectVariant {
    pub id: String,
    pub value: String,
}

/// What a conforming server does. Several reasonable answers may be listed where the
/// docs are silent.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Accepted statuses: codes (`200`) or classes (`"4xx"`).
    pub status: Vec<StatusPattern>,
    /// What a 2xx body must be.
    #[serde(default)]
    pub body: BodyExpect,
    /// Response family when it is not the one the Accept header asks for.
    pub media: Option<MediaFamily>,
    /// Carrier properties whose sent value the response must carry back.
    #[serde(default)]
    pub echo: Vec<String>,
    /// What the response Id must be.
    pub id: Option<IdExpect>,
    /// Carrier properties that GetUserGroup must return as sent.
    #[serde(default)]
    pub read_back: Vec<String>,
    /// How GetAllUserGroups must list the saved group.
    pub listing: Option<Listing>,
    /// Numeric carrier properties whose answered value is at least the one the group made
    /// by `setup` holds: that group exists when the call is made (CreateUserGroup: "Rank
    /// is assigned to the highest rank").
    #[serde(default)]
    pub not_below_setup: Vec<String>,
    /// The answer (to a GET) is not the call's result: not a value of the endpoint's
    /// documented answer ("The method is not invoked using GET").
    #[serde(default)]
    pub not_invoked: bool,
    /// After the exchange, the server must still answer a valid request.
    #[serde(default)]
    pub healthy_after: bool,
    /// The answer the docs prefer is a 4xx refusal, at this level (capped by the case's):
    /// `status` then lists everything acceptable at the case's own level (e.g. `must`:
    /// `["2xx", "4xx"]`, never a 5xx; `refused = "should"`: a 4xx).
    pub refused: Option<Level>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusPattern {
    Code(u16),
    /// `"2xx"`, `"4xx"` ...
    Class(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BodyExpect {
    /// The endpoint's answer, validated against the derived schema, and neither the NULL
    /// result nor the internal error object: the call succeeds and has something to return
    /// (check `has_result`).
    #[default]
    Carrier,
    /// The endpoint's answer, validated against the derived schema, which admits the NULL
    /// result and the internal error object: here the call may have nothing to return. An
    /// empty body or a 204 counts as nothing returned.
    MayBeNull,
    /// Anything (the body is reported, not checked).
    Any,
    /// Nothing to return: the NULL result (an empty body or a 204 counts as it).
    Null,
    /// The agents' internal error object ("a required parameter is missing"), on a 2xx.
    AgentError,
    /// A failed call's answer, on a 2xx: the NULL result ("a failed call will return NULL
    /// instead"; an empty body or a 204 counts as it) or the internal error object.
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum IdExpect {
    /// A new, non-zero Id.
    Assigned,
    /// The Id of the group made by `setup`.
    Same,
    /// An array answer holds the group made by `setup` (by its Id).
    Contained,
    /// An array answer holds the group made by `setup` and no group other than the ones
    /// `setup` made (the case's keys name only those: `{id}`, `{id2}`).
    Only,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Listing {
    /// Listed by GetAllUserGroups both with and without IncludeDeleted.
    Active,
    /// Listed only with IncludeDeleted=true.
    Deleted,
    /// Gone: not listed without IncludeDeleted, and with it absent or marked Deleted (a
    /// group deleted by the delete call: removed, or marked, as the pages allow); the
    /// case's second group (`{id2}`, the one members move to) still listed as active.
    Gone,
}

/// `cases/checks.toml`: the checks every trial runs on a response it expects to succeed,
/// each with its level and citation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecksFile {
    #[serde(rename = "check")]
    pub checks: Vec<CheckDoc>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckDoc {
    /// One of the built-in check ids (see `checks::Intrinsic`).
    pub id: String,
    pub title: String,
    pub level: Level,
    pub spec: SpecRef,
    /// Further sentences the check enforces (e.g. every row of the table the schema is
    /// derived from), for traceability.
    #[serde(default)]
    pub also: Vec<SpecRef>,
}

/// `cases/matrix.toml`: what `all` means where the endpoint description cannot say.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatrixFile {
    pub auth: AuthMatrix,
    pub groups: GroupCalls,
}

/// `[groups]`: the calls the engine makes on its own behalf (a case's setup group, the
/// read-back, listings, cleanup and the final sweep), by endpoint uid, and the carrier
/// properties it reads. Parameter and wrapper names come from these endpoints'
/// descriptions; nothing about them is written into the engine.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupCalls {
    /// Creates and updates a group (the setup, marking Deleted).
    pub save: String,
    /// Reads one group by its key (the read-back, the health probe).
    pub read: String,
    /// Lists every group, deleted ones included on request (lookups, the sweep).
    pub list: String,
    /// The string properties that may carry the unique group name the suite sent.
    pub name_properties: Vec<String>,
    /// The carrier's primary key.
    pub id_property: String,
    /// Every other request property that names a group by its key (the Id guard refuses
    /// a body in which any of them names a group this run did not create), e.g.
    /// DeleteUserGroup's `UserGroupToDelete` and `UserGroupToMoveTo`.
    #[serde(default)]
    pub key_properties: Vec<String>,
    /// The call that deletes a group, and its property naming the group deleted: after
    /// it succeeds, that group is no longer the run's to mark Deleted.
    pub delete: Option<String>,
    pub delete_property: Option<String>,
    /// The carrier's "marked deleted" flag.
    pub deleted_property: String,
    /// The carrier a setup creates, as a JSON object (JSON keeps the order it is sent
    /// in; `{name}` is the unique group name). Its properties, with their JSON types,
    /// are also what the engine keeps of a group to mark it Deleted.
    pub setup_json: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthMatrix {
    /// Every spelling of the SoTicket scheme name the docs use, each with its citation.
    pub soticket_spellings: Vec<Spelling>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spelling {
    pub spelling: String,
    pub spec: SpecRef,
}

impl StatusPattern {
    pub fn matches(&self, status: u16) -> bool {
        match self {
            StatusPattern::Code(c) => *c == status,
            StatusPattern::Class(c) => {
                let b = c.as_bytes();
                b.len() == 3
                    && b[1..].eq_ignore_ascii_case(b"xx")
                    && (b[0] as char).to_digit(10) == Some(u32::from(status / 100))
            }
        }
    }

    /// Whether the pattern admits a 2xx status.
    pub fn admits_success(&self) -> bool {
        (200..300).any(|s| self.matches(s))
    }
}

impl std::fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusPattern::Code(c) => write!(f, "{c}"),
            StatusPattern::Class(c) => f.write_str(c),
        }
    }
}

/// `cases/safety.toml`: the safety class of each endpoint, one reviewed row each. An
/// endpoint without a row is [`SafetyClass::Write`] (deny by default).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyFile {
    #[serde(default, rename = "endpoint")]
    pub endpoints: Vec<SafetyRow>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyRow {
    pub uid: String,
    pub class: SafetyClass,
    /// Why, from the page (its summary quoted or named).
    pub reason: String,
}

/// Whether a call may be made on a live target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SafetyClass {
    /// Reads only: may be called on a live target.
    Read,
    /// May change data: no request on a live target unless the run opts in.
    Write,
}

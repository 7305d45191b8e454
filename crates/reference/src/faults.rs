//! Deliberate faults: each [`Fault`] breaks exactly one documented behaviour of the
//! reference server, so that `soconform selftest` can show the suite notices. A fault
//! names the documentation sentence it violates and that sentence's level (must/should);
//! faults never touch behaviour the docs leave open (error body formats, 400 vs 422,
//! `null` vs `0` for a nulled-out value type, ...).
//!
//! The correct code paths do not know the faults: [`super::handlers`] calls one hook per
//! pipeline stage when `Config::fault` is set, and every hook hands a value through
//! unchanged unless it is the hook of the fault in force:
//!
//! - method: [`Fault::refuse_method`] (GET describes);
//! - (a) auth: [`Fault::bend_auth`];
//! - response type: [`Fault::bend_response_type`] (Accept);
//! - (b) request: [`Fault::screen_request`], [`Fault::bend_request_headers`],
//!   [`Fault::bend_request`];
//! - (c) store: [`Fault::execute`];
//! - (d) response value: [`Fault::bend_carrier`], [`Fault::bend_select`];
//! - (e) render: [`Fault::render`].

use super::auth::{self, Authenticated, Refusal};
use super::carrier::{UserGroup, UserGroupInput, PROPERTIES};
use super::error::ApiError;
use super::handlers::{self, AgentRequest, Operation, Outcome};
use super::negotiate::{REQUEST_TYPES, RESPONSE_TYPES};
use super::request::SaveRequest;
use super::store::Store;
use super::xml;
use crate::credentials::Credentials;
use crate::vocab::{essence, header as h, Level};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};
use soconform_core::citation::SpecRef;
use std::sync::atomic::{AtomicI32, Ordering};

/// One deliberately broken behaviour. See [`Fault::ALL`] and [`Fault::info`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    // --- authentication
    AuthBasicRefused,
    AuthSoTicketRefused,
    AuthBearerRefused,
    AuthSoTicketSpelling,
    AuthSessionRefused,
    AuthXsrfNotRequired,
    AuthXsrfUnchecked,
    AuthBasicUnchecked,
    AuthAnonymousAccepted,
    AuthRefused403,
    AuthAppTokenRefused,
    // --- request Content-Type
    /// Request bodies in this documented type (one of [`REQUEST_TYPES`]) are refused.
    ContentTypeRefused(&'static str),
    ContentTypeCharsetRefused,
    ContentTypeUnlistedAccepted,
    // --- Accept and response Content-Type
    AcceptIgnored,
    AcceptPatchTypes406,
    AcceptQIgnored,
    AcceptAbsent406,
    XmlLabelledJson,
    JsonLabelledTextPlain,
    // --- XML
    XmlRootRenamed,
    XmlNamesCamelCase,
    XmlNilAsText,
    XmlDoubleEscaped,
    // --- $select
    SelectIgnored,
    SelectNullsEverything,
    SelectCaseSensitive,
    SelectPathRefused,
    // --- property types
    IdAsString,
    DeletedAsNumber,
    RankMissing,
    FieldPropertiesArray,
    TableRightString,
    // --- status codes
    SaveAnswers201,
    DocSample500,
    MalformedAnswered200,
    GetNotDescribed,
    // --- values, ids and persistence
    ValueNotSaved,
    TooltipNotSaved,
    DeletedNotSaved,
    NonAsciiMangled,
    IdNotAssigned,
    UpdateCreatesNew,
    SaveNotPersisted,
    DeletedListed,
    // --- other request headers
    AcceptLanguageRefused,
    SoTimeZoneIdRefused,
}

/// What a fault is, for the self-test table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultInfo {
    /// Stable identifier (`snake_case`), used by `--fault` and in the table.
    pub id: &'static str,
    /// The level of the documentation sentence the fault breaks.
    pub level: Level,
    /// One line: what the faulty server does.
    pub description: &'static str,
    /// The sentence broken.
    pub spec: SpecRef,
}

const SAVE_PAGE: &str = "v1UserAgent_SaveUserGroup.current.md";
const CONTENT_TYPES_QUOTE: &str = "Content-type of the request body: `application/json`, `text/json`, `application/xml`, `text/xml`, `application/x-www-form-urlencoded`, `application/json-patch+json`, `application/merge-patch+json`";
const SELECT_QUOTE: &str = "Optional comma separated list of properties to include in the result. Other fields are then nulled out to reduce payload size";
const ACCEPT_QUOTE: &str =
    "The API supports both JSON and XML responses. Use the `Accept` header to specify which you would like to receive.";
const RESULT_QUOTE: &str =
    "The result of the service call is returned as JSON or XML, depending on the Accept header.";
const SAVE_QUOTE: &str = "Save a user group.";
const DELETED_QUOTE: &str =
    "Set UserGroup.Deleted to mark a user group as deleted and invisible in the user interface.";
const ID_QUOTE: &str = "| Id | int32 | Primary key |";
const MISSING_401_QUOTE: &str = "will return HTTP error 401 Unauthorized.";

/// Ids handed out by [`Fault::SaveNotPersisted`] for groups it never stores: far from
/// the store's own (which start at 1), so they name nothing.
static UNSTORED_IDS: AtomicI32 = AtomicI32::new(1_000_000_000);

fn spec(page: &str, section: &str, quote: &str) -> SpecRef {
    SpecRef {
        page: page.into(),
        section: section.into(),
        quote: quote.into(),
    }
}

/// `application/json` -> `json`, ... (the suite's own axis ids for the seven types).
fn content_type_slug(ct: &str) -> &'static str {
    match ct {
        "application/json" => "json",
        "text/json" => "text_json",
        "application/xml" => "xml",
        "text/xml" => "text_xml",
        "application/x-www-form-urlencoded" => "form",
        "application/json-patch+json" => "json_patch",
        "application/merge-patch+json" => "merge_patch",
        _ => "other",
    }
}

impl Fault {
    /// Every fault, in the order of the self-test table.
    pub const ALL: [Fault; 53] = [
        Fault::AuthBasicRefused,
        Fault::AuthSoTicketRefused,
        Fault::AuthBearerRefused,
        Fault::AuthSoTicketSpelling,
        Fault::AuthSessionRefused,
        Fault::AuthXsrfNotRequired,
        Fault::AuthXsrfUnchecked,
        Fault::AuthBasicUnchecked,
        Fault::AuthAnonymousAccepted,
        Fault::AuthRefused403,
        Fault::AuthAppTokenRefused,
        Fault::ContentTypeRefused(REQUEST_TYPES[0]),
        Fault::ContentTypeRefused(REQUEST_TYPES[1]),
        Fault::ContentTypeRefused(REQUEST_TYPES[2]),
        Fault::ContentTypeRefused(REQUEST_TYPES[3]),
        Fault::ContentTypeRefused(REQUEST_TYPES[4]),
        Fault::ContentTypeRefused(REQUEST_TYPES[5]),
        Fault::ContentTypeRefused(REQUEST_TYPES[6]),
        Fault::ContentTypeCharsetRefused,
        Fault::ContentTypeUnlistedAccepted,
        Fault::AcceptIgnored,
        Fault::AcceptPatchTypes406,
        Fault::AcceptQIgnored,
        Fault::AcceptAbsent406,
        Fault::XmlLabelledJson,
        Fault::JsonLabelledTextPlain,
        Fault::XmlRootRenamed,
        Fault::XmlNamesCamelCase,
        Fault::XmlNilAsText,
        Fault::XmlDoubleEscaped,
        Fault::SelectIgnored,
        Fault::SelectNullsEverything,
        Fault::SelectCaseSensitive,
        Fault::SelectPathRefused,
        Fault::IdAsString,
        Fault::DeletedAsNumber,
        Fault::RankMissing,
        Fault::FieldPropertiesArray,
        Fault::TableRightString,
        Fault::SaveAnswers201,
        Fault::DocSample500,
        Fault::MalformedAnswered200,
        Fault::GetNotDescribed,
        Fault::ValueNotSaved,
        Fault::TooltipNotSaved,
        Fault::DeletedNotSaved,
        Fault::NonAsciiMangled,
        Fault::IdNotAssigned,
        Fault::UpdateCreatesNew,
        Fault::SaveNotPersisted,
        Fault::DeletedListed,
        Fault::AcceptLanguageRefused,
        Fault::SoTimeZoneIdRefused,
    ];

    /// The fault with this id.
    pub fn from_id(id: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.id() == id)
    }

    pub fn id(self) -> &'static str {
        self.info().id
    }

    pub fn level(self) -> Level {
        self.info().level
    }

    /// Id, level, one-line description and the documentation sentence broken.
    pub fn info(self) -> FaultInfo {
        use Level::{Must, Should};
        let (id, level, description, spec) = match self {
            Fault::AuthBasicRefused => (
                "auth_basic_refused",
                Must,
                "valid Basic credentials are refused with 401",
                spec("web-services-index.md", "RESTful headers", "BASIC authentication: Base64 Encode SuperOffice username:password"),
            ),
            Fault::AuthSoTicketRefused => (
                "auth_soticket_refused",
                Must,
                "a valid SoTicket is refused with 401",
                spec("web-services-index.md", "RESTful headers", "SOTICKET authentication. Pass the SuperOffice ticket (7T:abc123==) without any encoding."),
            ),
            Fault::AuthBearerRefused => (
                "auth_bearer_refused",
                Must,
                "a valid Bearer token is refused with 401",
                spec("web-services-index.md", "RESTful headers", "BEARER authentication. Pass along an access token (7A:abc123==) from SuperID."),
            ),
            Fault::AuthSoTicketSpelling => (
                "auth_soticket_spelling",
                Must,
                "only the scheme spelling `SoTicket` is accepted; `SOTICKET` and `SOTicket` are refused",
                spec("rest-webapi.md", "Calling (non-interactive request)", "authorization: SOTICKET 7T:"),
            ),
            Fault::AuthSessionRefused => (
                "auth_session_refused",
                Must,
                "a valid X-XSRF-TOKEN with its session cookie (no Authorization) is refused with 401",
                spec(SAVE_PAGE, "Request Headers", "If not using Authorization header, you must provide XSRF value from cookie or hidden input field"),
            ),
            Fault::AuthXsrfNotRequired => (
                "auth_xsrf_not_required",
                Must,
                "the session cookie alone, without an X-XSRF-TOKEN header, is accepted",
                spec("use-x-xsrf-token.md", "Cross site request forgery token", "the API requires that a special HTTP header is added to these requests."),
            ),
            Fault::AuthXsrfUnchecked => (
                "auth_xsrf_unchecked",
                Must,
                "any X-XSRF-TOKEN value is accepted with the session cookie",
                spec("use-x-xsrf-token.md", "Cross site request forgery token", "You must add an X-XSRF-TOKEN header with the random value from the input field."),
            ),
            Fault::AuthBasicUnchecked => (
                "auth_basic_unchecked",
                Must,
                "Basic with a wrong user name or password is accepted",
                spec("web-services-index.md", "Authentication and Authorization", "Every request needs a form of credential to verify ones identity."),
            ),
            Fault::AuthAnonymousAccepted => (
                "auth_anonymous_accepted",
                Must,
                "a request with no credentials at all (no Authorization, X-XSRF-TOKEN or cookie) is accepted",
                spec("use-x-xsrf-token.md", "Cross site request forgery token", MISSING_401_QUOTE),
            ),
            Fault::AuthRefused403 => (
                "auth_refused_403",
                Should,
                "wrong credentials are answered 403 Forbidden instead of 401",
                spec("use-x-xsrf-token.md", "Cross site request forgery token", MISSING_401_QUOTE),
            ),
            Fault::AuthAppTokenRefused => (
                "auth_app_token_refused",
                Must,
                "a request carrying the documented SO-AppToken header is refused with 401",
                spec(SAVE_PAGE, "Request Headers", "The application token that identifies the partner app. Used when calling Online WebAPI from a server."),
            ),
            Fault::ContentTypeRefused(ct) => (
                match content_type_slug(ct) {
                    "json" => "content_type_refused_json",
                    "text_json" => "content_type_refused_text_json",
                    "xml" => "content_type_refused_xml",
                    "text_xml" => "content_type_refused_text_xml",
                    "form" => "content_type_refused_form",
                    "json_patch" => "content_type_refused_json_patch",
                    "merge_patch" => "content_type_refused_merge_patch",
                    _ => "content_type_refused_other",
                },
                Must,
                match content_type_slug(ct) {
                    "json" => "request bodies in `application/json` are refused with 415",
                    "text_json" => "request bodies in `text/json` are refused with 415",
                    "xml" => "request bodies in `application/xml` are refused with 415",
                    "text_xml" => "request bodies in `text/xml` are refused with 415",
                    "form" => "request bodies in `application/x-www-form-urlencoded` are refused with 415",
                    "json_patch" => "request bodies in `application/json-patch+json` are refused with 415",
                    "merge_patch" => "request bodies in `application/merge-patch+json` are refused with 415",
                    _ => "request bodies in an unknown type are refused with 415",
                },
                spec(SAVE_PAGE, "Request Headers", CONTENT_TYPES_QUOTE),
            ),
            Fault::ContentTypeCharsetRefused => (
                "content_type_charset_refused",
                Must,
                "a Content-Type with `; charset=utf-8`, as the sample request sends it, is refused with 415",
                spec(SAVE_PAGE, "Sample request", "Content-Type: application/json; charset=utf-8"),
            ),
            Fault::ContentTypeUnlistedAccepted => (
                "content_type_unlisted_accepted",
                Should,
                "a body in a Content-Type the page does not list (text/plain, ...) is read as JSON and saved",
                spec(SAVE_PAGE, "Request Headers", "Content-type of the request body:"),
            ),
            Fault::AcceptIgnored => (
                "accept_ignored",
                Must,
                "the Accept header is ignored: every response is JSON",
                spec("http-headers.md", "Content types", ACCEPT_QUOTE),
            ),
            Fault::AcceptPatchTypes406 => (
                "accept_patch_types_406",
                Must,
                "Accept `application/json-patch+json` or `application/merge-patch+json` is answered 406",
                spec(SAVE_PAGE, "Request Headers", "Content-type(s) you would like the response in: `application/json`, `text/json`, `application/xml`, `text/xml`, `application/json-patch+json`, `application/merge-patch+json`"),
            ),
            Fault::AcceptQIgnored => (
                "accept_q_ignored",
                Should,
                "q-values in Accept are ignored: the first listed type wins",
                spec("http-headers.md", "Content types", ACCEPT_QUOTE),
            ),
            Fault::AcceptAbsent406 => (
                "accept_absent_406",
                Should,
                "a request without an Accept header is answered 406",
                spec("agents-webapi.md", "GET vs. POST", RESULT_QUOTE),
            ),
            Fault::XmlLabelledJson => (
                "xml_labelled_json",
                Must,
                "XML response bodies are labelled `Content-Type: application/json`",
                spec("agents-webapi.md", "GET vs. POST", RESULT_QUOTE),
            ),
            Fault::JsonLabelledTextPlain => (
                "json_labelled_text_plain",
                Must,
                "JSON response bodies are labelled `Content-Type: text/plain`",
                spec("agents-webapi.md", "GET vs. POST", RESULT_QUOTE),
            ),
            Fault::XmlRootRenamed => (
                "xml_root_renamed",
                Should,
                "XML responses are rooted at `<SaveUserGroupResult>` instead of the carrier name",
                spec("http-headers.md", "XML", "Returns an XML representation of the contact:"),
            ),
            Fault::XmlNamesCamelCase => (
                "xml_names_camel_case",
                Must,
                "XML element names are camelCase (`<value>`, `<id>`) instead of the property names",
                spec("http-headers.md", "XML", "<ContactEntity> <ContactId>123</ContactId> <Name>Elan Hoppski</Name>"),
            ),
            Fault::XmlNilAsText => (
                "xml_nil_as_text",
                Must,
                "XML writes a null as the text `null` (a nulled-out field reads as the string \"null\")",
                spec(SAVE_PAGE, "Query String Parameters", SELECT_QUOTE),
            ),
            Fault::XmlDoubleEscaped => (
                "xml_double_escaped",
                Must,
                "XML responses escape `&`, `<`, `>` twice, so such names come back as `&amp;`",
                spec(SAVE_PAGE, "POST Agents/User/SaveUserGroup", SAVE_QUOTE),
            ),
            Fault::SelectIgnored => (
                "select_ignored",
                Must,
                "`$select` is ignored: every property is returned",
                spec(SAVE_PAGE, "Query String Parameters", SELECT_QUOTE),
            ),
            Fault::SelectNullsEverything => (
                "select_nulls_everything",
                Must,
                "`$select` nulls out the selected properties too",
                spec(SAVE_PAGE, "Query String Parameters", "Optional comma separated list of properties to include in the result."),
            ),
            Fault::SelectCaseSensitive => (
                "select_case_sensitive",
                Should,
                "`$select` names match only in the carrier's exact case (`value` selects nothing)",
                spec(SAVE_PAGE, "Query String Parameters", "Other fields are then nulled out to reduce payload size: \"Name,department,category\"."),
            ),
            Fault::SelectPathRefused => (
                "select_path_refused",
                Should,
                "a `$select` with an `a/b` path, like the page's own example, is refused with 400",
                spec(SAVE_PAGE, "Query String Parameters", "POST /api/v1/Agents/User/SaveUserGroup?$select=name,department,category/id"),
            ),
            Fault::IdAsString => (
                "id_as_string",
                Must,
                "`Id` is answered as a JSON string (`\"Id\": \"5\"`)",
                spec(SAVE_PAGE, "Response body: UserGroup", ID_QUOTE),
            ),
            Fault::DeletedAsNumber => (
                "deleted_as_number",
                Must,
                "`Deleted` is answered as a number, 0 or 1",
                spec(SAVE_PAGE, "Response body: UserGroup", "| Deleted | bool |"),
            ),
            Fault::RankMissing => (
                "rank_missing",
                Must,
                "`Rank` is left out of the response",
                spec(SAVE_PAGE, "Response body: UserGroup", "| Rank | int32 | Rank order |"),
            ),
            Fault::FieldPropertiesArray => (
                "field_properties_array",
                Must,
                "`FieldProperties` is answered as an array of entries instead of an object",
                spec(SAVE_PAGE, "Response body: UserGroup", "| FieldProperties | object | Field property dictionary mapping field names to field access rights. |"),
            ),
            Fault::TableRightString => (
                "table_right_string",
                Must,
                "`TableRight` is answered as the string `\"FULL\"` instead of a TableRight carrier",
                spec(SAVE_PAGE, "Response body: UserGroup", "| TableRight | TableRight | The carrier's table right |"),
            ),
            Fault::SaveAnswers201 => (
                "save_answers_201",
                Must,
                "a successful save is answered 201 Created",
                spec(SAVE_PAGE, "Response:", "| 200 | OK |"),
            ),
            Fault::DocSample500 => (
                "doc_sample_500",
                Must,
                "the documented sample request `{\"UserGroup\": null}` is answered 500",
                spec("agents-webapi.md", "Agents WebAPI", "The agents do not return HTTP errors - a failed call will return NULL instead."),
            ),
            Fault::MalformedAnswered200 => (
                "malformed_answered_200",
                Should,
                "a malformed body (broken syntax, `\"Id\": \"glops\"`) is answered 200 with null",
                spec("agents-webapi.md", "Errors", "Happens when the request is malformed."),
            ),
            Fault::GetNotDescribed => (
                "get_not_described",
                Should,
                "GET on the agent URL is answered 405 instead of describing the call",
                spec("agents-webapi.md", "GET vs. POST", "GET this to get a description of the call."),
            ),
            Fault::ValueNotSaved => (
                "value_not_saved",
                Must,
                "`Value` is ignored on save (a new group gets no name)",
                spec(SAVE_PAGE, "POST Agents/User/SaveUserGroup", SAVE_QUOTE),
            ),
            Fault::TooltipNotSaved => (
                "tooltip_not_saved",
                Must,
                "`Tooltip` is ignored on save",
                spec(SAVE_PAGE, "POST Agents/User/SaveUserGroup", SAVE_QUOTE),
            ),
            Fault::DeletedNotSaved => (
                "deleted_not_saved",
                Must,
                "`Deleted` is ignored on save (stays false)",
                spec(SAVE_PAGE, "POST Agents/User/SaveUserGroup", DELETED_QUOTE),
            ),
            Fault::NonAsciiMangled => (
                "non_ascii_mangled",
                Must,
                "non-ASCII characters in `Value` and `Tooltip` are saved as `?`",
                spec(SAVE_PAGE, "POST Agents/User/SaveUserGroup", SAVE_QUOTE),
            ),
            Fault::IdNotAssigned => (
                "id_not_assigned",
                Must,
                "a created group is answered with `Id` 0 (no primary key assigned)",
                spec(SAVE_PAGE, "Response body: UserGroup", ID_QUOTE),
            ),
            Fault::UpdateCreatesNew => (
                "update_creates_new",
                Must,
                "saving an existing `Id` creates a new group instead of updating that one",
                spec(SAVE_PAGE, "POST Agents/User/SaveUserGroup", DELETED_QUOTE),
            ),
            Fault::SaveNotPersisted => (
                "save_not_persisted",
                Must,
                "saves are answered as if stored, but nothing is stored",
                spec(SAVE_PAGE, "POST Agents/User/SaveUserGroup", SAVE_QUOTE),
            ),
            Fault::DeletedListed => (
                "deleted_listed",
                Should,
                "GetAllUserGroups lists deleted groups even with IncludeDeleted = false",
                spec(SAVE_PAGE, "Response body: UserGroup", "Deleted equal to true means that this is a user group that no longer can be selected by the user."),
            ),
            Fault::AcceptLanguageRefused => (
                "accept_language_refused",
                Must,
                "a request with Accept-Language, as the sample sends it, is refused with 400",
                spec(SAVE_PAGE, "Request Headers", "Convert string references and multi-language values into a specified language (iso2) code."),
            ),
            Fault::SoTimeZoneIdRefused => (
                "so_timezone_id_refused",
                Must,
                "SO-TimeZone with a numeric time-zone id is refused with 400",
                spec("http-headers.md", "SO-TIMEZONE", "It can be either an ID or a time-zone name."),
            ),
        };
        FaultInfo {
            id,
            level,
            description,
            spec,
        }
    }

    /// The concern (case file) whose cases are about the broken behaviour. The self-test
    /// under `cargo test` runs only these trials against the fault, to stay fast in a debug
    /// build; `soconform selftest` runs the whole suite against every fault.
    pub fn concern(self) -> &'static str {
        match self {
            Fault::AuthAppTokenRefused
            | Fault::AcceptLanguageRefused
            | Fault::SoTimeZoneIdRefused => "headers",
            Fault::AuthBasicRefused
            | Fault::AuthSoTicketRefused
            | Fault::AuthBearerRefused
            | Fault::AuthSoTicketSpelling
            | Fault::AuthSessionRefused
            | Fault::AuthXsrfNotRequired
            | Fault::AuthXsrfUnchecked
            | Fault::AuthBasicUnchecked
            | Fault::AuthAnonymousAccepted
            | Fault::AuthRefused403 => "auth",
            Fault::ContentTypeRefused(_)
            | Fault::ContentTypeCharsetRefused
            | Fault::ContentTypeUnlistedAccepted
            | Fault::AcceptPatchTypes406
            | Fault::XmlRootRenamed
            | Fault::XmlNamesCamelCase
            | Fault::AcceptIgnored
            | Fault::XmlLabelledJson
            | Fault::JsonLabelledTextPlain => "content_types",
            Fault::AcceptQIgnored | Fault::AcceptAbsent406 => "accept",
            Fault::XmlNilAsText
            | Fault::SelectIgnored
            | Fault::SelectNullsEverything
            | Fault::SelectCaseSensitive
            | Fault::SelectPathRefused => "select",
            Fault::XmlDoubleEscaped
            | Fault::IdAsString
            | Fault::DeletedAsNumber
            | Fault::RankMissing
            | Fault::FieldPropertiesArray
            | Fault::TableRightString
            | Fault::SaveAnswers201
            | Fault::DocSample500
            | Fault::MalformedAnswered200
            | Fault::ValueNotSaved
            | Fault::TooltipNotSaved
            | Fault::NonAsciiMangled
            | Fault::IdNotAssigned => "body",
            Fault::GetNotDescribed
            | Fault::DeletedNotSaved
            | Fault::UpdateCreatesNew
            | Fault::SaveNotPersisted
            | Fault::DeletedListed => "persistence",
        }
    }

    /// Which endpoints the fault bends. Authentication is shared by every endpoint; the
    /// listing fault is GetAllUserGroups'; every other fault bends SaveUserGroup only, so
    /// the suite's read-backs through GetUserGroup still see the truth.
    pub fn applies_to(self, op: Operation) -> bool {
        match self {
            Fault::AuthBasicRefused
            | Fault::AuthSoTicketRefused
            | Fault::AuthBearerRefused
            | Fault::AuthSoTicketSpelling
            | Fault::AuthSessionRefused
            | Fault::AuthXsrfNotRequired
            | Fault::AuthXsrfUnchecked
            | Fault::AuthBasicUnchecked
            | Fault::AuthAnonymousAccepted
            | Fault::AuthRefused403
            | Fault::AuthAppTokenRefused => true,
            Fault::DeletedListed => op == Operation::GetAllUserGroups,
            _ => op == Operation::SaveUserGroup,
        }
    }

    /// Before dispatching on the method: GET no longer describes the call.
    pub fn refuse_method(self, method: &Method) -> Option<ApiError> {
        (self == Fault::GetNotDescribed && (method == Method::GET || method == Method::HEAD)).then(
            || {
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!("The requested resource does not support http method '{method}'."),
                    "fault get_not_described",
                )
                .with_header(header::ALLOW, "POST")
            },
        )
    }

    /// Stage (a): the auth decision as the correct code made it, bent.
    pub fn bend_auth(
        self,
        headers: &HeaderMap,
        creds: &Credentials,
        decided: Result<Authenticated, ApiError>,
    ) -> Result<Authenticated, ApiError> {
        let refuse = |r: Refusal| Err(r.into_error(creds));
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let scheme = authorization.map(|a| a.trim().split([' ', '\t']).next().unwrap_or(""));
        let has_xsrf = headers.contains_key(h::XSRF_TOKEN);
        let has_cookie = headers.contains_key(header::COOKIE);
        // Authorize again with the configured X-XSRF-TOKEN in place of (or in addition to)
        // the one sent: the session then stands or falls on the cookie alone.
        let with_configured_token = || {
            let mut bent = headers.clone();
            let token = creds
                .xsrf_token
                .as_ref()
                .and_then(|t| HeaderValue::from_str(t.expose()).ok());
            match token {
                Some(t) => {
                    bent.insert(h::XSRF_TOKEN, t);
                    auth::authorize(&bent, creds).map_err(|r| r.into_error(creds))
                }
                None => decided.clone(),
            }
        };
        match (self, &decided) {
            (Fault::AuthBasicRefused, Ok(Authenticated::Basic)) => {
                refuse(Refusal::WrongCredentials("Basic"))
            }
            (Fault::AuthSoTicketRefused, Ok(Authenticated::SoTicket)) => {
                refuse(Refusal::WrongCredentials("SoTicket"))
            }
            (Fault::AuthBearerRefused, Ok(Authenticated::Bearer)) => {
                refuse(Refusal::WrongCredentials("Bearer"))
            }
            (Fault::AuthSoTicketSpelling, Ok(Authenticated::SoTicket))
                if scheme != Some("SoTicket") =>
            {
                refuse(Refusal::UnknownScheme(scheme.unwrap_or("").to_string()))
            }
            (Fault::AuthSessionRefused, Ok(Authenticated::Session)) => {
                refuse(Refusal::WrongXsrfToken)
            }
            (Fault::AuthXsrfNotRequired, Err(_)) if authorization.is_none() && !has_xsrf => {
                with_configured_token()
            }
            (Fault::AuthXsrfUnchecked, Err(_)) if authorization.is_none() && has_xsrf => {
                with_configured_token()
            }
            (Fault::AuthBasicUnchecked, Err(_))
                if scheme.is_some_and(|s| s.eq_ignore_ascii_case("basic")) =>
            {
                Ok(Authenticated::Basic)
            }
            (Fault::AuthAnonymousAccepted, Err(_))
                if authorization.is_none() && !has_xsrf && !has_cookie =>
            {
                Ok(Authenticated::Session)
            }
            (Fault::AuthRefused403, Err(e))
                if e.status == StatusCode::UNAUTHORIZED
                    && (authorization.is_some() || has_xsrf || has_cookie) =>
            {
                let mut e = e.clone();
                e.status = StatusCode::FORBIDDEN;
                Err(e)
            }
            (Fault::AuthAppTokenRefused, Ok(_)) if headers.contains_key(h::SO_APP_TOKEN) => {
                Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "Authorization has been denied for this request.",
                    "fault auth_app_token_refused: SO-AppToken is not accepted.",
                ))
            }
            _ => decided,
        }
    }

    /// The response type after negotiation (which the correct code made), bent; an error
    /// refuses the request (406).
    pub fn bend_response_type(
        self,
        headers: &HeaderMap,
        chosen: &'static str,
    ) -> Result<&'static str, ApiError> {
        let not_acceptable = || {
            ApiError::new(
                StatusCode::NOT_ACCEPTABLE,
                "The requested media type is not available.",
                format!("fault {}", self.id()),
            )
        };
        let accept: Vec<&str> = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        match self {
            Fault::AcceptIgnored => Ok("application/json"),
            Fault::AcceptPatchTypes406 if chosen.contains("patch") => Err(not_acceptable()),
            Fault::AcceptAbsent406 if accept.is_empty() => Err(not_acceptable()),
            Fault::AcceptQIgnored => {
                // The first listed documented type, whatever its quality value.
                let first = accept
                    .iter()
                    .flat_map(|v| v.split(','))
                    .map(essence)
                    .find_map(|t| RESPONSE_TYPES.into_iter().find(|r| *r == t));
                Ok(first.unwrap_or(chosen))
            }
            _ => Ok(chosen),
        }
    }

    /// Stage (b), before the body is read: refuse requests the correct server accepts.
    pub fn screen_request(self, headers: &HeaderMap, select: Option<&str>) -> Result<(), ApiError> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let unsupported = |what: String| {
            Err(ApiError::unsupported_media_type(format!(
                "fault {}: {what}",
                self.id()
            )))
        };
        let bad = |what: &str| {
            Err(ApiError::bad_request(format!(
                "fault {}: {what}",
                self.id()
            )))
        };
        match self {
            Fault::ContentTypeRefused(ct) if content_type.is_some_and(|v| essence(v) == ct) => {
                unsupported(format!("Content-Type {ct} is not read"))
            }
            Fault::ContentTypeCharsetRefused
                if content_type.is_some_and(|v| v.to_ascii_lowercase().contains("charset")) =>
            {
                unsupported("a charset parameter is not accepted".into())
            }
            Fault::AcceptLanguageRefused if headers.contains_key(header::ACCEPT_LANGUAGE) => {
                bad("Accept-Language is not accepted")
            }
            Fault::SoTimeZoneIdRefused
                if headers
                    .get(h::SO_TIME_ZONE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.trim().starts_with(|c: char| c.is_ascii_digit())) =>
            {
                bad("SO-TimeZone must be a time-zone name")
            }
            Fault::SelectPathRefused if select.is_some_and(|s| s.contains('/')) => {
                bad("$select paths are not supported")
            }
            _ => Ok(()),
        }
    }

    /// Stage (b): the headers the body is decoded with (`None`: unchanged).
    pub fn bend_request_headers(self, headers: &HeaderMap) -> Option<HeaderMap> {
        if self != Fault::ContentTypeUnlistedAccepted {
            return None;
        }
        let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        if REQUEST_TYPES.contains(&essence(ct).as_str()) {
            return None;
        }
        let mut bent = headers.clone();
        bent.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Some(bent)
    }

    /// Stage (b): the typed request (or the refusal) as the correct code made it, bent.
    pub fn bend_request(
        self,
        decoded: Result<AgentRequest, ApiError>,
    ) -> Result<AgentRequest, ApiError> {
        match (self, decoded) {
            (Fault::MalformedAnswered200, Err(e)) if e.status == StatusCode::BAD_REQUEST => {
                Ok(AgentRequest::Save(SaveRequest { user_group: None }))
            }
            (Fault::DocSample500, Ok(AgentRequest::Save(SaveRequest { user_group: None }))) => {
                Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "An error has occurred.",
                    "fault doc_sample_500: Object reference not set to an instance of an object.",
                ))
            }
            (Fault::DeletedListed, Ok(AgentRequest::GetAll { .. })) => Ok(AgentRequest::GetAll {
                include_deleted: true,
            }),
            (
                fault,
                Ok(AgentRequest::Save(SaveRequest {
                    user_group: Some(input),
                })),
            ) => Ok(AgentRequest::Save(SaveRequest {
                user_group: Some(fault.bend_input(input)),
            })),
            (_, other) => other,
        }
    }

    fn bend_input(self, mut input: UserGroupInput) -> UserGroupInput {
        let mangle = |s: &mut Option<Option<String>>| {
            if let Some(Some(text)) = s {
                *text = text
                    .chars()
                    .map(|c| if c.is_ascii() { c } else { '?' })
                    .collect();
            }
        };
        match self {
            Fault::ValueNotSaved => input.value = None,
            Fault::TooltipNotSaved => input.tooltip = None,
            Fault::DeletedNotSaved => input.deleted = None,
            Fault::NonAsciiMangled => {
                mangle(&mut input.value);
                mangle(&mut input.tooltip);
            }
            Fault::UpdateCreatesNew => input.id = Some(0),
            _ => {}
        }
        input
    }

    /// Stage (c): the store call.
    pub fn execute(self, store: &Store, request: AgentRequest) -> Result<Outcome, ApiError> {
        match (self, request) {
            (
                Fault::SaveNotPersisted,
                AgentRequest::Save(SaveRequest {
                    user_group: Some(input),
                }),
            ) => {
                // The save happens on a scratch copy (the group itself when it exists, so
                // the answer looks right) that is then thrown away.
                let existing: Vec<UserGroup> = input
                    .id
                    .filter(|id| *id != 0)
                    .and_then(|id| store.get(id))
                    .into_iter()
                    .collect();
                let scratch = Store::new(existing.clone());
                let request = AgentRequest::Save(SaveRequest {
                    user_group: Some(input),
                });
                let mut outcome = handlers::execute(&scratch, request)?;
                if let (Outcome::One(g), true) = (&mut outcome, existing.is_empty()) {
                    g.id = UNSTORED_IDS.fetch_add(1, Ordering::Relaxed);
                }
                Ok(outcome)
            }
            (Fault::IdNotAssigned, AgentRequest::Save(req)) => {
                let creates = req
                    .user_group
                    .as_ref()
                    .is_some_and(|g| g.id.unwrap_or(0) == 0);
                let mut outcome = handlers::execute(store, AgentRequest::Save(req))?;
                if let (Outcome::One(g), true) = (&mut outcome, creates) {
                    g.id = 0;
                }
                Ok(outcome)
            }
            (_, request) => handlers::execute(store, request),
        }
    }

    /// Stage (d): one carrier of the response value, before `$select`.
    pub fn bend_carrier(self, carrier: &mut Map<String, Value>) {
        match self {
            Fault::IdAsString => {
                if let Some(id) = carrier.get_mut("Id") {
                    *id = Value::String(id.to_string());
                }
            }
            Fault::DeletedAsNumber => {
                if let Some(d) = carrier.get_mut("Deleted") {
                    *d = Value::from(u8::from(d.as_bool().unwrap_or(false)));
                }
            }
            Fault::RankMissing => {
                carrier.remove("Rank");
            }
            Fault::FieldPropertiesArray => {
                if let Some(Value::Object(fields)) = carrier.get("FieldProperties") {
                    let entries = fields
                        .iter()
                        .map(|(name, p)| {
                            let mut e = Map::new();
                            e.insert("Name".into(), Value::String(name.clone()));
                            if let Value::Object(p) = p {
                                e.extend(p.clone());
                            }
                            Value::Object(e)
                        })
                        .collect();
                    carrier.insert("FieldProperties".into(), Value::Array(entries));
                }
            }
            Fault::TableRightString => {
                carrier.insert("TableRight".into(), Value::String("FULL".into()));
            }
            _ => {}
        }
    }

    /// Stage (d): the `$select` value the correct code then applies.
    pub fn bend_select(self, select: Option<String>) -> Option<String> {
        // A name no carrier property has: selecting only it nulls out everything.
        const NOTHING: &str = "soconform-fault-selects-nothing";
        match self {
            Fault::SelectIgnored => None,
            Fault::SelectNullsEverything => select.map(|_| NOTHING.to_string()),
            Fault::SelectCaseSensitive => select.map(|s| {
                s.split(',')
                    .map(|entry| {
                        let head = entry.split('/').next().unwrap_or("").trim();
                        if PROPERTIES.contains(&head) {
                            entry.to_string()
                        } else {
                            NOTHING.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            }),
            _ => select,
        }
    }

    /// Stage (e): the response, rendered by the correct code and then bent.
    pub fn render(self, content_type: &'static str, value: &Value) -> Response {
        let is_xml = content_type.ends_with("/xml");
        let relabel = |mut res: Response, label: &'static str| {
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(label));
            res
        };
        let xml_body = |mut res: Response, body: String| {
            *res.body_mut() = Body::from(body);
            res
        };
        let res = handlers::render(content_type, value);
        match self {
            Fault::SaveAnswers201 => {
                let mut res = res;
                *res.status_mut() = StatusCode::CREATED;
                res
            }
            Fault::XmlLabelledJson if is_xml => relabel(res, "application/json; charset=utf-8"),
            Fault::JsonLabelledTextPlain if !is_xml => relabel(res, "text/plain; charset=utf-8"),
            Fault::XmlRootRenamed if is_xml => {
                xml_body(res, xml::write_document("SaveUserGroupResult", value))
            }
            Fault::XmlNamesCamelCase if is_xml => xml_body(
                res,
                xml::write_document("UserGroup", &camel_case_keys(value)),
            ),
            Fault::XmlNilAsText if is_xml => {
                xml_body(res, xml::write_document("UserGroup", &nulls_as_text(value)))
            }
            Fault::XmlDoubleEscaped if is_xml => {
                xml_body(res, xml::write_document("UserGroup", &pre_escaped(value)))
            }
            _ => res,
        }
    }
}

/// Every object key with its first letter lower-cased (`Value` -> `value`).
fn camel_case_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let mut chars = k.chars();
                    let key = match chars.next() {
                        Some(c) => c.to_lowercase().chain(chars).collect(),
                        None => String::new(),
                    };
                    (key, camel_case_keys(x))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(camel_case_keys).collect()),
        other => other.clone(),
    }
}

/// Every null replaced by the string `null`.
fn nulls_as_text(v: &Value) -> Value {
    match v {
        Value::Null => Value::String("null".into()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), nulls_as_text(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(nulls_as_text).collect()),
        other => other.clone(),
    }
}

/// Every string escaped once already, so that the XML writer escapes it a second time.
fn pre_escaped(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        ),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, x)| (k.clone(), pre_escaped(x))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(pre_escaped).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use soconform_core::citation::normalize_ws;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_snake_case_and_round_trip() {
        let mut seen = BTreeSet::new();
        for f in Fault::ALL {
            let id = f.id();
            assert!(
                !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{id}"
            );
            assert!(seen.insert(id), "duplicate fault id {id}");
            assert_eq!(Fault::from_id(id), Some(f));
            assert_ne!(
                f.level(),
                Level::Info,
                "{id}: a fault breaks a must or should"
            );
        }
        assert!(Fault::ALL.len() >= 30);
    }

    /// Every citation is verbatim on its page (up to whitespace), under a heading that is
    /// on the page too, like the case files' citations.
    #[test]
    fn citations_are_on_their_pages() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec");
        for f in Fault::ALL {
            let info = f.info();
            let page = std::fs::read_to_string(dir.join(&info.spec.page))
                .unwrap_or_else(|e| panic!("{}: {}: {e}", info.id, info.spec.page));
            let page = normalize_ws(&page);
            assert!(
                page.contains(&normalize_ws(&info.spec.quote)),
                "{}: quote not on {}: {:?}",
                info.id,
                info.spec.page,
                info.spec.quote
            );
            assert!(
                page.contains(&normalize_ws(&info.spec.section)),
                "{}: section not on {}: {:?}",
                info.id,
                info.spec.page,
                info.spec.section
            );
        }
    }

    #[test]
    fn select_bends() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(Fault::SelectIgnored.bend_select(s("Value")), None);
        assert_eq!(
            Fault::SelectCaseSensitive.bend_select(s("Value,tooltip,TableRight/Mask")),
            s("Value,soconform-fault-selects-nothing,TableRight/Mask")
        );
        assert_eq!(Fault::SelectNullsEverything.bend_select(None), None);
        assert_eq!(Fault::IdAsString.bend_select(s("Id")), s("Id"));
    }

    #[test]
    fn xml_value_bends() {
        let v = serde_json::json!({"Value": "a & b", "Tooltip": null, "Id": 1});
        assert_eq!(
            camel_case_keys(&v),
            serde_json::json!({"value": "a & b", "tooltip": null, "id": 1})
        );
        assert_eq!(nulls_as_text(&v)["Tooltip"], "null");
        assert_eq!(pre_escaped(&v)["Value"], "a &amp; b");
    }
}

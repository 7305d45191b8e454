//! Deliberate faults: each [`Fault`] breaks exactly one documented behaviour of the
//! reference server, so that `soconform selftest` can show the suite notices. A fault
//! names the documentation sentence it violates and that sentence's level (must/should);
//! faults never touch behaviour the docs leave open (error body formats, 400 vs 422,
//! `null` vs `0` for a nulled-out value type, ...).
//!
//! The correct code paths do not know the faults: [`crate::handlers`] calls one hook per
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

mod call;
mod catalogue;

pub use catalogue::{Entry, CATALOGUE};

use crate::auth::{self, Authenticated, Refusal};
use crate::carrier::{UserGroup, UserGroupInput, PROPERTIES};
use crate::credentials::Credentials;
use crate::error::ApiError;
use crate::negotiate::{REQUEST_TYPES, RESPONSE_TYPES};
use crate::operation::{self, AgentRequest, Operation, Outcome};
use crate::request::SaveRequest;
use crate::store::Store;
use crate::vocab::{essence, header as h, Level};
use crate::xml;
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
    // --- half-checked credentials: each accepts one near miss of a configured credential
    AuthBasicUserOnly,
    AuthBasicPasswordOnly,
    AuthBasicPrefix,
    AuthTicketPrefix,
    AuthTicketCaseInsensitive,
    AuthBearerPrefix,
    AuthBearerCaseInsensitive,
    AuthCookieNameOnly,
    /// The Basic password compared without regard to case (`tje0:TJE0` accepted).
    AuthBasicPasswordCase,
    /// With no Authorization header, an X-XSRF-TOKEN equal to an `XSRF-TOKEN` cookie of
    /// the same request is accepted whatever the session cookie (even none): the
    /// double-submit taken for the session.
    AuthXsrfDoubleSubmit,
    /// A wrong Authorization header falls back to the session cookie and X-XSRF-TOKEN
    /// sent beside it, instead of being refused.
    AuthSessionFallback,
    // --- real clients
    /// The request reader matches property names case-sensitively: the official 12.x
    /// client's camelCase `{"userGroup": {"value": ...}}` is read as no UserGroup.
    CamelCaseRequestIgnored,
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
    /// Every listed type is answered as its family's base type (`text/json` and the patch
    /// types as `application/json`, `text/xml` as `application/xml`).
    AcceptTypeSubstituted,
    XmlLabelledJson,
    JsonLabelledTextPlain,
    /// JSON answers labelled `charset=iso-8859-1`, their bytes still UTF-8.
    JsonCharsetMislabelled,
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
    /// A `$select` naming a property the carrier does not have is answered 500.
    SelectUnknown500,
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
    // --- the rest of the family
    /// GetUserGroupList ignores the keys sent and answers an empty array.
    ListIgnoresIds,
    /// DeleteUserGroup answers 204 and deletes nothing.
    DeleteIgnored,
    /// DeleteUserGroup deletes the group members were to move to, not the one named.
    DeleteWrongGroup,
    /// GetAllUserGroups answers its first group as a single carrier, not an array.
    GetAllNotArray,
    /// The list calls (GetAllUserGroups, GetUserGroupList) ignore `$select`.
    ListSelectIgnored,
    /// CreateUserGroup answers the NULL result (`null`, 200), as a CreateDefault that
    /// fails and swallows its error would.
    CreateAnswersNull,
    /// SaveUserGroup answers every save with the agents' internal error object (200) and
    /// stores nothing, as an agent turning its exception into that object would.
    SaveAnswersErrorObject,
    /// GetUserGroupList answers every stored group, whatever keys were sent (a list call
    /// wired to the GetAll query).
    ListAnswersEveryGroup,
    /// GetUserGroupList leaves out the groups marked Deleted that its keys name (a list
    /// query that reuses the active-groups filter).
    ListLeavesOutDeleted,
    /// CreateUserGroup answers Rank 0 (the default carrier's), not the highest rank.
    CreateRankZero,
    // --- any agent call (the layer served from the pages; see `call.rs`)
    /// Every answer in JSON, whatever the Accept header asks.
    CallAcceptIgnored,
    /// `$select` ignored: every property answered.
    CallSelectIgnored,
    /// Integer properties answered as strings (`"ContactId": "5"`).
    CallIntAsString,
    /// The first documented property of every carrier left out.
    CallPropertyMissing,
    /// A primitive answer wrapped in an object (`{"Value": true}`).
    CallPrimitiveWrapped,
    /// An array answer wrapped in an object (`{"Items": [...]}`).
    CallArrayWrapped,
    /// A key that is not a number answered 500 (the parse exception unhandled).
    CallMalformedKey500,
    /// GET invokes the call instead of describing it.
    CallGetInvokes,
    /// XML request bodies refused 415.
    CallXmlRefused,
    /// Agent calls answered without any credentials.
    CallAnonymousAccepted,
    /// A key that names nothing answered 404, not 200 with `null`.
    CallUnknownKey404,
    /// A required key left out is read as 0 (200, `null`), not refused.
    CallMissingKeyDefaulted,
    /// The NULL result answered 204 No Content (ASP.NET Core's default for a null
    /// answer), not 200 with `null`.
    CallNullAs204,
    /// Every key names a record: an unknown key is answered a default record holding it
    /// (a load that never checks the record exists), not the NULL result.
    CallAnyKeyFound,
    /// A required key left out binds as the first record's (a parameter defaulted to
    /// 1): the call answers that record instead of failing.
    CallMissingKeyFirstRecord,
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

/// Ids handed out by [`Fault::SaveNotPersisted`] for groups it never stores: far from
/// the store's own (which start at 1), so they name nothing.
static UNSTORED_IDS: AtomicI32 = AtomicI32::new(1_000_000_000);

impl Fault {
    /// Every fault, in the order of the self-test table (the catalogue's).
    pub const ALL: [Fault; CATALOGUE.len()] = {
        let mut all = [Fault::AuthBasicRefused; CATALOGUE.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = CATALOGUE[i].fault;
            i += 1;
        }
        all
    };

    /// The fault with this id.
    pub fn from_id(id: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The fault's row in the catalogue.
    fn entry(self) -> &'static Entry {
        CATALOGUE
            .iter()
            .find(|e| e.fault == self)
            .expect("every fault has a row in the catalogue (tested)")
    }

    pub fn id(self) -> &'static str {
        self.entry().id
    }

    pub fn level(self) -> Level {
        self.entry().level
    }

    pub fn concern(self) -> &'static str {
        self.entry().concern
    }

    /// Id, level, one-line description and the documentation sentence broken.
    pub fn info(self) -> FaultInfo {
        let e = self.entry();
        FaultInfo {
            id: e.id,
            level: e.level,
            description: e.description,
            spec: SpecRef {
                page: e.page.into(),
                section: e.section.into(),
                quote: e.quote.into(),
            },
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
            | Fault::AuthAppTokenRefused
            | Fault::AuthBasicUserOnly
            | Fault::AuthBasicPasswordOnly
            | Fault::AuthBasicPrefix
            | Fault::AuthTicketPrefix
            | Fault::AuthTicketCaseInsensitive
            | Fault::AuthBearerPrefix
            | Fault::AuthBearerCaseInsensitive
            | Fault::AuthCookieNameOnly
            | Fault::AuthBasicPasswordCase
            | Fault::AuthXsrfDoubleSubmit
            | Fault::AuthSessionFallback => true,
            Fault::DeletedListed | Fault::GetAllNotArray => op == Operation::GetAllUserGroups,
            Fault::ListIgnoresIds | Fault::ListAnswersEveryGroup | Fault::ListLeavesOutDeleted => {
                op == Operation::GetUserGroupList
            }
            Fault::ListSelectIgnored => {
                matches!(
                    op,
                    Operation::GetAllUserGroups | Operation::GetUserGroupList
                )
            }
            Fault::DeleteIgnored | Fault::DeleteWrongGroup => op == Operation::DeleteUserGroup,
            Fault::CreateAnswersNull | Fault::CreateRankZero => op == Operation::CreateUserGroup,
            f if f.is_call_fault() => false,
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
            (Fault::AuthSessionFallback, Err(_)) if authorization.is_some() => {
                let mut without = headers.clone();
                without.remove(header::AUTHORIZATION);
                auth::authorize(&without, creds).map_err(|r| r.into_error(creds))
            }
            (_, Err(_)) => self.half_checked(headers, creds).map_or(decided, Ok),
            _ => decided,
        }
    }

    /// What a server that checks only part of a credential accepts on top of what the
    /// correct check does: the ways real implementations go wrong (a user name compared,
    /// the password not; a prefix compared; case ignored; a cookie's names looked at).
    fn half_checked(self, headers: &HeaderMap, creds: &Credentials) -> Option<Authenticated> {
        let prefix = |given: &str, want: &str| {
            !given.is_empty() && (given.starts_with(want) || want.starts_with(given))
        };
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let Some(value) = authorization else {
            let token = headers.get(h::XSRF_TOKEN)?.to_str().ok()?;
            if self == Fault::AuthXsrfDoubleSubmit {
                // The token matches a cookie of the same request: the double-submit check
                // alone, with no session behind it.
                let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
                let echoed = cookies.split(';').any(|p| {
                    p.split_once('=')
                        .is_some_and(|(n, v)| n.trim() == "XSRF-TOKEN" && v.trim() == token)
                });
                return echoed.then_some(Authenticated::Session);
            }
            // The session: the right X-XSRF-TOKEN and a cookie with the configured names.
            if self != Fault::AuthCookieNameOnly {
                return None;
            }
            let (want_token, want_cookie) = (creds.xsrf_token.as_ref()?, creds.cookie.as_ref()?);
            let sent = headers.get(header::COOKIE)?.to_str().ok()?;
            let names = |c: &str| -> Vec<String> {
                c.split(';')
                    .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim().to_string()))
                    .collect()
            };
            let sent_names = names(sent);
            let all_named = names(want_cookie.expose())
                .iter()
                .all(|n| sent_names.contains(n));
            return (token == want_token.expose() && all_named).then_some(Authenticated::Session);
        };
        let (scheme, given) = value.trim().split_once([' ', '\t'])?;
        let given = given.trim();
        match (self, scheme.to_ascii_lowercase().as_str()) {
            (
                Fault::AuthBasicUserOnly
                | Fault::AuthBasicPasswordOnly
                | Fault::AuthBasicPrefix
                | Fault::AuthBasicPasswordCase,
                "basic",
            ) => {
                use base64::Engine as _;
                let want = creds.basic.as_ref()?.expose();
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(given)
                    .ok()?;
                let decoded = String::from_utf8(decoded).ok()?;
                let ((u, p), (wu, wp)) = (decoded.split_once(':')?, want.split_once(':')?);
                let accepted = match self {
                    Fault::AuthBasicUserOnly => u == wu,
                    Fault::AuthBasicPasswordOnly => p == wp,
                    Fault::AuthBasicPasswordCase => u == wu && p.eq_ignore_ascii_case(wp),
                    _ => prefix(&decoded, want),
                };
                accepted.then_some(Authenticated::Basic)
            }
            (Fault::AuthTicketPrefix, "soticket") => {
                prefix(given, creds.ticket.as_ref()?.expose()).then_some(Authenticated::SoTicket)
            }
            (Fault::AuthTicketCaseInsensitive, "soticket") => given
                .eq_ignore_ascii_case(creds.ticket.as_ref()?.expose())
                .then_some(Authenticated::SoTicket),
            (Fault::AuthBearerPrefix, "bearer") => {
                prefix(given, creds.bearer.as_ref()?.expose()).then_some(Authenticated::Bearer)
            }
            (Fault::AuthBearerCaseInsensitive, "bearer") => given
                .eq_ignore_ascii_case(creds.bearer.as_ref()?.expose())
                .then_some(Authenticated::Bearer),
            _ => None,
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
            // The way a stack with one formatter per family goes wrong: the label is the
            // family's, not the type asked for.
            Fault::AcceptTypeSubstituted if chosen.ends_with("xml") => Ok("application/xml"),
            Fault::AcceptTypeSubstituted => Ok("application/json"),
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
            // The way a lazy implementation goes wrong: it looks every selected name up
            // and throws on one it does not know.
            Fault::SelectUnknown500
                if select.is_some_and(|s| {
                    s.split(',').map(str::trim).any(|n| {
                        let head = n.split('/').next().unwrap_or(n);
                        !head.is_empty() && !PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(head))
                    })
                }) =>
            {
                Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "An error has occurred.",
                    format!("fault {}: unknown property in $select", self.id()),
                ))
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

    /// Stage (b), the decoded body before it is typed.
    pub fn bend_decoded(self, mut decoded: crate::body::Decoded) -> crate::body::Decoded {
        if self == Fault::CamelCaseRequestIgnored {
            decoded.value = decoded.value.map(|v| pascal_only(&v));
        }
        decoded
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
                let mut outcome = operation::execute(&scratch, request)?;
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
                let mut outcome = operation::execute(store, AgentRequest::Save(req))?;
                if let (Outcome::One(g), true) = (&mut outcome, creates) {
                    g.id = 0;
                }
                Ok(outcome)
            }
            (Fault::ListIgnoresIds, AgentRequest::GetList { .. }) => Ok(Outcome::Many(vec![])),
            (Fault::CreateAnswersNull, AgentRequest::Create) => Ok(Outcome::Nothing),
            (Fault::SaveAnswersErrorObject, AgentRequest::Save(_)) => Err(ApiError::new(
                StatusCode::OK,
                "An error has occurred.",
                "fault save_answers_error_object",
            )),
            (Fault::DeleteIgnored, AgentRequest::Delete { .. }) => Ok(Outcome::NoContent),
            (Fault::DeleteWrongGroup, AgentRequest::Delete { delete, move_to }) => {
                operation::execute(
                    store,
                    AgentRequest::Delete {
                        delete: move_to,
                        move_to: delete,
                    },
                )
            }
            (Fault::ListAnswersEveryGroup, AgentRequest::GetList { .. }) => operation::execute(
                store,
                AgentRequest::GetAll {
                    include_deleted: false,
                },
            ),
            (Fault::ListLeavesOutDeleted, request @ AgentRequest::GetList { .. }) => {
                match operation::execute(store, request)? {
                    Outcome::Many(groups) => Ok(Outcome::Many(
                        groups.into_iter().filter(|g| !g.deleted).collect(),
                    )),
                    other => Ok(other),
                }
            }
            (Fault::CreateRankZero, AgentRequest::Create) => {
                match operation::execute(store, AgentRequest::Create)? {
                    Outcome::One(mut g) => {
                        g.rank = 0;
                        Ok(Outcome::One(g))
                    }
                    other => Ok(other),
                }
            }
            (Fault::GetAllNotArray, request @ AgentRequest::GetAll { .. }) => {
                match operation::execute(store, request)? {
                    Outcome::Many(groups) => Ok(groups
                        .into_iter()
                        .next()
                        .map_or(Outcome::Nothing, Outcome::One)),
                    other => Ok(other),
                }
            }
            (_, request) => operation::execute(store, request),
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
            Fault::SelectIgnored | Fault::ListSelectIgnored => None,
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
        let res = operation::render(content_type, value);
        match self {
            Fault::SaveAnswers201 => {
                let mut res = res;
                *res.status_mut() = StatusCode::CREATED;
                res
            }
            Fault::XmlLabelledJson if is_xml => relabel(res, "application/json; charset=utf-8"),
            Fault::JsonLabelledTextPlain if !is_xml => relabel(res, "text/plain; charset=utf-8"),
            // The label a stack set to a legacy default puts on the UTF-8 it writes.
            Fault::JsonCharsetMislabelled if !is_xml => {
                match HeaderValue::from_str(&format!("{content_type}; charset=iso-8859-1")) {
                    Ok(v) => {
                        let mut res = res;
                        res.headers_mut().insert(header::CONTENT_TYPE, v);
                        res
                    }
                    Err(_) => res,
                }
            }
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
/// What a case-sensitive binder sees of a body: members whose names start in lower case
/// are not the carrier's properties, so they are dropped.
fn pascal_only(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with(|c: char| c.is_ascii_lowercase()))
                .map(|(k, x)| (k.clone(), pascal_only(x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

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
mod tests;

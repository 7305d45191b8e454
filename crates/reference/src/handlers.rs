//! The request pipeline. Each stage is a small function so a later fault-injection layer
//! can replace or bend one stage at a time:
//!
//! (a) [`authenticate`] - the auth decision;
//! (b) [`decode_request`] - body under the limit, decoded per Content-Type, typed;
//! (c) [`execute`] - the store read or write;
//! (d) [`response_value`] - the response as a `serde_json::Value`, then `$select`;
//! (e) [`render`] - status, headers and body bytes in the negotiated type.
//!
//! With `Config::fault` set (the self-test), each stage boundary hands its result to the
//! fault's hook in [`super::faults`]; without it the hooks are never called.

use super::auth;
use super::body::{self, Decoded};
use super::carrier::UserGroup;
use super::config::Config;
use super::error::ApiError;
use super::faults::Fault;
use super::negotiate::choose_response_type;
use super::request::{self, Query, SaveRequest};
use super::select::Select;
use super::store::{Saved, Store};
use super::xml;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;

/// Shared by every request.
#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub store: Arc<Store>,
}

/// The agent methods served under `/api/v1/Agents/User/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    SaveUserGroup,
    GetUserGroup,
    GetAllUserGroups,
}

impl Operation {
    pub const ALL: [Operation; 3] = [
        Operation::SaveUserGroup,
        Operation::GetUserGroup,
        Operation::GetAllUserGroups,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::SaveUserGroup => "SaveUserGroup",
            Operation::GetUserGroup => "GetUserGroup",
            Operation::GetAllUserGroups => "GetAllUserGroups",
        }
    }

    /// What `GET` on the agent URL answers (the docs: "GET this to get a description of
    /// the call. The method is not invoked using GET").
    fn description(self) -> String {
        let (summary, query, body, response) = match self {
            Operation::SaveUserGroup => (
                "Save a user group. Set UserGroup.Deleted to mark a user group as deleted and invisible in the user interface.",
                "$select (optional)",
                "{\"UserGroup\": UserGroup}",
                "UserGroup (as saved)",
            ),
            Operation::GetUserGroup => (
                "Gets a UserGroup object.",
                "userGroupId (int32, required), $select (optional)",
                "(none)",
                "UserGroup",
            ),
            Operation::GetAllUserGroups => (
                "Get all user groups.",
                "$select (optional)",
                "{\"IncludeDeleted\": bool}",
                "array of UserGroup",
            ),
        };
        format!(
            "POST /api/v1/Agents/User/{}\n\n{summary}\n\nQuery string: {query}\nRequest body: {body}\nResponse body: {response}\n\n\
             UserGroup: {{Value: string, Tooltip: string, Id: int32, Rank: int32, Deleted: bool, TableRight: TableRight, FieldProperties: object}}\n\
             GET describes the call; POST invokes it.\n",
            self.name()
        )
    }
}

/// Where a path leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Agent(Operation),
    NotFound,
}

/// Matches `/api/v1/Agents/User/<Method>` case-insensitively (ASP.NET routing is), with
/// or without a trailing slash.
pub fn route(path: &str) -> Route {
    let path = path.strip_suffix('/').unwrap_or(path);
    let prefix = "/api/v1/agents/user/";
    if path.len() <= prefix.len() || !path.is_char_boundary(prefix.len()) {
        return Route::NotFound;
    }
    let (head, method) = path.split_at(prefix.len());
    if !head.eq_ignore_ascii_case(prefix) {
        return Route::NotFound;
    }
    Operation::ALL
        .into_iter()
        .find(|op| op.name().eq_ignore_ascii_case(method))
        .map_or(Route::NotFound, Route::Agent)
}

/// The entry point for every request. The pipeline runs in its own task so that a panic
/// (a bug) becomes a 500 with a JSON body instead of a dropped connection.
pub async fn entry(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match tokio::spawn(handle(state, req)).await {
        Ok(res) => res,
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An error has occurred.",
            format!("The reference server failed while handling the request: {e}"),
        )
        .into_response(),
    }
}

async fn handle(state: Arc<AppState>, req: Request) -> Response {
    if !state.config.latency.is_zero() {
        super::latency::wait(state.config.latency).await;
    }
    let (parts, body) = req.into_parts();
    let op = match route(parts.uri.path()) {
        Route::Agent(op) => op,
        Route::NotFound => {
            return ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "No HTTP resource was found that matches the request URI '{}'.",
                    parts.uri.path().chars().take(200).collect::<String>()
                ),
                "This server implements POST /api/v1/Agents/User/SaveUserGroup, GetUserGroup and GetAllUserGroups.",
            )
            .into_response()
        }
    };
    let fault = state.config.fault.filter(|f| f.applies_to(op));
    if let Some(e) = fault.and_then(|f| f.refuse_method(&parts.method)) {
        return e.into_response();
    }
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return describe(op);
    }
    if parts.method != Method::POST {
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "The requested resource does not support http method '{}'.",
                parts.method
            ),
            "Agent methods are invoked with POST; GET describes them.",
        )
        .with_header(header::ALLOW, "GET, HEAD, POST")
        .into_response();
    }
    match invoke(&state, fault, op, &parts, body).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

fn describe(op: Operation) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        op.description(),
    )
        .into_response()
}

async fn invoke(
    state: &AppState,
    fault: Option<Fault>,
    op: Operation,
    parts: &Parts,
    body: Body,
) -> Result<Response, ApiError> {
    let query = Query::parse(parts.uri.query());
    let content_type = choose_response_type(
        parts
            .headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    authenticate(state, fault, parts)?;
    let content_type = match fault {
        Some(f) => f.bend_response_type(&parts.headers, content_type)?,
        None => content_type,
    };
    let request = decode_request(state, fault, op, parts, &query, body).await?;
    let outcome = match fault {
        Some(f) => f.execute(&state.store, request)?,
        None => execute(&state.store, request)?,
    };
    let value = response_value(&outcome, &query, fault);
    Ok(match fault {
        Some(f) => f.render(content_type, &value),
        None => render(content_type, &value),
    })
}

/// Stage (a).
pub fn authenticate(
    state: &AppState,
    fault: Option<Fault>,
    parts: &Parts,
) -> Result<auth::Authenticated, ApiError> {
    let creds = &state.config.credentials;
    let decided = auth::authorize(&parts.headers, creds).map_err(|r| r.into_error(creds));
    match fault {
        Some(f) => f.bend_auth(&parts.headers, creds, decided),
        None => decided,
    }
}

/// A typed request, ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentRequest {
    Save(SaveRequest),
    Get { id: i32 },
    GetAll { include_deleted: bool },
}

/// Stage (b).
pub async fn decode_request(
    state: &AppState,
    fault: Option<Fault>,
    op: Operation,
    parts: &Parts,
    query: &Query,
    body: Body,
) -> Result<AgentRequest, ApiError> {
    let Some(f) = fault else {
        return decode_typed(state, op, &parts.headers, query, body).await;
    };
    f.screen_request(&parts.headers, query.select().as_deref())?;
    let bent = f.bend_request_headers(&parts.headers);
    let headers = bent.as_ref().unwrap_or(&parts.headers);
    f.bend_request(decode_typed(state, op, headers, query, body).await)
}

/// GetUserGroup takes its parameter from the query string and reads no body.
async fn decode_typed(
    state: &AppState,
    op: Operation,
    headers: &HeaderMap,
    query: &Query,
    body: Body,
) -> Result<AgentRequest, ApiError> {
    if op == Operation::GetUserGroup {
        return Ok(AgentRequest::Get {
            id: request::user_group_id(query)?,
        });
    }
    let bytes = body::read_limited(headers, body, state.config.max_body_bytes).await?;
    let decoded: Decoded = match op {
        Operation::SaveUserGroup => body::decode(headers, &bytes, request::SAVE_OBJECTS)?,
        _ => body::decode(headers, &bytes, &[])?,
    };
    Ok(match op {
        Operation::SaveUserGroup => AgentRequest::Save(request::save_request(&decoded)?),
        _ => AgentRequest::GetAll {
            include_deleted: request::include_deleted(&decoded, query)?,
        },
    })
}

/// What the store answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The agents' NULL: `UserGroup` null, an unknown Id, a missing group.
    Nothing,
    One(UserGroup),
    Many(Vec<UserGroup>),
}

/// Stage (c).
pub fn execute(store: &Store, request: AgentRequest) -> Result<Outcome, ApiError> {
    Ok(match request {
        AgentRequest::Save(SaveRequest { user_group: None }) => Outcome::Nothing,
        AgentRequest::Save(SaveRequest {
            user_group: Some(input),
        }) => match store.save(&input) {
            Ok(Saved::Created(g) | Saved::Updated(g)) => Outcome::One(g),
            Ok(Saved::NoSuchId(_)) => Outcome::Nothing,
            Err(e) => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "The user group could not be saved.",
                    e.to_string(),
                ))
            }
        },
        AgentRequest::Get { id } => store.get(id).map_or(Outcome::Nothing, Outcome::One),
        AgentRequest::GetAll { include_deleted } => Outcome::Many(store.all(include_deleted)),
    })
}

/// Stage (d): the response value, `$select` applied.
pub fn response_value(outcome: &Outcome, query: &Query, fault: Option<Fault>) -> Value {
    let mut value = match outcome {
        Outcome::Nothing => Value::Null,
        Outcome::One(g) => g.to_value(),
        Outcome::Many(gs) => Value::Array(gs.iter().map(UserGroup::to_value).collect()),
    };
    let mut select = query.select();
    if let Some(f) = fault {
        let carriers = match &mut value {
            Value::Array(items) => items.iter_mut().collect(),
            v => vec![v],
        };
        for carrier in carriers {
            if let Value::Object(m) = carrier {
                f.bend_carrier(m);
            }
        }
        select = f.bend_select(select);
    }
    if let Some(select) = select.as_deref().and_then(Select::parse) {
        select.apply(&mut value);
    }
    value
}

/// Stage (e): a 200 in the negotiated type, labelled with `charset=utf-8`. JSON-family
/// types (including the two patch types) get a JSON body; XML types an XML document
/// rooted at the carrier name.
pub fn render(content_type: &'static str, value: &Value) -> Response {
    let body = if content_type.ends_with("/xml") {
        xml::write_document("UserGroup", value)
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| "null".into())
    };
    let mut res = (StatusCode::OK, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{content_type}; charset=utf-8")) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            route("/api/v1/Agents/User/SaveUserGroup"),
            Route::Agent(Operation::SaveUserGroup)
        );
        assert_eq!(
            route("/API/V1/agents/user/saveusergroup/"),
            Route::Agent(Operation::SaveUserGroup)
        );
        assert_eq!(
            route("/api/v1/Agents/User/GetAllUserGroups"),
            Route::Agent(Operation::GetAllUserGroups)
        );
        assert_eq!(
            route("/api/v1/Agents/User/GetUserGroup"),
            Route::Agent(Operation::GetUserGroup)
        );
        for p in [
            "/",
            "/api",
            "/api/v1/Agents/User/",
            "/api/v1/Agents/User/Nope",
            "/api/v1/Agents/Users/SaveUserGroup",
            "/api/v1/Agents/User/SaveUserGroup/x",
            "/api/v1/Agents/Useré/X",
        ] {
            assert_eq!(route(p), Route::NotFound, "{p}");
        }
    }

    #[test]
    fn render_types() {
        let g = UserGroup {
            id: 1,
            value: Some("a".into()),
            tooltip: None,
            rank: 1,
            deleted: false,
        };
        let res = render("text/xml", &g.to_value());
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/xml; charset=utf-8"
        );
        let res = render("application/merge-patch+json", &Value::Null);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/merge-patch+json; charset=utf-8"
        );
    }
}

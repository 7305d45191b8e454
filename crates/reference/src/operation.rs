//! What the server serves, apart from how: the agent methods and their routes, a typed
//! request, the store's answer ([`execute`], stage (c)) and rendering it ([`render`],
//! stage (e)). The request pipeline in [`crate::handlers`] and the fault hooks in
//! [`crate::faults`] both build on these, and neither on the other's internals.

use crate::carrier::UserGroup;
use crate::error::ApiError;
use crate::request::SaveRequest;
use crate::store::{Saved, Store};
use crate::xml;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The agent methods served under `/api/v1/Agents/User/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    SaveUserGroup,
    GetUserGroup,
    GetAllUserGroups,
    CreateUserGroup,
    DeleteUserGroup,
    GetUserGroupList,
}

impl Operation {
    pub const ALL: [Operation; 6] = [
        Operation::SaveUserGroup,
        Operation::GetUserGroup,
        Operation::GetAllUserGroups,
        Operation::CreateUserGroup,
        Operation::DeleteUserGroup,
        Operation::GetUserGroupList,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::SaveUserGroup => "SaveUserGroup",
            Operation::GetUserGroup => "GetUserGroup",
            Operation::GetAllUserGroups => "GetAllUserGroups",
            Operation::CreateUserGroup => "CreateUserGroup",
            Operation::DeleteUserGroup => "DeleteUserGroup",
            Operation::GetUserGroupList => "GetUserGroupList",
        }
    }

    /// What `GET` on the agent URL answers (the docs: "GET this to get a description of
    /// the call. The method is not invoked using GET").
    pub fn description(self) -> String {
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
            Operation::CreateUserGroup => (
                "Create UserGroup (Rank is assigned to the highest rank). A new default carrier, not stored: save it with SaveUserGroup.",
                "$select (optional)",
                "(none)",
                "UserGroup",
            ),
            Operation::DeleteUserGroup => (
                "Delete a usergroup and move its members to another usergroup.",
                "(none)",
                "{\"UserGroupToDelete\": int32, \"UserGroupToMoveTo\": int32}",
                "204 No Content",
            ),
            Operation::GetUserGroupList => (
                "Gets an array of UserGroup objects.",
                "$select (optional)",
                "the primary keys: [int32, ...] (or {\"userGroupIds\": [...]})",
                "array of UserGroup (unknown Ids left out)",
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

/// A typed request, ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentRequest {
    Save(SaveRequest),
    Get { id: i32 },
    GetAll { include_deleted: bool },
    Create,
    Delete { delete: i32, move_to: i32 },
    GetList { ids: Vec<i32> },
}

/// What the store answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The agents' NULL: `UserGroup` null, an unknown Id, a missing group.
    Nothing,
    One(UserGroup),
    Many(Vec<UserGroup>),
    /// DeleteUserGroup: answered 204 with no body.
    NoContent,
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
        AgentRequest::Create => Outcome::One(store.new_default()),
        // Well-formed, but no group can take the members: the agents page's "200 OK with
        // an internal error object ... when the request succeeds but the data is invalid".
        AgentRequest::Delete { delete, move_to } if delete == move_to && delete != 0 => {
            return Err(ApiError::new(
                StatusCode::OK,
                "The request is invalid.",
                format!(
                    "UserGroupToMoveTo is the group being deleted ({delete}): its members need another group."
                ),
            ))
        }
        AgentRequest::Delete { delete, .. } => {
            store.delete(delete);
            Outcome::NoContent
        }
        AgentRequest::GetList { ids } => Outcome::Many(store.list(&ids)),
    })
}

/// Stage (e): a 200 in the negotiated type, labelled with `charset=utf-8`. JSON-family
/// types (including the two patch types) get a JSON body; XML types an XML document
/// rooted at the carrier name.
pub fn render(content_type: &'static str, value: &Value) -> Response {
    render_as("UserGroup", content_type, value)
}

/// [`render`] of an answer whose XML element is `item` (another carrier's, a primitive's).
pub fn render_as(item: &str, content_type: &'static str, value: &Value) -> Response {
    let body = if content_type.ends_with("/xml") {
        xml::write_document(item, value)
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| "null".into())
    };
    let mut res = (StatusCode::OK, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{content_type}; charset=utf-8")) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res
}

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
use super::negotiate::response_type;
use super::request::{self, Query};
use super::select::Select;
use super::store::Store;
pub use crate::operation::{execute, render, route, AgentRequest, Operation, Outcome, Route};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, request::Parts, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;

/// Shared by every request.
#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub store: Arc<Store>,
}

/// The entry point for every request. The pipeline runs in its own task so that a panic
/// (a bug) becomes a 500 with a JSON body instead of a dropped connection.
pub async fn entry(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let profile = state.config.profile;
    match tokio::spawn(handle(state, req)).await {
        Ok(res) => res,
        Err(e) => profile.error_response(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "An error has occurred.",
            format!("The reference server failed while handling the request: {e}"),
        )),
    }
}

async fn handle(state: Arc<AppState>, req: Request) -> Response {
    if !state.config.latency.is_zero() {
        super::latency::wait(state.config.latency).await;
    }
    let (parts, body) = req.into_parts();
    let op = match route(parts.uri.path()) {
        Route::Agent(op) => op,
        // The family has its own store and handlers; every other documented call is
        // answered from its derived schema.
        Route::NotFound => {
            if let Some(call) = state.config.catalogue.find(parts.uri.path()) {
                return crate::agents::handle(&state.config, call, &parts, body).await;
            }
            return state.config.profile.error_response(ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "No HTTP resource was found that matches the request URI '{}'.",
                    parts.uri.path().chars().take(200).collect::<String>()
                ),
                format!(
                    "This server implements the UserGroup calls of the User agent and {} other documented agent calls.",
                    state.config.catalogue.len()
                ),
            ));
        }
    };
    let fault = state.config.fault.filter(|f| f.applies_to(op));
    if let Some(e) = fault.and_then(|f| f.refuse_method(&parts.method)) {
        return state.config.profile.error_response(e);
    }
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return describe(op);
    }
    if parts.method != Method::POST {
        return state
            .config
            .profile
            .error_response(ApiError::method_not_allowed(&parts.method));
    }
    match invoke(&state, fault, op, &parts, body).await {
        Ok(res) => res,
        Err(e) => state.config.profile.error_response(e),
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
    let content_type = response_type(&parts.headers);
    authenticate(state, fault, parts)?;
    let content_type = match fault {
        Some(f) => f.bend_response_type(&parts.headers, content_type)?,
        None => content_type,
    };
    let request = decode_request(state, fault, op, parts, &query, body).await?;
    let request = state.config.profile.store_form(request)?;
    let outcome = match fault {
        Some(f) => f.execute(&state.store, request)?,
        None => execute(&state.store, request)?,
    };
    if outcome == Outcome::NoContent {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let value = response_value(&outcome, &query, fault);
    Ok(match fault {
        Some(f) => f.render(content_type, &value),
        None => state.config.profile.render(content_type, &value),
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
    // CreateUserGroup takes no parameter: whatever body came is not read.
    if op == Operation::CreateUserGroup {
        return Ok(AgentRequest::Create);
    }
    let bytes = body::read_limited(headers, body, state.config.max_body_bytes).await?;
    let profile = state.config.profile;
    let objects: &[&str] = match op {
        Operation::SaveUserGroup => request::SAVE_OBJECTS,
        _ => &[],
    };
    let keys = op == Operation::GetUserGroupList;
    let decoded = match profile.read_contract(op.name(), keys, headers, &bytes) {
        Some(contract) => contract?,
        None => body::decode_with(headers, &bytes, objects, profile.relaxes_json())?,
    };
    profile.screen_body(&decoded)?;
    let decoded: Decoded = profile.bend_decoded(op, decoded);
    let decoded = match state.config.fault {
        Some(f) => f.bend_decoded(decoded),
        None => decoded,
    };
    Ok(match op {
        Operation::SaveUserGroup => AgentRequest::Save(request::save_request(&decoded)?),
        Operation::DeleteUserGroup => {
            let (delete, move_to) = request::delete_request(&decoded, query)?;
            AgentRequest::Delete { delete, move_to }
        }
        Operation::GetUserGroupList => AgentRequest::GetList {
            ids: request::id_list(&decoded, query)?,
        },
        // GetUserGroup and CreateUserGroup were answered above, without a body.
        _ => AgentRequest::GetAll {
            include_deleted: request::include_deleted(&decoded, query)?,
        },
    })
}

/// Stage (d): the response value, `$select` applied.
pub fn response_value(outcome: &Outcome, query: &Query, fault: Option<Fault>) -> Value {
    let mut value = match outcome {
        Outcome::Nothing => Value::Null,
        Outcome::One(g) => g.to_value(),
        Outcome::Many(gs) => Value::Array(gs.iter().map(UserGroup::to_value).collect()),
        Outcome::NoContent => Value::Null,
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

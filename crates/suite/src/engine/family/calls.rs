//! The engine's own bookkeeping requests (JSON in, JSON out, the first configured
//! scheme): create a group, read one back, list them, mark one Deleted. Which endpoints
//! and names they use is [`GroupApi`](crate::engine::group_api::GroupApi)'s.

use crate::auth::AuthMode;
use crate::checks;
use crate::decode;
use crate::engine::trial::request::with_query;
use crate::engine::trial::State;
use crate::engine::Engine;
use crate::exchange::{auth_headers, Exchange, Request, SWEEP_PURPOSE};
use serde_json::Value;

/// Auth for the suite's own bookkeeping requests (setup, read-back, cleanup).
fn helper_auth(engine: &Engine) -> Result<Vec<(String, String)>, String> {
    auth_headers(&AuthMode::Any, &engine.credentials).map_err(|e| e.0)
}

/// A bookkeeping call that belongs to a trial: its exchange is the trial's.
async fn json_call(
    st: &mut State<'_>,
    purpose: &'static str,
    uid: &str,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Result<Value, String> {
    let (ex, out) = json_request(st.engine, purpose, uid, query, body).await;
    st.exchanges.extend(ex);
    out
}

/// A bookkeeping call and its answer (a 200 with a JSON body, or why not).
async fn json_request(
    engine: &Engine,
    purpose: &'static str,
    uid: &str,
    query: &[(String, String)],
    body: Option<&Value>,
) -> (Option<Exchange>, Result<Value, String>) {
    let ex = match send(engine, purpose, uid, query, body).await {
        Ok(ex) => ex,
        Err(e) => return (None, Err(e)),
    };
    let out = match &ex.response {
        Err(e) => Err(format!("{purpose}: no response: {e}")),
        Ok(r) if r.status != 200 => Err(format!(
            "{purpose}: {} answered {}",
            engine
                .suite
                .endpoint(uid)
                .map_or(uid, |e| e.description.title.as_str()),
            r.status
        )),
        Ok(r) => decode::decode_json(&r.body).map_err(|e| format!("{purpose}: {e}")),
    };
    (Some(ex), out)
}

/// Sends a bookkeeping call: JSON in, JSON asked for.
async fn send(
    engine: &Engine,
    purpose: &'static str,
    uid: &str,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Result<Exchange, String> {
    let ep = engine
        .suite
        .endpoint(uid)
        .ok_or_else(|| format!("no description for {uid}"))?;
    let mut headers = helper_auth(engine)?;
    headers.push(("Accept".into(), "application/json".into()));
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let req = Request {
        method: ep.description.method.clone(),
        url: with_query(&engine.url_for(&ep.description.path), query),
        headers,
        body: body.map(|b| b.to_string().into_bytes()),
        body_label: body.map(|_| "json".to_string()),
    };
    Ok(engine.client.send(purpose, req).await)
}

/// A valid read (group 0, which names nothing) to see whether the server still answers.
pub(in crate::engine) async fn health_probe(engine: &Engine) -> Result<Exchange, String> {
    let api = &engine.family.api;
    send(engine, "health", &api.props.read, &api.id_query(0), None).await
}

/// `v1UserAgent_GetAllUserGroups` -> `GetAllUserGroups`, for messages.
fn method_name(uid: &str) -> &str {
    uid.rsplit('_').next().unwrap_or(uid)
}

/// The listing's array, or why there is none.
fn as_list(engine: &Engine, list: Value) -> Result<Vec<Value>, String> {
    match list {
        Value::Array(a) => Ok(a),
        other => Err(format!(
            "{} did not answer an array: {}",
            method_name(&engine.family.api.props.list),
            checks::excerpt(&other)
        )),
    }
}

/// Every group, deleted ones included or not (read-only), for a trial.
pub(super) async fn list_groups(
    st: &mut State<'_>,
    purpose: &'static str,
    include_deleted: bool,
) -> Result<Vec<Value>, String> {
    let engine = st.engine;
    let body = engine.family.api.list_body(include_deleted);
    let list = json_call(st, purpose, &engine.family.api.props.list, &[], Some(&body)).await?;
    as_list(engine, list)
}

/// Creates a group named `name` (the setup carrier); its Id and the carrier saved.
pub(super) async fn create_group(st: &mut State<'_>, name: &str) -> Result<(i32, Value), String> {
    let api = &st.engine.family.api;
    let carrier = api.setup_carrier(name);
    let body = api.wrap(carrier.clone());
    let got = json_call(st, "setup", &api.props.save, &[], Some(&body)).await?;
    let Some(id) = api.id_of(&got) else {
        return Err(format!(
            "the create answered without an Id: {}",
            checks::excerpt(&got)
        ));
    };
    if !api.carries_setup_name(&got, name) {
        return Err(format!(
            "the create answered with group {id}, which does not carry the name sent"
        ));
    }
    Ok((id, api.with_id(&carrier, id)))
}

/// Group `id` as the read call answers it; a null answer means it was not persisted.
pub(super) async fn read_back(st: &mut State<'_>, id: i32) -> Result<Value, String> {
    let api = &st.engine.family.api;
    let v = json_call(st, "read-back", &api.props.read, &api.id_query(id), None).await?;
    if v.is_null() {
        return Err(format!(
            "{} returned null for Id {id}: the save was not persisted",
            method_name(&api.props.read)
        ));
    }
    Ok(v)
}

/// The Id of the group whose name property is exactly the one sent (read-only).
pub(super) async fn find_by_name(st: &mut State<'_>, sent: &Value) -> Option<i32> {
    let list = list_groups(st, "lookup", true).await.ok()?;
    let api = &st.engine.family.api;
    api.props.name_properties.iter().find_map(|p| {
        let want = sent.get(p)?.as_str()?;
        list.iter()
            .find(|g| g.get(p).and_then(Value::as_str) == Some(want))
            .and_then(|g| api.id_of(g))
    })
}

/// Every group whose name starts with `prefix` (read-only: one listing, deleted groups
/// included): Id, carrier, and whether it is already Deleted.
pub(in crate::engine) async fn find_by_prefix(
    engine: &Engine,
    prefix: &str,
) -> Result<Vec<(i32, Value, bool)>, String> {
    let api = &engine.family.api;
    let body = api.list_body(true);
    let (_, list) = json_request(engine, SWEEP_PURPOSE, &api.props.list, &[], Some(&body)).await;
    let list = as_list(engine, list?)?;
    Ok(list
        .iter()
        .filter(|g| api.named(g, prefix))
        .filter_map(|g| {
            let id = api.id_of(g)?;
            Some((id, api.saved_carrier(g, g, id), api.is_deleted(g)))
        })
        .collect())
}

/// Saves `carrier` (a group this run created) marked Deleted; `purpose` is `cleanup`
/// (a trial's own) or `sweep` (the final sweep's, sent even after a halt).
pub(in crate::engine) async fn mark_deleted(
    engine: &Engine,
    id: i32,
    carrier: &Value,
    purpose: &'static str,
) -> (Option<Exchange>, Result<(), String>) {
    if !engine.family.groups.is_ours(id) {
        return (
            None,
            Err(format!(
                "refusing to write group {id}: this run did not create it"
            )),
        );
    }
    let api = &engine.family.api;
    // Only well-typed data properties: what a negative case sent may not be.
    let body = api.wrap(api.marked_deleted(carrier, id));
    let ex = match send(engine, purpose, &api.props.save, &[], Some(&body)).await {
        Ok(ex) => ex,
        Err(e) => return (None, Err(e)),
    };
    let result = match &ex.response {
        Ok(r) if r.status == 200 => {
            engine.family.groups.forget(id);
            Ok(())
        }
        Ok(r) => Err(format!("marking group {id} Deleted answered {}", r.status)),
        Err(e) => Err(format!("marking group {id} Deleted: {e}")),
    };
    let ex = Some(ex);
    (ex, result)
}

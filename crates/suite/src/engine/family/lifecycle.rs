//! A trial's groups: the one its case works on (an idle group of this run, or a new
//! one), the ones its save created, and what happens to them afterwards (given back for
//! reuse, or marked Deleted).

use super::calls;
use crate::checks::Verdict;
use crate::engine::trial::State;
use crate::suite::Endpoint;
use serde_json::Value;

/// The group a `setup = "create"` case works on: leased when an idle one fits, else
/// created; its Id.
pub(in crate::engine) async fn setup_group(
    st: &mut State<'_>,
    endpoint: &Endpoint,
    name: &str,
) -> Result<i32, String> {
    let engine = st.engine;
    let api = &engine.family.api;
    let marks_deleted = st
        .case
        .request
        .body
        .as_ref()
        .and_then(|b| api.carrier_of(b, &api.wrapper_of(endpoint)))
        .is_some_and(|c| api.is_deleted(c));
    // Rejudging: the group the recorded run leased, if it leased one. A check that
    // compares with the group's state before the call gets a group of its own.
    let leased = match st.replaying {
        Some(r) => r
            .leased
            .clone()
            .inspect(|(id, c)| engine.family.groups.remember(*id, c.clone())),
        None if st.case.needs_fresh_group() => None,
        None => engine.family.groups.lease(
            marks_deleted,
            st.case.proves_property(&api.props.deleted_property),
            |c| api.is_deleted(c),
        ),
    };
    if let Some((id, carrier)) = leased {
        st.notes.push(format!(
            "works on group {id}, created earlier in this run and reused (`--fresh-groups` gives each trial its own)"
        ));
        if let Some(r) = st.replay.as_mut() {
            r.leased = Some((id, carrier.clone()));
        }
        st.created.push((id, carrier));
        return Ok(id);
    }
    let (id, carrier) = calls::create_group(st, name).await?;
    adopt(st, id, carrier);
    Ok(id)
}

/// A further group for the case (`setup = "create_two"`): always created, never reused.
pub(in crate::engine) async fn create_more(st: &mut State<'_>, name: &str) -> Result<i32, String> {
    let (id, carrier) = calls::create_group(st, name).await?;
    adopt(st, id, carrier);
    Ok(id)
}

/// Marks the setup group Deleted before the request (`setup = "create_deleted"`): it is
/// then the run's no longer, and nothing is left for the cleanup to do.
pub(in crate::engine) async fn mark_setup_deleted(
    st: &mut State<'_>,
    id: i32,
) -> Result<(), String> {
    let Some(at) = st.created.iter().position(|(c, _)| *c == id) else {
        return Err(format!("group {id} is not this trial's"));
    };
    let (_, carrier) = st.created.remove(at);
    let (ex, result) = calls::mark_deleted(st.engine, id, &carrier, "setup").await;
    st.exchanges.extend(ex);
    if result.is_err() {
        // Not marked: the cleanup still owes it the mark.
        st.created.push((id, carrier));
    }
    result
}

/// After a successful call of the delete endpoint (`[groups] delete`): the group its
/// body named (`delete_property`) is no longer the run's to mark Deleted; removed, or
/// marked by the server, either way it is not given back or marked again.
pub(in crate::engine) fn note_deleted_by_call(st: &mut State<'_>, endpoint: &Endpoint) {
    let props = &st.engine.family.api.props;
    let (Some(delete), Some(property)) = (&props.delete, &props.delete_property) else {
        return;
    };
    if &endpoint.description.uid != delete {
        return;
    }
    let sent = st
        .exchanges
        .iter()
        .rev()
        .find(|e| e.purpose == "main")
        .and_then(|e| e.request.body.as_deref())
        .and_then(|b| serde_json::from_slice::<Value>(b).ok());
    let id = sent
        .as_ref()
        .and_then(|v| v.get(property))
        .and_then(Value::as_i64)
        .and_then(|i| i32::try_from(i).ok());
    if let Some(id) = id.filter(|id| st.engine.family.groups.is_ours(*id)) {
        st.created.retain(|(c, _)| *c != id);
        st.engine.family.groups.forget(id);
        st.notes.push(format!(
            "group {id} was deleted by the call; it is not marked Deleted"
        ));
    }
}

/// A group this trial created: the run's to mark Deleted.
fn adopt(st: &mut State<'_>, id: i32, carrier: Value) {
    st.engine.family.groups.remember(id, carrier.clone());
    st.created.push((id, carrier));
}

/// Remembers a group this trial created, so that it is marked Deleted afterwards. Only a
/// group whose name starts with the unique name just sent counts: the suite never
/// writes a group it cannot tell it made. When `$select` nulled out the name, it is
/// looked up with a read-only call. Anything this misses (no Id in the answer, an
/// unreadable answer, a timeout) the final sweep finds by the run's name prefix.
pub(in crate::engine) async fn register_created(
    st: &mut State<'_>,
    name: &str,
    sent: Option<&Value>,
    setup_id: Option<i32>,
    got: &Value,
) {
    let api = &st.engine.family.api;
    let got_id = api.id_of(got);
    note_deleted_answer(st, got_id.or(setup_id), got);
    let sent_id = sent.and_then(|s| api.id_of(s)).or(setup_id);
    if let Some(sent_id) = sent_id {
        let other = got_id.filter(|g| *g != sent_id);
        match (other, sent) {
            // An update answered by another group with the name just sent: the server
            // made a new group of it, which is this run's to mark Deleted.
            (Some(new_id), Some(sent))
                if api.named(got, name) && !st.created.iter().any(|(c, _)| *c == new_id) =>
            {
                adopt(st, new_id, api.saved_carrier(sent, got, new_id));
            }
            // An update of a group already registered by its setup: its new state.
            (None, Some(sent)) => {
                if let Some(entry) = st.created.iter_mut().find(|(c, _)| *c == sent_id) {
                    entry.1 = api.saved_carrier(sent, got, entry.0);
                }
            }
            _ => {}
        }
        return;
    }
    let id = match (got_id, api.named(got, name)) {
        (Some(id), true) => Some(id),
        (Some(id), false) if api.unnamed(got) => match calls::read_back(st, id).await {
            Ok(back) if st.engine.family.api.named(&back, name) => Some(id),
            _ => None,
        },
        (Some(id), false) => {
            st.notes.push(format!(
                "the answer names group {id}, which does not carry the name `{name}`: it is left untouched"
            ));
            return;
        }
        (None, true) => match sent {
            Some(sent) => calls::find_by_name(st, sent).await,
            None => None,
        },
        (None, false) => return,
    };
    match id {
        Some(id) if !st.created.iter().any(|(c, _)| *c == id) => {
            let carrier = st
                .engine
                .family
                .api
                .saved_carrier(sent.unwrap_or(got), got, id);
            adopt(st, id, carrier);
        }
        Some(_) => {}
        None => {
            let props = st.engine.family.api.props.name_properties.join(" or ");
            st.notes.push(format!(
                "could not confirm which group this save created (no Id, or no {props} starting with `{name}`); the final sweep looks for it by name"
            ))
        }
    }
}

/// Remembers whether the server answered the save of group `id` as Deleted (anything
/// else, a nulled-out mark included, is not a confirmation).
fn note_deleted_answer(st: &mut State<'_>, id: Option<i32>, got: &Value) {
    let Some(id) = id else { return };
    st.answered_deleted.retain(|d| *d != id);
    if st.engine.family.api.is_deleted(got) {
        st.answered_deleted.push(id);
    }
}

/// Gives the trial's groups back for reuse when it passed, else marks them Deleted.
pub(in crate::engine) async fn cleanup(st: &mut State<'_>) {
    let created = std::mem::take(&mut st.created);
    // A group is reused only after a trial that passed: its state is then the carrier
    // last saved, and a fault cannot carry over into the next trial.
    let passed = st.expects_success
        && st.exchanges.iter().all(|e| e.response.is_ok())
        && matches!(Verdict::of(&st.results), Verdict::Pass | Verdict::Info);
    let engine = st.engine;
    let replaying = crate::exchange::replay::active();
    for (id, carrier) in created {
        let deleted = st.answered_deleted.contains(&id);
        // Rejudging: the record says whether the group was marked Deleted here.
        let kept = if replaying {
            !crate::exchange::replay::next_cleans_up(id)
        } else {
            (passed && engine.family.groups.give_back(id, &carrier, deleted)) || engine.keep_created
        };
        if kept {
            continue;
        }
        if passed && deleted && !replaying {
            // The server said it saved it Deleted: no request marks it again.
            engine.family.groups.forget(id);
            continue;
        }
        let (ex, result) = calls::mark_deleted(engine, id, &carrier, "cleanup").await;
        st.exchanges.extend(ex);
        if let Err(e) = result {
            st.notes
                .push(format!("cleanup: {e} (the final sweep retries)"));
        }
    }
}

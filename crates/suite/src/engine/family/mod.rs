//! The UserGroup family as a layer of the engine. The engine's trial steps are generic:
//! build the request, send it in its body forms, judge the answer against the endpoint's
//! page. For the endpoints the family's own cases name (`Suite::own_cases`), this layer
//! adds what writing real groups on a live server takes: the group a case works on
//! (leased or created), the Id guard on bodies, the groups a save created, read-backs,
//! listings, the health probe, cleanup and the final sweep. Nothing outside this module
//! knows what a UserGroup is.

mod api;
pub(super) mod calls;
mod checks;
mod groups;
mod guard;
pub(super) mod lifecycle;
pub(super) mod sweep;

pub(super) use api::GroupApi;
pub(super) use groups::GroupRegistry;
pub use sweep::SweepReport;

use super::trial::{Setups, State};
use super::Engine;
use crate::cases::Setup;
use crate::checks::Intrinsic;
use crate::exchange::Response;
use crate::matrix::TrialSpec;
use crate::suite::Endpoint;
use serde_json::Value;

/// The family's state in a run: its calls and carrier, and the groups the run made.
pub(super) struct Family {
    pub api: GroupApi,
    pub groups: GroupRegistry,
}

impl Engine {
    /// Whether the family layer covers endpoint `uid` (a case of its own names it).
    pub(super) fn family_covers(&self, uid: &str) -> bool {
        self.suite.own_cases.contains(uid)
    }
}

/// The groups the case works on (`setup`), made before its request; `None` when they
/// could not be made (recorded as the `setup` check).
pub(super) async fn setup(st: &mut State<'_>, endpoint: &Endpoint, name: &str) -> Option<Setups> {
    let engine = st.engine;
    if st.case.setup == Setup::None {
        return Some((None, None));
    }
    let second = if st.case.setup == Setup::CreateTwo {
        Some(match st.replaying {
            Some(r) => r.second_name.clone().unwrap_or_default(),
            None => engine.unique_name(),
        })
    } else {
        None
    };
    let made = match lifecycle::setup_group(st, endpoint, name).await {
        Ok(id) if st.case.setup == Setup::CreateDeleted => lifecycle::mark_setup_deleted(st, id)
            .await
            .map(|()| (id, None)),
        Ok(id) => match &second {
            None => Ok((id, None)),
            Some(second) => {
                if let Some(r) = st.replay.as_mut() {
                    r.second_name = Some(second.clone());
                }
                lifecycle::create_more(st, second)
                    .await
                    .map(|id2| (id, Some(id2)))
            }
        },
        Err(e) => Err(e),
    };
    match made {
        Ok((id, id2)) => Some((Some(id), id2)),
        Err(e) => {
            st.intrinsic(
                Intrinsic::Setup,
                Err(format!(
                    "could not create the group this case works on: {e}"
                )),
            );
            None
        }
    }
}

/// Before the request goes out: the Id guard (a body may name only this run's groups,
/// or 0) and the carrier the body holds, to compare the answer with.
pub(super) fn prepare(
    engine: &Engine,
    endpoint: &Endpoint,
    body: Option<&Value>,
    raw: Option<&str>,
) -> Result<Option<Value>, String> {
    guard::check(engine, body, raw)?;
    // A raw body that happens to be JSON still names the group it would create.
    let raw_value = raw.and_then(|r| serde_json::from_str::<Value>(r).ok());
    let wrapper = engine.family.api.wrapper_of(endpoint);
    if endpoint.description.uid == engine.family.api.props.save {
        engine.family.groups.note_save_sent();
    }
    Ok(body
        .or(raw_value.as_ref())
        .and_then(|b| engine.family.api.carrier_of(b, &wrapper))
        .cloned())
}

pub(super) use checks::{healthy_after, not_read};

/// After the answer: the groups it shows created or deleted, the carrier's checks (echo,
/// Id, read-back, listings) and the health probe.
#[allow(clippy::too_many_arguments)]
pub(super) async fn after(
    st: &mut State<'_>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    name: &str,
    resp: &Response,
    decoded: Option<&Value>,
    sent: Option<&Value>,
    setups: Setups,
) {
    let (setup_id, setup_id2) = setups;
    if (200..300).contains(&resp.status) {
        lifecycle::note_deleted_by_call(st, endpoint);
    }
    match decoded {
        Some(v) => {
            lifecycle::register_created(st, name, sent, setup_id, v).await;
            if !v.is_null() {
                checks::carrier(st, spec, endpoint, v, sent, setups).await;
            }
        }
        // Not checked (`body = "any"`) or unreadable: still find out whether the server
        // saved a group, so that it ends marked Deleted.
        None if (200..300).contains(&resp.status) => {
            match checks::lenient_decode(endpoint, resp.content_type(), &resp.body) {
                Some(v) => lifecycle::register_created(st, name, sent, setup_id, &v).await,
                None if sent.is_some() => st.notes.push(
                    "the answer could not be read: if the server saved a group, the final sweep finds it by name".into(),
                ),
                None => {}
            }
        }
        None => {}
    }
    // No carrier came back (DeleteUserGroup's 204): a listing check still runs.
    if (200..300).contains(&resp.status) && decoded.is_none_or(Value::is_null) {
        checks::listing(st, setup_id, setup_id2).await;
    }
    if st.case.expect.healthy_after {
        checks::healthy_after(st).await;
    }
}

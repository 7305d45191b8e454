//! The family's checks on a carrier answered: `$select` of the group's properties, echo,
//! Id, read-back, listings; whether an answer to a guessed body form shows it unread; and
//! the health probe after a negative case.

use super::calls;
use crate::cases::{IdExpect, Listing};
use crate::checks::{self, binding, group, select};
use crate::decode;
use crate::engine::trial::verify::{answer_family, answer_schema, selection};
use crate::engine::trial::State;
use crate::engine::Engine;
use crate::exchange::Response;
use crate::matrix::TrialSpec;
use crate::suite::Endpoint;
use crate::vocab::Level;
use serde_json::Value;

/// Why a 2xx answer to a body form no page gives shows that the server did not read it
/// (see [`binding::not_read`]); `None` when it does not, or when it cannot tell (no body,
/// a body that does not decode: those are judged as answers).
pub(in crate::engine) fn not_read(
    engine: &Engine,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    sent: Option<&Value>,
    resp: &Response,
) -> Option<String> {
    let sent = sent?;
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let family = answer_family(resp.content_type());
    let schema = answer_schema(spec, endpoint);
    let got = decode::decode(family, &resp.body, schema).ok()?.value;
    let is_error = engine.validators.is_agent_error(&got);
    let selection = selection(spec, endpoint);
    let nulled = |p: &str| selection.as_ref().is_some_and(|s| !s.kept.contains(p));
    // Only this run's groups are known to exist.
    let exists = |k: i64| i32::try_from(k).is_ok_and(|k| engine.family.groups.is_ours(k));
    let why = binding::not_read(sent, &got, is_error, &nulled, &exists)?;
    // A carrier answered with a key: if the server made a record of the unread body, the
    // suite cannot tell it from one it did not make, and leaves it as it is.
    Some(match engine.family.api.id_of(&got).filter(|id| *id != 0) {
        Some(id) => format!("{why}; it names record {id}, left untouched"),
        None => why,
    })
}

/// A 2xx body the case does not check, read as well as it can be: the carrier, or nothing.
pub(in crate::engine) fn lenient_decode(
    endpoint: &Endpoint,
    content_type: Option<&str>,
    body: &[u8],
) -> Option<Value> {
    let family = answer_family(content_type);
    decode::decode(family, body, &endpoint.response_schema)
        .ok()
        .map(|d| d.value)
        .filter(Value::is_object)
}

/// The checks on the carrier answered: `$select`, echo, Id, read-back, listings.
pub(in crate::engine) async fn carrier(
    st: &mut State<'_>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    got: &Value,
    sent: Option<&Value>,
    setup_ids: (Option<i32>, Option<i32>),
) {
    let (setup_id, setup_id2) = setup_ids;
    let case = st.case;
    let api = &st.engine.family.api;
    let selection = selection(spec, endpoint);
    if let Some(sel) = &selection {
        let kept: Vec<&str> = api
            .props
            .name_properties
            .first()
            .into_iter()
            .chain([&api.props.id_property])
            .map(String::as_str)
            .collect();
        // A list answer: `$select` applies to each carrier in it. Only this run's groups
        // are known to have a name; any stored group has an Id.
        let (items, list): (Vec<&Value>, bool) = match got {
            Value::Array(a) => (a.iter().collect(), true),
            one => (vec![one], false),
        };
        let prefix = st.engine.run_prefix();
        let id_only = [api.props.id_property.as_str()];
        let outcome = items.iter().try_for_each(|item| {
            select::check_nulled(sel, item, &endpoint.response_schema)?;
            let known: &[&str] = if list && !api.named(item, &prefix) {
                &id_only
            } else {
                &kept
            };
            select::check_kept(sel, item, known)
        });
        st.case_check("select", outcome);
    }
    let nulled = |p: &str| selection.as_ref().is_some_and(|s| !s.kept.contains(p));
    if !case.expect.echo.is_empty() {
        match sent {
            Some(sent) => {
                let seen = checks::null_became_empty(&case.expect.echo, sent, got);
                st.notes
                    .extend(seen.into_iter().map(|n| format!("echo: {n}")));
                st.case_check(
                    "echo",
                    checks::same_values(&case.expect.echo, sent, got, &nulled),
                )
            }
            None => st.case_check(
                "echo",
                Err("the case sends no carrier to compare with".into()),
            ),
        }
    }
    let id_property = api.props.id_property.as_str();
    let got_id = got.get(id_property).and_then(Value::as_i64);
    match case.expect.id {
        Some(IdExpect::Assigned) if !nulled(id_property) => {
            st.case_check("id", group::id_assigned(got_id, got.get(id_property)))
        }
        Some(IdExpect::Same) if !nulled(id_property) => {
            st.case_check("id", group::id_same(got_id, setup_id))
        }
        Some(IdExpect::Contained) => {
            st.case_check("id", group::contains(got, id_property, setup_id))
        }
        Some(IdExpect::Only) => {
            let named: Vec<i32> = [setup_id, setup_id2].into_iter().flatten().collect();
            st.case_check("id", group::only(got, id_property, setup_id, &named))
        }
        _ => {}
    }
    for property in &case.expect.not_below_setup {
        // What the setup group holds now: this trial holds it alone.
        let floor = st
            .created
            .iter()
            .find(|(c, _)| Some(*c) == setup_id)
            .and_then(|(_, carrier)| carrier.get(property))
            .and_then(Value::as_i64);
        match group::not_below(got, property, floor) {
            Ok(()) => st.case_check("not_below_setup", Ok(())),
            Err(group::NotBelow::Below(e)) => st.case_check("not_below_setup", Err(e)),
            // Could not establish what the check depends on: reported, never passed.
            Err(group::NotBelow::Unknown(e)) => {
                st.case_check_at(Level::Info, "not_below_setup", Err(e))
            }
        }
    }
    let target_id = setup_id
        .map(i64::from)
        .or(got_id)
        .and_then(|i| i32::try_from(i).ok())
        .filter(|i| *i != 0);
    if !case.expect.read_back.is_empty() {
        let outcome = match (target_id, sent) {
            (Some(id), Some(sent)) => calls::read_back(st, id).await.and_then(|back| {
                let seen = checks::null_became_empty(&case.expect.read_back, sent, &back);
                st.notes
                    .extend(seen.into_iter().map(|n| format!("read-back: {n}")));
                checks::same_values(&case.expect.read_back, sent, &back, &|_| false)
            }),
            (None, _) => Err("no Id to read back".into()),
            (_, None) => Err("the case sends no carrier to compare with".into()),
        };
        st.case_check("read_back", outcome);
    }
    listing(st, target_id, setup_id2).await;
}

/// The case's listing check (`expect.listing`) on group `id`: after a carrier, or on its
/// own after an answer with none (DeleteUserGroup's 204). A group gone: the case's second
/// group (`id2`, where the members move) must still be there, so that a server that
/// deleted the wrong one is caught.
pub(in crate::engine) async fn listing(st: &mut State<'_>, id: Option<i32>, id2: Option<i32>) {
    if let Some(listing) = st.case.expect.listing {
        let outcome = match (id, listing, id2) {
            (Some(id), Listing::Gone, Some(id2)) => {
                listed(st, &[(id, listing), (id2, Listing::Active)]).await
            }
            (Some(id), _, _) => listed(st, &[(id, listing)]).await,
            (None, _, _) => Err("no Id to look for".into()),
        };
        st.case_check("listing", outcome);
    }
}

/// Lists the groups without and with deleted ones, and checks where each group shows.
async fn listed(st: &mut State<'_>, expected: &[(i32, Listing)]) -> Result<(), String> {
    let mut lists = vec![];
    for include in [false, true] {
        lists.push(calls::list_groups(st, "listing", include).await?);
    }
    let api = &st.engine.family.api;
    let found = |list: &Vec<Value>, id: i32| list.iter().any(|g| api.id_of(g) == Some(id));
    let errors: Vec<String> = expected
        .iter()
        .filter_map(|(id, listing)| {
            group::listed(
                &api.include_deleted,
                *id,
                found(&lists[0], *id),
                found(&lists[1], *id),
                *listing,
            )
            .err()
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// After the request, a valid read of group 0 is still answered below 500.
pub(in crate::engine) async fn healthy_after(st: &mut State<'_>) {
    let outcome = match calls::health_probe(st.engine).await {
        Ok(ex) => {
            let answer = ex
                .response
                .as_ref()
                .map(|r| r.status)
                .map_err(|e| e.to_string());
            st.exchanges.push(ex);
            group::still_healthy(answer)
        }
        Err(e) => Err(e),
    };
    st.case_check("healthy_after", outcome);
}

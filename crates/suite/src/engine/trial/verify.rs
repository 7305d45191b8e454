//! The checks on a trial's answer: status, refusal, media family, decoding, schema and
//! XML root; then, on the carrier, `$select`, echo, Id, read-back and listings; and
//! whether every request was answered. The comparisons themselves are in `checks/`.

use super::{calls, State};
use crate::cases::{BodyExpect, IdExpect, Listing};
use crate::checks::{self, binding, group, select, validators, CheckResult, Intrinsic, Verdict};
use crate::decode::{self, DecodeError};
use crate::description::BodyShape;
use crate::engine::Engine;
use crate::exchange::{Exchange, Response, TransportError};
use crate::matrix::TrialSpec;
use crate::suite::Endpoint;
use crate::vocab::{self, Level, MediaFamily};
use serde_json::Value;

/// The checks on the main answer; the decoded body of a 2xx the case checks (`null`
/// for an accepted null result), or `None`.
pub(super) fn response(
    st: &mut State<'_>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    resp: &Response,
) -> Option<Value> {
    let case = st.case;
    st.case_check("status", checks::status(&case.expect.status, resp.status));
    if let Some(level) = case.expect.refused {
        let refused = (400..500).contains(&resp.status);
        st.results.push(CheckResult {
            check: "refused".into(),
            level: level.capped_by(case.level),
            spec: case.spec.clone(),
            passed: refused,
            message: (!refused).then(|| {
                format!(
                    "the docs prefer a 4xx refusal of this input; the server answered {}",
                    resp.status
                )
            }),
        });
    }
    if case.expect.not_invoked && (200..300).contains(&resp.status) {
        st.case_check(
            "not_invoked",
            checks::invoked::not_invoked(&endpoint.description, &resp.body),
        );
    }
    if (200..300).contains(&resp.status) && case.expect.body != BodyExpect::Any {
        body(
            st,
            spec,
            endpoint,
            resp.status,
            resp.content_type(),
            &resp.body,
        )
    } else {
        None
    }
}

/// What a successful call of `endpoint` answers, in words (`a UserGroup carrier`).
fn endpoint_answer(endpoint: &Endpoint) -> String {
    let body = &endpoint.description.response_body;
    match (&body.shape, &body.carrier) {
        (BodyShape::Array, Some(c)) => format!("an array of {c}"),
        (_, Some(c)) => format!("a {c} carrier"),
        _ => "the documented answer".to_string(),
    }
}

/// Media family, decoding, schema and XML root. Returns the decoded value when the body
/// could be read at all.
fn body(
    st: &mut State<'_>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Option<Value> {
    let case = st.case;
    let expected = case.expect.media.or_else(|| {
        spec.accept
            .as_ref()
            .and_then(|a| checks::preferred_family(&a.value))
    });
    let null_ok = matches!(case.expect.body, BodyExpect::MayBeNull | BodyExpect::Null);
    if null_ok && (status == 204 || body.iter().all(u8::is_ascii_whitespace)) {
        return Some(Value::Null);
    }
    // A byte stream asked for in a type of its own (`image/png`, listed beside JSON and
    // XML): answered in that type; its bytes are the tenant's.
    if let Some(asked) = spec
        .accept
        .as_ref()
        .filter(|a| case.expect.media.is_none() && checks::preferred_family(&a.value).is_none())
    {
        if let Some(t) = checks::asked_type(&asked.value, &endpoint.description.accept_types) {
            st.intrinsic(Intrinsic::MediaType, checks::media_type(&t, content_type));
            return None;
        }
    }
    let family = match checks::media_family(expected, content_type) {
        Ok(f) => {
            st.intrinsic(Intrinsic::MediaFamily, Ok(()));
            // The family is right; the very type asked for is a should (case media
            // overrides leave it out: they expect another family on purpose).
            if case.expect.media.is_none() {
                let asked = spec
                    .accept
                    .as_ref()
                    .and_then(|a| checks::asked_type(&a.value, &endpoint.description.accept_types));
                if let Some(asked) = asked {
                    st.intrinsic(
                        Intrinsic::MediaType,
                        checks::media_type(&asked, content_type),
                    );
                }
            }
            f
        }
        Err(e) => {
            st.intrinsic(Intrinsic::MediaFamily, Err(e));
            // Still try to read it as what was asked for, to report what else is wrong.
            expected.unwrap_or(MediaFamily::Json)
        }
    };
    st.intrinsic(Intrinsic::Charset, checks::charset(content_type, body));
    let schema = answer_schema(spec, endpoint);
    let decoded = match decode::decode(family, body, schema) {
        Ok(d) => d,
        Err(e) => {
            let hint = match &e {
                DecodeError::Empty => format!("expected a {family} body"),
                _ => format!("as {family}"),
            };
            st.intrinsic(Intrinsic::BodyDecodes, Err(format!("{e} ({hint})")));
            return None;
        }
    };
    st.intrinsic(Intrinsic::BodyDecodes, Ok(()));
    // The schema admits the NULL result and the internal error object; whether this call
    // may answer them is the case's.
    match case.expect.body {
        BodyExpect::Null => st.case_check(
            "nothing",
            if decoded.value.is_null() {
                Ok(())
            } else {
                Err(format!(
                    "expected the NULL result (\"the request succeeds but there is nothing to return\"), got {}",
                    checks::excerpt(&decoded.value)
                ))
            },
        ),
        BodyExpect::AgentError => st.case_check(
            "agent_error",
            if st.engine.validators.is_agent_error(&decoded.value) {
                Ok(())
            } else {
                Err(format!(
                    "a 2xx answer here must be the agents' internal error object (\"the data is invalid. For example, a required parameter is missing\"), got {}",
                    checks::excerpt(&decoded.value)
                ))
            },
        ),
        _ => {}
    }
    if !null_ok && case.expect.body != BodyExpect::AgentError {
        let expected = || endpoint_answer(endpoint);
        let outcome = if decoded.value.is_null() {
            Err(format!(
                "expected {}, got the NULL result (`null`), the agents' answer to a failed call",
                expected()
            ))
        } else if st.engine.validators.is_agent_error(&decoded.value) {
            let text = decoded.value.to_string();
            let shown: String = text.chars().take(200).collect();
            Err(format!(
                "expected {}, got the agents' internal error object: {shown}{}",
                expected(),
                if shown.len() < text.len() { "..." } else { "" }
            ))
        } else {
            Ok(())
        };
        st.intrinsic(Intrinsic::HasResult, outcome);
    }
    let v = match st.engine.validators.get(&endpoint.description.uid) {
        Ok(v) => v,
        // The suite's own defect (a schema that does not compile): said, never a pass.
        Err(e) => {
            st.intrinsic(
                Intrinsic::Schema,
                Err(format!("the suite cannot check: {e}")),
            );
            return Some(decoded.value);
        }
    };
    let validator = if spec.select.is_some() {
        &v.select
    } else {
        &v.response
    };
    st.intrinsic(
        Intrinsic::Schema,
        validators::validate(validator, &decoded.value),
    );
    if let (Some(root), Some(carrier)) = (
        &decoded.xml_root,
        &endpoint.description.response_body.carrier,
    ) {
        if decoded.value.is_object() {
            st.intrinsic(Intrinsic::XmlRoot, group::xml_root(root, carrier));
        }
    }
    Some(decoded.value)
}

/// Why a 2xx answer to a body form no page gives shows that the server did not read it
/// (see [`binding::not_read`]); `None` when it does not, or when it cannot tell (no body,
/// a body that does not decode: those are judged as answers).
pub(super) fn not_read(
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
    let exists = |k: i64| i32::try_from(k).is_ok_and(|k| engine.groups.is_ours(k));
    let why = binding::not_read(sent, &got, is_error, &nulled, &exists)?;
    // A carrier answered with a key: if the server made a record of the unread body, the
    // suite cannot tell it from one it did not make, and leaves it as it is.
    Some(match engine.api.id_of(&got).filter(|id| *id != 0) {
        Some(id) => format!("{why}; it names record {id}, left untouched"),
        None => why,
    })
}

/// A 2xx body the case does not check, read as well as it can be: the carrier, or nothing.
pub(super) fn lenient_decode(
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

/// The checks on a generic call's answer (not the NULL result): `$select` nulls every
/// property it does not name, in the carrier or each carrier of a list. Which properties
/// hold a value is the tenant's, so a selected one is not required to.
pub(super) fn generic(st: &mut State<'_>, spec: &TrialSpec, endpoint: &Endpoint, got: &Value) {
    let Some(sel) = selection(spec, endpoint) else {
        return;
    };
    if st.engine.validators.is_agent_error(got) {
        return;
    }
    let items: Vec<&Value> = match got {
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    let outcome = items
        .iter()
        .try_for_each(|item| select::check_nulled(&sel, item, &endpoint.response_schema));
    st.case_check("select", outcome);
}

/// The checks on the carrier answered: `$select`, echo, Id, read-back, listings.
pub(super) async fn carrier(
    st: &mut State<'_>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    got: &Value,
    sent: Option<&Value>,
    setup_ids: (Option<i32>, Option<i32>),
) {
    let (setup_id, setup_id2) = setup_ids;
    let case = st.case;
    let api = &st.engine.api;
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
pub(super) async fn listing(st: &mut State<'_>, id: Option<i32>, id2: Option<i32>) {
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
    let api = &st.engine.api;
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
pub(super) async fn healthy_after(st: &mut State<'_>) {
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

/// One `answers` result (must, not capped by the case's level) naming every request that
/// got no complete HTTP answer; nothing when all were answered.
pub(super) fn answers(st: &mut State<'_>) {
    let unanswered: Vec<String> = st
        .exchanges
        .iter()
        .filter_map(|e| match &e.response {
            Ok(_) => None,
            Err(err) if err.not_run() => None,
            Err(err) => Some(format!("the {} request got no answer: {err}", e.purpose)),
        })
        .collect();
    if !unanswered.is_empty() {
        st.intrinsic(Intrinsic::Answers, Err(unanswered.join("\n")));
    }
}

/// One `no_server_error` result (must, never capped) naming every request of the trial
/// answered 5xx; nothing when none was. An info case fails on it too: the agents page
/// says "The agents do not return HTTP errors".
pub(super) fn no_server_error(st: &mut State<'_>) {
    let answers = st
        .exchanges
        .iter()
        .filter_map(|e| e.response.as_ref().ok().map(|r| (e.purpose, r.status)));
    if let Err(e) = checks::no_server_error(answers) {
        st.intrinsic(Intrinsic::NoServerError, Err(e));
    }
}

/// The first request of the trial the suite did not send, or gave up on the target's
/// word: the budget (`--max-requests`) ran out, the run was halted, or the target
/// answered only rate limits.
pub(super) fn not_run(exchanges: &[Exchange]) -> Option<&TransportError> {
    exchanges
        .iter()
        .find_map(|e| e.response.as_ref().err().filter(|e| e.not_run()))
}

/// A trial that could not send all its requests: what it found before (a failure stands)
/// or skipped, with the reason. Checks that failed only because of the refusal do not count.
pub(super) fn not_run_verdict(results: &[CheckResult], refusal: &TransportError) -> Verdict {
    let refused = refusal.to_string();
    let found: Vec<CheckResult> = results
        .iter()
        .filter(|r| !r.message.as_deref().is_some_and(|m| m.contains(&refused)))
        .cloned()
        .collect();
    match Verdict::of(&found) {
        v @ (Verdict::Fail | Verdict::Warn) => v,
        _ => Verdict::Skipped(match refusal {
            TransportError::BudgetExhausted(max) => format!(
                "{}: --max-requests {max} was reached before this trial could send all its requests",
                TransportError::BUDGET_EXHAUSTED
            ),
            other => other.to_string(),
        }),
    }
}

/// The schema an answer is checked against: the `$select` variant when one was sent.
fn answer_schema<'a>(spec: &TrialSpec, endpoint: &'a Endpoint) -> &'a Value {
    if spec.select.is_some() {
        &endpoint.select_schema
    } else {
        &endpoint.response_schema
    }
}

/// What the trial's `$select` keeps of the endpoint's carrier, if one was sent.
fn selection(spec: &TrialSpec, endpoint: &Endpoint) -> Option<select::Selection> {
    let s = spec.select.as_ref()?;
    select::carrier_schema(&endpoint.response_schema).map(|c| select::parse(&s.value, c))
}

/// How an answer is read when its family is not judged: by its label, JSON otherwise.
fn answer_family(content_type: Option<&str>) -> MediaFamily {
    content_type
        .and_then(vocab::family_of)
        .filter(|f| *f != MediaFamily::Form)
        .unwrap_or(MediaFamily::Json)
}

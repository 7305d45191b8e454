//! The checks on a trial's answer: status, refusal, media family, decoding, schema and
//! XML root; then, on the carrier, `$select`, echo, Id, read-back and listings; and
//! whether every request was answered. The comparisons themselves are in `checks/`.

use super::State;
use crate::cases::BodyExpect;
use crate::checks::{self, group, select, validators, CheckResult, Intrinsic, Verdict};
use crate::decode::{self, DecodeError};
use crate::description::BodyShape;
use crate::exchange::{Exchange, Response, TransportError};
use crate::matrix::TrialSpec;
use crate::suite::Endpoint;
use crate::vocab::{self, MediaFamily};
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
            spec: st.spec.clone(),
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
        // The call's documented answer: valid under its schema, not NULL or the error object.
        let engine = st.engine;
        let answers = |v: &Value| {
            !v.is_null()
                && !engine.validators.is_agent_error(v)
                && engine
                    .validators
                    .get(&endpoint.description.uid)
                    .is_ok_and(|x| x.response.all.is_valid(v))
        };
        st.case_check(
            "not_invoked",
            checks::invoked::not_invoked(&endpoint.description, &resp.body, &answers),
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
    let null_ok = matches!(
        case.expect.body,
        BodyExpect::MayBeNull | BodyExpect::Null | BodyExpect::Failed
    );
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
        BodyExpect::Failed => st.case_check(
            "failed",
            if decoded.value.is_null() || st.engine.validators.is_agent_error(&decoded.value) {
                Ok(())
            } else {
                Err(format!(
                    "a 2xx answer here must be a failed call's: the NULL result or the agents' internal error object, got {}",
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
pub(in crate::engine) fn answer_schema<'a>(spec: &TrialSpec, endpoint: &'a Endpoint) -> &'a Value {
    if spec.select.is_some() {
        &endpoint.select_schema
    } else {
        &endpoint.response_schema
    }
}

/// What the trial's `$select` keeps of the endpoint's carrier, if one was sent.
pub(in crate::engine) fn selection(
    spec: &TrialSpec,
    endpoint: &Endpoint,
) -> Option<select::Selection> {
    let s = spec.select.as_ref()?;
    select::carrier_schema(&endpoint.response_schema).map(|c| select::parse(&s.value, c))
}

/// How an answer is read when its family is not judged: by its label, JSON otherwise.
pub(in crate::engine) fn answer_family(content_type: Option<&str>) -> MediaFamily {
    content_type
        .and_then(vocab::family_of)
        .filter(|f| *f != MediaFamily::Form)
        .unwrap_or(MediaFamily::Json)
}

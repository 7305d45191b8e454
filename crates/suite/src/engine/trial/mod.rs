//! One trial, start to finish. This file is the order of its steps; each step lives in
//! the module named for its job:
//!
//! - [`request`]: placeholders, the body forms, headers and URL of the request sent;
//! - [`id_guard`]: refuses a body that names a group this run did not create;
//! - [`lifecycle`]: the group a case works on (leased or created), the groups a save
//!   created, and their cleanup;
//! - [`calls`]: the engine's own bookkeeping requests (create, read back, list, mark
//!   Deleted);
//! - [`verify`]: the checks on the answer, with the pure comparisons in `checks/`.

pub(super) mod id_guard;
pub(super) mod request;
pub(super) mod verify;

pub(super) use request::generated_for;

use super::family::{self, lifecycle};
use super::{Engine, ReplayState, TrialReport};
use crate::auth::AuthMode;
use crate::cases::Case;
use crate::checks::{CheckResult, Intrinsic, Verdict};
use crate::exchange::{auth_headers, curl, Exchange, Response};
use crate::matrix::TrialSpec;
use crate::vocab::Level;
use serde_json::Value;
use std::time::Instant;

/// Status codes that say "I did not understand this body": the next reasonable body form
/// is tried when the case expects success.
const REFUSED_BODY: [u16; 3] = [400, 415, 422];

/// The groups a case's setup made (`{id}`, `{id2}`).
pub(in crate::engine) type Setups = (Option<i32>, Option<i32>);

/// What a trial has gathered so far.
pub(in crate::engine) struct State<'a> {
    pub(in crate::engine) engine: &'a Engine,
    pub(in crate::engine) case: &'a Case,
    pub(in crate::engine) results: Vec<CheckResult>,
    pub(in crate::engine) exchanges: Vec<Exchange>,
    pub(in crate::engine) notes: Vec<String>,
    /// Groups created by this trial, with the carrier last saved for each.
    pub(in crate::engine) created: Vec<(i32, Value)>,
    /// Sent instead of the case's body (a shrinking step of a generated body).
    pub(in crate::engine) body_override: Option<&'a Value>,
    /// The case expects its save to succeed: only then may the groups this trial holds
    /// be reused by a later trial (a refused or malformed request may leave anything).
    pub(in crate::engine) expects_success: bool,
    /// Groups whose last save this trial made was answered Deleted.
    pub(in crate::engine) answered_deleted: Vec<i32>,
    /// Rejudging: the state the recorded run gave this trial (its name, its reused group).
    pub(in crate::engine) replaying: Option<&'a ReplayState>,
    /// The state this trial took from the run, for its report (and a later replay).
    pub(in crate::engine) replay: Option<ReplayState>,
    /// Why the trial could not be run (the suite cannot send the request): it is
    /// skipped with this reason, never passed or failed.
    pub(in crate::engine) cannot_run: Option<String>,
    /// The case's citation for this trial's endpoint (its own page, for a case that
    /// cites each endpoint's).
    pub(in crate::engine) spec: crate::cases::SpecRef,
}

impl<'a> State<'a> {
    fn new(
        engine: &'a Engine,
        spec: &TrialSpec,
        body_override: Option<&'a Value>,
        replaying: Option<&'a ReplayState>,
    ) -> State<'a> {
        State {
            engine,
            case: spec.case(&engine.suite),
            results: vec![],
            exchanges: vec![],
            notes: vec![],
            created: vec![],
            body_override,
            expects_success: false,
            answered_deleted: vec![],
            replaying,
            replay: None,
            cannot_run: None,
            spec: spec.case(&engine.suite).spec.for_endpoint(&spec.endpoint),
        }
    }

    /// Records a case-level check (the case's own level and citation).
    pub(in crate::engine) fn case_check(&mut self, check: &str, outcome: Result<(), String>) {
        self.case_check_at(self.case.level, check, outcome);
    }

    /// Records a check at `level` with the case's citation.
    pub(in crate::engine) fn case_check_at(
        &mut self,
        level: Level,
        check: &str,
        outcome: Result<(), String>,
    ) {
        self.results.push(CheckResult {
            check: check.into(),
            level,
            spec: self.spec.clone(),
            passed: outcome.is_ok(),
            message: outcome.err(),
        });
    }

    /// Records an intrinsic check: its own level from `checks.toml`, capped by the case's.
    pub(in crate::engine) fn intrinsic(&mut self, which: Intrinsic, outcome: Result<(), String>) {
        let doc = self
            .engine
            .suite
            .cases
            .checks
            .checks
            .iter()
            .find(|c| c.id == which.id());
        let (level, spec) = match doc {
            Some(d) if which.capped() => (d.level.capped_by(self.case.level), d.spec.clone()),
            Some(d) => (d.level, d.spec.clone()),
            None => (self.case.level, self.spec.clone()),
        };
        self.results.push(CheckResult {
            check: which.id().into(),
            level,
            spec,
            passed: outcome.is_ok(),
            message: outcome.err(),
        });
    }
}

/// Runs one trial; `body_override` replaces the request object (before placeholders);
/// `replaying` (rejudging) gives it the recorded run's state instead of this run's.
pub(super) async fn run(
    engine: &Engine,
    spec: &TrialSpec,
    body_override: Option<&Value>,
    replaying: Option<&ReplayState>,
) -> TrialReport {
    let t0 = Instant::now();
    let mut st = State::new(engine, spec, body_override, replaying);
    let refused = engine.refuses_to_call(spec.endpoint_uid(&engine.suite));
    let skip = match (refused, auth_headers(&spec.auth, &engine.credentials)) {
        (Some(why), _) => Some(why),
        (None, Ok(auth)) => {
            steps(&mut st, spec, auth).await;
            st.cannot_run.take()
        }
        (None, Err(e)) => Some(e.0),
    };
    lifecycle::cleanup(&mut st).await;
    verify::answers(&mut st);
    verify::no_server_error(&mut st);
    let verdict = match (skip, verify::not_run(&st.exchanges)) {
        (Some(reason), _) => Verdict::Skipped(engine.redactor.text(&reason)),
        (None, Some(refusal)) => verify::not_run_verdict(&st.results, refusal),
        (None, None) => Verdict::of(&st.results),
    };
    report(st, spec, verdict, t0)
}

/// The report of a trial that was not started (the run was halted): skipped, `reason`.
pub(super) fn not_run(engine: &Engine, spec: &TrialSpec, reason: String) -> TrialReport {
    let st = State::new(engine, spec, None, None);
    let verdict = Verdict::Skipped(engine.redactor.text(&reason));
    report(st, spec, verdict, Instant::now())
}

/// The steps of a trial: the group it works on, the request (the next body form after a
/// refusal of an undocumented encoding), the checks of the answer, the groups it created,
/// and whether the server is still well afterwards.
async fn steps(st: &mut State<'_>, spec: &TrialSpec, auth: Vec<(String, String)>) {
    let engine = st.engine;
    let uid = spec.endpoint_uid(&engine.suite);
    let Some(endpoint) = engine.suite.endpoint(uid) else {
        st.case_check("endpoint", Err(format!("no description for `{uid}`")));
        return;
    };
    let name = match st.replaying {
        Some(r) => r.name.clone(),
        None => engine.unique_name(),
    };
    st.replay = Some(ReplayState {
        name: name.clone(),
        leased: None,
        second_name: None,
    });
    // The UserGroup family's layer, for the endpoints its cases name; every other call is
    // judged from its page alone.
    let family = engine.family_covers(uid);
    let setups = if family {
        match family::setup(st, endpoint, &name).await {
            Some(ids) => ids,
            None => return,
        }
    } else {
        (None, None)
    };
    let Some(prepared) = request::prepare(st, spec, endpoint, &name, setups, auth) else {
        return;
    };
    st.expects_success = st.case.expect.status.iter().any(|p| p.admits_success());
    let sent_value = prepared.sent_value.as_ref();
    // Whether an answer shows the body unread is told from the family's records; a
    // generic call's NULL or empty answer may be its documented one (a key 0 names
    // nothing), so there only a refusal moves on to the next form.
    let read = |r: &Response| {
        family
            .then(|| family::not_read(engine, spec, endpoint, sent_value, r))
            .flatten()
    };
    let sent = send(st, prepared.attempts, &read).await;
    if let Some((level, why)) = sent.unbound {
        // Nothing the server did can be judged on a form the docs never give.
        st.case_check_at(level.capped_by(st.case.level), "binding", Err(why));
        if family && st.case.expect.healthy_after {
            family::healthy_after(st).await;
        }
        return;
    }
    // No answer at all: the `answers` check says so (at must, whatever the case).
    let Some(resp) = sent.response else {
        return;
    };
    let decoded = verify::response(st, spec, endpoint, &resp);
    if family {
        let sent = prepared.sent_carrier.as_ref();
        family::after(
            st,
            spec,
            endpoint,
            &name,
            &resp,
            decoded.as_ref(),
            sent,
            setups,
        )
        .await;
    } else if let Some(v) = decoded.as_ref().filter(|v| !v.is_null()) {
        verify::generic(st, spec, endpoint, v);
    }
}

/// What came of sending the request in its body forms.
struct Sent {
    /// The last answer, if any.
    response: Option<Response>,
    /// Every form was a guess and the server bound none: at what level that is reported
    /// (info; should when one was the form the vendor's client sends), and why, form by
    /// form.
    unbound: Option<(Level, String)>,
}

/// Sends the request in each body form in turn while the case expects success: the next
/// form after one the server refused as unreadable (400/415/422) or, for a form no page
/// gives, answered as if it had read nothing (`read`). Which form bound is noted.
async fn send(
    st: &mut State<'_>,
    attempts: Vec<request::Attempt>,
    read: &(dyn Fn(&Response) -> Option<String> + Sync),
) -> Sent {
    let n = attempts.len();
    let all_guesses = attempts.iter().all(|a| a.guess);
    let mut response = None;
    let mut not_bound: Vec<(String, String)> = vec![];
    let mut refused_type_only = true;
    let mut client_form = None;
    for (i, attempt) in attempts.into_iter().enumerate() {
        let label = attempt.request.body_label.clone().unwrap_or_default();
        let mut ex = st.engine.client.send("main", attempt.request).await;
        let why = match &ex.response {
            Ok(r) if st.expects_success && REFUSED_BODY.contains(&r.status) => {
                refused_type_only &= r.status == 415;
                Some(r.status.to_string())
            }
            Ok(r) if st.expects_success && attempt.guess && (200..300).contains(&r.status) => {
                read(r).map(|w| {
                    refused_type_only = false;
                    format!("{}: {w}", r.status)
                })
            }
            _ => None,
        };
        response = Some(ex.response.clone());
        let last = i + 1 == n;
        match why {
            Some(why) => {
                if attempt.client {
                    client_form.get_or_insert_with(|| label.clone());
                }
                not_bound.push((label, why));
                if !last {
                    ex.purpose = "attempt";
                }
                st.exchanges.push(ex);
                if last {
                    break;
                }
            }
            None => {
                st.exchanges.push(ex);
                if attempt.guess {
                    st.notes.push(bound_note(&label, &not_bound));
                }
                return Sent {
                    response: response.and_then(Result::ok),
                    unbound: None,
                };
            }
        }
    }
    let listed = || {
        not_bound
            .iter()
            .map(|(l, w)| format!("{l} ({w})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A 415 for every form refuses the Content-Type itself, which the page lists: that
    // is judged, not excused as a guess; so is a refusal the case accepts (a malformed
    // body's 400).
    let refusal_expected = response
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .is_some_and(|r| {
            REFUSED_BODY.contains(&r.status)
                && crate::checks::status(&st.case.expect.status, r.status).is_ok()
        });
    let unbound = (all_guesses && !refused_type_only && !refusal_expected).then(|| {
        let why = format!(
            "the server bound none of these forms, and no page gives the form of this body: {}",
            listed()
        );
        match client_form {
            Some(form) => (
                Level::Should,
                format!(
                    "{why}; `{form}` is the form the official @superoffice/webapi client sends"
                ),
            ),
            None => (Level::Info, why),
        }
    });
    Sent {
        response: response.and_then(Result::ok),
        unbound,
    }
}

/// The note that records which body form the server bound, and the ones before it.
fn bound_note(label: &str, before: &[(String, String)]) -> String {
    let mut note = format!("body form `{label}` bound (a guess: no page gives this form)");
    if !before.is_empty() {
        let tried: Vec<String> = before.iter().map(|(l, w)| format!("`{l}` ({w})")).collect();
        note.push_str(&format!("; not bound before it: {}", tried.join(", ")));
    }
    note
}

/// Records a must-level failure of the suite's own making (it never sends such a body).
fn safety_failure(st: &mut State<'_>, message: String) {
    st.results.push(CheckResult {
        check: "safety".into(),
        level: Level::Must,
        spec: st.spec.clone(),
        passed: false,
        message: Some(message),
    });
}

/// The trial's report, every text that quotes the server redacted.
fn report(mut st: State<'_>, spec: &TrialSpec, verdict: Verdict, t0: Instant) -> TrialReport {
    let engine = st.engine;
    let case = st.case;
    if engine.captures() {
        engine.capture(st.exchanges.iter().map(|e| e.request.clone()).collect());
    }
    // Recording costs more than many checks (every text is scanned for secrets): skip it
    // for a passing trial whose exchanges (and so `curl`) nobody will read, and a pass's
    // checks and notes too (the run keeps it light: see `Trials`).
    let unread = !engine.keeps_passing_details();
    if unread && matches!(verdict, Verdict::Pass | Verdict::Info) {
        st.exchanges.clear();
    }
    if unread && verdict == Verdict::Pass {
        st.results.clear();
        st.notes.clear();
    }
    let redactor = &engine.redactor;
    let main = st.exchanges.iter().rev().find(|e| e.purpose == "main");
    TrialReport {
        name: spec.name.clone(),
        trial: spec.trial.clone(),
        endpoint: spec.endpoint_uid(&engine.suite).to_string(),
        case_id: case.id.clone(),
        concern: spec.concern(&engine.suite).to_string(),
        title: case.title.clone(),
        level: case.level,
        spec: st.spec.clone(),
        verdict,
        curl: main.map(|e| {
            let near = match spec.auth {
                AuthMode::NearMiss(n) => Some(n),
                _ => None,
            };
            curl::command_for(&e.request, redactor, near)
        }),
        exchanges: st.exchanges.iter().map(|e| e.redacted(redactor)).collect(),
        // Check messages and notes quote what the server sent, which may echo a secret.
        results: st
            .results
            .into_iter()
            .map(|mut r| {
                r.message = r.message.map(|m| redactor.text(&m));
                r
            })
            .collect(),
        duration_ms: t0.elapsed().as_secs_f64() * 1000.0,
        notes: st.notes.iter().map(|n| redactor.text(n)).collect(),
        content_type: spec.content_type.as_ref().map(|m| m.value.to_string()),
        accept: spec.accept.as_ref().map(|m| m.value.to_string()),
        auth: spec.auth.token(),
        select: spec.select.as_ref().map(|s| s.value.clone()),
        replay: st.replay.clone(),
        waived: None,
        spooled: false,
    }
}

//! One trial, start to finish: auth headers, optional setup, the request (trying the
//! next body form when an undocumented encoding is refused), the checks, read-back, and
//! cleanup of anything it created.

use super::{Engine, TrialReport};
use crate::auth::AuthMode;
use crate::cases::{BodyExpect, Case, IdExpect, Listing, Setup};
use crate::checks::{self, select, validators, CheckResult, Intrinsic, Verdict};
use crate::decode::{self, DecodeError};
use crate::exchange::{auth_headers, curl, encode, Exchange, Request, TransportError};
use crate::generate::{self, CarrierModel, Generated};
use crate::matrix::TrialSpec;
use crate::suite::Endpoint;
use crate::vocab::{header, MediaFamily};
use serde_json::{json, Value};
use std::time::Instant;

/// Status codes that say "I did not understand this body": the next reasonable body form
/// is tried when the case expects success.
const REFUSED_BODY: [u16; 3] = [400, 415, 422];

const SAVE_UID: &str = "v1UserAgent_SaveUserGroup";
const GET_UID: &str = "v1UserAgent_GetUserGroup";
const GET_ALL_UID: &str = "v1UserAgent_GetAllUserGroups";

struct State<'a> {
    engine: &'a Engine,
    case: &'a Case,
    results: Vec<CheckResult>,
    exchanges: Vec<Exchange>,
    notes: Vec<String>,
    /// Groups created by this trial, with the carrier last saved for each.
    created: Vec<(i32, Value)>,
    /// Sent instead of the case's body (a shrinking step of a generated body).
    body_override: Option<&'a Value>,
    /// The case expects its save to succeed: only then may the groups this trial holds
    /// be reused by a later trial (a refused or malformed request may leave anything).
    expects_success: bool,
    /// Groups whose last save this trial made was answered with `Deleted: true`.
    answered_deleted: Vec<i32>,
}

impl State<'_> {
    /// Records a case-level check (the case's own level and citation).
    fn case_check(&mut self, check: &str, outcome: Result<(), String>) {
        self.results.push(CheckResult {
            check: check.into(),
            level: self.case.level,
            spec: self.case.spec.clone(),
            passed: outcome.is_ok(),
            message: outcome.err(),
        });
    }

    /// Records an intrinsic check: its own level from `checks.toml`, capped by the case's.
    fn intrinsic(&mut self, which: Intrinsic, outcome: Result<(), String>) {
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
            None => (self.case.level, self.case.spec.clone()),
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

/// Runs one trial; `body_override` replaces the request object (before placeholders).
pub(super) async fn run(
    engine: &Engine,
    spec: &TrialSpec,
    body_override: Option<&Value>,
) -> TrialReport {
    let t0 = Instant::now();
    let suite = &engine.suite;
    let case = spec.case(suite);
    let mut st = State {
        engine,
        case,
        results: vec![],
        exchanges: vec![],
        notes: vec![],
        created: vec![],
        body_override,
        expects_success: false,
        answered_deleted: vec![],
    };
    let skip = match auth_headers(&spec.auth, &engine.credentials) {
        Ok(auth) => {
            body(&mut st, spec, auth).await;
            None
        }
        Err(e) => Some(e.0),
    };
    cleanup(&mut st).await;
    answers(&mut st);
    let budget = st.exchanges.iter().find_map(|e| match &e.response {
        Err(TransportError::BudgetExhausted(max)) => Some(*max),
        _ => None,
    });
    let verdict = match (skip, budget) {
        (Some(reason), _) => Verdict::Skipped(engine.redactor.text(&reason)),
        (None, Some(max)) => budget_verdict(&st.results, max),
        (None, None) => Verdict::of(&st.results),
    };
    if engine.captured.is_some() {
        engine.capture(st.exchanges.iter().map(|e| e.request.clone()).collect());
    }
    // A server may echo a secret anywhere, and check messages quote what it sent.
    let redactor = &engine.redactor;
    for r in &mut st.results {
        r.message = r.message.as_deref().map(|m| redactor.text(m));
    }
    let notes: Vec<String> = st.notes.iter().map(|n| redactor.text(n)).collect();
    // Recording costs more than many checks (every text is scanned for secrets): skip it
    // for a passing trial whose exchanges nobody will read.
    if !engine.keeps_passing_details() && matches!(verdict, Verdict::Pass | Verdict::Info) {
        st.exchanges.clear();
    }
    let main = st.exchanges.iter().rev().find(|e| e.purpose == "main");
    TrialReport {
        name: spec.name.clone(),
        trial: spec.trial.clone(),
        case_id: case.id.clone(),
        concern: spec.concern(suite).to_string(),
        title: case.title.clone(),
        level: case.level,
        spec: case.spec.clone(),
        verdict,
        curl: main.map(|e| curl::command(&e.request, &engine.redactor)),
        exchanges: st
            .exchanges
            .iter()
            .map(|e| e.redacted(&engine.redactor))
            .collect(),
        // Check messages and notes quote what the server sent, which may echo a secret.
        results: st
            .results
            .into_iter()
            .map(|mut r| {
                r.message = r.message.map(|m| engine.redactor.text(&m));
                r
            })
            .collect(),
        duration_ms: t0.elapsed().as_secs_f64() * 1000.0,
        notes,
        content_type: spec.content_type.as_ref().map(|m| m.value.clone()),
        accept: spec.accept.as_ref().map(|m| m.value.clone()),
        auth: spec.auth.token(),
        select: spec.select.as_ref().map(|s| s.value.clone()),
    }
}

/// One `answers` result (must, not capped by the case's level) naming every request that
/// got no complete HTTP answer; nothing when all were answered.
fn answers(st: &mut State<'_>) {
    let unanswered: Vec<String> = st
        .exchanges
        .iter()
        .filter_map(|e| match &e.response {
            Err(TransportError::BudgetExhausted(_)) | Ok(_) => None,
            Err(err) => Some(format!("the {} request got no answer: {err}", e.purpose)),
        })
        .collect();
    if !unanswered.is_empty() {
        st.intrinsic(Intrinsic::Answers, Err(unanswered.join("\n")));
    }
}

/// A trial that ran out of request budget (`--max-requests`) is skipped, not failed: it
/// could not ask all it needed. A failure it found before the budget ran out stands.
fn budget_verdict(results: &[CheckResult], max: u64) -> Verdict {
    let found: Vec<CheckResult> = results
        .iter()
        .filter(|r| {
            !r.message
                .as_deref()
                .is_some_and(|m| m.contains(TransportError::BUDGET_EXHAUSTED))
        })
        .cloned()
        .collect();
    match Verdict::of(&found) {
        v @ (Verdict::Fail | Verdict::Warn) => v,
        _ => Verdict::Skipped(format!(
            "{}: --max-requests {max} was reached before this trial could send all its requests",
            TransportError::BUDGET_EXHAUSTED
        )),
    }
}

/// The generated body a trial sends (before placeholders), when its case is generated.
pub(super) fn generated_for(
    engine: &Engine,
    spec: &TrialSpec,
) -> Result<Option<Generated>, String> {
    let case = spec.case(&engine.suite);
    let Some(kind) = case.request.generate else {
        return Ok(None);
    };
    let seed = spec.seed.ok_or_else(|| {
        format!(
            "`{}` is a generated case, but the trial has no seed",
            case.id
        )
    })?;
    let uid = spec.endpoint_uid(&engine.suite);
    let schema = engine
        .suite
        .endpoint(uid)
        .and_then(|e| e.request_schema.as_ref())
        .ok_or_else(|| format!("`{uid}` has no request schema to generate bodies from"))?;
    let model = CarrierModel::from_request_schema(schema)?;
    Ok(Some(generate::generate(&model, kind, seed)))
}

async fn body(st: &mut State<'_>, spec: &TrialSpec, auth: Vec<(String, String)>) {
    let engine = st.engine;
    let case = st.case;
    let Some(endpoint) = engine.suite.endpoint(spec.endpoint_uid(&engine.suite)) else {
        st.case_check(
            "endpoint",
            Err(format!(
                "no description for `{}`",
                spec.endpoint_uid(&engine.suite)
            )),
        );
        return;
    };
    let name = engine.unique_name();
    let mut setup_id = None;
    if case.setup == Setup::Create {
        let wrapper = wrapper_name(endpoint);
        let marks_deleted = case
            .request
            .body
            .as_ref()
            .and_then(|b| carrier_of(b, &wrapper))
            .and_then(|c| c.get("Deleted"))
            == Some(&Value::Bool(true));
        let group = match engine.lease_group(marks_deleted) {
            Some((id, carrier)) => {
                st.notes.push(format!(
                    "works on group {id}, created earlier in this run and reused (`--fresh-groups` gives each trial its own)"
                ));
                st.created.push((id, carrier));
                Ok(id)
            }
            None => create_group(st, &name).await,
        };
        match group {
            Ok(id) => setup_id = Some(id),
            Err(e) => {
                st.intrinsic(
                    Intrinsic::Setup,
                    Err(format!(
                        "could not create the group this case works on: {e}"
                    )),
                );
                return;
            }
        }
    }
    let vars = Vars {
        name: name.clone(),
        run: engine.run_id.clone(),
        id: setup_id,
        app_token: engine
            .credentials
            .app_token
            .as_ref()
            .map_or(DUMMY_APP_TOKEN.to_string(), |c| c.expose().to_string()),
    };
    let body_value = match request_value(st, spec) {
        Ok(v) => v.map(|v| vars.substitute(&v)),
        Err(e) => {
            st.case_check("request", Err(e));
            return;
        }
    };
    let raw_body = case
        .request
        .body_raw
        .as_ref()
        .map(|r| vars.substitute_str(r));
    // A raw body that happens to be JSON still names the group it would create.
    let raw_value = raw_body
        .as_deref()
        .and_then(|r| serde_json::from_str::<Value>(r).ok());
    let wrapper = wrapper_name(endpoint);
    let sent_carrier = body_value
        .as_ref()
        .or(raw_value.as_ref())
        .and_then(|b| carrier_of(b, &wrapper))
        .cloned();
    // The suite only ever writes groups it created in this run.
    // A case that would name another group is a defect of the suite: fail it loudly
    // (must, whatever the case's level), and send nothing.
    if let Err(e) = check_ids(engine, body_value.as_ref(), raw_body.as_deref()) {
        st.results.push(CheckResult {
            check: "safety".into(),
            level: crate::vocab::Level::Must,
            spec: case.spec.clone(),
            passed: false,
            message: Some(e),
        });
        return;
    }

    // --- the request
    let mut headers = Vec::new();
    if let Some(a) = &spec.accept {
        headers.push(("Accept".to_string(), a.value.clone()));
    }
    headers.extend(auth);
    if let Some(app) = &engine.credentials.app_token {
        if !case
            .request
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case(header::SO_APP_TOKEN))
        {
            headers.push((header::SO_APP_TOKEN.to_string(), app.expose().to_string()));
        }
    }
    for (k, v) in &case.request.headers {
        headers.push((k.clone(), vars.substitute_str(v)));
    }
    let forms = match body_forms(raw_body, spec, endpoint, body_value.as_ref()) {
        Ok(f) => f,
        Err(e) => {
            st.results.clear();
            st.notes
                .push(format!("cannot encode the body for this Content-Type: {e}"));
            st.case_check(
                "request",
                Err(format!(
                    "the suite cannot encode this body as {}: {e}",
                    spec.content_type.as_ref().map_or("", |m| m.value.as_str())
                )),
            );
            return;
        }
    };
    let mut query: Vec<(String, String)> = case
        .request
        .query
        .iter()
        .map(|(k, v)| (k.clone(), vars.substitute_str(v)))
        .collect();
    if let Some(s) = &spec.select {
        query.push(("$select".into(), s.value.clone()));
    }
    let url = with_query(&engine.url_for(&endpoint.description.path), &query);
    let method = case
        .request
        .method
        .clone()
        .unwrap_or_else(|| endpoint.description.method.clone());
    let expects_success = case.expect.status.iter().any(|p| p.admits_success());
    st.expects_success = expects_success;

    let attempts = if forms.is_empty() {
        vec![None]
    } else {
        forms.into_iter().map(Some).collect()
    };
    let n_attempts = attempts.len();
    if endpoint.description.uid == SAVE_UID {
        engine.note_save_sent();
    }
    let mut response = None;
    for (i, form) in attempts.into_iter().enumerate() {
        let mut h = headers.clone();
        if let (Some(ct), Some(_)) = (&spec.content_type, &form) {
            h.push(("Content-Type".into(), ct.value.clone()));
        }
        let req = Request {
            method: method.clone(),
            url: url.clone(),
            headers: h,
            body_label: form.as_ref().map(|f| f.label.clone()),
            body: form.map(|f| f.bytes),
        };
        let ex = engine.client.send("main", req).await;
        let retry = expects_success
            && i + 1 < n_attempts
            && ex
                .response
                .as_ref()
                .is_ok_and(|r| REFUSED_BODY.contains(&r.status));
        let mut ex = ex;
        if retry {
            ex.purpose = "attempt";
        }
        response = Some(ex.response.clone());
        st.exchanges.push(ex);
        if !retry {
            break;
        }
    }
    let resp = match response {
        Some(Ok(r)) => r,
        // No answer at all: the `answers` check says so (at must, whatever the case).
        Some(Err(_)) => return,
        None => return,
    };

    // --- checks
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
    let is_2xx = (200..300).contains(&resp.status);
    let mut decoded: Option<Value> = None;
    if is_2xx && case.expect.body != BodyExpect::Any {
        decoded = check_body(
            st,
            spec,
            endpoint,
            &resp.status,
            resp.content_type(),
            &resp.body,
        );
    }
    if let Some(v) = &decoded {
        register_created(st, &name, sent_carrier.as_ref(), setup_id, v).await;
        if !v.is_null() {
            response_checks(st, spec, endpoint, v, sent_carrier.as_ref(), setup_id).await;
        }
    } else if is_2xx {
        // Not checked (`body = "any"`) or unreadable: still find out whether the server
        // saved a group, so that it ends marked Deleted.
        match lenient_decode(endpoint, resp.content_type(), &resp.body) {
            Some(v) => register_created(st, &name, sent_carrier.as_ref(), setup_id, &v).await,
            None if sent_carrier.is_some() => st.notes.push(
                "the answer could not be read: if the server saved a group, the final sweep finds it by name".into(),
            ),
            None => {}
        }
    }
    if case.expect.healthy_after {
        healthy_after(st).await;
    }
}

struct Vars {
    name: String,
    run: String,
    id: Option<i32>,
    /// The configured SO-AppToken, or a made-up one (`{app_token}`).
    app_token: String,
}

/// Sent as `{app_token}` when no SO-AppToken is configured.
const DUMMY_APP_TOKEN: &str = "soconform-app-token";

impl Vars {
    fn substitute_str(&self, s: &str) -> String {
        long_filler(s)
            .replace("{name}", &self.name)
            .replace("{run}", &self.run)
            .replace("{app_token}", &self.app_token)
    }

    /// Placeholders in strings; the whole string `"{id}"` becomes the setup group's Id.
    fn substitute(&self, v: &Value) -> Value {
        match v {
            Value::String(s) if s == "{id}" => self.id.map(Value::from).unwrap_or(Value::from(0)),
            Value::String(s) => Value::String(self.substitute_str(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.substitute(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.substitute(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

fn request_value(st: &State<'_>, spec: &TrialSpec) -> Result<Option<Value>, String> {
    if let Some(v) = st.body_override {
        return Ok(Some(v.clone()));
    }
    let case = st.case;
    if let Some(v) = &case.request.body {
        return Ok(Some(v.clone()));
    }
    if let Some(j) = &case.request.body_json {
        return serde_json::from_str(j)
            .map(Some)
            .map_err(|e| format!("body_json: {e}"));
    }
    Ok(generated_for(st.engine, spec)?.map(|g| g.body))
}

/// The request property that holds the carrier: the first documented request property
/// (`UserGroup`).
fn wrapper_name(endpoint: &Endpoint) -> String {
    endpoint
        .description
        .request_body
        .as_ref()
        .and_then(|b| b.properties.first())
        .map_or("UserGroup".to_string(), |p| p.name.clone())
}

/// The carrier inside a request object: the `wrapper` property (any case), else the
/// first property whose value is an object (`{"UserGroup": {...}}` -> the UserGroup);
/// a bare carrier (`{"Value": ...}`, no wrapper) is its own carrier.
fn carrier_of<'v>(body: &'v Value, wrapper: &str) -> Option<&'v Value> {
    let map = body.as_object()?;
    if let Some((_, v)) = map
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(wrapper) && v.is_object())
    {
        return Some(v);
    }
    if ["Value", "Tooltip", "Id"]
        .iter()
        .any(|p| map.keys().any(|k| k.eq_ignore_ascii_case(p)))
    {
        return Some(body);
    }
    map.values().find(|v| v.is_object())
}

/// `{long:N}` becomes N characters of filler (at most 4 MiB), for length limits.
fn long_filler(s: &str) -> String {
    const FILLER: &str = "soconform long string 0123456789 ";
    const MAX: usize = 4 << 20;
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("{long:") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "{long:".len()..];
        match after
            .find('}')
            .and_then(|end| Some((after[..end].parse::<usize>().ok()?, end)))
        {
            Some((n, end)) => {
                out.extend(FILLER.chars().cycle().take(n.min(MAX)));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("{long:");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Refuses a body that names a group this run did not create: every `Id` in a JSON
/// body (a number, a numeric string, `true`) must be 0 or one of this run's groups; a
/// raw body is also scanned for `Id` followed by a number, in any syntax
/// (`"Id": 5`, `<Id>5</Id>`, `UserGroup.Id=5`, `UserGroup%5BId%5D=5`).
fn check_ids(engine: &Engine, value: Option<&Value>, raw: Option<&str>) -> Result<(), String> {
    let mut ids = Vec::new();
    if let Some(v) = value {
        json_ids(v, &mut ids);
    }
    if let Some(r) = raw {
        if let Ok(v) = serde_json::from_str::<Value>(r) {
            json_ids(&v, &mut ids);
        }
        raw_ids(r, &mut ids);
    }
    for id in ids {
        let ours = i32::try_from(id).is_ok_and(|i| engine.created_by_this_run(i));
        if id != 0 && !ours {
            return Err(format!(
                "refusing to send Id {id}: the suite only saves groups it created in this run (Id 0 creates)"
            ));
        }
    }
    Ok(())
}

/// Every value of an `Id` member (any case) that a lenient server could read as a number.
fn json_ids(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k.eq_ignore_ascii_case("id") {
                    let n = match x {
                        Value::Number(n) => n.as_f64(),
                        Value::String(s) => s.trim().parse::<f64>().ok(),
                        Value::Bool(b) => Some(f64::from(u8::from(*b))),
                        _ => None,
                    };
                    if let Some(n) = n.filter(|n| n.is_finite()) {
                        // Either rounding a lenient server might do.
                        out.push(n.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64);
                        out.push(n.round().clamp(i64::MIN as f64, i64::MAX as f64) as i64);
                    } else if x.as_f64().is_some() || x.is_string() {
                        // A number beyond f64's range, or "1e999": never ours.
                        if !matches!(x, Value::String(s) if s.trim().parse::<f64>().is_err()) {
                            out.push(i64::MAX);
                        }
                    }
                }
                json_ids(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| json_ids(x, out)),
        _ => {}
    }
}

fn raw_ids(raw: &str, out: &mut Vec<i64>) {
    let lower = raw.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find("id").map(|i| i + from) {
        from = at + 2;
        let before_ok =
            at == 0 || !b[at - 1].is_ascii_alphanumeric() || lower[..at].ends_with("%5b");
        if !before_ok
            || b.get(at + 2)
                .is_some_and(|c| c.is_ascii_alphanumeric() && !lower[at + 2..].starts_with("%5d"))
        {
            continue;
        }
        let mut i = at + 2;
        loop {
            if lower[i..].starts_with("%5d") {
                i += 3;
            } else if b.get(i).is_some_and(|c| b"\"'>]=: \t\r\n".contains(c)) {
                i += 1;
            } else {
                break;
            }
        }
        let start = i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i > start && b[start..i] != *b"-" {
            out.push(lower[start..i].parse::<i64>().unwrap_or(i64::MAX));
        }
    }
}

/// A 2xx body the case does not check, read as well as it can be: the carrier, or nothing.
fn lenient_decode(endpoint: &Endpoint, content_type: Option<&str>, body: &[u8]) -> Option<Value> {
    let family = content_type
        .and_then(crate::vocab::family_of)
        .filter(|f| *f != MediaFamily::Form)
        .unwrap_or(MediaFamily::Json);
    decode::decode(family, body, &endpoint.response_schema)
        .ok()
        .map(|d| d.value)
        .filter(Value::is_object)
}

fn body_forms(
    raw: Option<String>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    value: Option<&Value>,
) -> Result<Vec<encode::BodyForm>, encode::EncodeError> {
    if let Some(raw) = raw {
        return Ok(vec![encode::BodyForm {
            label: "raw".into(),
            bytes: raw.into_bytes(),
        }]);
    }
    let (Some(ct), Some(v)) = (&spec.content_type, value) else {
        return Ok(vec![]);
    };
    let ctx = encode::EncodeContext {
        body_name: endpoint
            .description
            .request_body
            .as_ref()
            .map_or("request".to_string(), |b| b.name.clone()),
        method_name: endpoint
            .description
            .uid
            .rsplit('_')
            .next()
            .unwrap_or("")
            .to_string(),
    };
    encode::encode(v, &ct.value, &ctx)
}

/// Appends query parameters, percent-encoding only what must be: the docs write
/// `?$select=name,department,category/id` literally.
fn with_query(url: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return url.to_string();
    }
    let enc = |s: &str| {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~$,/:*!'()@".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    format!("{url}?{}", q.join("&"))
}

/// Media family, decoding, schema and XML root. Returns the decoded value when the body
/// could be read at all.
fn check_body(
    st: &mut State<'_>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    status: &u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Option<Value> {
    let case = st.case;
    let expected = case.expect.media.or_else(|| {
        spec.accept
            .as_ref()
            .and_then(|a| checks::preferred_family(&a.value))
    });
    let null_ok = case.expect.body == BodyExpect::CarrierOrNull;
    if null_ok && (*status == 204 || body.iter().all(u8::is_ascii_whitespace)) {
        return Some(Value::Null);
    }
    let family = match checks::media_family(expected, content_type) {
        Ok(f) => {
            st.intrinsic(Intrinsic::MediaFamily, Ok(()));
            f
        }
        Err(e) => {
            st.intrinsic(Intrinsic::MediaFamily, Err(e));
            // Still try to read it as what was asked for, to report what else is wrong.
            expected.unwrap_or(MediaFamily::Json)
        }
    };
    let schema = if spec.select.is_some() {
        &endpoint.select_schema
    } else {
        &endpoint.response_schema
    };
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
    if decoded.value.is_null() && null_ok {
        return Some(Value::Null);
    }
    let Some(v) = st.engine.validators.get(&endpoint.description.uid) else {
        return Some(decoded.value);
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
            let outcome = if root == carrier {
                Ok(())
            } else {
                Err(format!(
                    "XML root element is <{root}>, expected <{carrier}> (the carrier name)"
                ))
            };
            st.intrinsic(Intrinsic::XmlRoot, outcome);
        }
    }
    Some(decoded.value)
}

/// Remembers a group this trial created, so that it is marked Deleted afterwards. Only a
/// group whose Value or Tooltip starts with the unique name just sent counts: the suite
/// never writes a group it cannot tell it made. When `$select` nulled out the name, it
/// is looked up with a read-only call. Anything this misses (no Id in the answer, an
/// unreadable answer, a timeout) the final sweep finds by the run's name prefix.
async fn register_created(
    st: &mut State<'_>,
    name: &str,
    sent: Option<&Value>,
    setup_id: Option<i32>,
    got: &Value,
) {
    let as_id = |v: Option<&Value>| {
        v.and_then(Value::as_i64)
            .and_then(|i| i32::try_from(i).ok())
            .filter(|i| *i != 0)
    };
    let got_id = as_id(got.get("Id"));
    note_deleted_answer(st, got_id.or(setup_id), got);
    let named = |v: &Value| {
        ["Value", "Tooltip"].iter().any(|p| {
            v.get(p)
                .and_then(Value::as_str)
                .is_some_and(|v| v.starts_with(name))
        })
    };
    let sent_id = sent.and_then(|s| as_id(s.get("Id"))).or(setup_id);
    if let Some(sent_id) = sent_id {
        let other = got_id.filter(|g| *g != sent_id);
        match (other, sent) {
            // An update answered by another group with the name just sent: the server
            // made a new group of it, which is this run's to mark Deleted.
            (Some(new_id), Some(sent))
                if named(got) && !st.created.iter().any(|(c, _)| *c == new_id) =>
            {
                let carrier = saved_carrier(sent, got, new_id);
                st.engine.remember_created(new_id, carrier.clone());
                st.created.push((new_id, carrier));
            }
            // An update of a group already registered by its setup: its new state.
            (None, Some(sent)) => {
                if let Some(entry) = st.created.iter_mut().find(|(c, _)| *c == sent_id) {
                    entry.1 = saved_carrier(sent, got, entry.0);
                }
            }
            _ => {}
        }
        return;
    }
    let unnamed = |v: &Value| {
        ["Value", "Tooltip"]
            .iter()
            .all(|p| v.get(p).is_none_or(Value::is_null))
    };
    let id = match (got_id, named(got)) {
        (Some(id), true) => Some(id),
        (Some(id), false) if unnamed(got) => match read_back(st, id).await {
            Ok(back) if named(&back) => Some(id),
            _ => None,
        },
        (Some(id), false) => {
            st.notes.push(format!(
                "the answer names group {id}, which does not carry the name `{name}`: it is left untouched"
            ));
            return;
        }
        (None, true) => match sent {
            Some(sent) => find_by_name(st, sent).await,
            None => None,
        },
        (None, false) => return,
    };
    match id {
        Some(id) if !st.created.iter().any(|(c, _)| *c == id) => {
            let carrier = saved_carrier(sent.unwrap_or(got), got, id);
            st.engine.remember_created(id, carrier.clone());
            st.created.push((id, carrier));
        }
        Some(_) => {}
        None => st.notes.push(format!(
            "could not confirm which group this save created (no Id, or no Value or Tooltip starting with `{name}`); the final sweep looks for it by name"
        )),
    }
}

/// Remembers whether the server answered the save of group `id` with `Deleted: true`
/// (anything else, a nulled-out Deleted included, is not a confirmation).
fn note_deleted_answer(st: &mut State<'_>, id: Option<i32>, got: &Value) {
    let Some(id) = id else { return };
    st.answered_deleted.retain(|d| *d != id);
    if got.get("Deleted") == Some(&Value::Bool(true)) {
        st.answered_deleted.push(id);
    }
}

/// The group as saved, for marking it Deleted later: the data properties of the
/// server's answer where they are well typed, else of what was sent, with its Id.
fn saved_carrier(sent: &Value, got: &Value, id: i32) -> Value {
    let mut m = serde_json::Map::new();
    for p in ["Value", "Tooltip"] {
        if let Some(v) = [got.get(p), sent.get(p)]
            .into_iter()
            .flatten()
            .find(|v| v.is_string())
        {
            m.insert(p.into(), v.clone());
        }
    }
    m.insert("Id".into(), Value::from(id));
    if let Some(r) = [got.get("Rank"), sent.get("Rank")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .find_map(|r| i32::try_from(r).ok())
    {
        m.insert("Rank".into(), Value::from(r));
    }
    if let Some(d) = [got.get("Deleted"), sent.get("Deleted")]
        .into_iter()
        .flatten()
        .find_map(Value::as_bool)
    {
        m.insert("Deleted".into(), Value::Bool(d));
    }
    Value::Object(m)
}

/// The Id of the group whose Value (or Tooltip) is exactly the one sent (read-only:
/// GetAllUserGroups).
async fn find_by_name(st: &mut State<'_>, sent: &Value) -> Option<i32> {
    let body = json!({ include_deleted_param(st.engine).as_str(): true });
    let list = json_call(st, "lookup", GET_ALL_UID, &[], Some(&body))
        .await
        .ok()?;
    ["Value", "Tooltip"].iter().find_map(|p| {
        let want = sent.get(p)?.as_str()?;
        list.as_array()?
            .iter()
            .find(|g| g.get(p).and_then(Value::as_str) == Some(want))
            .and_then(|g| g.get("Id")?.as_i64())
            .and_then(|i| i32::try_from(i).ok())
    })
}

/// Every group whose Value or Tooltip starts with `prefix` (read-only: one
/// GetAllUserGroups call, deleted groups included): Id, carrier, and whether it is
/// already Deleted.
pub(super) async fn find_by_prefix(
    engine: &Engine,
    prefix: &str,
) -> Result<Vec<(i32, Value, bool)>, String> {
    let body = json!({ include_deleted_param(engine).as_str(): true });
    let (_, list) = json_request(engine, "sweep", GET_ALL_UID, &[], Some(&body)).await;
    let list = list?;
    let arr = list.as_array().ok_or_else(|| {
        format!(
            "GetAllUserGroups did not answer an array: {}",
            checks::excerpt(&list)
        )
    })?;
    let mut out = Vec::new();
    for g in arr {
        let ours = ["Value", "Tooltip"].iter().any(|p| {
            g.get(p)
                .and_then(Value::as_str)
                .is_some_and(|v| v.starts_with(prefix))
        });
        let id = g
            .get("Id")
            .and_then(Value::as_i64)
            .and_then(|i| i32::try_from(i).ok())
            .filter(|i| *i != 0);
        if let (true, Some(id)) = (ours, id) {
            let deleted = g.get("Deleted").and_then(Value::as_bool) == Some(true);
            out.push((id, saved_carrier(g, g, id), deleted));
        }
    }
    Ok(out)
}

fn include_deleted_param(engine: &Engine) -> String {
    engine
        .suite
        .endpoint(GET_ALL_UID)
        .and_then(|e| e.description.request_body.as_ref())
        .and_then(|b| b.properties.first())
        .map_or("IncludeDeleted".to_string(), |p| p.name.clone())
}

fn with_id(carrier: &Value, id: i32) -> Value {
    let mut c = carrier.clone();
    if let Some(m) = c.as_object_mut() {
        m.insert("Id".into(), Value::from(id));
    }
    c
}

async fn response_checks(
    st: &mut State<'_>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    got: &Value,
    sent: Option<&Value>,
    setup_id: Option<i32>,
) {
    let case = st.case;
    let selection = spec.select.as_ref().and_then(|s| {
        select::carrier_schema(&endpoint.response_schema).map(|c| select::parse(&s.value, c))
    });
    if let Some(sel) = &selection {
        let mut outcome = select::check_nulled(sel, got, &endpoint.response_schema);
        if outcome.is_ok() {
            outcome = select::check_kept(sel, got, &["Value", "Id"]);
        }
        st.case_check("select", outcome);
    }
    let nulled = |p: &str| selection.as_ref().is_some_and(|s| !s.kept.contains(p));
    if !case.expect.echo.is_empty() {
        match sent {
            Some(sent) => st.case_check(
                "echo",
                checks::same_values(&case.expect.echo, sent, got, &nulled),
            ),
            None => st.case_check(
                "echo",
                Err("the case sends no carrier to compare with".into()),
            ),
        }
    }
    let got_id = got.get("Id").and_then(Value::as_i64);
    match case.expect.id {
        Some(IdExpect::Assigned) if !nulled("Id") => st.case_check(
            "id",
            match got_id {
                Some(id) if id != 0 => Ok(()),
                Some(_) => Err("Id is 0: no primary key was assigned to the saved group".into()),
                None => Err(format!(
                    "Id is missing or not an integer: {}",
                    got.get("Id").map_or("absent".into(), checks::excerpt)
                )),
            },
        ),
        Some(IdExpect::Same) if !nulled("Id") => st.case_check(
            "id",
            match (got_id, setup_id) {
                (Some(g), Some(s)) if g == i64::from(s) => Ok(()),
                (g, s) => Err(format!(
                    "saving group {} answered with Id {}",
                    s.unwrap_or(0),
                    g.map_or("none".into(), |g| g.to_string())
                )),
            },
        ),
        _ => {}
    }
    let target_id = setup_id
        .map(i64::from)
        .or(got_id)
        .and_then(|i| i32::try_from(i).ok())
        .filter(|i| *i != 0);
    if !case.expect.read_back.is_empty() {
        let outcome = match (target_id, sent) {
            (Some(id), Some(sent)) => read_back(st, id).await.and_then(|back| {
                checks::same_values(&case.expect.read_back, sent, &back, &|_| false)
            }),
            (None, _) => Err("no Id to read back".into()),
            (_, None) => Err("the case sends no carrier to compare with".into()),
        };
        st.case_check("read_back", outcome);
    }
    if let Some(listing) = case.expect.listing {
        let outcome = match target_id {
            Some(id) => check_listing(st, id, listing).await,
            None => Err("no Id to look for".into()),
        };
        st.case_check("listing", outcome);
    }
}

/// Auth for the suite's own bookkeeping requests (setup, read-back, cleanup).
fn helper_auth(engine: &Engine) -> Result<Vec<(String, String)>, String> {
    auth_headers(&AuthMode::Any, &engine.credentials).map_err(|e| e.0)
}

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

/// A bookkeeping call (JSON in, JSON out, the first configured scheme) and its answer.
async fn json_request(
    engine: &Engine,
    purpose: &'static str,
    uid: &str,
    query: &[(String, String)],
    body: Option<&Value>,
) -> (Option<Exchange>, Result<Value, String>) {
    let Some(ep) = engine.suite.endpoint(uid) else {
        return (None, Err(format!("no description for {uid}")));
    };
    let mut headers = match helper_auth(engine) {
        Ok(h) => h,
        Err(e) => return (None, Err(e)),
    };
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
    let ex = engine.client.send(purpose, req).await;
    let out = match &ex.response {
        Err(e) => Err(format!("{purpose}: no response: {e}")),
        Ok(r) if r.status != 200 => Err(format!(
            "{purpose}: {} answered {}",
            ep.description.title, r.status
        )),
        Ok(r) => decode::decode_json(&r.body).map_err(|e| format!("{purpose}: {e}")),
    };
    (Some(ex), out)
}

/// Creates a group with a unique name for a case that needs one; returns its Id.
async fn create_group(st: &mut State<'_>, name: &str) -> Result<i32, String> {
    let carrier =
        json!({"Value": name, "Tooltip": "soconform setup", "Id": 0, "Rank": 1, "Deleted": false});
    let got = json_call(
        st,
        "setup",
        SAVE_UID,
        &[],
        Some(&json!({"UserGroup": carrier})),
    )
    .await?;
    let id = got
        .get("Id")
        .and_then(Value::as_i64)
        .and_then(|i| i32::try_from(i).ok())
        .filter(|i| *i != 0);
    let Some(id) = id else {
        return Err(format!(
            "the create answered without an Id: {}",
            checks::excerpt(&got)
        ));
    };
    if !got
        .get("Value")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with(name))
    {
        return Err(format!(
            "the create answered with group {id}, which does not carry the name sent"
        ));
    }
    let carrier = with_id(&carrier, id);
    st.engine.remember_created(id, carrier.clone());
    st.created.push((id, carrier));
    Ok(id)
}

fn id_query(uid: &str, engine: &Engine, id: i32) -> Vec<(String, String)> {
    let name = engine
        .suite
        .endpoint(uid)
        .and_then(|e| e.description.query_parameters.iter().find(|q| q.required))
        .map_or("userGroupId".to_string(), |q| q.name.clone());
    vec![(name, id.to_string())]
}

async fn read_back(st: &mut State<'_>, id: i32) -> Result<Value, String> {
    let q = id_query(GET_UID, st.engine, id);
    let v = json_call(st, "read-back", GET_UID, &q, None).await?;
    if v.is_null() {
        return Err(format!(
            "GetUserGroup returned null for Id {id}: the save was not persisted"
        ));
    }
    Ok(v)
}

async fn check_listing(st: &mut State<'_>, id: i32, listing: Listing) -> Result<(), String> {
    let param = include_deleted_param(st.engine);
    let mut found = [false; 2];
    for (i, include) in [false, true].into_iter().enumerate() {
        let body = json!({ param.as_str(): include });
        let list = json_call(st, "listing", GET_ALL_UID, &[], Some(&body)).await?;
        let arr = list.as_array().ok_or_else(|| {
            format!(
                "GetAllUserGroups did not answer an array: {}",
                checks::excerpt(&list)
            )
        })?;
        found[i] = arr
            .iter()
            .any(|g| g.get("Id").and_then(Value::as_i64) == Some(i64::from(id)));
    }
    let (want_plain, want_with_deleted) = match listing {
        Listing::Active => (true, true),
        Listing::Deleted => (false, true),
    };
    let mut errs = vec![];
    if found[0] != want_plain {
        errs.push(format!(
            "{param}=false {} group {id}",
            if found[0] { "lists" } else { "does not list" }
        ));
    }
    if found[1] != want_with_deleted {
        errs.push(format!(
            "{param}=true {} group {id}",
            if found[1] { "lists" } else { "does not list" }
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

async fn healthy_after(st: &mut State<'_>) {
    let q = id_query(GET_UID, st.engine, 0);
    let engine = st.engine;
    let outcome = match (engine.suite.endpoint(GET_UID), helper_auth(engine)) {
        (Some(ep), Ok(mut headers)) => {
            headers.push(("Accept".into(), "application/json".into()));
            let req = Request {
                method: ep.description.method.clone(),
                url: with_query(&engine.url_for(&ep.description.path), &q),
                headers,
                body: None,
                body_label: None,
            };
            let ex = engine.client.send("health", req).await;
            let r = match &ex.response {
                Ok(r) if r.status < 500 => Ok(()),
                Ok(r) => Err(format!(
                    "after this request the server answers {} to a valid request",
                    r.status
                )),
                Err(e) => Err(format!(
                    "after this request the server no longer answers: {e}"
                )),
            };
            st.exchanges.push(ex);
            r
        }
        (None, _) => Err("no GetUserGroup description to probe with".into()),
        (_, Err(e)) => Err(e),
    };
    st.case_check("healthy_after", outcome);
}

/// Saves `carrier` (a group this run created) with Deleted = true.
pub(super) async fn mark_deleted(
    engine: &Engine,
    id: i32,
    carrier: &Value,
) -> (Option<Exchange>, Result<(), String>) {
    if !engine.created_by_this_run(id) {
        return (
            None,
            Err(format!(
                "refusing to write group {id}: this run did not create it"
            )),
        );
    }
    // Only well-typed data properties: what a negative case sent may not be.
    let mut c = saved_carrier(carrier, carrier, id);
    if let Some(m) = c.as_object_mut() {
        m.insert("Deleted".into(), Value::Bool(true));
    }
    let headers = match helper_auth(engine) {
        Ok(mut h) => {
            h.push(("Accept".into(), "application/json".into()));
            h.push(("Content-Type".into(), "application/json".into()));
            h
        }
        Err(e) => return (None, Err(e)),
    };
    let Some(ep) = engine.suite.endpoint(SAVE_UID) else {
        return (None, Err("no SaveUserGroup description".into()));
    };
    let req = Request {
        method: ep.description.method.clone(),
        url: engine.url_for(&ep.description.path),
        headers,
        body: Some(json!({"UserGroup": c}).to_string().into_bytes()),
        body_label: Some("json".into()),
    };
    let ex = engine.client.send("cleanup", req).await;
    let result = match &ex.response {
        Ok(r) if r.status == 200 => {
            engine.forget_created(id);
            Ok(())
        }
        Ok(r) => Err(format!("marking group {id} Deleted answered {}", r.status)),
        Err(e) => Err(format!("marking group {id} Deleted: {e}")),
    };
    (Some(ex), result)
}

async fn cleanup(st: &mut State<'_>) {
    let created = std::mem::take(&mut st.created);
    // A group is reused only after a trial that passed: its state is then the carrier
    // last saved, and a fault cannot carry over into the next trial.
    let passed = st.expects_success
        && st.exchanges.iter().all(|e| e.response.is_ok())
        && matches!(Verdict::of(&st.results), Verdict::Pass | Verdict::Info);
    for (id, carrier) in created {
        let deleted = st.answered_deleted.contains(&id);
        if (passed && st.engine.give_back(id, &carrier, deleted)) || st.engine.keep_created {
            continue;
        }
        if passed && deleted {
            // The server said it saved it Deleted: no request marks it again.
            st.engine.forget_created(id);
            continue;
        }
        let (ex, result) = mark_deleted(st.engine, id, &carrier).await;
        st.exchanges.extend(ex);
        if let Err(e) = result {
            st.notes
                .push(format!("cleanup: {e} (the final sweep retries)"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        let v = Vars {
            name: "soconform-r-1".into(),
            run: "r".into(),
            id: Some(42),
            app_token: DUMMY_APP_TOKEN.into(),
        };
        let got = v.substitute(
            &json!({"UserGroup": {"Value": "{name} ü", "Id": "{id}", "Tooltip": "run {run}"}}),
        );
        assert_eq!(
            got,
            json!({"UserGroup": {"Value": "soconform-r-1 ü", "Id": 42, "Tooltip": "run r"}})
        );
    }

    #[test]
    fn ids_in_bodies_are_found_in_every_syntax() {
        let ids = |v: Value| {
            let mut out = vec![];
            json_ids(&v, &mut out);
            out
        };
        assert_eq!(ids(json!({"UserGroup": {"Id": 0, "Value": "x"}})), [0, 0]);
        assert_eq!(ids(json!({"UserGroup": {"id": "5"}})), [5, 5]);
        assert_eq!(ids(json!({"UserGroup": {"Id": true}})), [1, 1]);
        assert_eq!(ids(json!({"UserGroup": {"Id": 1.5}})), [1, 2]);
        assert!(ids(json!({"UserGroup": {"Id": "glops"}})).is_empty());
        assert!(ids(json!({"UserGroup": {"Id": {}, "Rank": 7}})).is_empty());
        assert_eq!(ids(json!([{"UserGroup": {"Id": 9}}])), [9, 9]);
        let raw = |r: &str| {
            let mut out = vec![];
            raw_ids(r, &mut out);
            out
        };
        assert_eq!(raw(r#"{"UserGroup": {"Id": 12, "Value": "x"}}"#), [12]);
        assert_eq!(
            raw("<request><UserGroup><Id>34</Id></UserGroup></request>"),
            [34]
        );
        assert_eq!(raw("UserGroup.Id=56&UserGroup.Value=a"), [56]);
        assert_eq!(raw("UserGroup%5BId%5D=78"), [78]);
        assert_eq!(raw("Id=-9"), [-9]);
        assert!(raw("userGroupId=5&Identity=3&valid=1 id glops").is_empty());
    }

    #[test]
    fn long_placeholder() {
        assert_eq!(long_filler("a{long:5}b").chars().count(), 7);
        assert_eq!(long_filler("{long:x}"), "{long:x}");
        assert_eq!(long_filler("{long:3"), "{long:3");
        assert_eq!(long_filler("{long:0}"), "");
    }

    #[test]
    fn carriers_with_and_without_wrapper() {
        let wrapped = json!({"UserGroup": {"Value": "a"}});
        assert_eq!(
            carrier_of(&wrapped, "UserGroup"),
            Some(&json!({"Value": "a"}))
        );
        let bare = json!({"Value": "a", "TableRight": {}});
        assert_eq!(carrier_of(&bare, "UserGroup"), Some(&bare));
        let other = json!({"Group": {"Value": "a"}});
        assert_eq!(
            carrier_of(&other, "UserGroup"),
            Some(&json!({"Value": "a"}))
        );
        assert_eq!(carrier_of(&json!(42), "UserGroup"), None);
    }

    #[test]
    fn saved_carriers_are_well_typed() {
        let sent =
            json!({"Value": {"x": 1}, "Tooltip": "soconform-r-1", "Rank": "abc", "Deleted": "yes"});
        let got = json!({"Value": "12345", "Rank": 3, "Deleted": false, "TableRight": {}});
        assert_eq!(
            saved_carrier(&sent, &got, 7),
            json!({"Value": "12345", "Tooltip": "soconform-r-1", "Id": 7, "Rank": 3, "Deleted": false})
        );
        assert_eq!(
            saved_carrier(&sent, &json!(null), 7),
            json!({"Tooltip": "soconform-r-1", "Id": 7})
        );
    }

    #[test]
    fn query_keeps_doc_characters() {
        let q = vec![(
            "$select".to_string(),
            "name,department,category/id".to_string(),
        )];
        assert_eq!(
            with_query("http://h/x", &q),
            "http://h/x?$select=name,department,category/id"
        );
        let q = vec![("$select".to_string(), "Välue x&y".to_string())];
        assert_eq!(
            with_query("http://h/x", &q),
            "http://h/x?$select=V%C3%A4lue%20x%26y"
        );
    }
}

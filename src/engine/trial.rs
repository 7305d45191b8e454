//! One trial, start to finish: auth headers, optional setup, the request (trying the
//! next body form when an undocumented encoding is refused), the checks, read-back, and
//! cleanup of anything it created.

use super::{Engine, TrialReport};
use crate::auth::AuthMode;
use crate::cases::{BodyExpect, Case, IdExpect, Listing, Setup};
use crate::checks::{self, select, validators, CheckResult, Intrinsic, Verdict};
use crate::decode::{self, DecodeError};
use crate::exchange::{auth_headers, curl, encode, Exchange, Request};
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
            Some(d) => (d.level.capped_by(self.case.level), d.spec.clone()),
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

pub(super) async fn run(engine: &Engine, spec: &TrialSpec) -> TrialReport {
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
    };
    let skip = match auth_headers(&spec.auth, &engine.credentials) {
        Ok(auth) => {
            body(&mut st, spec, auth).await;
            None
        }
        Err(e) => Some(e.0),
    };
    cleanup(&mut st).await;
    let verdict = match skip {
        Some(reason) => Verdict::Skipped(engine.redactor.text(&reason)),
        None => Verdict::of(&st.results),
    };
    let main = st.exchanges.iter().rev().find(|e| e.purpose == "main");
    TrialReport {
        name: spec.name.clone(),
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
        notes: st.notes.iter().map(|n| engine.redactor.text(n)).collect(),
        content_type: spec.content_type.as_ref().map(|m| m.value.clone()),
        accept: spec.accept.as_ref().map(|m| m.value.clone()),
        auth: spec.auth.token(),
        select: spec.select.as_ref().map(|s| s.value.clone()),
    }
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
        match create_group(st, &name).await {
            Ok(id) => setup_id = Some(id),
            Err(e) => {
                st.case_check(
                    "setup",
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
    let body_value = match request_value(case) {
        Ok(v) => v.map(|v| vars.substitute(&v)),
        Err(e) => {
            st.case_check("request", Err(e));
            return;
        }
    };
    let sent_carrier = body_value.as_ref().and_then(carrier_of).cloned();

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
    let forms = match body_forms(case, spec, endpoint, body_value.as_ref()) {
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

    let attempts = if forms.is_empty() {
        vec![None]
    } else {
        forms.into_iter().map(Some).collect()
    };
    let n_attempts = attempts.len();
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
        Some(Err(e)) => {
            st.case_check("status", Err(format!("no response: {e}")));
            return;
        }
        None => return,
    };

    // --- checks
    st.case_check("status", checks::status(&case.expect.status, resp.status));
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
        s.replace("{name}", &self.name)
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

fn request_value(case: &Case) -> Result<Option<Value>, String> {
    if let Some(v) = &case.request.body {
        return Ok(Some(v.clone()));
    }
    if let Some(j) = &case.request.body_json {
        return serde_json::from_str(j)
            .map(Some)
            .map_err(|e| format!("body_json: {e}"));
    }
    Ok(None)
}

/// The carrier inside a request object: the first property whose value is an object
/// (`{"UserGroup": {...}}` -> the UserGroup).
fn carrier_of(body: &Value) -> Option<&Value> {
    body.as_object()?.values().find(|v| v.is_object())
}

fn body_forms(
    case: &Case,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    value: Option<&Value>,
) -> Result<Vec<encode::BodyForm>, encode::EncodeError> {
    if let Some(raw) = &case.request.body_raw {
        return Ok(vec![encode::BodyForm {
            label: "raw".into(),
            bytes: raw.clone().into_bytes(),
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
/// group whose name starts with the unique name just sent counts: the suite never
/// writes a group it cannot tell it made. When `$select` nulled out the name or the Id,
/// they are looked up with read-only calls.
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
    let Some(sent) = sent else {
        if let Some(id) = as_id(got.get("Id")) {
            st.notes.push(format!("the response names group Id {id}, but the request sent no group; it is left untouched"));
        }
        return;
    };
    let got_id = as_id(got.get("Id"));
    if as_id(sent.get("Id")).is_some() || setup_id.is_some() {
        // An update of a group already registered by its setup: remember its new state.
        if let Some(entry) = st
            .created
            .iter_mut()
            .find(|(c, _)| Some(*c) == got_id.or(setup_id))
        {
            entry.1 = with_id(sent, entry.0);
        }
        return;
    }
    let ours = |v: &Value| {
        v.get("Value")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with(name))
    };
    let id = match (got_id, ours(got)) {
        (Some(id), true) => Some(id),
        (Some(id), false) if got.get("Value").is_none_or(Value::is_null) => {
            match read_back(st, id).await {
                Ok(back) if ours(&back) => Some(id),
                _ => None,
            }
        }
        (None, _) => find_by_name(st, sent).await,
        (Some(_), false) => None,
    };
    match id {
        Some(id) if !st.created.iter().any(|(c, _)| *c == id) => {
            let carrier = with_id(sent, id);
            st.engine.remember_created(id, carrier.clone());
            st.created.push((id, carrier));
        }
        Some(_) => {}
        None => st.notes.push(format!(
            "could not confirm which group this save created (no Id, or a Value not starting with `{name}`); nothing was marked Deleted for it"
        )),
    }
}

/// The Id of the group whose Value is exactly the one sent (read-only: GetAllUserGroups).
async fn find_by_name(st: &mut State<'_>, sent: &Value) -> Option<i32> {
    let value = sent.get("Value")?.as_str()?.to_string();
    let body = json!({ include_deleted_param(st.engine).as_str(): true });
    let list = json_call(st, "lookup", GET_ALL_UID, &[], Some(&body))
        .await
        .ok()?;
    list.as_array()?
        .iter()
        .find(|g| g.get("Value").and_then(Value::as_str) == Some(value.as_str()))
        .and_then(|g| g.get("Id")?.as_i64())
        .and_then(|i| i32::try_from(i).ok())
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
    let engine = st.engine;
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
    let ex = engine.client.send(purpose, req).await;
    let out = match &ex.response {
        Err(e) => Err(format!("{purpose}: no response: {e}")),
        Ok(r) if r.status != 200 => Err(format!(
            "{purpose}: {} answered {}",
            ep.description.title, r.status
        )),
        Ok(r) => decode::decode_json(&r.body).map_err(|e| format!("{purpose}: {e}")),
    };
    st.exchanges.push(ex);
    out
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
    let mut c = with_id(carrier, id);
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
    if st.engine.keep_created {
        return;
    }
    let created = std::mem::take(&mut st.created);
    for (id, carrier) in created {
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
            app_token: "app".into(),
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

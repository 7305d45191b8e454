//! The request a trial sends: the case's body (or a generated one) with its placeholders
//! filled in, checked by the Id guard, encoded in every body form the Content-Type
//! allows, with its headers, query and URL.

use super::{id_guard, safety_failure, State};
use crate::cases::SafetyClass;
use crate::endpoint_facts;
use crate::engine::Engine;
use crate::exchange::{encode, Request};
use crate::generate::{self, CarrierModel, Generated};
use crate::matrix::TrialSpec;
use crate::suite::Endpoint;
use crate::vocab::header;
use serde_json::Value;

/// Sent as `{app_token}` when no SO-AppToken is configured.
const DUMMY_APP_TOKEN: &str = "soconform-app-token";

/// The request, ready to send: one [`Attempt`] per body form, in the order to try them.
pub(super) struct Prepared {
    pub attempts: Vec<Attempt>,
    /// The carrier the body holds, to compare the answer with.
    pub sent_carrier: Option<Value>,
    /// The request object sent (placeholders filled in), to tell whether an answer shows
    /// that the server read it.
    pub sent_value: Option<Value>,
}

/// One body form of the request.
pub(super) struct Attempt {
    pub request: Request,
    /// No page gives this form (see [`encode::BodyForm::guess`]).
    pub guess: bool,
    /// The vendor's own client sends this form (see [`encode::BodyForm::client`]).
    pub client: bool,
}

/// Builds the request; `None` when it cannot be sent (the reason is recorded as a check).
pub(super) fn prepare(
    st: &mut State<'_>,
    spec: &TrialSpec,
    endpoint: &Endpoint,
    name: &str,
    setup_ids: (Option<i32>, Option<i32>),
    auth: Vec<(String, String)>,
) -> Option<Prepared> {
    let (setup_id, setup_id2) = setup_ids;
    let engine = st.engine;
    let case = st.case;
    let vars = Vars {
        name: name.to_string(),
        run: engine.run_id.clone(),
        id: setup_id,
        id2: setup_id2,
        app_token: engine
            .credentials
            .app_token
            .as_ref()
            .map_or(DUMMY_APP_TOKEN.to_string(), |c| c.expose().to_string()),
    };
    // A generic case sends what the endpoint's page documents (keys 0 on a call that may
    // write); its placeholders are the case's, never the page's.
    let documented = case.request.documented.then(|| {
        let zero_keys = engine.suite.safety_of(&endpoint.description.uid).0 == SafetyClass::Write;
        endpoint_facts::documented_request(endpoint, zero_keys, case.request.key)
    });
    let body_value = match &documented {
        Some((body, _)) => st.body_override.cloned().or_else(|| body.clone()),
        None => match request_value(st, spec) {
            Ok(v) => v.map(|v| vars.substitute(&v)),
            Err(e) => {
                st.case_check("request", Err(e));
                return None;
            }
        },
    };
    let raw_body = case
        .request
        .body_raw
        .as_ref()
        .map(|r| vars.substitute_str(r));
    // The family layer's Id guard and carrier: the suite only ever writes groups it
    // created in this run, so a case that would name another group is a defect of the
    // suite: failed loudly (must, whatever the case's level), and nothing is sent.
    let sent_carrier = if engine.family_covers(&endpoint.description.uid) {
        match crate::engine::family::prepare(
            engine,
            endpoint,
            body_value.as_ref(),
            raw_body.as_deref(),
        ) {
            Ok(carrier) => carrier,
            Err(e) => {
                safety_failure(st, e);
                return None;
            }
        }
    } else {
        None
    };

    let mut headers = Vec::new();
    if let Some(a) = &spec.accept {
        headers.push(("Accept".to_string(), a.value.to_string()));
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
    let mut forms = body_forms(raw_body.clone(), spec, endpoint, body_value.as_ref());
    // A sample the suite cannot write in this type (a dictionary keyed `SuperOffice:1`
    // has no XML element name): the body built from the request schema instead.
    let mut body_value = body_value;
    if forms.is_err() && case.request.documented && st.body_override.is_none() {
        let zero_keys = engine.suite.safety_of(&endpoint.description.uid).0 == SafetyClass::Write;
        let built = endpoint_facts::built_body(endpoint, zero_keys);
        if let Ok(f) = body_forms(raw_body, spec, endpoint, built.as_ref()) {
            st.notes.push(
                "the page's sample body cannot be written in this Content-Type: sent the body built from its request schema".into(),
            );
            forms = Ok(f);
            body_value = built;
        }
    }
    let forms = match forms {
        Ok(f) => f,
        // The page's own sample in a form the suite cannot write: not the server's fault.
        Err(e) if case.request.documented => {
            st.cannot_run = Some(format!(
                "the suite cannot encode the page's documented body as {}: {e}",
                spec.content_type.as_ref().map_or("", |m| &*m.value)
            ));
            return None;
        }
        Err(e) => {
            st.results.clear();
            st.notes
                .push(format!("cannot encode the body for this Content-Type: {e}"));
            st.case_check(
                "request",
                Err(format!(
                    "the suite cannot encode this body as {}: {e}",
                    spec.content_type.as_ref().map_or("", |m| &*m.value)
                )),
            );
            return None;
        }
    };
    let mut query: Vec<(String, String)> = case
        .request
        .query
        .iter()
        .map(|(k, v)| (k.clone(), vars.substitute_query(v)))
        .collect();
    if let Some((_, documented)) = documented {
        query.extend(documented);
    }
    if let Some(s) = &spec.select {
        query.push(("$select".into(), s.value.clone()));
    }
    if let Err(e) = id_guard::check_keys(engine, endpoint, body_value.as_ref(), &query) {
        safety_failure(st, e);
        return None;
    }
    let url = with_query(&engine.url_for(&endpoint.description.path), &query);
    let method = case
        .request
        .method
        .clone()
        .unwrap_or_else(|| endpoint.description.method.clone());
    let forms: Vec<Option<encode::BodyForm>> = if forms.is_empty() {
        vec![None]
    } else {
        forms.into_iter().map(Some).collect()
    };
    let attempts = forms
        .into_iter()
        .map(|form| {
            let mut h = headers.clone();
            if let (Some(ct), Some(_)) = (&spec.content_type, &form) {
                h.push(("Content-Type".into(), ct.value.to_string()));
            }
            Attempt {
                guess: form.as_ref().is_some_and(|f| f.guess),
                client: form.as_ref().is_some_and(|f| f.client),
                request: Request {
                    method: method.clone(),
                    url: url.clone(),
                    headers: h,
                    body_label: form.as_ref().map(|f| f.label.clone()),
                    body: form.map(|f| f.bytes),
                },
            }
        })
        .collect();
    Some(Prepared {
        attempts,
        sent_carrier,
        sent_value: body_value,
    })
}

/// The placeholders of a case: `{name}`, `{run}`, `{app_token}`, `{long:N}`, `"{id}"`,
/// `"{id2}"`.
struct Vars {
    name: String,
    run: String,
    id: Option<i32>,
    /// The second group of `setup = "create-two"`.
    id2: Option<i32>,
    /// The configured SO-AppToken, or a made-up one (`{app_token}`).
    app_token: String,
}

impl Vars {
    fn substitute_str(&self, s: &str) -> String {
        long_filler(s)
            .replace("{name}", &self.name)
            .replace("{run}", &self.run)
            .replace("{app_token}", &self.app_token)
    }

    /// A query value: the string placeholders, and `{id}` as the setup group's Id (the
    /// only Id a case may name; 0 without a setup).
    fn substitute_query(&self, s: &str) -> String {
        self.substitute_str(s)
            .replace("{id2}", &self.id2.unwrap_or(0).to_string())
            .replace("{id}", &self.id.unwrap_or(0).to_string())
    }

    /// Placeholders in strings; the whole string `"{id}"` becomes the setup group's Id.
    fn substitute(&self, v: &Value) -> Value {
        match v {
            Value::String(s) if s == "{id}" => self.id.map(Value::from).unwrap_or(Value::from(0)),
            Value::String(s) if s == "{id2}" => self.id2.map(Value::from).unwrap_or(Value::from(0)),
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

/// The generated body a trial sends (before placeholders), when its case is generated.
pub(in crate::engine) fn generated_for(
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
            guess: false,
            client: false,
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
        member_order: member_orders(endpoint),
        list_body: endpoint
            .request_schema
            .as_ref()
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            == Some("array"),
    };
    encode::encode(v, &ct.value, &ctx)
}

/// Per property of the request body whose schema is a carrier, its members in
/// data-contract order (`x-member-order` of the derived request schema).
fn member_orders(endpoint: &Endpoint) -> std::collections::BTreeMap<String, Vec<String>> {
    let Some(schema) = &endpoint.request_schema else {
        return Default::default();
    };
    let def_of = |prop: &Value| -> Option<Vec<String>> {
        let reference = std::iter::once(prop)
            .chain(
                prop.get("anyOf")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .find_map(|s| s.get("$ref").and_then(Value::as_str))?;
        let name = reference.strip_prefix("#/$defs/")?;
        let order = schema.get("$defs")?.get(name)?.get("x-member-order")?;
        serde_json::from_value(order.clone()).ok()
    };
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, prop)| Some((k.clone(), def_of(prop)?)))
        .collect()
}

/// Appends query parameters, percent-encoding only what must be: the docs write
/// `?$select=name,department,category/id` literally.
pub(in crate::engine) fn with_query(url: &str, query: &[(String, String)]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders() {
        let v = Vars {
            name: "soconform-r-1".into(),
            run: "r".into(),
            id: Some(42),
            id2: None,
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
    fn long_placeholder() {
        assert_eq!(long_filler("a{long:5}b").chars().count(), 7);
        assert_eq!(long_filler("{long:x}"), "{long:x}");
        assert_eq!(long_filler("{long:3"), "{long:3");
        assert_eq!(long_filler("{long:0}"), "");
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

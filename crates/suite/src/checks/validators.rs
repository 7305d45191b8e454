//! JSON Schema validators, compiled once per run for each endpoint the run uses, reporting
//! every error with its instance path.

use crate::suite::Suite;
use jsonschema::Validator;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

pub struct EndpointValidators {
    pub response: ResponseValidator,
    pub select: ResponseValidator,
}

/// A response schema, and for its messages the documented answer alone: an agent's schema
/// is `anyOf` [answer, NULL, internal error object], whose own error ("not valid under any
/// of the schemas") would hide which property is wrong. The second is compiled only when
/// an answer fails the first: most runs never need it, and every compiled schema costs
/// memory for the whole run.
pub struct ResponseValidator {
    pub all: Validator,
    /// Where the schema lives (the suite, the endpoint, which of its schemas).
    suite: Arc<Suite>,
    uid: String,
    select: bool,
    documented: OnceLock<Option<Validator>>,
}

impl ResponseValidator {
    fn compile(
        suite: &Arc<Suite>,
        uid: &str,
        select: bool,
        schema: &Value,
    ) -> Result<Self, String> {
        Ok(ResponseValidator {
            all: compile(uid, which(select), schema)?,
            suite: suite.clone(),
            uid: uid.to_string(),
            select,
            documented: OnceLock::new(),
        })
    }

    /// The documented answer's validator (compiled now if not yet), if the schema has an
    /// `anyOf` to cut.
    fn documented(&self) -> Option<&Validator> {
        self.documented
            .get_or_init(|| {
                let ep = self.suite.endpoints.get(&self.uid)?;
                let schema = if self.select {
                    &ep.select_schema
                } else {
                    &ep.response_schema
                };
                compile(&self.uid, which(self.select), &documented_answer(schema)?).ok()
            })
            .as_ref()
    }
}

fn which(select: bool) -> &'static str {
    if select {
        "response-select"
    } else {
        "response"
    }
}

/// The schema with its root `anyOf` cut to the first alternative (the documented answer),
/// `$defs` kept; `None` when the root has no `anyOf`.
fn documented_answer(schema: &Value) -> Option<Value> {
    let mut s = schema.as_object()?.clone();
    let first = match s.remove("anyOf")? {
        Value::Array(alts) => alts.into_iter().next()?,
        _ => return None,
    };
    if let Value::Object(first) = first {
        for (k, v) in first {
            s.insert(k, v);
        }
    }
    Some(Value::Object(s))
}

pub struct Validators {
    suite: Arc<Suite>,
    /// Compiled on first use: a run uses a few of the ~200 endpoints the suite knows, and
    /// compiling every schema would cost each run its start-up.
    by_uid: BTreeMap<String, OnceLock<Result<EndpointValidators, String>>>,
    /// The agents' internal error object (`schema::agent_error_def`).
    agent_error: Validator,
}

fn compile(uid: &str, which: &str, schema: &Value) -> Result<Validator, String> {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| format!("{uid}: the {which} schema does not compile: {e}"))
}

impl Validators {
    /// The validators of every endpoint of `suite`, each compiled when first asked for.
    pub fn new(suite: Arc<Suite>) -> Result<Validators, String> {
        let by_uid = suite
            .endpoints
            .keys()
            .map(|uid| (uid.clone(), OnceLock::new()))
            .collect();
        let agent_error = compile(
            "agents",
            "internal error object",
            &crate::schema::agent_error_def(),
        )?;
        Ok(Validators {
            suite,
            by_uid,
            agent_error,
        })
    }

    /// Compiles every endpoint's validators now; the first schema that does not compile
    /// is the error (the tests hold every derived schema to it).
    pub fn compile_all(&self) -> Result<(), String> {
        self.by_uid
            .keys()
            .try_for_each(|uid| self.get(uid).map(|_| ()))
    }

    /// Whether `value` is the agents' internal error object (a message and only error
    /// members: no carrier is one).
    pub fn is_agent_error(&self, value: &Value) -> bool {
        self.agent_error.is_valid(value)
    }

    /// The validators of endpoint `uid`; an error when the suite has no such endpoint or
    /// its derived schemas do not compile.
    pub fn get(&self, uid: &str) -> Result<&EndpointValidators, String> {
        let cell = self
            .by_uid
            .get(uid)
            .ok_or_else(|| format!("the suite has no endpoint `{uid}`"))?;
        cell.get_or_init(|| {
            let ep = self
                .suite
                .endpoints
                .get(uid)
                .ok_or_else(|| format!("the suite has no endpoint `{uid}`"))?;
            Ok(EndpointValidators {
                response: ResponseValidator::compile(&self.suite, uid, false, &ep.response_schema)?,
                select: ResponseValidator::compile(&self.suite, uid, true, &ep.select_schema)?,
            })
        })
        .as_ref()
        .map_err(String::clone)
    }
}

/// Every schema error, one per line, with the instance path (`/Id: "5" is not of type
/// "integer"`). A non-null answer the schema refuses is explained by the documented
/// answer's schema (the NULL and error-object alternatives say nothing useful about it).
pub fn validate(v: &ResponseValidator, value: &Value) -> Result<(), String> {
    if v.all.is_valid(value) {
        return Ok(());
    }
    let explain = match v.documented() {
        Some(d) if !value.is_null() && !d.is_valid(value) => d,
        _ => &v.all,
    };
    Err(errors(explain, value))
}

fn errors(v: &Validator, value: &Value) -> String {
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| {
            let path = e.instance_path().to_string();
            format!(
                "{}: {e}",
                if path.is_empty() {
                    "/".to_string()
                } else {
                    path
                }
            )
        })
        .collect();
    errors.join("\n")
}

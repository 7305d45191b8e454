//! JSON Schema validators, compiled once per run for every endpoint, reporting every
//! error with its instance path.

use crate::suite::Suite;
use jsonschema::Validator;
use serde_json::Value;
use std::collections::BTreeMap;

pub struct EndpointValidators {
    pub response: Validator,
    pub select: Validator,
}

pub struct Validators {
    by_uid: BTreeMap<String, EndpointValidators>,
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
    pub fn compile(suite: &Suite) -> Result<Validators, String> {
        let mut by_uid = BTreeMap::new();
        for (uid, ep) in &suite.endpoints {
            by_uid.insert(
                uid.clone(),
                EndpointValidators {
                    response: compile(uid, "response", &ep.response_schema)?,
                    select: compile(uid, "response-select", &ep.select_schema)?,
                },
            );
        }
        let agent_error = compile(
            "agents",
            "internal error object",
            &crate::schema::agent_error_def(),
        )?;
        Ok(Validators {
            by_uid,
            agent_error,
        })
    }

    /// Whether `value` is the agents' internal error object (a message and only error
    /// members: no carrier is one).
    pub fn is_agent_error(&self, value: &Value) -> bool {
        self.agent_error.is_valid(value)
    }

    pub fn get(&self, uid: &str) -> Option<&EndpointValidators> {
        self.by_uid.get(uid)
    }
}

/// Every schema error, one per line, with the instance path (`/Id: "5" is not of type
/// "integer"`).
pub fn validate(v: &Validator, value: &Value) -> Result<(), String> {
    if v.is_valid(value) {
        return Ok(());
    }
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
    Err(errors.join("\n"))
}

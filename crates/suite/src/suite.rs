//! The loaded suite: case files, the endpoint descriptions and schemas `derive` wrote, and
//! the paths they came from. Loading is cheap (no validators, no network), so listing
//! and `--exact` lookups stay in milliseconds.

use crate::cases::{self, CaseSet};
use crate::description::EndpointDescription;
use crate::generate::GenerationConfig;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where the suite's data lives.
#[derive(Debug, Clone)]
pub struct SuitePaths {
    pub cases: PathBuf,
    pub schemas: PathBuf,
    pub spec: PathBuf,
    /// The self-test's last measurement of this suite (`docs/detection.json`).
    pub detection: PathBuf,
}

/// Where the self-test writes the suite's detection power, under the suite's root.
pub const DETECTION_FILE: &str = "docs/detection.json";

impl SuitePaths {
    /// `cases/`, `schemas/`, `spec/` under `root`.
    pub fn under(root: &Path) -> Self {
        SuitePaths {
            cases: root.join("cases"),
            schemas: root.join("schemas"),
            spec: root.join("spec"),
            detection: root.join(DETECTION_FILE),
        }
    }

    /// The current directory when it holds a `cases/` folder, else the source tree the
    /// binary was built from (so `cargo run` works from any directory).
    pub fn discover() -> Self {
        let cwd = PathBuf::from(".");
        if cwd.join("cases").is_dir() && cwd.join("schemas").is_dir() {
            Self::under(&cwd)
        } else {
            Self::source_tree()
        }
    }

    /// The checkout this crate was built from (`crates/suite/../..`).
    pub fn source_tree() -> Self {
        Self::under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
    }
}

/// One endpoint: its description and the schemas derived with it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub description: EndpointDescription,
    pub request_schema: Option<serde_json::Value>,
    pub response_schema: serde_json::Value,
    pub select_schema: serde_json::Value,
    /// The page's sample request body, parsed when first asked for (every generic trial
    /// of the endpoint sends it).
    pub sample_body: std::sync::OnceLock<Option<serde_json::Value>>,
}

impl Endpoint {
    /// The page's sample request body, when it is JSON.
    pub fn sample_body(&self) -> Option<&serde_json::Value> {
        self.sample_body
            .get_or_init(|| {
                let body = self.description.sample_request.as_ref()?.body.as_deref()?;
                serde_json::from_str(body).ok()
            })
            .as_ref()
    }

    /// `v1UserAgent_SaveUserGroup` -> `save_user_group`: the first segment of trial names.
    pub fn slug(&self) -> String {
        slug_of_uid(&self.description.uid)
    }
}

/// The agent an endpoint uid belongs to (`v1ContactAgent_GetContactEntity` -> `Contact`);
/// the uid itself when it names none.
pub fn agent_of(uid: &str) -> &str {
    agent_name(uid).unwrap_or(uid)
}

/// `v1ContactAgent_GetContactEntity` -> `Contact`; `None` when the uid names no agent.
fn agent_name(uid: &str) -> Option<&str> {
    uid.rsplit_once('_')
        .map(|(a, _)| a.trim_start_matches(|c: char| c == 'v' || c.is_ascii_digit()))
        .and_then(|a| a.strip_suffix("Agent"))
        .filter(|a| !a.is_empty())
}

/// The endpoint segment of a trial name: the method in snake case, after its agent for
/// every agent but the User agent (`contact.get_contact_entity`), so names are unique
/// across agents. The User agent's endpoints keep the bare method (`save_user_group`),
/// the names their trials had before other agents came in (trial names are public).
pub fn slug_of_uid(uid: &str) -> String {
    let method = uid.rsplit_once('_').map_or(uid, |(_, m)| m);
    let mut out = String::new();
    if let Some(agent) = agent_name(uid).filter(|a| *a != "User") {
        out.push_str(&snake(agent));
        out.push('.');
    }
    out.push_str(&snake(method));
    out
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error(transparent)]
    Cases(#[from] cases::LoadError),
    #[error("{path}: {message}")]
    Schema { path: PathBuf, message: String },
}

#[derive(Debug, Clone)]
pub struct Suite {
    pub paths: SuitePaths,
    pub cases: CaseSet,
    pub endpoints: BTreeMap<String, Endpoint>,
    /// The endpoints a case names on its own (the UserGroup family's): cases that expand
    /// over endpoints leave them out unless they say otherwise.
    pub own_cases: BTreeSet<String>,
    /// How many generated bodies the `generate` cases expand over, from which seed
    /// (defaults; `run` and the test harness set it from flags and `SOCONF_*`).
    pub generation: GenerationConfig,
}

const ENDPOINT_SUFFIX: &str = ".endpoint.json";

impl Suite {
    pub fn load(paths: SuitePaths) -> Result<Suite, SuiteError> {
        let cases = cases::load_dir(&paths.cases, &paths.spec)?;
        let endpoints = load_endpoints(&paths.schemas)?;
        let mut own_cases = BTreeSet::new();
        for (path, file) in &cases.files {
            for case in &file.cases {
                let Some(uid) = file.endpoint_of(case) else {
                    continue;
                };
                own_cases.insert(uid.to_string());
                if !endpoints.contains_key(uid) {
                    return Err(SuiteError::Schema {
                        path: path.clone(),
                        message: format!(
                            "case `{}`: endpoint `{uid}` has no description in {} (run `cargo run -- derive`)",
                            case.id,
                            paths.schemas.display()
                        ),
                    });
                }
            }
        }
        let groups = &cases.matrix.groups;
        for (role, uid) in [
            ("save", &groups.save),
            ("read", &groups.read),
            ("list", &groups.list),
        ] {
            if !endpoints.contains_key(uid.as_str()) {
                return Err(SuiteError::Schema {
                    path: paths.cases.join(cases::MATRIX_FILE),
                    message: format!(
                        "[groups] {role} = `{uid}` has no description in {} (run `cargo run -- derive`)",
                        paths.schemas.display()
                    ),
                });
            }
        }
        // A safety row names an endpoint the suite describes (a typo would leave the real
        // one at the default, and the row would read as reviewed).
        if let Some(row) = cases
            .safety
            .endpoints
            .iter()
            .find(|r| !endpoints.contains_key(r.uid.as_str()))
        {
            return Err(SuiteError::Schema {
                path: paths.cases.join(cases::SAFETY_FILE),
                message: format!(
                    "`{}` has no description in {}",
                    row.uid,
                    paths.schemas.display()
                ),
            });
        }
        Ok(Suite {
            paths,
            cases,
            endpoints,
            own_cases,
            generation: GenerationConfig::default(),
        })
    }

    pub fn endpoint(&self, uid: &str) -> Option<&Endpoint> {
        self.endpoints.get(uid)
    }

    /// The safety class of endpoint `uid` and its reason: `write`, when no row says
    /// otherwise (deny by default).
    pub fn safety_of(&self, uid: &str) -> (cases::SafetyClass, &str) {
        self.cases
            .safety
            .endpoints
            .iter()
            .find(|r| r.uid == uid)
            .map_or(
                (
                    cases::SafetyClass::Write,
                    "no row in cases/safety.toml: write, by default",
                ),
                |r| (r.class, r.reason.as_str()),
            )
    }

    /// SHA-256 over every case and schema file (names and bytes), so a report says
    /// exactly which suite produced it.
    pub fn content_hash(&self) -> String {
        let mut files = Vec::new();
        for dir in [&self.paths.cases, &self.paths.schemas] {
            if let Ok(rd) = std::fs::read_dir(dir) {
                files.extend(
                    rd.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file()),
                );
            }
        }
        files.sort();
        let mut h = Sha256::new();
        for f in files {
            if let (Some(name), Ok(bytes)) = (f.file_name(), std::fs::read(&f)) {
                h.update(name.to_string_lossy().as_bytes());
                h.update([0]);
                h.update(&bytes);
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn read_json(path: &Path) -> Result<serde_json::Value, SuiteError> {
    let text = std::fs::read_to_string(path).map_err(|e| SuiteError::Schema {
        path: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    serde_json::from_str(&text).map_err(|e| SuiteError::Schema {
        path: path.to_path_buf(),
        message: format!("not JSON: {e}"),
    })
}

fn load_endpoints(dir: &Path) -> Result<BTreeMap<String, Endpoint>, SuiteError> {
    let rd = std::fs::read_dir(dir).map_err(|e| SuiteError::Schema {
        path: dir.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    let mut out = BTreeMap::new();
    for entry in rd.filter_map(|e| e.ok()) {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(ENDPOINT_SUFFIX) {
            continue;
        }
        let description: EndpointDescription =
            serde_json::from_value(read_json(&path)?).map_err(|e| SuiteError::Schema {
                path: path.clone(),
                message: format!("not an endpoint description: {e}"),
            })?;
        let sibling = |file: &str| read_json(&dir.join(file));
        let request_schema = match &description.schemas.request {
            Some(f) => Some(sibling(f)?),
            None => None,
        };
        let response_schema = sibling(&description.schemas.response)?;
        let select_schema = sibling(&description.schemas.response_select)?;
        out.insert(
            description.uid.clone(),
            Endpoint {
                description,
                request_schema,
                response_schema,
                select_schema,
                sample_body: std::sync::OnceLock::new(),
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert_eq!(
            super::slug_of_uid("v1UserAgent_SaveUserGroup"),
            "save_user_group"
        );
        assert_eq!(
            super::slug_of_uid("v1UserAgent_GetAllUserGroups"),
            "get_all_user_groups"
        );
        assert_eq!(
            super::slug_of_uid("v1ContactAgent_GetContactEntity"),
            "contact.get_contact_entity"
        );
        assert_eq!(
            super::slug_of_uid("v1ForeignSystemAgent_GetDevice"),
            "foreign_system.get_device"
        );
        assert_eq!(
            super::agent_of("v1ContactAgent_GetContactEntity"),
            "Contact"
        );
        assert_eq!(super::agent_of("v1UserAgent_SaveUserGroup"), "User");
    }
}

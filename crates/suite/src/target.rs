//! The server under test and how politely to treat it: `SOCONF_*` variables, optionally
//! a TOML target file (secrets referenced by variable name, never written in the file),
//! and command-line overrides. With no URL anywhere, the embedded reference server is
//! the target.

use crate::credentials::{env, Credential, Credentials};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Limits that protect the target and bound what the suite waits for and reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Exchanges in flight at once.
    pub concurrency: usize,
    /// Requests per second, 0 = unlimited.
    pub rps: u32,
    /// Stop sending after this many requests (`None` = no cap).
    pub max_requests: Option<u64>,
    pub connect_timeout: Duration,
    /// Whole exchange, from sending to the last body byte.
    pub total_timeout: Duration,
    /// Largest response body read; a longer one fails the trial.
    pub max_body_bytes: usize,
}

impl Limits {
    /// Polite toward a remote server.
    pub fn remote() -> Self {
        Limits {
            concurrency: 16,
            rps: 50,
            max_requests: Some(100_000),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_body_bytes: 4 << 20,
        }
    }
    /// The embedded server runs in-process: no rate limit.
    pub fn embedded() -> Self {
        Limits {
            concurrency: 64,
            rps: 0,
            max_requests: None,
            ..Self::remote()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Target {
    /// Base URL up to and including `/api`; `None` = start the embedded reference server.
    pub base_url: Option<String>,
    pub credentials: Credentials,
    pub limits: Limits,
    /// Leave the groups this run created as they are instead of marking them Deleted.
    pub keep_created: bool,
    /// Give every trial that needs a group one of its own, instead of reusing the groups
    /// earlier trials of the run created and left in a known state.
    pub fresh_groups: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{path}: cannot read target file: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Url(String),
}

/// The TOML target file. Secrets are named by environment variable so the file can be
/// committed and shared.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    pub url: Option<String>,
    pub basic_env: Option<String>,
    pub ticket_env: Option<String>,
    pub bearer_env: Option<String>,
    pub cookie_env: Option<String>,
    pub xsrf_token_env: Option<String>,
    pub app_token_env: Option<String>,
    pub concurrency: Option<usize>,
    pub rps: Option<u32>,
    pub max_requests: Option<u64>,
    pub connect_timeout_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub max_body_bytes: Option<usize>,
    pub keep_created: Option<bool>,
    pub fresh_groups: Option<bool>,
}

impl Target {
    /// From `SOCONF_*` variables read through `lookup`, with `file` (if any) underneath:
    /// a variable set in the environment wins over the file.
    pub fn resolve(
        lookup: &dyn Fn(&str) -> Option<String>,
        file: Option<(&Path, TargetFile)>,
    ) -> Result<Target, TargetError> {
        let mut credentials = Credentials::from_lookup(lookup);
        let mut url = lookup(env::TARGET).filter(|s| !s.is_empty());
        let mut file_limits = None;
        let mut keep_created = false;
        let mut fresh_groups = false;
        if let Some((path, f)) = file {
            let from_var =
                |name: &Option<String>, what: &str| -> Result<Option<Credential>, TargetError> {
                    match name {
                        None => Ok(None),
                        Some(var) => match lookup(var).filter(|v| !v.is_empty()) {
                            Some(v) => Ok(Some(Credential::user(v))),
                            None => Err(TargetError::Invalid {
                                path: path.to_path_buf(),
                                message: format!("{what} names variable `{var}`, which is not set"),
                            }),
                        },
                    }
                };
            let c = Credentials {
                basic: from_var(&f.basic_env, "basic_env")?,
                ticket: from_var(&f.ticket_env, "ticket_env")?,
                bearer: from_var(&f.bearer_env, "bearer_env")?,
                cookie: from_var(&f.cookie_env, "cookie_env")?,
                xsrf_token: from_var(&f.xsrf_token_env, "xsrf_token_env")?,
                app_token: from_var(&f.app_token_env, "app_token_env")?,
            };
            credentials = credentials.or(c);
            url = url.or(f.url.clone());
            keep_created = f.keep_created.unwrap_or(false);
            fresh_groups = f.fresh_groups.unwrap_or(false);
            file_limits = Some(f);
        }
        if let Some(u) = &url {
            validate_url(u)?;
        }
        let mut limits = if url.is_some() {
            Limits::remote()
        } else {
            Limits::embedded()
        };
        if let Some(f) = file_limits {
            limits.concurrency = f.concurrency.unwrap_or(limits.concurrency).max(1);
            limits.rps = f.rps.unwrap_or(limits.rps);
            limits.max_requests = f.max_requests.or(limits.max_requests);
            limits.connect_timeout = f
                .connect_timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(limits.connect_timeout);
            limits.total_timeout = f
                .timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(limits.total_timeout);
            limits.max_body_bytes = f.max_body_bytes.unwrap_or(limits.max_body_bytes);
        }
        Ok(Target {
            base_url: url.map(|u| u.trim_end_matches('/').to_string()),
            credentials,
            limits,
            keep_created,
            fresh_groups,
        })
    }

    pub fn from_env(file: Option<&Path>) -> Result<Target, TargetError> {
        let lookup = |name: &str| std::env::var(name).ok();
        match file {
            None => Self::resolve(&lookup, None),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| TargetError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
                let f: TargetFile = toml::from_str(&text).map_err(|e| TargetError::Invalid {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
                Self::resolve(&lookup, Some((path, f)))
            }
        }
    }

    pub fn is_embedded(&self) -> bool {
        self.base_url.is_none()
    }
}

fn validate_url(u: &str) -> Result<(), TargetError> {
    // Credentials in the URL would be printed with it (target line, curl, reports): refuse
    // them before the URL appears in any message.
    let parsed = reqwest::Url::parse(u)
        .map_err(|e| TargetError::Url(format!("{}: not a URL: {e}", env::TARGET)))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(TargetError::Url(format!(
            "{}: the URL carries a user name or password; put credentials in {} (or another SOCONF_* variable) instead",
            env::TARGET,
            env::BASIC
        )));
    }
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(TargetError::Url(format!(
            "{}: `{u}`: expected an http or https URL",
            env::TARGET
        )));
    }
    if !parsed.path().trim_end_matches('/').ends_with("/api") {
        return Err(TargetError::Url(format!(
            "{}: `{u}`: expected the base URL up to and including `/api`, e.g. https://host/Cust12345/api",
            env::TARGET
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(map: HashMap<&'static str, &'static str>) -> impl Fn(&str) -> Option<String> {
        move |k| map.get(k).map(|v| v.to_string())
    }

    #[test]
    fn no_url_means_embedded() {
        let t = Target::resolve(&lookup(HashMap::new()), None).expect("resolves");
        assert!(t.is_embedded());
        assert_eq!(t.limits.rps, 0);
    }

    #[test]
    fn url_must_end_in_api() {
        let e = Target::resolve(
            &lookup(HashMap::from([(env::TARGET, "https://h/Cust1/")])),
            None,
        );
        assert!(matches!(e, Err(TargetError::Url(m)) if m.contains("/api")));
        let t = Target::resolve(
            &lookup(HashMap::from([(env::TARGET, "https://h/Cust1/api/")])),
            None,
        )
        .expect("ok");
        assert_eq!(t.base_url.as_deref(), Some("https://h/Cust1/api"));
        assert!(t.limits.rps > 0, "remote targets get a polite default rate");
    }

    #[test]
    fn credentials_in_the_url_are_refused_without_echoing_them() {
        for u in ["https://user:hunter2@h/api", "https://user@h/api"] {
            let e = Target::resolve(&lookup(HashMap::from([(env::TARGET, u)])), None);
            let Err(TargetError::Url(m)) = e else {
                panic!("{u} accepted")
            };
            assert!(
                m.contains("user name or password") && !m.contains("hunter2"),
                "{m}"
            );
        }
    }

    #[test]
    fn file_secrets_come_from_named_variables() {
        let f: TargetFile =
            toml::from_str("url = \"http://x/api\"\nticket_env = \"MY_TICKET\"\nrps = 5\n")
                .expect("toml");
        let t = Target::resolve(
            &lookup(HashMap::from([("MY_TICKET", "7T:abc")])),
            Some((Path::new("t.toml"), f)),
        )
        .expect("ok");
        assert_eq!(
            t.credentials.ticket.as_ref().map(|c| c.expose()),
            Some("7T:abc")
        );
        assert_eq!(t.limits.rps, 5);
        let f: TargetFile = toml::from_str("bearer_env = \"NOPE\"").expect("toml");
        let e = Target::resolve(&lookup(HashMap::new()), Some((Path::new("t.toml"), f)));
        assert!(matches!(e, Err(TargetError::Invalid { message, .. }) if message.contains("NOPE")));
    }
}

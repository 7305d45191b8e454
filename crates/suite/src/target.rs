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
    /// Longest wait a `Retry-After` is granted (a longer one is cut to this).
    pub max_retry_wait: Duration,
    /// Answers of 429 (or 503 with Retry-After) to one request before it is given up
    /// and its trial skipped as rate-limited.
    pub rate_limit_tries: u32,
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
            max_retry_wait: Duration::from_secs(60),
            rate_limit_tries: 5,
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
    /// Run only the trials of endpoints whose uid matches one of these patterns (`*` any
    /// run of characters, e.g. `v1ContactAgent_*`); empty: every endpoint.
    pub endpoints: Vec<String>,
    /// The endpoints of safety class `write` a live target may get requests to (patterns;
    /// `*` all); empty: none (deny by default). The embedded server takes any.
    pub allow_writes: Vec<String>,
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
    #[error("{0}")]
    Setting(String),
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
    pub max_retry_wait_ms: Option<u64>,
    pub rate_limit_tries: Option<u32>,
    pub keep_created: Option<bool>,
    pub fresh_groups: Option<bool>,
    /// Endpoint uid patterns (`["v1ContactAgent_*"]`).
    pub endpoints: Option<Vec<String>>,
    /// Write endpoints the run may call (`["*"]`: all).
    pub allow_writes: Option<Vec<String>>,
}

/// Limits set somewhere (the target file, a `SOCONF_*` variable, a flag): each `Some`
/// replaces what is beneath it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LimitOverrides {
    pub concurrency: Option<usize>,
    pub rps: Option<u32>,
    pub max_requests: Option<u64>,
    pub connect_timeout: Option<Duration>,
    pub timeout: Option<Duration>,
    pub max_body_bytes: Option<usize>,
    pub max_retry_wait: Option<Duration>,
    pub rate_limit_tries: Option<u32>,
}

impl LimitOverrides {
    fn from_file(f: &TargetFile) -> LimitOverrides {
        LimitOverrides {
            concurrency: f.concurrency,
            rps: f.rps,
            max_requests: f.max_requests,
            connect_timeout: f.connect_timeout_ms.map(Duration::from_millis),
            timeout: f.timeout_ms.map(Duration::from_millis),
            max_body_bytes: f.max_body_bytes,
            max_retry_wait: f.max_retry_wait_ms.map(Duration::from_millis),
            rate_limit_tries: f.rate_limit_tries,
        }
    }

    /// The `SOCONF_*` limit variables (see [`LIMIT_VARIABLES`]); a value that does not
    /// parse is an error naming the variable.
    pub fn from_env(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<LimitOverrides, TargetError> {
        fn get<T>(
            lookup: &dyn Fn(&str) -> Option<String>,
            var: &str,
            parse: impl Fn(&str) -> Result<T, String>,
        ) -> Result<Option<T>, TargetError> {
            match lookup(var).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => parse(v.trim())
                    .map(Some)
                    .map_err(|e| TargetError::Setting(format!("{var}=`{v}`: {e}"))),
            }
        }
        Ok(LimitOverrides {
            concurrency: get(lookup, vars::CONCURRENCY, parse_count)?,
            rps: get(lookup, vars::RPS, parse_number)?,
            max_requests: get(lookup, vars::MAX_REQUESTS, parse_number)?,
            connect_timeout: get(lookup, vars::CONNECT_TIMEOUT, parse_duration)?,
            timeout: get(lookup, vars::TIMEOUT, parse_duration)?,
            max_body_bytes: get(lookup, vars::MAX_BODY_BYTES, parse_number)?,
            max_retry_wait: get(lookup, vars::MAX_RETRY_WAIT, parse_duration)?,
            rate_limit_tries: get(lookup, vars::RATE_LIMIT_TRIES, parse_count)?,
        })
    }

    /// Applies every limit set here over `limits`.
    pub fn apply(&self, limits: &mut Limits) {
        if let Some(v) = self.concurrency {
            limits.concurrency = v.max(1);
        }
        if let Some(v) = self.rps {
            limits.rps = v;
        }
        if let Some(v) = self.max_requests {
            limits.max_requests = Some(v);
        }
        if let Some(v) = self.connect_timeout {
            limits.connect_timeout = v;
        }
        if let Some(v) = self.timeout {
            limits.total_timeout = v;
        }
        if let Some(v) = self.max_body_bytes {
            limits.max_body_bytes = v;
        }
        if let Some(v) = self.max_retry_wait {
            limits.max_retry_wait = v;
        }
        if let Some(v) = self.rate_limit_tries {
            limits.rate_limit_tries = v.max(1);
        }
    }
}

/// The variables that set limits and run options where there are no flags (`cargo test`,
/// nextest): each beside its target-file key and flag, for the README and `--help`.
pub mod vars {
    pub const TARGET_FILE: &str = "SOCONF_TARGET_FILE";
    pub const CONCURRENCY: &str = "SOCONF_CONCURRENCY";
    pub const RPS: &str = "SOCONF_RPS";
    pub const MAX_REQUESTS: &str = "SOCONF_MAX_REQUESTS";
    pub const CONNECT_TIMEOUT: &str = "SOCONF_CONNECT_TIMEOUT";
    pub const TIMEOUT: &str = "SOCONF_TIMEOUT";
    pub const MAX_BODY_BYTES: &str = "SOCONF_MAX_BODY_BYTES";
    pub const MAX_RETRY_WAIT: &str = "SOCONF_MAX_RETRY_WAIT";
    pub const RATE_LIMIT_TRIES: &str = "SOCONF_RATE_LIMIT_TRIES";
    pub const KEEP_CREATED: &str = "SOCONF_KEEP_CREATED";
    pub const FRESH_GROUPS: &str = "SOCONF_FRESH_GROUPS";
    /// Endpoint uid patterns, comma-separated (`v1ContactAgent_*,v1UserAgent_GetUser`).
    pub const ENDPOINTS: &str = "SOCONF_ENDPOINTS";
    /// Write endpoints a live target may get requests to, comma-separated (`*`: all).
    pub const ALLOW_WRITES: &str = "SOCONF_ALLOW_WRITES";
}

/// Every limit: its variable, target-file key and flag.
pub const LIMIT_VARIABLES: [(&str, &str, &str); 8] = [
    (vars::CONCURRENCY, "concurrency", "--concurrency"),
    (vars::RPS, "rps", "--rps"),
    (vars::MAX_REQUESTS, "max_requests", "--max-requests"),
    (
        vars::CONNECT_TIMEOUT,
        "connect_timeout_ms",
        "--connect-timeout",
    ),
    (vars::TIMEOUT, "timeout_ms", "--timeout"),
    (vars::MAX_BODY_BYTES, "max_body_bytes", "--max-body-bytes"),
    (
        vars::MAX_RETRY_WAIT,
        "max_retry_wait_ms",
        "--max-retry-wait",
    ),
    (
        vars::RATE_LIMIT_TRIES,
        "rate_limit_tries",
        "--rate-limit-tries",
    ),
];

fn parse_number<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| "expected a whole number (no sign, no unit)".to_string())
}

fn parse_count<T: std::str::FromStr + PartialEq + From<u8>>(v: &str) -> Result<T, String> {
    let n: T = parse_number(v)?;
    if n == T::from(0) {
        return Err("expected at least 1".into());
    }
    Ok(n)
}

/// `30s`, `500ms`, `2m`: a duration with its unit (humantime's syntax).
pub fn parse_duration(v: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(v)
        .map_err(|e| format!("expected a duration with its unit, such as 30s or 500ms ({e})"))?;
    if d.is_zero() {
        return Err("expected a duration above zero".into());
    }
    Ok(d)
}

fn parse_flag(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err("expected 1 or 0 (true or false)".into()),
    }
}

/// Comma-separated patterns, each trimmed, empty ones dropped.
pub fn split_patterns(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
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
        let mut file_limits = LimitOverrides::default();
        let mut keep_created = false;
        let mut fresh_groups = false;
        let mut endpoints = Vec::new();
        let mut allow_writes = Vec::new();
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
            endpoints = f.endpoints.clone().unwrap_or_default();
            allow_writes = f.allow_writes.clone().unwrap_or_default();
            file_limits = LimitOverrides::from_file(&f);
        }
        let env_limits = LimitOverrides::from_env(lookup)?;
        let flag = |var: &str| -> Result<Option<bool>, TargetError> {
            match lookup(var).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => parse_flag(v.trim())
                    .map(Some)
                    .map_err(|e| TargetError::Setting(format!("{var}=`{v}`: {e}"))),
            }
        };
        keep_created = flag(vars::KEEP_CREATED)?.unwrap_or(keep_created);
        fresh_groups = flag(vars::FRESH_GROUPS)?.unwrap_or(fresh_groups);
        if let Some(list) = lookup(vars::ENDPOINTS).filter(|v| !v.trim().is_empty()) {
            endpoints = split_patterns(&list);
        }
        if let Some(list) = lookup(vars::ALLOW_WRITES).filter(|v| !v.trim().is_empty()) {
            allow_writes = split_patterns(&list);
        }
        if let Some(u) = &url {
            validate_url(u)?;
        }
        let mut limits = if url.is_some() {
            Limits::remote()
        } else {
            Limits::embedded()
        };
        // The file, then the variables over it (flags go over both, in the CLI).
        file_limits.apply(&mut limits);
        env_limits.apply(&mut limits);
        Ok(Target {
            base_url: url.map(|u| u.trim_end_matches('/').to_string()),
            credentials,
            limits,
            keep_created,
            fresh_groups,
            endpoints,
            allow_writes,
        })
    }

    /// From the environment and `file`, or the file `SOCONF_TARGET_FILE` names.
    pub fn from_env(file: Option<&Path>) -> Result<Target, TargetError> {
        let lookup = |name: &str| std::env::var(name).ok();
        let named = lookup(vars::TARGET_FILE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        match file.or(named.as_deref()) {
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

    #[test]
    fn variables_set_every_limit_over_the_file() {
        let f: TargetFile = toml::from_str(
            "url = \"http://x/api\"\nrps = 5\ntimeout_ms = 9000\nrate_limit_tries = 2\n",
        )
        .expect("toml");
        let t = Target::resolve(
            &lookup(HashMap::from([
                (vars::RPS, "0"),
                (vars::TIMEOUT, "1500ms"),
                (vars::CONNECT_TIMEOUT, "2s"),
                (vars::CONCURRENCY, "3"),
                (vars::MAX_REQUESTS, "77"),
                (vars::MAX_BODY_BYTES, "1024"),
                (vars::MAX_RETRY_WAIT, "5s"),
                (vars::FRESH_GROUPS, "1"),
            ])),
            Some((Path::new("t.toml"), f)),
        )
        .expect("ok");
        let l = &t.limits;
        assert_eq!(l.rps, 0, "the variable wins over the file");
        assert_eq!(l.total_timeout, Duration::from_millis(1500));
        assert_eq!(l.connect_timeout, Duration::from_secs(2));
        assert_eq!(l.concurrency, 3);
        assert_eq!(l.max_requests, Some(77));
        assert_eq!(l.max_body_bytes, 1024);
        assert_eq!(l.max_retry_wait, Duration::from_secs(5));
        assert_eq!(
            l.rate_limit_tries, 2,
            "the file's value where no variable is set"
        );
        assert!(t.fresh_groups);
    }

    #[test]
    fn a_bad_limit_variable_names_itself_and_what_was_expected() {
        for (var, value, expected) in [
            (vars::TIMEOUT, "30", "with its unit"),
            (vars::RPS, "fast", "whole number"),
            (vars::CONCURRENCY, "0", "at least 1"),
            (vars::KEEP_CREATED, "maybe", "1 or 0"),
        ] {
            let e = Target::resolve(&lookup(HashMap::from([(var, value)])), None);
            let Err(TargetError::Setting(m)) = e else {
                panic!("{var}={value} accepted")
            };
            assert!(m.starts_with(var) && m.contains(expected), "{m}");
        }
    }

    #[test]
    fn the_readme_names_every_limit_in_each_place() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
                .expect("README.md");
        for (var, key, flag) in LIMIT_VARIABLES {
            let row = readme
                .lines()
                .find(|l| l.contains(&format!("`{var}`")))
                .unwrap_or_else(|| panic!("README has no row for {var}"));
            assert!(
                row.contains(&format!("`{key}`")) && row.contains(&format!("`{flag}")),
                "README row for {var} lacks `{key}` or `{flag}`: {row}"
            );
        }
    }
}

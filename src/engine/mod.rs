//! Runs trials: one shared client, validators compiled once, and a registry of the groups
//! this run created so that every one of them ends marked Deleted. The same engine
//! serves `cargo test` (the libtest-mimic harness) and `soconform run`.

mod message;
pub mod pool;
mod trial;

pub use message::failure_message;

use crate::cases::SpecRef;
use crate::checks::validators::Validators;
use crate::checks::{CheckResult, Verdict};
use crate::credentials::Credentials;
use crate::exchange::{HttpClient, RecordedExchange, Redactor};
use crate::matrix::TrialSpec;
use crate::suite::Suite;
use crate::target::Limits;
use crate::vocab::Level;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Prefix of every group name the suite creates, so a person can recognise them.
pub const NAME_PREFIX: &str = "soconform-";

pub struct EngineConfig {
    pub base_url: String,
    pub credentials: Credentials,
    pub limits: Limits,
    pub keep_created: bool,
    /// Distinguishes this run's groups from other runs' (`soconform-<run>-<n>`).
    pub run_id: String,
    /// Keep every request sent, unredacted, per trial (for the benchmark's bare replay).
    pub capture_requests: bool,
}

pub struct Engine {
    pub suite: Arc<Suite>,
    pub base_url: String,
    pub credentials: Credentials,
    pub client: HttpClient,
    pub validators: Validators,
    pub redactor: Redactor,
    pub run_id: String,
    pub keep_created: bool,
    seq: AtomicU64,
    /// Groups this run created and has not yet marked Deleted: Id -> last known carrier.
    created: Mutex<BTreeMap<i32, Value>>,
    /// The requests of each trial, in order, when capturing (holds secrets: never printed).
    captured: Option<Mutex<Vec<Vec<crate::exchange::Request>>>>,
}

/// Everything known about one trial after it ran.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrialReport {
    pub name: String,
    pub case_id: String,
    pub concern: String,
    pub title: String,
    pub level: Level,
    pub spec: SpecRef,
    #[serde(flatten)]
    pub verdict: Verdict,
    pub results: Vec<CheckResult>,
    pub exchanges: Vec<RecordedExchange>,
    pub duration_ms: f64,
    /// Reproduces the main request, secrets read from the `SOCONF_*` variables.
    pub curl: Option<String>,
    /// Things worth knowing that are not checks (e.g. a cleanup that failed).
    pub notes: Vec<String>,
    /// Axis values, for the heat map.
    pub content_type: Option<String>,
    pub accept: Option<String>,
    pub auth: String,
    pub select: Option<String>,
}

/// What the final sweep did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SweepReport {
    /// Groups marked Deleted by the sweep (their own trial could not).
    pub marked_deleted: Vec<i32>,
    /// Groups the sweep could not mark Deleted, with the reason.
    pub failed: Vec<(i32, String)>,
    /// Groups left as they were because of `--keep-created`.
    pub kept: Vec<i32>,
}

impl Engine {
    pub fn new(suite: Arc<Suite>, config: EngineConfig) -> Result<Engine, String> {
        let validators = Validators::compile(&suite)?;
        let client = HttpClient::new(config.limits.clone()).map_err(|e| e.to_string())?;
        Ok(Engine {
            redactor: Redactor::new(&config.credentials),
            suite,
            base_url: config.base_url.trim_end_matches('/').to_string(),
            credentials: config.credentials,
            client,
            validators,
            run_id: config.run_id,
            keep_created: config.keep_created,
            seq: AtomicU64::new(0),
            created: Mutex::new(BTreeMap::new()),
            captured: config.capture_requests.then(|| Mutex::new(Vec::new())),
        })
    }

    /// A fresh group name: `soconform-<run>-<n>`.
    pub fn unique_name(&self) -> String {
        format!(
            "{NAME_PREFIX}{}-{}",
            self.run_id,
            self.seq.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// `/api/v1/...` from a description -> a URL on the target.
    pub fn url_for(&self, doc_path: &str) -> String {
        format!(
            "{}{}",
            self.base_url,
            doc_path.strip_prefix("/api").unwrap_or(doc_path)
        )
    }

    pub async fn run(&self, spec: &TrialSpec) -> TrialReport {
        trial::run(self, spec).await
    }

    fn capture(&self, requests: Vec<crate::exchange::Request>) {
        if let Some(Ok(mut c)) = self.captured.as_ref().map(|m| m.lock()) {
            c.push(requests);
        }
    }

    /// The requests captured so far, one list per trial (empty unless capturing).
    pub fn take_captured(&self) -> Vec<Vec<crate::exchange::Request>> {
        self.captured
            .as_ref()
            .and_then(|m| m.lock().ok().map(|mut c| std::mem::take(&mut *c)))
            .unwrap_or_default()
    }

    fn remember_created(&self, id: i32, carrier: Value) {
        if let Ok(mut m) = self.created.lock() {
            m.insert(id, carrier);
        }
    }

    fn forget_created(&self, id: i32) {
        if let Ok(mut m) = self.created.lock() {
            m.remove(&id);
        }
    }

    /// Ids created by this run and not yet marked Deleted.
    pub fn outstanding(&self) -> Vec<i32> {
        self.created
            .lock()
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Marks every group this run created and has not cleaned up as Deleted (or, with
    /// `keep_created`, lists them).
    pub async fn sweep(&self) -> SweepReport {
        let pending: Vec<(i32, Value)> = self
            .created
            .lock()
            .map(|m| m.iter().map(|(k, v)| (*k, v.clone())).collect())
            .unwrap_or_default();
        let mut report = SweepReport::default();
        for (id, carrier) in pending {
            if self.keep_created {
                report.kept.push(id);
                continue;
            }
            let (ex, result) = trial::mark_deleted(self, id, &carrier).await;
            drop(ex);
            match result {
                Ok(()) => report.marked_deleted.push(id),
                Err(e) => report.failed.push((id, e)),
            }
        }
        report
    }

    pub fn timeout(&self) -> Duration {
        self.client.limits().total_timeout
    }
}

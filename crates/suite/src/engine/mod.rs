//! Runs trials: one shared client, validators compiled once, and a registry of the groups
//! this run created so that every one of them ends marked Deleted. The same engine
//! serves `cargo test` (the libtest-mimic harness) and `soconform run`.

mod message;
mod outcome;
pub mod pool;
mod shrink;
mod trial;

pub use message::failure_message;
pub use outcome::{exit, RunOutcome, RunVerdict};

use crate::cases::SpecRef;
use crate::checks::validators::Validators;
use crate::checks::{CheckResult, Verdict};
use crate::credentials::Credentials;
use crate::exchange::{HttpClient, RecordedExchange, Redactor};
use crate::matrix::TrialSpec;
use crate::suite::Suite;
use crate::target::Limits;
use crate::trial_name::TrialName;
use crate::vocab::Level;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Prefix of every group name the suite creates, so a person can recognise them.
pub const NAME_PREFIX: &str = "soconform-";

pub struct EngineConfig {
    pub base_url: String,
    pub credentials: Credentials,
    pub limits: Limits,
    pub keep_created: bool,
    /// Never reuse a group: every trial that needs one creates its own.
    pub fresh_groups: bool,
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
    /// Every group this run created (the only Ids it may ever send besides 0).
    ever_created: Mutex<BTreeSet<i32>>,
    /// Every group this run marked Deleted.
    deleted: Mutex<BTreeSet<i32>>,
    /// A SaveUserGroup request went out: the final sweep looks for unconfirmed groups.
    saved_something: AtomicBool,
    /// Groups this run created that a passing trial left in a known state, free for the
    /// next trial whose case works on an existing group (see [`Engine::lease_group`]).
    idle: Mutex<Vec<i32>>,
    /// At most this many idle groups (the concurrency): beyond it a group is marked
    /// Deleted by its trial, so a live target never holds many active test groups.
    idle_cap: usize,
    fresh_groups: bool,
    /// Idle groups whose last answer said `Deleted: true`: the sweep does not mark them
    /// again (its listing still marks any it finds active).
    answered_deleted: Mutex<BTreeSet<i32>>,
    /// Whether passing trials keep their exchanges (false when no report reads them).
    passing_details: AtomicBool,
}

/// Everything known about one trial after it ran.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrialReport {
    pub name: String,
    /// The name's tokens (the axes' ids among them), so no report re-parses `name`.
    pub trial: TrialName,
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
    /// Groups marked Deleted by the sweep: the reused groups still idle at the end, and
    /// any whose own trial could not mark them.
    pub marked_deleted: Vec<i32>,
    /// Groups the sweep could not mark Deleted, with the reason.
    pub failed: Vec<(i32, String)>,
    /// Groups left as they were because of `--keep-created`.
    pub kept: Vec<i32>,
    /// Every group this run created, in Id order (found by its trial, or by name in the
    /// final listing).
    #[serde(default)]
    pub created: Vec<i32>,
    /// Every group this run marked Deleted (by its trial or by the sweep), in Id order.
    #[serde(default)]
    pub deleted: Vec<i32>,
    /// Groups the final listing found by this run's name prefix that no trial had
    /// confirmed (a timeout, a 5xx, an unreadable answer).
    #[serde(default)]
    pub found_by_name: Vec<i32>,
    /// Why the final listing could not run, when it could not.
    #[serde(default)]
    pub lookup_error: Option<String>,
}

impl SweepReport {
    /// The lines a run prints about cleanup: always how many groups were created and
    /// how many were marked Deleted, then anything that went wrong.
    pub fn summary_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.kept.is_empty() {
            out.push(format!(
                "cleanup: this run created {} groups; {} of them are now marked Deleted ({} by the final sweep)",
                self.created.len(),
                self.deleted.len(),
                self.marked_deleted.len()
            ));
        } else {
            out.push(format!(
                "cleanup: this run created {} groups; kept {} as they are (--keep-created): {:?}",
                self.created.len(),
                self.kept.len(),
                self.kept
            ));
        }
        if !self.found_by_name.is_empty() {
            out.push(format!(
                "cleanup: {} groups were found by this run's name prefix only (no trial could confirm them): {:?}",
                self.found_by_name.len(),
                self.found_by_name
            ));
        }
        for (id, e) in &self.failed {
            out.push(format!("cleanup: could not mark group {id} Deleted: {e}"));
        }
        if let Some(e) = &self.lookup_error {
            out.push(format!(
                "cleanup: could not list the groups to find unconfirmed ones: {e}"
            ));
        }
        out
    }

    /// Whether every group this run created ended Deleted (or was kept on purpose).
    pub fn clean(&self) -> bool {
        self.failed.is_empty() && self.lookup_error.is_none()
    }
}

impl Engine {
    pub fn new(suite: Arc<Suite>, config: EngineConfig) -> Result<Engine, String> {
        let validators = Validators::compile(&suite)?;
        let client = HttpClient::new(config.limits.clone()).map_err(|e| e.to_string())?;
        let idle_cap = config.limits.concurrency.max(1);
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
            ever_created: Mutex::new(BTreeSet::new()),
            deleted: Mutex::new(BTreeSet::new()),
            saved_something: AtomicBool::new(false),
            idle: Mutex::new(Vec::new()),
            idle_cap,
            // Kept groups are for looking at: each as its own trial left it.
            fresh_groups: config.fresh_groups || config.keep_created,
            answered_deleted: Mutex::new(BTreeSet::new()),
            passing_details: AtomicBool::new(true),
        })
    }

    /// `soconform-<run>-`: every group name this run uses starts with it, and no other
    /// run's does.
    pub fn run_prefix(&self) -> String {
        format!("{NAME_PREFIX}{}-", self.run_id)
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

    /// Runs one trial (a failing generated one is also shrunk: see `shrink`).
    pub async fn run(&self, spec: &TrialSpec) -> TrialReport {
        let report = trial::run(self, spec, None).await;
        if spec.seed.is_some() {
            shrink::finish(self, spec, report).await
        } else {
            report
        }
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
        if let Ok(mut s) = self.ever_created.lock() {
            s.insert(id);
        }
    }

    fn forget_created(&self, id: i32) {
        if let Ok(mut m) = self.created.lock() {
            m.remove(&id);
        }
        if let Ok(mut s) = self.deleted.lock() {
            s.insert(id);
        }
    }

    /// Whether a passing trial records its exchanges (see [`pool::Details`]).
    pub fn keeps_passing_details(&self) -> bool {
        self.passing_details.load(Ordering::Relaxed)
    }

    /// An idle group for a trial whose case works on an existing group, with its last
    /// known carrier; `None` when there is none (the trial creates one) or reuse is off.
    ///
    /// Reuse is what keeps a run's footprint small: each group is created once and
    /// marked Deleted once, not once per trial, and a live CRM (where a marked group
    /// stays for good) keeps about `--concurrency` of them instead of thousands. Every
    /// trial sends the whole carrier, so what an earlier trial left does not show.
    ///
    /// A group that may be Deleted (its last carrier says so) goes only to a trial that
    /// marks its group Deleted itself (`marks_deleted`): the docs do not say whether a
    /// Deleted group may be saved active again, so no trial depends on it.
    fn lease_group(&self, marks_deleted: bool) -> Option<(i32, Value)> {
        if self.fresh_groups {
            return None;
        }
        let created = self.created.lock().ok()?;
        let mut idle = self.idle.lock().ok()?;
        idle.retain(|id| created.contains_key(id));
        let deleted =
            |id: &i32| created.get(id).and_then(|c| c.get("Deleted")) == Some(&Value::Bool(true));
        let at = idle
            .iter()
            .rposition(|id| deleted(id) == marks_deleted)
            .or_else(|| {
                marks_deleted
                    .then(|| idle.iter().rposition(|id| !deleted(id)))
                    .flatten()
            })?;
        let id = idle.remove(at);
        created.get(&id).map(|c| (id, c.clone()))
    }

    /// Takes back a group a passing trial leaves in `carrier`'s state; `false` when the
    /// trial must mark it Deleted itself (reuse off, or enough idle groups already).
    /// `deleted`: the server's answer to the trial's last save said `Deleted: true`.
    fn give_back(&self, id: i32, carrier: &Value, deleted: bool) -> bool {
        if self.fresh_groups {
            return false;
        }
        let (Ok(mut created), Ok(mut idle)) = (self.created.lock(), self.idle.lock()) else {
            return false;
        };
        if idle.len() >= self.idle_cap || !created.contains_key(&id) {
            return false;
        }
        created.insert(id, carrier.clone());
        idle.push(id);
        if let Ok(mut d) = self.answered_deleted.lock() {
            if deleted {
                d.insert(id);
            } else {
                d.remove(&id);
            }
        }
        true
    }

    /// Whether this run created group `id`: the only non-zero Ids it may send.
    pub fn created_by_this_run(&self, id: i32) -> bool {
        self.ever_created.lock().is_ok_and(|s| s.contains(&id))
    }

    fn note_save_sent(&self) {
        self.saved_something.store(true, Ordering::Relaxed);
    }

    /// Ids created by this run and not yet marked Deleted.
    pub fn outstanding(&self) -> Vec<i32> {
        self.created
            .lock()
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Marks every group this run created and has not cleaned up as Deleted (or, with
    /// `keep_created`, lists them). When the run sent any save, one listing
    /// (GetAllUserGroups, deleted ones included) also finds groups whose Value or
    /// Tooltip starts with this run's prefix that no trial could confirm (a timeout, a
    /// 5xx after saving, an unreadable answer): they are this run's too.
    pub async fn sweep(&self) -> SweepReport {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
        let answered_deleted = self
            .answered_deleted
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default();
        let outstanding = self.outstanding();
        // Already as the run must leave them: no request marks them again.
        for id in answered_deleted.intersection(&outstanding.into_iter().collect()) {
            self.forget_created(*id);
        }
        let mut pending: Vec<(i32, Value)> = self
            .created
            .lock()
            .map(|m| m.iter().map(|(k, v)| (*k, v.clone())).collect())
            .unwrap_or_default();
        let mut report = SweepReport::default();
        if self.saved_something.load(Ordering::Relaxed) {
            match trial::find_by_prefix(self, &self.run_prefix()).await {
                Ok(found) => {
                    for (id, carrier, already_deleted) in found {
                        if !self.created_by_this_run(id) {
                            report.found_by_name.push(id);
                            self.remember_created(id, carrier.clone());
                            if already_deleted {
                                // Saved Deleted by a request the suite could not confirm:
                                // already as it should end.
                                self.forget_created(id);
                                continue;
                            }
                        }
                        // Listed active: marked Deleted whatever the trials believed.
                        if !already_deleted && !pending.iter().any(|(p, _)| *p == id) {
                            pending.push((id, carrier));
                        }
                    }
                }
                Err(e) => report.lookup_error = Some(self.redactor.text(&e)),
            }
        }
        if self.keep_created {
            report.kept = pending.iter().map(|(id, _)| *id).collect();
            pending.clear();
        }
        // The idle groups are all marked here: in parallel, within the concurrency.
        let mut marked: Vec<(i32, Result<(), String>)> =
            futures_util::stream::iter(pending.iter().map(|(id, carrier)| async move {
                let (ex, result) = trial::mark_deleted(self, *id, carrier).await;
                if let Some(ex) = ex {
                    self.capture(vec![ex.request]);
                }
                (*id, result)
            }))
            .buffer_unordered(self.idle_cap)
            .collect()
            .await;
        marked.sort_by_key(|(id, _)| *id);
        for (id, result) in marked {
            match result {
                Ok(()) => report.marked_deleted.push(id),
                Err(e) => report.failed.push((id, self.redactor.text(&e))),
            }
        }
        report.created = self
            .ever_created
            .lock()
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        report.deleted = self
            .deleted
            .lock()
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        report
    }

    pub fn timeout(&self) -> Duration {
        self.client.limits().total_timeout
    }
}

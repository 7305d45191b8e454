//! Runs trials: one shared client, validators compiled once, and a registry of the groups
//! this run created so that every one of them ends marked Deleted. The same engine
//! serves `cargo test` (the libtest-mimic harness) and `soconform run`.

mod family;
mod message;
mod outcome;
pub mod pool;
mod reach;
mod rejudge;
mod shrink;
mod trial;
mod trials;

pub use family::SweepReport;
pub use message::failure_message;
pub use outcome::{exit, RunOutcome, RunSetup, RunVerdict};
pub use rejudge::{RecordedTrial, ReplayBook};
pub use trials::Trials;

use family::{Family, GroupApi, GroupRegistry};

use crate::cases::SpecRef;
use crate::checks::validators::Validators;
use crate::checks::{CheckResult, Verdict};
use crate::credentials::Credentials;
use crate::exchange::{Halt, HaltKind, HttpClient, RecordedExchange, Redactor};
use crate::matrix::TrialSpec;
use crate::suite::Suite;
use crate::target::Limits;
use crate::trial_name::TrialName;
use crate::vocab::Level;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
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
    /// Which endpoints of safety class `write` the run may call.
    pub writes: WritePolicy,
}

/// The endpoints of safety class `write` (`cases/safety.toml`) a run may send requests to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WritePolicy {
    /// Any: the embedded server, or a rejudge (nothing is sent; the record decides).
    Any,
    /// A live target: only those whose uid matches one of these patterns (`--allow-writes`).
    Only(Vec<String>),
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
    /// The UserGroup family's layer: its calls and carrier, and the groups this run
    /// created, idle, and marked Deleted.
    family: Family,
    /// The requests of each trial, in order, when capturing (holds secrets: never printed).
    captured: Option<Mutex<Vec<Vec<crate::exchange::Request>>>>,
    /// Whether passing trials keep their exchanges (false when no report reads them).
    passing_details: AtomicBool,
    /// Set by the first Ctrl-C or SIGTERM: no new trial starts.
    interrupted: OnceLock<Halt>,
    /// Rejudging: the recorded trials, served instead of sending anything.
    replay: Option<Arc<ReplayBook>>,
    writes: WritePolicy,
    /// Where passing trials' details go as they finish (a report's spool), if anywhere.
    keeper: OnceLock<Arc<dyn pool::Keeper>>,
}

/// Everything known about one trial after it ran.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrialReport {
    pub name: String,
    /// The name's tokens (the axes' ids among them), so no report re-parses `name`.
    pub trial: TrialName,
    /// The uid of the endpoint the trial calls (`v1UserAgent_SaveUserGroup`).
    #[serde(default)]
    pub endpoint: String,
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
    /// What a replay needs beyond the exchanges: the group name the trial used and the
    /// group it reused (`soconform rejudge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayState>,
    /// The waiver that set this failure aside, if one did (`--waivers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<crate::waivers::Waiver>,
    /// Its exchanges, checks and `curl` went to the report's spool (see [`pool::Keeper`]):
    /// a report reads them there.
    #[serde(skip)]
    pub spooled: bool,
}

/// The state a trial took from the run rather than from its case: replaying it needs
/// the same (its requests carry the name; a reused group has no setup exchange).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayState {
    /// The unique group name (`soconform-<run>-<n>`) the trial's requests carry.
    pub name: String,
    /// The group the trial reused instead of creating one: its Id and last carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leased: Option<(i32, serde_json::Value)>,
    /// The name of the second group of `setup = "create_two"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_name: Option<String>,
}

impl TrialReport {
    /// Whether this trial fails the run: its verdict does (see [`Verdict::fails_run`])
    /// and no waiver set it aside.
    pub fn fails_run(&self, strict: bool) -> bool {
        self.waived.is_none() && self.verdict.fails_run(strict)
    }
}

impl Engine {
    pub fn new(suite: Arc<Suite>, config: EngineConfig) -> Result<Engine, String> {
        let validators = Validators::new(suite.clone())?;
        let api = GroupApi::resolve(&suite)?;
        let client = HttpClient::new(config.limits.clone()).map_err(|e| e.to_string())?;
        // Kept groups are for looking at: each as its own trial left it.
        let reuse = !(config.fresh_groups || config.keep_created);
        Ok(Engine {
            redactor: Redactor::new(&config.credentials),
            family: Family {
                groups: GroupRegistry::new(config.limits.concurrency, reuse),
                api,
            },
            suite,
            base_url: config.base_url.trim_end_matches('/').to_string(),
            credentials: config.credentials,
            client,
            validators,
            run_id: config.run_id,
            keep_created: config.keep_created,
            seq: AtomicU64::new(0),
            captured: config.capture_requests.then(|| Mutex::new(Vec::new())),
            passing_details: AtomicBool::new(true),
            interrupted: OnceLock::new(),
            replay: None,
            writes: config.writes,
            keeper: OnceLock::new(),
        })
    }

    /// Why the run sends nothing to endpoint `uid`: it is of safety class `write` and the
    /// target is live without `--allow-writes` naming it. The UserGroup family's save and
    /// delete calls are not held back: its recipe writes only groups this run created.
    pub fn refuses_to_call(&self, uid: &str) -> Option<String> {
        let WritePolicy::Only(allowed) = &self.writes else {
            return None;
        };
        let props = &self.family.api.props;
        if uid == props.save || props.delete.as_deref() == Some(uid) {
            return None;
        }
        let (class, reason) = self.suite.safety_of(uid);
        if class == crate::cases::SafetyClass::Read
            || allowed.iter().any(|p| crate::glob::matches(p, uid))
        {
            return None;
        }
        Some(format!(
            "`{uid}` may change data (cases/safety.toml: {reason}): nothing is sent to it on a live target unless the run opts in with --allow-writes (or SOCONF_ALLOW_WRITES, or the target file's allow_writes)"
        ))
    }

    /// The same engine replaying `book` instead of sending (`soconform rejudge`).
    pub fn replaying(mut self, book: ReplayBook) -> Engine {
        self.replay = Some(Arc::new(book));
        self
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

    /// Runs one trial (a failing generated one is also shrunk: see `shrink`); once the
    /// run is halted, reports it as not run instead.
    pub async fn run(&self, spec: &TrialSpec) -> TrialReport {
        if let Some(halt) = self.halt() {
            return trial::not_run(self, spec, format!("not run: {}", halt.reason));
        }
        if let Some(book) = &self.replay {
            return self.rejudge_one(book, spec).await;
        }
        let report = trial::run(self, spec, None, None).await;
        if spec.seed.is_some() {
            shrink::finish(self, spec, report).await
        } else {
            report
        }
    }

    fn captures(&self) -> bool {
        self.captured.is_some()
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

    /// Whether a passing trial records its exchanges (see [`pool::Details`]).
    /// Sends every passing trial's details to `keeper` as it finishes (see
    /// [`pool::Keeper`]); set once, before the run.
    pub fn set_keeper(&self, keeper: Arc<dyn pool::Keeper>) {
        let _ = self.keeper.set(keeper);
    }

    pub(crate) fn keeper(&self) -> Option<&Arc<dyn pool::Keeper>> {
        self.keeper.get()
    }

    pub fn keeps_passing_details(&self) -> bool {
        self.passing_details.load(Ordering::Relaxed)
    }

    pub fn timeout(&self) -> Duration {
        self.client.limits().total_timeout
    }

    /// Ctrl-C or SIGTERM (`signal` names it): no trial starts from now on; those in flight
    /// finish, and the final sweep still runs.
    pub fn interrupt(&self, signal: &str) {
        let _ = self.interrupted.set(Halt::now(
            HaltKind::Interrupted,
            format!(
                "interrupted by {signal}: the trials in flight were finished, no other was started"
            ),
        ));
    }

    /// Why the run stopped starting trials, if it did: an interrupt, or the client's
    /// watch (the target stopped answering, or answered only rate limits).
    pub fn halt(&self) -> Option<&Halt> {
        self.interrupted
            .get()
            .or_else(|| self.client.watch().halted())
    }

    /// The groups this run created that are not (yet) marked Deleted, in Id order.
    pub fn active_groups(&self) -> Vec<i32> {
        self.family.groups.active_ids()
    }
}

impl crate::waivers::Waivable for TrialReport {
    fn name(&self) -> &str {
        &self.name
    }
    fn case_id(&self) -> &str {
        &self.case_id
    }
    fn fails(&self) -> bool {
        self.fails_run(true)
    }
    fn waive(&mut self, waiver: crate::waivers::Waiver) {
        self.waived = Some(waiver);
    }
}

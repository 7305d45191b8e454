//! `report.json`: the run as one document a vendor can hand over. Its JSON Schema is
//! generated from these types and published as `docs/report.schema.json` (a drift test
//! keeps it current); every other report file is rendered from this document.

use super::summary::{Counts, LevelTally};
use crate::cases::SpecRef;
use crate::checks::{CheckResult, Verdict};
use crate::engine::RunOutcome;
pub use crate::engine::RunVerdict;
use crate::engine::{failure_message, SweepReport, TrialReport};
use crate::exchange::{Halt, HaltKind, RecordedExchange, TransportStats};
use crate::suite::Suite;
use crate::traceability::Traceability;
use crate::vocab::Level;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::SystemTime;

/// The value of `format` in every report this version writes.
pub const FORMAT: &str = "soconform-report/1";

/// A certification run of the soconform suite against one server.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "soconform report")]
pub struct ReportDoc {
    /// Names this format and its version: `soconform-report/1`.
    pub format: String,
    pub suite: SuiteInfo,
    pub target: TargetInfo,
    /// When the first trial started (RFC 3339, UTC, milliseconds).
    pub started: String,
    /// When the last trial and the cleanup sweep ended (RFC 3339, UTC, milliseconds).
    pub finished: String,
    pub duration_ms: f64,
    /// Requests sent to the target, setup, read-back and cleanup included.
    pub requests: u64,
    /// Whether should-level failures failed the run (`--strict`).
    pub strict: bool,
    pub outcome: Outcome,
    /// Trial counts over the whole run, by verdict.
    pub totals: Counts,
    /// Trial counts per agent, endpoint and concern (auth, content types, ...), in that
    /// order, by verdict and by level.
    pub concerns: Vec<ConcernSummary>,
    /// One entry per case: each case is one requirement of the docs.
    pub requirements: Vec<Requirement>,
    /// The citation of each check every trial may run (`cases/checks.toml`), given once:
    /// a trial's check that cites it leaves its own `spec` out.
    #[serde(default)]
    pub check_citations: BTreeMap<String, SpecRef>,
    /// Every trial that ran (or was skipped), in suite order.
    #[schemars(with = "Vec<TrialEntry>")]
    pub trials: TrialList,
    /// Every documented sentence and the cases that check it.
    pub traceability: Traceability,
    /// What the final sweep did with the groups this run created.
    pub cleanup: SweepReport,
    /// Why the run stopped starting trials before the end (interrupted, the target
    /// stopped answering, or answered only rate limits); `null` when it ran to the end.
    #[serde(default)]
    pub halt: Option<Halt>,
    /// Rate limits the run waited out, and exchanges that got no answer.
    #[serde(default)]
    pub transport: TransportStats,
    /// The waivers in force for this run (`--waivers`) and what became of each.
    #[serde(default)]
    pub waivers: Vec<crate::waivers::WaiverStatus>,
    /// The other files of the report directory and their SHA-256 (`soconform verify`).
    #[serde(default)]
    pub files: Vec<super::manifest::FileDigest>,
    /// The credential schemes and limits the run went with.
    #[serde(default)]
    pub setup: crate::engine::RunSetup,
    /// The public key (`ed25519:<base64>`) whose signature of this file is in
    /// `report.json.sig`; `null` when the run was not signed.
    #[serde(default)]
    pub signed_by: Option<String>,
    /// The suite's detection power as the self-test measured it for this very suite
    /// version (`docs/detection.json`); `null` when it was not measured for it.
    #[serde(default)]
    pub detection: Option<super::detection::Detection>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteInfo {
    /// `soconform`.
    pub name: String,
    /// The suite's version (its Cargo package version).
    pub version: String,
    /// SHA-256 over every file of `cases/` and `schemas/` (names and bytes): which exact
    /// requirements and schemas produced this report.
    pub content_hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetInfo {
    /// Base URL up to and including `/api`.
    pub url: String,
    /// For people: `embedded reference server at ...`, or the URL.
    pub label: String,
    /// Whether the target was the suite's own reference server.
    pub embedded: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub verdict: RunVerdict,
    /// The exit code `soconform run` returned: 0 conformant, 1 not conformant, 130
    /// interrupted.
    pub exit_code: u8,
    /// One line for people.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcernSummary {
    /// The agent of the endpoint (`User`, `Contact`); empty in reports written before it
    /// was recorded.
    #[serde(default)]
    pub agent: String,
    /// The endpoint's slug (`save_user_group`), the first token of its trials' names.
    pub endpoint: String,
    pub concern: String,
    pub counts: Counts,
    /// Trials of must-level cases.
    pub must: LevelTally,
    /// Trials of should-level cases.
    pub should: LevelTally,
    /// Trials of info-level cases.
    pub info: LevelTally,
}

/// A trial's verdict, without its reason.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum VerdictLabel {
    Skipped,
    Pass,
    Info,
    /// A failure set aside by a waiver: not a pass, not failing the run.
    Waived,
    Warn,
    Fail,
}

impl VerdictLabel {
    /// A trial's label: `waived` when a waiver set its failure aside, else its verdict's.
    pub fn of_trial(r: &TrialReport) -> Self {
        match r.waived {
            Some(_) => VerdictLabel::Waived,
            None => VerdictLabel::of(&r.verdict),
        }
    }

    pub fn of(v: &Verdict) -> Self {
        match v {
            Verdict::Pass => VerdictLabel::Pass,
            Verdict::Fail => VerdictLabel::Fail,
            Verdict::Warn => VerdictLabel::Warn,
            Verdict::Info => VerdictLabel::Info,
            Verdict::Skipped(_) => VerdictLabel::Skipped,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictLabel::Skipped => "skipped",
            VerdictLabel::Pass => "pass",
            VerdictLabel::Info => "info",
            VerdictLabel::Waived => "waived",
            VerdictLabel::Warn => "warn",
            VerdictLabel::Fail => "fail",
        }
    }
}

/// One requirement (a case) and how its trials went.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The case id, e.g. `select.single_name`.
    pub id: String,
    pub concern: String,
    pub title: String,
    pub level: Level,
    /// The documentation sentence the case enforces.
    pub spec: SpecRef,
    /// Further sentences it relies on.
    pub also: Vec<SpecRef>,
    /// The worst verdict among its trials (fail > warn > info > pass > skipped).
    pub verdict: VerdictLabel,
    pub counts: Counts,
}

/// The axis values a trial ran with.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialAxes {
    /// The request Content-Type (`null`: no body).
    pub content_type: Option<String>,
    /// Its token in the trial name (`json`, `xml`, `no-body`, ...).
    pub content_type_token: String,
    /// The Accept header (`null`: none sent).
    pub accept: Option<String>,
    /// Its token in the trial name (`json`, `xml`, `no-accept`, ...).
    pub accept_token: String,
    /// The auth mode (`basic`, `soticket-SOTICKET`, `xsrf`, `wrong-basic`, ...).
    pub auth: String,
    /// The `$select` value, if any.
    pub select: Option<String>,
}

/// One trial: a case with one value on each axis.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialEntry {
    /// The trial's unique, stable name (also its test name under `cargo test`/nextest).
    pub id: String,
    /// The uid of the endpoint it calls (`v1UserAgent_SaveUserGroup`); empty in reports
    /// written before it was recorded.
    #[serde(default)]
    pub endpoint: String,
    pub case_id: String,
    pub concern: String,
    pub title: String,
    pub level: Level,
    /// The documentation sentence the case enforces.
    pub spec: SpecRef,
    pub verdict: VerdictLabel,
    /// Why the trial was skipped.
    pub skip_reason: Option<String>,
    pub duration_ms: f64,
    pub axes: TrialAxes,
    /// Every check the trial ran, with its level, citation and message.
    pub checks: Vec<CheckResult>,
    /// What the trial sent and received, secrets redacted.
    pub exchanges: Vec<RecordedExchange>,
    /// Reproduces the main request; secrets are read from the `SOCONF_*` variables.
    pub curl: Option<String>,
    /// Reruns just this trial.
    pub rerun: String,
    /// The failure text (as the console prints it) for every verdict but pass.
    pub message: Option<String>,
    pub notes: Vec<String>,
    /// The waiver that set this failure aside (its verdict is then `waived`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived: Option<crate::waivers::Waiver>,
    /// The state the trial took from the run (its group name, a reused group), for
    /// `soconform rejudge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<crate::engine::ReplayState>,
}

/// The content-type and accept tokens of a trial name
/// (`endpoint::concern::case[::select]::<ct>-><accept>::<auth>`).
fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

pub(crate) fn trial_entry(r: &TrialReport) -> TrialEntry {
    let verdict = VerdictLabel::of_trial(r);
    TrialEntry {
        id: r.name.clone(),
        endpoint: r.endpoint.clone(),
        case_id: r.case_id.clone(),
        concern: r.concern.clone(),
        title: r.title.clone(),
        level: r.level,
        spec: r.spec.clone(),
        verdict,
        skip_reason: match &r.verdict {
            Verdict::Skipped(reason) => Some(reason.clone()),
            _ => None,
        },
        duration_ms: r.duration_ms,
        axes: TrialAxes {
            content_type: r.content_type.clone(),
            content_type_token: r.trial.content_type.to_string(),
            accept: r.accept.clone(),
            accept_token: r.trial.accept.to_string(),
            auth: r.auth.clone(),
            select: r.select.clone(),
        },
        checks: r.results.clone(),
        exchanges: r.exchanges.clone(),
        curl: r.curl.clone(),
        rerun: format!("soconform run --exact '{}'", r.name),
        message: (verdict != VerdictLabel::Pass).then(|| failure_message(r)),
        notes: r.notes.clone(),
        waived: r.waived.clone(),
        replay: r.replay.clone(),
    }
}

/// Builds the document from a finished run.
/// Builds the document of a finished run. The trials are moved into it (each report
/// becomes its entry without a copy, so a large run is never held twice):
/// `outcome.reports` is empty afterwards.
pub fn build(
    suite: &Suite,
    outcome: &mut RunOutcome,
    strict: bool,
    traceability: Traceability,
) -> ReportDoc {
    let reports = &outcome.reports;
    let content_hash = suite.content_hash();
    let verdict = outcome.verdict(strict);
    let exit_code = outcome.exit_code(strict);
    // One pass over the trials (a run's passes are rebuilt as they are read): the rows
    // per agent, endpoint and concern, and each case's trials for its requirement.
    let mut per_case: BTreeMap<String, (Counts, VerdictLabel)> = BTreeMap::new();
    let (by_concern, totals) = super::summary::tally(reports.iter().inspect(|r| {
        let e = per_case
            .entry(r.case_id.clone())
            .or_insert((Counts::default(), VerdictLabel::Skipped));
        e.0.add_trial(r);
        e.1 = e.1.max(VerdictLabel::of_trial(r));
    }));
    let concerns = by_concern
        .into_iter()
        .map(|((agent, endpoint, concern), row)| {
            let [must, should, info] = row.levels;
            ConcernSummary {
                agent,
                endpoint,
                concern,
                counts: row.counts,
                must,
                should,
                info,
            }
        })
        .collect();
    // Requirements in suite order, with the trials that ran.
    let requirements = suite
        .cases
        .cases()
        .filter_map(|(file, case)| {
            let (counts, verdict) = per_case.get(case.id.as_str())?;
            Some(Requirement {
                id: case.id.clone(),
                concern: file.concern.clone(),
                title: case.title.clone(),
                level: case.level,
                spec: case.spec.clone(),
                also: case.also.clone(),
                verdict: *verdict,
                counts: *counts,
            })
        })
        .collect();
    let summary = match verdict {
        RunVerdict::Conformant => format!(
            "CONFORMANT: {} trials, every check passed ({} skipped, {} informational)",
            totals.trials, totals.skipped, totals.info
        ),
        RunVerdict::ConformantWithWarnings => format!(
            "CONFORMANT with {} should-level warnings (--strict fails on them)",
            totals.warn
        ),
        RunVerdict::NotConformant if totals.fail == 0 => format!(
            "NOT CONFORMANT: {} should-level failures under --strict",
            totals.warn
        ),
        RunVerdict::NotConformant => format!(
            "NOT CONFORMANT: {} must-level failures, {} should-level",
            totals.fail, totals.warn
        ),
    };
    let summary = match &outcome.halt {
        None => summary,
        Some(h) => {
            let what = match h.kind {
                HaltKind::Interrupted => "INCOMPLETE (interrupted)",
                HaltKind::Unresponsive => "INCOMPLETE (the target stopped answering)",
                HaltKind::RateLimited => "INCOMPLETE (the target answered only rate limits)",
            };
            format!(
                "{summary}; {what}: {} of {} trials skipped; {}",
                totals.skipped, totals.trials, h.reason
            )
        }
    };
    let duration_ms = outcome
        .finished
        .duration_since(outcome.started)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0);
    ReportDoc {
        check_citations: check_citations(suite),
        format: FORMAT.to_string(),
        suite: SuiteInfo {
            name: soconform_core::SUITE_NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            content_hash: content_hash.clone(),
        },
        target: TargetInfo {
            url: outcome.target_url.clone(),
            label: outcome.target_label.clone(),
            embedded: outcome.embedded,
        },
        started: rfc3339(outcome.started),
        finished: rfc3339(outcome.finished),
        duration_ms,
        requests: outcome.requests,
        strict,
        outcome: Outcome {
            verdict,
            exit_code,
            summary,
        },
        totals,
        concerns,
        requirements,
        trials: TrialList::Run(std::mem::take(&mut outcome.reports)),
        traceability,
        cleanup: outcome.sweep.clone(),
        halt: outcome.halt.clone(),
        transport: outcome.transport.clone(),
        waivers: outcome.waivers.clone(),
        files: Vec::new(),
        signed_by: None,
        setup: outcome.setup.clone(),
        detection: super::detection::Detection::load_for(&suite.paths.detection, &content_hash),
    }
}

/// The JSON Schema of `report.json`, published as `docs/report.schema.json`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ReportDoc)).unwrap_or_default()
}

/// Writes `doc` as `report.json`: compact (one trial per line), its `trials` taken from
/// `trials` (the caller takes them out of `doc`, whose own are not read) one at a time,
/// each [`compact`]ed, a spooled trial's copied from the spool as it was written: the
/// document is never held as text, nor its trials as entries.
pub fn write_streamed(
    doc: &ReportDoc,
    trials: &TrialList,
    mut spool: Option<&mut super::spool::SpoolReader>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let Value::Object(fields) = serde_json::to_value(doc).map_err(std::io::Error::other)? else {
        return Err(std::io::Error::other(
            "the report document is not an object",
        ));
    };
    out.write_all(b"{")?;
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *out, key).map_err(std::io::Error::other)?;
        out.write_all(b":")?;
        if key != "trials" {
            serde_json::to_writer(&mut *out, value).map_err(std::io::Error::other)?;
            continue;
        }
        out.write_all(b"[\n")?;
        for j in 0..trials.len() {
            if j > 0 {
                out.write_all(b",\n")?;
            }
            if let Some(bytes) = spool.as_mut().and_then(|s| s.raw(j)) {
                out.write_all(&bytes?)?;
                continue;
            }
            let t = trials.get(j).ok_or_else(|| {
                std::io::Error::other(format!("trial {j} of the run could not be read back"))
            })?;
            let t = compact(t.into_owned(), &doc.check_citations);
            serde_json::to_writer(&mut *out, &t).map_err(std::io::Error::other)?;
        }
        out.write_all(b"\n]")?;
    }
    out.write_all(b"}\n")
}

/// The citation of every intrinsic check (`cases/checks.toml`), by check id.
pub fn check_citations(suite: &Suite) -> BTreeMap<String, SpecRef> {
    suite
        .cases
        .checks
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.spec.clone()))
        .collect()
}

/// `entry` as `report.json` holds it: each check's citation left out where it is given
/// once elsewhere (its entry in `citations`, else its trial's own `spec`), and a passing
/// trial's `curl` (its request is in its exchanges). [`ReportDoc::inflate`] undoes the
/// first.
pub fn compact(mut entry: TrialEntry, citations: &BTreeMap<String, SpecRef>) -> TrialEntry {
    for c in &mut entry.checks {
        let elsewhere = match citations.get(&c.check) {
            Some(s) => *s == c.spec,
            None => c.spec == entry.spec,
        };
        if elsewhere {
            c.spec = SpecRef::default();
        }
    }
    if entry.verdict == VerdictLabel::Pass {
        entry.curl = None;
    }
    entry
}

/// A report's trials: held as entries (a report read back), or a fresh run's, each
/// turned into its entry when something reads it, so that a run of tens of thousands of
/// trials is never held as entries (see `engine::Trials`). Either serialises as the list
/// of entries.
#[derive(Debug, Clone)]
pub enum TrialList {
    Held(Vec<TrialEntry>),
    Run(crate::engine::Trials),
}

impl Default for TrialList {
    fn default() -> Self {
        TrialList::Held(Vec::new())
    }
}

impl TrialList {
    pub fn len(&self) -> usize {
        match self {
            TrialList::Run(run) => run.len(),
            TrialList::Held(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Trial `i`'s entry (a run's spooled trial without its exchanges and checks: the
    /// spool has those).
    pub fn get(&self, i: usize) -> Option<std::borrow::Cow<'_, TrialEntry>> {
        match self {
            TrialList::Run(run) => run.get(i).map(|r| std::borrow::Cow::Owned(trial_entry(&r))),
            TrialList::Held(v) => v.get(i).map(std::borrow::Cow::Borrowed),
        }
    }

    /// Every trial's entry, in order, one at a time.
    pub fn iter(&self) -> impl Iterator<Item = std::borrow::Cow<'_, TrialEntry>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// The entries of every trial that did not pass, with their index, in order (a
    /// run's light passes are skipped without being built).
    pub fn problems(
        &self,
    ) -> Box<dyn Iterator<Item = (usize, std::borrow::Cow<'_, TrialEntry>)> + '_> {
        match self {
            TrialList::Run(run) => Box::new(
                run.held_indexed()
                    .filter(|(_, r)| VerdictLabel::of_trial(r) != VerdictLabel::Pass)
                    .map(|(i, r)| (i, std::borrow::Cow::Owned(trial_entry(r)))),
            ),
            TrialList::Held(v) => Box::new(
                v.iter()
                    .enumerate()
                    .filter(|(_, t)| t.verdict != VerdictLabel::Pass)
                    .map(|(i, t)| (i, std::borrow::Cow::Borrowed(t))),
            ),
        }
    }
}

impl Serialize for TrialList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for t in self.iter() {
            seq.serialize_element(&*t)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for TrialList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<TrialEntry>::deserialize(d).map(TrialList::Held)
    }
}

impl ReportDoc {
    /// Puts back every check citation [`compact`] left out.
    pub fn inflate(&mut self) {
        let TrialList::Held(trials) = &mut self.trials else {
            return;
        };
        for t in trials {
            for c in &mut t.checks {
                if c.spec.is_empty() {
                    c.spec = self
                        .check_citations
                        .get(&c.check)
                        .unwrap_or(&t.spec)
                        .clone();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_order_is_worst_last() {
        assert!(VerdictLabel::Fail > VerdictLabel::Warn);
        assert!(VerdictLabel::Warn > VerdictLabel::Info);
        assert!(VerdictLabel::Info > VerdictLabel::Pass);
        assert!(VerdictLabel::Pass > VerdictLabel::Skipped);
    }
}

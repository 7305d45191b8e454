//! What changed between two runs (`soconform diff OLD NEW`): per trial and per
//! requirement, newly failing, fixed, changed level, new and removed; and a changed suite
//! or target. A CI job gates on "no new failures" with its exit code.

use super::json::{ReportDoc, TrialEntry, VerdictLabel};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// How bad a verdict is, for comparing two runs: anything that does not fail ranks 0.
fn severity(v: VerdictLabel) -> u8 {
    match v {
        VerdictLabel::Skipped | VerdictLabel::Pass | VerdictLabel::Info => 0,
        VerdictLabel::Waived => 1,
        VerdictLabel::Warn => 2,
        VerdictLabel::Fail => 3,
    }
}

/// One trial or requirement whose verdict or level moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// (old, new) suite content hash, when it changed.
    pub suite: Option<(String, String)>,
    /// (old, new) target URL, when it changed.
    pub target: Option<(String, String)>,
    /// Trials that fail now and did not (or fail worse: warn -> fail).
    pub newly_failing: Vec<Change>,
    /// Trials that failed and pass now.
    pub fixed: Vec<Change>,
    /// Other verdict moves (e.g. pass -> skipped, fail -> waived).
    pub other: Vec<Change>,
    /// Trials whose case level changed (must, should, info).
    pub level_changed: Vec<Change>,
    /// Trials only in the new run, with their verdict.
    pub new_trials: Vec<Change>,
    /// Trials only in the old run.
    pub removed_trials: Vec<Change>,
    /// Requirements (cases) whose worst verdict moved.
    pub requirements: Vec<Change>,
    /// The run verdicts (old, new), when they differ.
    pub verdict: Option<(String, String)>,
}

impl Diff {
    /// Whether anything got worse: a trial fails that did not (new trials included), a
    /// requirement's verdict got worse, or the run's verdict did.
    pub fn worse(&self) -> bool {
        !self.newly_failing.is_empty()
            || self
                .new_trials
                .iter()
                .any(|c| matches!(c.new.as_str(), "fail" | "warn"))
            || self
                .requirements
                .iter()
                .any(|c| rank(&c.new) > rank(&c.old))
            || self
                .verdict
                .as_ref()
                .is_some_and(|(o, n)| run_rank(n) > run_rank(o))
    }

    /// For people: a line per section that has anything, then the conclusion.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some((o, n)) = &self.suite {
            let _ = writeln!(
                out,
                "suite changed: content hash {o} -> {n} (requirements or schemas differ)"
            );
        }
        if let Some((o, n)) = &self.target {
            let _ = writeln!(out, "target changed: {o} -> {n}");
        }
        if let Some((o, n)) = &self.verdict {
            let _ = writeln!(out, "verdict: {o} -> {n}");
        }
        let sections = [
            ("newly failing", &self.newly_failing),
            ("fixed", &self.fixed),
            ("other verdict changes", &self.other),
            ("level changed", &self.level_changed),
            ("new trials", &self.new_trials),
            ("removed trials", &self.removed_trials),
            ("requirements changed", &self.requirements),
        ];
        for (title, changes) in sections {
            if changes.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{title} ({}):", changes.len());
            for c in changes {
                let _ = writeln!(out, "  {}: {} -> {}", c.id, c.old, c.new);
            }
        }
        let _ = writeln!(
            out,
            "{}",
            if self.worse() {
                "WORSE: something that passed fails now (exit 1)"
            } else if out.is_empty() {
                "no change"
            } else {
                "not worse"
            }
        );
        out
    }
}

fn rank(label: &str) -> u8 {
    match label {
        "fail" => 3,
        "warn" => 2,
        "waived" => 1,
        _ => 0,
    }
}

fn run_rank(verdict: &str) -> u8 {
    match verdict {
        "not-conformant" => 2,
        "conformant-with-warnings" => 1,
        _ => 0,
    }
}

fn label(v: VerdictLabel) -> String {
    v.as_str().to_string()
}

/// Compares two reports, trial by trial (by name) and requirement by requirement.
pub fn compare(old: &ReportDoc, new: &ReportDoc) -> Diff {
    let mut d = Diff::default();
    if old.suite.content_hash != new.suite.content_hash {
        d.suite = Some((
            old.suite.content_hash.clone(),
            new.suite.content_hash.clone(),
        ));
    }
    if old.target.url != new.target.url {
        d.target = Some((old.target.url.clone(), new.target.url.clone()));
    }
    let verdict = |r: &ReportDoc| {
        serde_json::to_value(r.outcome.verdict)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    if verdict(old) != verdict(new) {
        d.verdict = Some((verdict(old), verdict(new)));
    }
    let by_id = |r: &ReportDoc| -> BTreeMap<String, TrialEntry> {
        r.trials
            .iter()
            .map(|t| (t.id.clone(), t.into_owned()))
            .collect()
    };
    let (olds, news) = (by_id(old), by_id(new));
    for (id, n) in &news {
        let Some(o) = olds.get(id) else {
            d.new_trials.push(Change {
                id: id.clone(),
                old: "-".into(),
                new: label(n.verdict),
            });
            continue;
        };
        if o.level != n.level {
            d.level_changed.push(Change {
                id: id.clone(),
                old: o.level.to_string(),
                new: n.level.to_string(),
            });
        }
        if o.verdict == n.verdict {
            continue;
        }
        let change = Change {
            id: id.clone(),
            old: label(o.verdict),
            new: label(n.verdict),
        };
        let (so, sn) = (severity(o.verdict), severity(n.verdict));
        if sn >= 2 && sn > so {
            d.newly_failing.push(change);
        } else if so >= 2 && sn == 0 {
            d.fixed.push(change);
        } else {
            d.other.push(change);
        }
    }
    for (id, o) in &olds {
        if !news.contains_key(id) {
            d.removed_trials.push(Change {
                id: id.clone(),
                old: label(o.verdict),
                new: "-".into(),
            });
        }
    }
    let reqs = |r: &ReportDoc| -> BTreeMap<String, VerdictLabel> {
        r.requirements
            .iter()
            .map(|q| (q.id.clone(), q.verdict))
            .collect()
    };
    let (ro, rn) = (reqs(old), reqs(new));
    for (id, n) in &rn {
        match ro.get(id) {
            Some(o) if o != n => d.requirements.push(Change {
                id: id.clone(),
                old: label(*o),
                new: label(*n),
            }),
            _ => {}
        }
    }
    d
}

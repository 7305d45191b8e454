//! The per-agent, per-concern table printed at the end of every run, with the endpoints
//! that did not pass under each row.

use crate::checks::Verdict;
use crate::engine::{RunVerdict, TrialReport};
use crate::exchange::{Halt, HaltKind};
use crate::vocab::Level;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(
    Debug,
    Default,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub struct Counts {
    pub trials: usize,
    pub pass: usize,
    /// Must-level failures.
    pub fail: usize,
    /// Should-level failures.
    pub warn: usize,
    /// Info-level observations that differ from the common reading.
    pub info: usize,
    pub skipped: usize,
    /// Failures set aside by a waiver (counted here instead of fail or warn).
    #[serde(default)]
    pub waived: usize,
}

impl Counts {
    /// Counts a trial: a waived failure as waived, anything else by its verdict.
    pub fn add_trial(&mut self, r: &TrialReport) {
        if r.waived.is_some() {
            self.trials += 1;
            self.waived += 1;
        } else {
            self.add(&r.verdict);
        }
    }

    /// Adds another row's counts.
    pub fn merge(&mut self, o: &Counts) {
        self.trials += o.trials;
        self.pass += o.pass;
        self.fail += o.fail;
        self.warn += o.warn;
        self.info += o.info;
        self.skipped += o.skipped;
        self.waived += o.waived;
    }

    pub fn add(&mut self, v: &Verdict) {
        self.trials += 1;
        match v {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Warn => self.warn += 1,
            Verdict::Info => self.info += 1,
            Verdict::Skipped(_) => self.skipped += 1,
        }
    }
}

/// One row of the tables: the agent (`Contact`), the endpoint's slug
/// (`contact.get_contact_entity`) and a concern, in that order of grouping.
pub type RowKey = (String, String, String);

/// A row's trials: by verdict, and by case level (must, should, info).
#[derive(Debug, Default, Clone, Copy)]
pub struct Row {
    pub counts: Counts,
    pub levels: [LevelTally; 3],
}

/// Counts per agent, endpoint and concern (in that order) and in total, in one pass.
pub fn tally(
    reports: impl IntoIterator<Item = impl std::ops::Deref<Target = TrialReport>>,
) -> (BTreeMap<RowKey, Row>, Counts) {
    let mut by: BTreeMap<RowKey, Row> = BTreeMap::new();
    let mut total = Counts::default();
    for r in reports {
        let r = &*r;
        let key = (
            crate::suite::agent_of(&r.endpoint).to_string(),
            r.trial.endpoint.to_string(),
            r.concern.clone(),
        );
        let row = by.entry(key).or_default();
        row.counts.add_trial(r);
        row.levels[level_index(r.level)].add(&r.verdict);
        total.add_trial(r);
    }
    (by, total)
}

fn level_index(level: Level) -> usize {
    match level {
        Level::Must => 0,
        Level::Should => 1,
        Level::Info => 2,
    }
}

/// Trials of one case level: how many ran and how many passed (a pass or info verdict).
#[derive(
    Debug,
    Default,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct LevelTally {
    pub trials: usize,
    pub passed: usize,
}

impl LevelTally {
    fn add(&mut self, v: &Verdict) {
        self.trials += 1;
        if matches!(v, Verdict::Pass | Verdict::Info) {
            self.passed += 1;
        }
    }
}

/// The run's verdict line. Skipped trials are named: a run that skipped most of the matrix
/// (unconfigured schemes, an exhausted request budget, a halt) must not read like a full
/// pass.
pub fn verdict_line(verdict: RunVerdict, total: &Counts, halt: Option<&Halt>) -> String {
    let base = match verdict {
        RunVerdict::NotConformant => "NOT CONFORMANT",
        RunVerdict::ConformantWithWarnings => {
            "CONFORMANT (with should-level warnings; --strict fails on them)"
        }
        RunVerdict::Conformant => "CONFORMANT",
    };
    let why = match halt.map(|h| &h.kind) {
        Some(HaltKind::Interrupted) => " (interrupted)",
        Some(HaltKind::Unresponsive) => " (the target stopped answering)",
        Some(HaltKind::RateLimited) => " (the target answered only rate limits)",
        None => "",
    };
    let base = if total.waived > 0 {
        format!(
            "{base} with {} waived failure{}",
            total.waived,
            if total.waived == 1 { "" } else { "s" }
        )
    } else {
        base.to_string()
    };
    if total.skipped > 0 || halt.is_some() {
        format!(
            "{base}, INCOMPLETE{why}: {} of {} trials were skipped (their reasons are in the report)",
            total.skipped, total.trials
        )
    } else {
        base
    }
}

/// The table: per agent and concern, trials by verdict (fail counts must-level failures,
/// warn should-level ones), then must-, should- and info-level trials counted apart
/// (`passed/trials`); under each row, the endpoints that did not pass it all; then the
/// verdict line. Hundreds of endpoints stay a table of a few dozen rows.
pub fn render(
    reports: impl IntoIterator<Item = impl std::ops::Deref<Target = TrialReport>>,
    verdict: RunVerdict,
    halt: Option<&Halt>,
) -> String {
    let (by, total) = tally(reports);
    // Per agent and concern: the row's sum, and the endpoints that did not pass it all.
    type Group<'a> = (Row, Vec<(&'a str, &'a Row)>);
    let mut grouped: BTreeMap<(&str, &str), Group> = BTreeMap::new();
    for ((agent, endpoint, concern), row) in &by {
        let g = grouped.entry((agent, concern)).or_default();
        g.0.counts.merge(&row.counts);
        for (sum, add) in g.0.levels.iter_mut().zip(row.levels) {
            sum.trials += add.trials;
            sum.passed += add.passed;
        }
        let c = &row.counts;
        if c.fail + c.warn + c.skipped + c.waived > 0 {
            g.1.push((endpoint, row));
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:<24} {:>6} {:>6} {:>10} {:>12} {:>5} {:>7} {:>6} | {:>11} {:>11} {:>9}",
        "agent",
        "concern",
        "trials",
        "pass",
        "fail(must)",
        "warn(should)",
        "info",
        "skipped",
        "waived",
        "must ok",
        "should ok",
        "info-lvl"
    );
    let line = |out: &mut String, agent: &str, label: &str, c: &Counts, levels: [LevelTally; 3]| {
        let frac = |t: LevelTally| format!("{}/{}", t.passed, t.trials);
        let _ = writeln!(
            out,
            "{:<10} {:<24} {:>6} {:>6} {:>10} {:>12} {:>5} {:>7} {:>6} | {:>11} {:>11} {:>9}",
            agent,
            label,
            c.trials,
            c.pass,
            c.fail,
            c.warn,
            c.info,
            c.skipped,
            c.waived,
            frac(levels[0]),
            frac(levels[1]),
            levels[2].trials
        );
    };
    for ((agent, concern), (row, endpoints)) in &grouped {
        line(&mut out, agent, concern, &row.counts, row.levels);
        for (endpoint, r) in endpoints {
            line(&mut out, "", &format!("  {endpoint}"), &r.counts, r.levels);
        }
    }
    let mut levels = [LevelTally::default(); 3];
    for row in by.values() {
        for (sum, add) in levels.iter_mut().zip(row.levels) {
            sum.trials += add.trials;
            sum.passed += add.passed;
        }
    }
    line(&mut out, "total", "", &total, levels);
    let _ = writeln!(out, "\nverdict: {}", verdict_line(verdict, &total, halt));
    out
}

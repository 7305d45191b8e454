//! The per-endpoint, per-concern table printed at the end of every run.

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

/// An endpoint's slug and a concern: one row of the tables.
pub type EndpointConcern = (String, String);

/// Counts per endpoint and concern (in name order) and in total.
pub fn tally(reports: &[TrialReport]) -> (BTreeMap<EndpointConcern, Counts>, Counts) {
    let mut by = BTreeMap::new();
    let mut total = Counts::default();
    for r in reports {
        by.entry((r.trial.endpoint.clone(), r.concern.clone()))
            .or_insert_with(Counts::default)
            .add_trial(r);
        total.add_trial(r);
    }
    (by, total)
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

/// Per case level (must, should, info), the trials of `reports` that ran and passed.
pub fn by_level<'a>(reports: impl IntoIterator<Item = &'a TrialReport>) -> [LevelTally; 3] {
    let mut out = [LevelTally::default(); 3];
    for r in reports {
        let i = match r.level {
            Level::Must => 0,
            Level::Should => 1,
            Level::Info => 2,
        };
        out[i].add(&r.verdict);
    }
    out
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

/// The trials of one row of the tables.
pub fn of_row<'a>(
    reports: &'a [TrialReport],
    (endpoint, concern): &'a EndpointConcern,
) -> impl Iterator<Item = &'a TrialReport> + 'a {
    reports
        .iter()
        .filter(move |r| &r.trial.endpoint == endpoint && &r.concern == concern)
}

/// The table: per endpoint and concern, trials by verdict (fail counts must-level failures, warn
/// should-level ones), then must-, should- and info-level trials counted apart
/// (`passed/trials`), and the verdict line.
pub fn render(reports: &[TrialReport], verdict: RunVerdict, halt: Option<&Halt>) -> String {
    let (by, total) = tally(reports);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20} {:<14} {:>6} {:>6} {:>10} {:>12} {:>5} {:>7} {:>6} | {:>11} {:>11} {:>9}",
        "endpoint",
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
    let row =
        |out: &mut String, endpoint: &str, concern: &str, c: &Counts, levels: [LevelTally; 3]| {
            let frac = |t: LevelTally| format!("{}/{}", t.passed, t.trials);
            let _ = writeln!(
                out,
                "{:<20} {:<14} {:>6} {:>6} {:>10} {:>12} {:>5} {:>7} {:>6} | {:>11} {:>11} {:>9}",
                endpoint,
                concern,
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
    for (key, c) in &by {
        row(&mut out, &key.0, &key.1, c, by_level(of_row(reports, key)));
    }
    row(&mut out, "total", "", &total, by_level(reports));
    let _ = writeln!(out, "\nverdict: {}", verdict_line(verdict, &total, halt));
    out
}

//! The per-concern table printed at the end of every run.

use crate::checks::Verdict;
use crate::engine::TrialReport;
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
}

impl Counts {
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

/// Counts per concern (in name order) and in total.
pub fn tally(reports: &[TrialReport]) -> (BTreeMap<String, Counts>, Counts) {
    let mut by = BTreeMap::new();
    let mut total = Counts::default();
    for r in reports {
        by.entry(r.concern.clone())
            .or_insert_with(Counts::default)
            .add(&r.verdict);
        total.add(&r.verdict);
    }
    (by, total)
}

pub fn render(reports: &[TrialReport], strict: bool) -> String {
    let (by, total) = tally(reports);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>7} {:>7} {:>10} {:>11} {:>6} {:>8}",
        "concern", "trials", "pass", "fail(must)", "warn(should)", "info", "skipped"
    );
    let row = |out: &mut String, name: &str, c: &Counts| {
        let _ = writeln!(
            out,
            "{:<16} {:>7} {:>7} {:>10} {:>11} {:>6} {:>8}",
            name, c.trials, c.pass, c.fail, c.warn, c.info, c.skipped
        );
    };
    for (concern, c) in &by {
        row(&mut out, concern, c);
    }
    row(&mut out, "total", &total);
    let verdict = if total.fail > 0 || (strict && total.warn > 0) {
        "NOT CONFORMANT"
    } else if total.warn > 0 {
        "CONFORMANT (with should-level warnings; --strict fails on them)"
    } else {
        "CONFORMANT"
    };
    let _ = writeln!(out, "\nverdict: {verdict}");
    out
}

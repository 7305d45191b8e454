//! Generated trials: every one says its seed and what it sent; a failing one is shrunk
//! (properties left out, strings shortened, numbers zeroed) while it still fails the
//! same checks, and reports the smallest body found and how to replay it.

use super::{trial, Engine, TrialReport};
use crate::checks::Verdict;
use crate::generate;
use crate::matrix::TrialSpec;
use std::collections::BTreeSet;

/// Most extra runs one failing trial may spend shrinking (each sends requests).
pub const MAX_SHRINK_RUNS: usize = 24;

fn failing_checks(r: &TrialReport) -> BTreeSet<String> {
    r.results
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.check.clone())
        .collect()
}

pub(super) async fn finish(
    engine: &Engine,
    spec: &TrialSpec,
    mut report: TrialReport,
) -> TrialReport {
    let (Some(seed), Ok(Some(generated))) = (spec.seed, trial::generated_for(engine, spec)) else {
        return report;
    };
    let what = if generated.what.is_empty() {
        String::new()
    } else {
        format!("; invalid because {}", generated.what)
    };
    report.notes.push(format!(
        "generated body (seed {seed}{what}): {}",
        generated.body
    ));
    if !matches!(report.verdict, Verdict::Fail | Verdict::Warn) {
        return report;
    }
    // A server that did not answer says nothing about the body, and shrinking would only
    // wait for it again.
    if let Some(e) = report.exchanges.iter().find_map(|e| e.error.as_deref()) {
        report.notes.push(format!(
            "not shrunk: an exchange got no answer ({e}); replay: soconform run --exact '{}'",
            spec.name
        ));
        return report;
    }
    let target = (report.verdict.clone(), failing_checks(&report));
    let mut current = generated.body.clone();
    let (mut steps, mut runs) = (0usize, 0usize);
    let mut minimal: Option<TrialReport> = None;
    'outer: loop {
        for candidate in generate::shrink_candidates(&current, generated.keep.as_deref()) {
            if runs >= MAX_SHRINK_RUNS {
                break 'outer;
            }
            runs += 1;
            let r = trial::run(engine, spec, Some(&candidate), None).await;
            if (r.verdict.clone(), failing_checks(&r)) == target {
                current = candidate;
                steps += 1;
                minimal = Some(r);
                continue 'outer;
            }
        }
        break;
    }
    match minimal {
        Some(min) => {
            report.notes.push(format!(
                "shrunk in {steps} steps ({runs} runs) to a smaller body that fails the same checks: {current}"
            ));
            for c in min.results.iter().filter(|c| !c.passed) {
                report.notes.push(format!(
                    "  with that body: [{}] {}: {}",
                    c.level,
                    c.check,
                    c.message.as_deref().unwrap_or("failed")
                ));
            }
        }
        None => report.notes.push(format!(
            "no smaller body fails the same checks ({runs} tried): the body above is minimal"
        )),
    }
    report.notes.push(format!(
        "replay: soconform run --exact '{0}'  (or: cargo test --test conformance -- --exact '{0}'); the seed is in the name",
        spec.name
    ));
    report
}

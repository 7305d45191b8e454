//! Trials are I/O-bound: run them with bounded concurrency on the current runtime, each
//! worker taking the next trial as soon as it is free, and hand the reports back in trial
//! order whatever order they finished in.

use super::trials::{Slot, Trials};
use super::{Engine, TrialReport};
use crate::matrix::SpecList;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How much of each finished trial to keep in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Details {
    /// Everything, for reports.
    All,
    /// Exchanges and `curl` only for trials that did not pass (and check results only
    /// for those and info-level observations): with no report to write, nothing reads
    /// them, and a large matrix stays small.
    FailuresOnly,
}

/// Where a passing trial's details go as it finishes, instead of memory: a report's spool
/// on disk (`report::spool`), so that a run of tens of thousands of trials holds only what
/// the summary needs. Whatever it does not keep (an error) stays in memory.
pub trait Keeper: Send + Sync {
    /// Keeps trial `index`'s (its place in the run's specs) details.
    fn keep(&self, index: usize, report: &TrialReport) -> Result<(), String>;
}

/// Runs every spec with [`Details::All`]; `on_done` is called as each trial finishes.
pub async fn run_all(
    engine: Arc<Engine>,
    specs: Arc<SpecList>,
    concurrency: usize,
    on_done: Arc<dyn Fn(&TrialReport) + Send + Sync>,
) -> Result<Trials, String> {
    run_all_with(engine, specs, concurrency, on_done, Details::All).await
}

/// Runs every spec, keeping `details` of each finished trial.
pub async fn run_all_with(
    engine: Arc<Engine>,
    specs: Arc<SpecList>,
    concurrency: usize,
    on_done: Arc<dyn Fn(&TrialReport) + Send + Sync>,
    details: Details,
) -> Result<Trials, String> {
    engine
        .passing_details
        .store(details == Details::All, Ordering::Relaxed);
    let next = Arc::new(AtomicUsize::new(0));
    // A slot waiting for its trial costs a word; a passing trial's is a few bytes (see
    // `Trials`), and the slots are moved out one by one at the end (never held twice).
    type Slots = Vec<Option<Slot>>;
    let slots: Arc<Mutex<Slots>> = Arc::new(Mutex::new(
        std::iter::repeat_with(|| None).take(specs.len()).collect(),
    ));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1).min(specs.len().max(1)) {
        let (engine, specs, next, slots, on_done) = (
            engine.clone(),
            specs.clone(),
            next.clone(),
            slots.clone(),
            on_done.clone(),
        );
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= specs.len() {
                    break;
                }
                // A compact list's spec is expanded again as it is read (see `SpecList`).
                let Some(spec) = specs.get(i) else { continue };
                let mut report = engine.run(&spec).await;
                on_done(&report);
                // A passing trial's exchanges, checks and `curl` go to the keeper (a
                // report's spool); its slot then keeps only its index and duration.
                if let (Some(k), crate::checks::Verdict::Pass) = (engine.keeper(), &report.verdict)
                {
                    report.spooled = k.keep(i, &report).is_ok();
                }
                // Nobody reads an observation's exchanges without a report (a pass's
                // slot is light: see `Trials`).
                if details == Details::FailuresOnly
                    && report.verdict == crate::checks::Verdict::Info
                {
                    report.exchanges = Vec::new();
                    report.curl = None;
                }
                let slot = Slot::of(i, report, details == Details::FailuresOnly);
                if let Ok(mut s) = slots.lock() {
                    s[i] = Some(slot);
                }
            }
        });
    }
    while let Some(r) = workers.join_next().await {
        r.map_err(|e| format!("a trial worker stopped: {e}"))?;
    }
    let reports = std::mem::take(
        &mut *slots
            .lock()
            .map_err(|_| "a trial worker panicked".to_string())?,
    );
    // One slot per spec, in spec order: a trial's place is its spec's index, which the
    // spool files its entry under.
    let mut filled = Vec::with_capacity(reports.len());
    for (i, slot) in reports.into_iter().enumerate() {
        filled.push(slot.ok_or_else(|| format!("trial {i} of the run reported nothing"))?);
    }
    let mut trials = Trials::new(engine.suite.clone(), specs);
    trials.fill(filled);
    Ok(trials)
}

//! Trials are I/O-bound: run them with bounded concurrency on the current runtime, each
//! worker taking the next trial as soon as it is free, and hand the reports back in trial
//! order whatever order they finished in.

use super::{Engine, TrialReport};
use crate::matrix::TrialSpec;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Runs every spec; `on_done` is called as each trial finishes (progress display).
pub async fn run_all(
    engine: Arc<Engine>,
    specs: Arc<Vec<TrialSpec>>,
    concurrency: usize,
    on_done: Arc<dyn Fn(&TrialReport) + Send + Sync>,
) -> Result<Vec<TrialReport>, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let slots: Arc<Mutex<Vec<Option<TrialReport>>>> = Arc::new(Mutex::new(vec![None; specs.len()]));
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
                let Some(spec) = specs.get(i) else { break };
                let report = engine.run(spec).await;
                on_done(&report);
                if let Ok(mut s) = slots.lock() {
                    s[i] = Some(report);
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
    Ok(reports.into_iter().flatten().collect())
}

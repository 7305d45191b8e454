//! The run's progress on the console: a bar on a terminal, a line every tenth of the way
//! on a pipe; and, whenever the run waits on the target (no answer for a while, or a
//! Retry-After), what it waits for.

use crate::engine::{Engine, TrialReport};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// On a pipe, at most one waiting line this often.
const WAITING_LINE_EVERY: Duration = Duration::from_secs(10);

/// A progress bar on a terminal; on a pipe, a plain line every tenth of the way.
#[derive(Clone)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: Arc<AtomicUsize>,
}

impl Progress {
    pub fn new(total: usize, enabled: bool) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} trials {elapsed_precise} {msg}",
            ) {
                b.set_style(style);
            }
            b
        });
        Progress {
            bar,
            total: if enabled { total } else { 0 },
            done: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn tick(&self, r: &TrialReport) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(b) => {
                b.inc(1);
                if r.fails_run(false) {
                    b.set_message(format!("last failure: {}", r.name));
                }
            }
            None if self.total >= 10 && done % (self.total / 10) == 0 => {
                eprintln!("{done}/{} trials", self.total);
            }
            None => {}
        }
    }
    /// Shows what the run waits for while it waits (checked every second), until the
    /// returned task is aborted. Does nothing when progress is off.
    pub fn show_waiting(&self, engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
        let bar = self.bar.clone();
        let enabled = self.total > 0 || bar.is_some();
        tokio::spawn(async move {
            if !enabled {
                return;
            }
            let mut last_line: Option<Instant> = None;
            let mut shown = false;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let waiting = engine.client.watch().waiting();
                match (&bar, waiting) {
                    (Some(b), Some(w)) => {
                        b.set_message(w.to_string());
                        shown = true;
                    }
                    (Some(b), None) if shown => {
                        b.set_message("");
                        shown = false;
                    }
                    (None, Some(w))
                        if last_line.is_none_or(|t| t.elapsed() >= WAITING_LINE_EVERY) =>
                    {
                        eprintln!("soconform: {w}");
                        last_line = Some(Instant::now());
                    }
                    _ => {}
                }
            }
        })
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

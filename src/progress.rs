//! The run's progress on the console: a bar on a terminal, a line every tenth of the way
//! on a pipe.

use crate::engine::TrialReport;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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
                if r.verdict.fails_run(false) {
                    b.set_message(format!("last failure: {}", r.name));
                }
            }
            None if self.total >= 10 && done % (self.total / 10) == 0 => {
                eprintln!("{done}/{} trials", self.total);
            }
            None => {}
        }
    }
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

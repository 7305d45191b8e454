//! Rejudging: each trial runs again, served its recorded exchanges (see
//! [`crate::exchange::replay`]) with the recorded run's state, so that the same suite
//! reproduces the recorded verdict and a newer suite judges what the record allows.

use super::{trial, Engine, ReplayState, TrialReport};
use crate::checks::Verdict;
use crate::exchange::{replay, RecordedExchange, TransportError};
use crate::matrix::TrialSpec;
use std::collections::HashMap;
use std::sync::Arc;

/// One recorded trial: its state, exchanges, and verdict.
#[derive(Debug, Clone)]
pub struct RecordedTrial {
    pub replay: Option<ReplayState>,
    pub exchanges: Vec<RecordedExchange>,
    /// Why it was skipped, when it was.
    pub skip_reason: Option<String>,
}

/// Every recorded trial of a report, by name.
#[derive(Debug, Clone, Default)]
pub struct ReplayBook {
    pub trials: HashMap<String, RecordedTrial>,
}

impl Engine {
    pub(super) async fn rejudge_one(&self, book: &ReplayBook, spec: &TrialSpec) -> TrialReport {
        let Some(rec) = book.trials.get(&spec.name) else {
            return trial::not_run(
                self,
                spec,
                format!(
                    "{}: the record has no such trial (this suite has it, the one that ran did not)",
                    TransportError::NOT_REJUDGEABLE
                ),
            );
        };
        // Skipped before sending anything (a scheme without credentials, a halt): skipped
        // again, for the same reason.
        if let (true, Some(reason)) = (rec.exchanges.is_empty(), &rec.skip_reason) {
            return trial::not_run(self, spec, reason.clone());
        }
        let cursor = replay::Cursor::new(rec.exchanges.clone(), Arc::new(self.redactor.clone()));
        let mut report =
            replay::scope(cursor, trial::run(self, spec, None, rec.replay.as_ref())).await;
        if let Verdict::Skipped(why) = &report.verdict {
            if why.starts_with(TransportError::NOT_REJUDGEABLE) {
                report.notes.push(
                    "this trial needs exchanges the record does not have: rerun it against the server".into(),
                );
            }
        }
        report
    }
}

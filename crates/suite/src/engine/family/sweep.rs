//! The final sweep: every group this run created ends marked Deleted, also those no
//! trial could confirm, found by the run's name prefix.

use crate::engine::Engine;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

/// What the final sweep did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SweepReport {
    /// Groups marked Deleted by the sweep: the reused groups still idle at the end, and
    /// any whose own trial could not mark them.
    pub marked_deleted: Vec<i32>,
    /// Groups the sweep could not mark Deleted, with the reason.
    pub failed: Vec<(i32, String)>,
    /// Groups left as they were because of `--keep-created`.
    pub kept: Vec<i32>,
    /// Every group this run created, in Id order (found by its trial, or by name in the
    /// final listing).
    #[serde(default)]
    pub created: Vec<i32>,
    /// Every group this run marked Deleted (by its trial or by the sweep), in Id order.
    #[serde(default)]
    pub deleted: Vec<i32>,
    /// Groups the final listing found by this run's name prefix that no trial had
    /// confirmed (a timeout, a 5xx, an unreadable answer).
    #[serde(default)]
    pub found_by_name: Vec<i32>,
    /// Why the final listing could not run, when it could not.
    #[serde(default)]
    pub lookup_error: Option<String>,
}

impl SweepReport {
    /// The lines a run prints about cleanup: always how many groups were created and
    /// how many were marked Deleted, then anything that went wrong.
    pub fn summary_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.kept.is_empty() {
            out.push(format!(
                "cleanup: this run created {} groups; {} of them are now marked Deleted ({} by the final sweep)",
                self.created.len(),
                self.deleted.len(),
                self.marked_deleted.len()
            ));
        } else {
            out.push(format!(
                "cleanup: this run created {} groups; kept {} as they are (--keep-created): {:?}",
                self.created.len(),
                self.kept.len(),
                self.kept
            ));
        }
        if !self.found_by_name.is_empty() {
            out.push(format!(
                "cleanup: {} groups were found by this run's name prefix only (no trial could confirm them): {:?}",
                self.found_by_name.len(),
                self.found_by_name
            ));
        }
        for (id, e) in &self.failed {
            out.push(format!("cleanup: could not mark group {id} Deleted: {e}"));
        }
        if let Some(e) = &self.lookup_error {
            out.push(format!(
                "cleanup: could not list the groups to find unconfirmed ones: {e}"
            ));
        }
        out
    }

    /// Whether every group this run created ended Deleted (or was kept on purpose).
    pub fn clean(&self) -> bool {
        self.failed.is_empty() && self.lookup_error.is_none()
    }
}

impl Engine {
    /// Marks every group this run created and has not cleaned up as Deleted (or, with
    /// `keep_created`, lists them). When the run sent any save, one listing (deleted
    /// groups included) also finds groups whose name starts with this run's prefix that
    /// no trial could confirm (a timeout, a 5xx after saving, an unreadable answer):
    /// they are this run's too.
    pub async fn sweep(&self) -> SweepReport {
        let pending = self.family.groups.close_for_sweep();
        let known: Vec<i32> = pending.iter().map(|(id, _)| *id).collect();
        let mut report = SweepReport::default();
        if self.keep_created {
            report.kept = known.clone();
        }
        let to_mark = if self.keep_created { vec![] } else { pending };
        // The listing and the marking of the groups already known go out together: a
        // target that stopped answering costs one timeout here, not two.
        let listing = async {
            if self.family.groups.save_sent() {
                Some(super::calls::find_by_prefix(self, &self.run_prefix()).await)
            } else {
                None
            }
        };
        let (listing, mut marked) = tokio::join!(listing, self.mark_all(&to_mark));
        let mut more = Vec::new();
        match listing {
            Some(Ok(found)) => {
                for (id, carrier, already_deleted) in found {
                    if !self.family.groups.is_ours(id) {
                        report.found_by_name.push(id);
                        self.family.groups.remember(id, carrier.clone());
                        if already_deleted {
                            // Saved Deleted by a request the suite could not confirm:
                            // already as it should end.
                            self.family.groups.forget(id);
                            continue;
                        }
                    }
                    // Listed active: marked Deleted whatever the trials believed.
                    if !already_deleted && !known.contains(&id) {
                        if self.keep_created {
                            report.kept.push(id);
                        } else {
                            more.push((id, carrier));
                        }
                    }
                }
            }
            Some(Err(e)) => report.lookup_error = Some(self.redactor.text(&e)),
            None => {}
        }
        marked.extend(self.mark_all(&more).await);
        marked.sort_by_key(|(id, _)| *id);
        for (id, result) in marked {
            match result {
                Ok(()) => report.marked_deleted.push(id),
                Err(e) => report.failed.push((id, self.redactor.text(&e))),
            }
        }
        report.kept.sort_unstable();
        (report.created, report.deleted) = self.family.groups.created_and_deleted();
        report
    }

    /// Marks each group Deleted, in parallel within the concurrency.
    async fn mark_all(
        &self,
        groups: &[(i32, serde_json::Value)],
    ) -> Vec<(i32, Result<(), String>)> {
        futures_util::stream::iter(groups.iter().map(|(id, carrier)| async move {
            let (ex, result) =
                super::calls::mark_deleted(self, *id, carrier, crate::exchange::SWEEP_PURPOSE)
                    .await;
            if let Some(ex) = ex {
                self.capture(vec![ex.request]);
            }
            (*id, result)
        }))
        .buffer_unordered(self.family.groups.idle_cap())
        .collect()
        .await
    }
}

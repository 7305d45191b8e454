//! The registry of the groups this run created: which exist, which are idle for reuse,
//! which are marked Deleted. One lock over all of it, so that a lease, a give-back and
//! the sweep always see one consistent state.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

pub(crate) struct GroupRegistry {
    state: Mutex<Registry>,
    /// A save went out: the final sweep looks for groups no trial could confirm.
    saved_something: AtomicBool,
    /// At most this many idle groups (the concurrency): beyond it a group is marked
    /// Deleted by its trial, so a live target never holds many active test groups.
    idle_cap: usize,
    reuse: bool,
}

#[derive(Default)]
struct Registry {
    /// Created and not yet marked Deleted: Id -> last known carrier.
    active: BTreeMap<i32, Value>,
    /// Every group this run created (the only Ids it may ever send besides 0).
    ever: BTreeSet<i32>,
    /// Every group this run marked Deleted.
    deleted: BTreeSet<i32>,
    /// Groups a passing trial left in a known state, free for the next trial whose case
    /// works on an existing group.
    idle: Vec<i32>,
    /// Idle groups whose last answer said they are Deleted: the sweep does not mark them
    /// again (its listing still marks any it finds active).
    answered_deleted: BTreeSet<i32>,
}

impl GroupRegistry {
    pub fn new(idle_cap: usize, reuse: bool) -> GroupRegistry {
        GroupRegistry {
            state: Mutex::new(Registry::default()),
            saved_something: AtomicBool::new(false),
            idle_cap: idle_cap.max(1),
            reuse,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // A trial that panicked mid-update leaves sets that are still each valid.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn idle_cap(&self) -> usize {
        self.idle_cap
    }

    pub fn remember(&self, id: i32, carrier: Value) {
        let mut r = self.lock();
        r.active.insert(id, carrier);
        r.ever.insert(id);
    }

    /// Group `id` is now marked Deleted.
    pub fn forget(&self, id: i32) {
        let mut r = self.lock();
        r.active.remove(&id);
        r.deleted.insert(id);
    }

    /// Whether this run created group `id`: the only non-zero Ids it may send.
    pub fn is_ours(&self, id: i32) -> bool {
        self.lock().ever.contains(&id)
    }

    pub fn note_save_sent(&self) {
        self.saved_something.store(true, Ordering::Relaxed);
    }

    pub fn save_sent(&self) -> bool {
        self.saved_something.load(Ordering::Relaxed)
    }

    /// An idle group for a trial whose case works on an existing group, with its last
    /// known carrier; `None` when there is none (the trial creates one) or reuse is off.
    ///
    /// Reuse is what keeps a run's footprint small: each group is created once and
    /// marked Deleted once, not once per trial, and a live CRM (where a marked group
    /// stays for good) keeps about `--concurrency` of them instead of thousands. Every
    /// trial sends the whole carrier, so what an earlier trial left does not show.
    ///
    /// A group that may be Deleted (`is_deleted` of its last carrier) goes only to a trial
    /// that marks its group Deleted itself (`marks_deleted`): the docs do not say whether
    /// a Deleted group may be saved active again, so no trial depends on it. Not even to
    /// such a trial when it proves the mark was stored (`proves_mark`: a read-back or
    /// listing of it): on a group already Deleted that proof would hold whatever the
    /// server did with the request.
    pub fn lease(
        &self,
        marks_deleted: bool,
        proves_mark: bool,
        is_deleted: impl Fn(&Value) -> bool,
    ) -> Option<(i32, Value)> {
        if !self.reuse {
            return None;
        }
        let mut guard = self.lock();
        let r = &mut *guard;
        r.idle.retain(|id| r.active.contains_key(id));
        let deleted = |id: &i32| r.active.get(id).is_some_and(&is_deleted);
        let prefer_deleted = marks_deleted && !proves_mark;
        let at = r
            .idle
            .iter()
            .rposition(|id| deleted(id) == prefer_deleted)
            .or_else(|| {
                prefer_deleted
                    .then(|| r.idle.iter().rposition(|id| !deleted(id)))
                    .flatten()
            })?;
        let id = r.idle.remove(at);
        r.active.get(&id).map(|c| (id, c.clone()))
    }

    /// Takes back a group a passing trial leaves in `carrier`'s state; `false` when the
    /// trial must mark it Deleted itself (reuse off, or enough idle groups already).
    /// `deleted`: the server's answer to the trial's last save said it is Deleted.
    pub fn give_back(&self, id: i32, carrier: &Value, deleted: bool) -> bool {
        if !self.reuse {
            return false;
        }
        let mut r = self.lock();
        if r.idle.len() >= self.idle_cap || !r.active.contains_key(&id) {
            return false;
        }
        r.active.insert(id, carrier.clone());
        r.idle.push(id);
        if deleted {
            r.answered_deleted.insert(id);
        } else {
            r.answered_deleted.remove(&id);
        }
        true
    }

    /// The end of reuse, for the final sweep: empties the idle set, takes as Deleted the
    /// groups whose last answer said so, and returns every group still to be marked.
    pub fn close_for_sweep(&self) -> Vec<(i32, Value)> {
        let mut r = self.lock();
        r.idle.clear();
        let answered = std::mem::take(&mut r.answered_deleted);
        for id in answered {
            if r.active.remove(&id).is_some() {
                r.deleted.insert(id);
            }
        }
        r.active.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    /// Groups created and not marked Deleted, in Id order.
    pub fn active_ids(&self) -> Vec<i32> {
        self.lock().active.keys().copied().collect()
    }

    /// Every group this run created, and every one it marked Deleted, in Id order.
    pub fn created_and_deleted(&self) -> (Vec<i32>, Vec<i32>) {
        let r = self.lock();
        (
            r.ever.iter().copied().collect(),
            r.deleted.iter().copied().collect(),
        )
    }
}

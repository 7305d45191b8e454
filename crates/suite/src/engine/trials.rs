//! The run's trials, in trial order, each held only as much as something will read: a
//! passing trial whose details went to a report's spool (or that no report reads) is a
//! few bytes, its light report rebuilt from its spec when asked for; every other trial's
//! report is held whole. A run of tens of thousands of trials then costs tens of bytes a
//! passing trial, not a kilobyte.

use super::TrialReport;
use crate::checks::Verdict;
use crate::matrix::{SpecList, TrialSpec};
use crate::suite::Suite;
use std::borrow::Cow;
use std::sync::Arc;

/// The trials of a run, in trial order.
#[derive(Clone, Default)]
pub struct Trials {
    /// What a passing trial's light report is rebuilt from (`None`: every slot is held).
    source: Option<(Arc<Suite>, Arc<SpecList>)>,
    slots: Vec<Slot>,
}

#[derive(Clone)]
pub(super) enum Slot {
    Held(Box<TrialReport>),
    /// A pass: everything else about it is its spec's (and, when `spooled`, in the spool).
    Passed {
        spec: u32,
        spooled: bool,
        duration_ms: f64,
    },
}

impl Slot {
    /// The slot of spec `spec`'s report (its index in the run's specs). A pass is kept
    /// light when its details (exchanges, checks, notes) went to the spool
    /// (`report.spooled`) or when `light` says nobody reads them (a run without a
    /// report, whose console names only the trials that did not pass). (Only
    /// [`Trials::new`]'s lists, with specs to rebuild from, take slots.)
    pub(super) fn of(spec: usize, report: TrialReport, light: bool) -> Slot {
        let lightweight =
            report.verdict == Verdict::Pass && report.waived.is_none() && (light || report.spooled);
        match u32::try_from(spec) {
            Ok(spec) if lightweight => Slot::Passed {
                spec,
                spooled: report.spooled,
                duration_ms: report.duration_ms,
            },
            _ => Slot::Held(Box::new(report)),
        }
    }
}

impl std::fmt::Debug for Trials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trials")
            .field("len", &self.slots.len())
            .finish()
    }
}

impl From<Vec<TrialReport>> for Trials {
    /// Every report held whole (a rejudged run, tests).
    fn from(reports: Vec<TrialReport>) -> Trials {
        Trials {
            source: None,
            slots: reports
                .into_iter()
                .map(|r| Slot::Held(Box::new(r)))
                .collect(),
        }
    }
}

impl Trials {
    /// An empty list whose passing trials may be kept light: their reports are rebuilt
    /// from `specs` (the run's, by index) and `suite`.
    pub fn new(suite: Arc<Suite>, specs: Arc<SpecList>) -> Trials {
        Trials {
            source: Some((suite, specs)),
            slots: Vec::new(),
        }
    }

    /// The slots the pool filled, in trial order.
    pub(super) fn fill(&mut self, slots: Vec<Slot>) {
        self.slots = slots;
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Trial `i`'s report: held, or rebuilt light (no exchanges, checks or `curl`; those
    /// are in the spool when it is `spooled`).
    pub fn get(&self, i: usize) -> Option<Cow<'_, TrialReport>> {
        self.slots.get(i).and_then(|s| self.report(s))
    }

    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, TrialReport>> + '_ {
        self.slots.iter().filter_map(|s| self.report(s))
    }

    /// The reports held whole: every trial but the light passes, so every one that did
    /// not pass.
    pub fn held(&self) -> impl Iterator<Item = &TrialReport> + '_ {
        self.slots.iter().filter_map(|s| match s {
            Slot::Held(r) => Some(&**r),
            Slot::Passed { .. } => None,
        })
    }

    /// The reports held whole with their trial index (see [`Trials::held`]).
    pub fn held_indexed(&self) -> impl Iterator<Item = (usize, &TrialReport)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Held(r) => Some((i, &**r)),
            Slot::Passed { .. } => None,
        })
    }

    /// The reports held whole (every trial but the light passes): what a waiver can set
    /// aside, as a light pass is never a failure.
    pub fn held_mut(&mut self) -> Vec<&mut TrialReport> {
        self.slots
            .iter_mut()
            .filter_map(|s| match s {
                Slot::Held(r) => Some(&mut **r),
                Slot::Passed { .. } => None,
            })
            .collect()
    }

    /// Every report, light ones rebuilt.
    pub fn into_reports(self) -> Vec<TrialReport> {
        let Trials { source, slots } = self;
        slots
            .into_iter()
            .filter_map(|s| match s {
                Slot::Held(r) => Some(*r),
                light => rebuilt(source.as_ref(), &light),
            })
            .collect()
    }

    fn report<'a>(&'a self, slot: &'a Slot) -> Option<Cow<'a, TrialReport>> {
        match slot {
            Slot::Held(r) => Some(Cow::Borrowed(&**r)),
            light => rebuilt(self.source.as_ref(), light).map(Cow::Owned),
        }
    }
}

/// A light slot's report, from its spec. Only a list with a source has light slots, and
/// a spec the run read reads again (see `SpecList`): `None` does not happen.
fn rebuilt(source: Option<&(Arc<Suite>, Arc<SpecList>)>, slot: &Slot) -> Option<TrialReport> {
    match (slot, source) {
        (
            Slot::Passed {
                spec,
                spooled,
                duration_ms,
            },
            Some((suite, specs)),
        ) => {
            let spec = specs.get(*spec as usize)?;
            Some(light_report(suite, &spec, *duration_ms, *spooled))
        }
        _ => None,
    }
}

impl<'a> IntoIterator for &'a Trials {
    type Item = Cow<'a, TrialReport>;
    type IntoIter = Box<dyn Iterator<Item = Cow<'a, TrialReport>> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A passing trial's report from its spec: what the trial itself would have reported,
/// without what only its spooled entry holds (exchanges, checks, `curl`, replay state).
fn light_report(suite: &Suite, spec: &TrialSpec, duration_ms: f64, spooled: bool) -> TrialReport {
    let case = spec.case(suite);
    TrialReport {
        name: spec.name.clone(),
        trial: spec.trial.clone(),
        endpoint: spec.endpoint.to_string(),
        case_id: case.id.clone(),
        concern: spec.concern(suite).to_string(),
        title: case.title.clone(),
        level: case.level,
        spec: case.spec.for_endpoint(&spec.endpoint),
        verdict: Verdict::Pass,
        results: Vec::new(),
        exchanges: Vec::new(),
        duration_ms,
        curl: None,
        notes: Vec::new(),
        content_type: spec.content_type.as_ref().map(|m| m.value.to_string()),
        accept: spec.accept.as_ref().map(|m| m.value.to_string()),
        auth: spec.auth.token(),
        select: spec.select.as_ref().map(|s| s.value.clone()),
        replay: None,
        waived: None,
        spooled,
    }
}

//! The specs of a run, in order. A run chosen from the whole suite holds each as twelve
//! bytes (which case-on-an-endpoint expansion it comes from, and where in it) and
//! expands that case again when the spec is read, keeping the recent expansions (reads
//! go mostly in order): fifty thousand trials cost well under a megabyte, not twenty. A
//! list given as specs (`--exact`, tests, the self-test) holds them as they are.

use super::{expand_group, Citations, MatrixError, TrialSpec};
use crate::suite::Suite;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How many expanded groups a compact list keeps: more than the trials a run has in
/// flight (each in its own group, at worst), a few hundred kilobytes.
const RECENT: usize = 128;

pub struct SpecList {
    kind: Kind,
}

enum Kind {
    Held(Vec<TrialSpec>),
    Compact(Compact),
}

struct Compact {
    suite: Arc<Suite>,
    /// Each case-on-an-endpoint the specs come from: case file, case, endpoint uid.
    groups: Vec<(usize, usize, String)>,
    at: Vec<At>,
    /// The groups expanded last (up to [`RECENT`]), shared by the readers: the pool's
    /// workers read the trials in flight (a window of many small groups), the reports
    /// read in order.
    recent: Mutex<VecDeque<(u32, Arc<Vec<TrialSpec>>)>>,
}

/// Where a spec is: its group, its index in the group's expansion, and which copy it is
/// (`0`: the trial itself; `k`: named `<name>#<k>`, see [`SpecList::scaled`]).
#[derive(Clone, Copy)]
struct At {
    group: u32,
    index: u32,
    copy: u32,
}

impl From<Vec<TrialSpec>> for SpecList {
    fn from(specs: Vec<TrialSpec>) -> SpecList {
        SpecList {
            kind: Kind::Held(specs),
        }
    }
}

impl std::fmt::Debug for SpecList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpecList")
            .field("len", &self.len())
            .finish()
    }
}

impl SpecList {
    /// The trials of `suite`, in suite order, that `keep` admits (called once per trial,
    /// in order, with its spec), held compact: only one case's expansion is in memory at
    /// a time.
    pub fn select(
        suite: Arc<Suite>,
        mut keep: impl FnMut(&TrialSpec) -> bool,
    ) -> Result<SpecList, MatrixError> {
        let mut groups = Vec::new();
        let mut at = Vec::new();
        for (fi, (_, file)) in suite.cases.files.iter().enumerate() {
            for ci in 0..file.cases.len() {
                for uid in super::endpoints_of(&suite, fi, ci)
                    .map_err(|m| super::error(&suite, fi, ci, m))?
                {
                    let specs = expand_group(&suite, fi, ci, &uid, Citations::Check)?;
                    let group = index(groups.len())?;
                    let before = at.len();
                    for (i, s) in specs.iter().enumerate() {
                        if keep(s) {
                            at.push(At {
                                group,
                                index: index(i)?,
                                copy: 0,
                            });
                        }
                    }
                    if at.len() > before {
                        groups.push((fi, ci, uid));
                    }
                }
            }
        }
        at.shrink_to_fit();
        Ok(SpecList {
            kind: Kind::Compact(Compact {
                suite,
                groups,
                at,
                recent: Mutex::new(VecDeque::new()),
            }),
        })
    }

    /// These specs, then those `repeat` admits over and over, to `n` in all, each copy
    /// named `<name>#<k>` (`bench --scale`). Without any `repeat` admits, all repeat. A
    /// list of given specs (`--exact`) is left as it is.
    pub fn scaled(self, n: usize, repeat: impl Fn(&TrialSpec) -> bool) -> SpecList {
        let Kind::Compact(mut c) = self.kind else {
            return self;
        };
        let picked: Vec<At> =
            c.at.iter()
                .filter(|a| c.spec_at(**a).is_some_and(|s| repeat(&s)))
                .copied()
                .collect();
        let pool = if picked.is_empty() {
            c.at.clone()
        } else {
            picked
        };
        c.at.truncate(n);
        let mut k = 0usize;
        while c.at.len() < n && !pool.is_empty() {
            let mut a = pool[k % pool.len()];
            a.copy = u32::try_from(k / pool.len() + 1).unwrap_or(u32::MAX);
            c.at.push(a);
            k += 1;
        }
        c.at.shrink_to_fit();
        SpecList {
            kind: Kind::Compact(c),
        }
    }

    pub fn len(&self) -> usize {
        match &self.kind {
            Kind::Held(v) => v.len(),
            Kind::Compact(c) => c.at.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Spec `i` (of a compact list: its case expanded again, unless it was read
    /// recently).
    pub fn get(&self, i: usize) -> Option<Cow<'_, TrialSpec>> {
        match &self.kind {
            Kind::Held(v) => v.get(i).map(Cow::Borrowed),
            Kind::Compact(c) => c.get(i).map(Cow::Owned),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Cow<'_, TrialSpec>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl Compact {
    fn get(&self, i: usize) -> Option<TrialSpec> {
        self.spec_at(*self.at.get(i)?)
    }

    fn spec_at(&self, at: At) -> Option<TrialSpec> {
        let specs = self.group(at.group)?;
        let mut spec = specs.get(at.index as usize)?.clone();
        if at.copy > 0 {
            spec.name = format!("{}#{}", spec.name, at.copy);
        }
        Some(spec)
    }

    /// The expansion of group `g`: a recent one, or expanded now. It expanded when the
    /// list was made, and expanding is deterministic: an error here cannot happen short
    /// of a changed suite in memory, and reads as no spec.
    fn group(&self, g: u32) -> Option<Arc<Vec<TrialSpec>>> {
        if let Ok(recent) = self.recent.lock() {
            if let Some((_, specs)) = recent.iter().find(|(at, _)| *at == g) {
                return Some(specs.clone());
            }
        }
        let (fi, ci, uid) = self.groups.get(g as usize)?;
        let specs = Arc::new(expand_group(&self.suite, *fi, *ci, uid, Citations::Checked).ok()?);
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back((g, specs.clone()));
        }
        Some(specs)
    }
}

fn index(i: usize) -> Result<u32, MatrixError> {
    u32::try_from(i).map_err(|_| MatrixError {
        path: String::new(),
        case: String::new(),
        message: format!("more than {} trials", u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::SuitePaths;

    fn suite() -> Arc<Suite> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        Arc::new(Suite::load(SuitePaths::under(&root)).expect("the suite loads"))
    }

    /// A compact list reads back exactly the specs a full expansion gives, in order, as
    /// `keep` chose them; repeated copies carry `#k`.
    #[test]
    fn a_compact_list_reads_back_the_expanded_specs() {
        let suite = suite();
        let all = super::super::expand_all(&suite).expect("expands");
        let every_third = |i: usize| i % 3 == 0;
        let mut n = 0;
        let list = SpecList::select(suite.clone(), |_| {
            n += 1;
            every_third(n - 1)
        })
        .expect("selects");
        let wanted: Vec<&TrialSpec> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| every_third(*i))
            .map(|(_, s)| s)
            .collect();
        assert_eq!(list.len(), wanted.len());
        for (got, want) in list.iter().zip(&wanted) {
            assert_eq!(got.name, want.name);
            assert_eq!(got.trial, want.trial);
            assert_eq!((got.file, got.case), (want.file, want.case));
            assert_eq!(got.endpoint, want.endpoint);
            assert_eq!(got.content_type, want.content_type);
            assert_eq!(got.accept, want.accept);
        }
        // Read out of order too: the recent expansions are only a cache.
        let last = list.len() - 1;
        assert_eq!(
            list.get(last).map(|s| s.name.clone()),
            Some(wanted[last].name.clone())
        );
        assert_eq!(
            list.get(0).map(|s| s.name.clone()),
            Some(wanted[0].name.clone())
        );
        assert!(list.get(list.len()).is_none());

        let generic = |s: &TrialSpec| !suite.own_cases.contains(&*s.endpoint);
        let scaled = list.scaled(wanted.len() + 5, generic);
        assert_eq!(scaled.len(), wanted.len() + 5);
        let firsts: Vec<&&TrialSpec> = wanted.iter().filter(|s| generic(s)).take(5).collect();
        for (k, want) in firsts.iter().enumerate() {
            let got = scaled.get(wanted.len() + k).expect("a copy");
            assert_eq!(got.name, format!("{}#1", want.name));
        }
    }
}

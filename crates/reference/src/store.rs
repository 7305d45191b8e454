//! The in-memory store: one mutex around a map, so every save is atomic and each
//! create gets a unique Id.

use super::carrier::{UserGroup, UserGroupInput};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug)]
struct Inner {
    groups: BTreeMap<i32, UserGroup>,
    next_id: i32,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    Created(UserGroup),
    Updated(UserGroup),
    /// A non-zero Id that names no group: nothing is written.
    NoSuchId(i32),
}

impl Saved {
    pub fn group(&self) -> Option<&UserGroup> {
        match self {
            Saved::Created(g) | Saved::Updated(g) => Some(g),
            Saved::NoSuchId(_) => None,
        }
    }
}

/// The Id space is exhausted (`i32::MAX` groups were created).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no user group Id is left to assign")]
pub struct IdsExhausted;

#[derive(Debug)]
pub struct Store {
    inner: Mutex<Inner>,
}

impl Store {
    /// A store holding `seed` (Ids kept; later Ids follow the highest, starting at 1).
    pub fn new(seed: Vec<UserGroup>) -> Self {
        let groups: BTreeMap<i32, UserGroup> = seed.into_iter().map(|g| (g.id, g)).collect();
        let next_id = groups
            .keys()
            .next_back()
            .map_or(1, |max| max.saturating_add(1).max(1));
        Store {
            inner: Mutex::new(Inner { groups, next_id }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map half-written (every write
        // is a single insert), so a poisoned lock is safe to keep using.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Saves `input`: Id 0 or absent creates a group with a new Id (absent Rank: the
    /// highest rank + 1); an existing Id updates the properties that were sent and keeps
    /// the rest; any other Id writes nothing.
    pub fn save(&self, input: &UserGroupInput) -> Result<Saved, IdsExhausted> {
        let mut inner = self.lock();
        match input.id.unwrap_or(0) {
            0 => {
                let id = inner.next_id;
                if id == i32::MAX && inner.groups.contains_key(&id) {
                    return Err(IdsExhausted);
                }
                let rank = match input.rank {
                    Some(r) => r,
                    None => inner
                        .groups
                        .values()
                        .map(|g| g.rank)
                        .max()
                        .unwrap_or(0)
                        .saturating_add(1),
                };
                let group = UserGroup {
                    id,
                    value: input.value.clone().flatten(),
                    tooltip: input.tooltip.clone().flatten(),
                    rank,
                    deleted: input.deleted.unwrap_or(false),
                };
                inner.groups.insert(id, group.clone());
                inner.next_id = id.saturating_add(1);
                Ok(Saved::Created(group))
            }
            id => match inner.groups.get_mut(&id) {
                Some(g) => {
                    if let Some(v) = &input.value {
                        g.value = v.clone();
                    }
                    if let Some(t) = &input.tooltip {
                        g.tooltip = t.clone();
                    }
                    if let Some(r) = input.rank {
                        g.rank = r;
                    }
                    if let Some(d) = input.deleted {
                        g.deleted = d;
                    }
                    Ok(Saved::Updated(g.clone()))
                }
                None => Ok(Saved::NoSuchId(id)),
            },
        }
    }

    pub fn get(&self, id: i32) -> Option<UserGroup> {
        self.lock().groups.get(&id).cloned()
    }

    /// A new group as CreateUserGroup answers it: not stored (SaveUserGroup stores), Id 0,
    /// Rank after the highest ("Rank is assigned to the highest rank"), empty strings.
    pub fn new_default(&self) -> UserGroup {
        let rank = self
            .lock()
            .groups
            .values()
            .map(|g| g.rank)
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        UserGroup {
            id: 0,
            value: Some(String::new()),
            tooltip: Some(String::new()),
            rank,
            deleted: false,
        }
    }

    /// Removes group `id` (its members would move to another; this store keeps none);
    /// whether it was there.
    pub fn delete(&self, id: i32) -> bool {
        self.lock().groups.remove(&id).is_some()
    }

    /// The groups `ids` names, in the order asked; an unknown Id is left out.
    pub fn list(&self, ids: &[i32]) -> Vec<UserGroup> {
        let inner = self.lock();
        ids.iter()
            .filter_map(|id| inner.groups.get(id).cloned())
            .collect()
    }

    /// All groups in Id order; deleted ones only when asked.
    pub fn all(&self, include_deleted: bool) -> Vec<UserGroup> {
        self.lock()
            .groups
            .values()
            .filter(|g| include_deleted || !g.deleted)
            .cloned()
            .collect()
    }
}

/// A cheap handle on a running server's store, for tests: read what was saved.
#[derive(Debug, Clone)]
pub struct StoreHandle(pub(crate) Arc<Store>);

impl StoreHandle {
    /// Every group, deleted ones included, in Id order.
    pub fn snapshot(&self) -> Vec<UserGroup> {
        self.0.all(true)
    }
    pub fn get(&self, id: i32) -> Option<UserGroup> {
        self.0.get(id)
    }
    pub fn len(&self) -> usize {
        self.0.lock().groups.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: Option<i32>, value: &str) -> UserGroupInput {
        UserGroupInput {
            id,
            value: Some(Some(value.into())),
            ..Default::default()
        }
    }

    #[test]
    fn create_update_and_missing() {
        let s = Store::new(vec![]);
        let a = s.save(&input(None, "a")).unwrap();
        let Saved::Created(a) = a else { panic!() };
        assert_eq!((a.id, a.rank), (1, 1));
        let b = s.save(&input(Some(0), "b")).unwrap();
        assert_eq!(b.group().map(|g| (g.id, g.rank)), Some((2, 2)));
        let upd = UserGroupInput {
            id: Some(1),
            deleted: Some(true),
            ..Default::default()
        };
        let Saved::Updated(u) = s.save(&upd).unwrap() else {
            panic!()
        };
        assert_eq!(u.value.as_deref(), Some("a"));
        assert!(u.deleted);
        assert_eq!(s.all(false).len(), 1);
        assert_eq!(s.all(true).len(), 2);
        assert_eq!(s.save(&input(Some(99), "x")).unwrap(), Saved::NoSuchId(99));
        assert_eq!(s.all(true).len(), 2);
    }

    #[test]
    fn seed_ids_are_kept_and_followed() {
        let g = UserGroup {
            id: 40,
            value: Some("seed".into()),
            tooltip: None,
            rank: 7,
            deleted: false,
        };
        let s = Store::new(vec![g]);
        let Saved::Created(n) = s.save(&input(None, "n")).unwrap() else {
            panic!()
        };
        assert_eq!((n.id, n.rank), (41, 8));
    }

    #[test]
    fn concurrent_creates_get_unique_ids() {
        let s = Arc::new(Store::new(vec![]));
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let s = s.clone();
                std::thread::spawn(move || {
                    for i in 0..200 {
                        s.save(&input(None, &format!("{t}-{i}"))).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let all = s.all(true);
        assert_eq!(all.len(), 1600);
        let mut ids: Vec<i32> = all.iter().map(|g| g.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), 1600);
    }
}

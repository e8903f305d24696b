//! The per-process namespace cache: one `GET {api_path}/{namespace}` answers every group
//! read of that namespace until a write or delete in it, so a no-op plan of N resources
//! costs one list request per namespace instead of N reads.
//!
//! Concurrent readers of a cold namespace share one request (the first fetches while the
//! others wait); readers that waited on a failed fetch get its error instead of repeating
//! it, later callers try again. A write the ruler accepted updates the cached listing in
//! place *after* the ruler answered it (under the namespace's lock, so a fetch that was
//! under way when the write landed is corrected too): an apply of N resources lists a
//! namespace once, not once per write. A write that failed, or whose outcome is unknown,
//! drops the listing, so the next read lists the namespace again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::RulerError;

/// One rule group as the ruler returned it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteGroup {
    pub name: String,
    /// The group mapping (`name`, `interval`, `rules`, and whatever else the ruler keeps).
    pub value: serde_yaml_ng::Value,
}

impl RemoteGroup {
    /// The group as YAML (the ruler's field order).
    pub fn to_yaml(&self) -> String {
        // Serialising a Value parsed from YAML cannot fail.
        serde_yaml_ng::to_string(&self.value).unwrap_or_default()
    }
}

/// The groups of one namespace, in the ruler's order, indexed by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    groups: Vec<RemoteGroup>,
    index: HashMap<String, usize>,
}

impl Listing {
    pub fn new(groups: Vec<RemoteGroup>) -> Self {
        let index = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.name.clone(), i))
            .collect();
        Listing { groups, index }
    }

    pub fn groups(&self) -> &[RemoteGroup] {
        &self.groups
    }

    pub fn get(&self, name: &str) -> Option<&RemoteGroup> {
        self.index.get(name).map(|&i| &self.groups[i])
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Adds `group` at the end, or replaces the group of its name where it is.
    pub fn upsert(&mut self, group: RemoteGroup) {
        match self.index.get(&group.name) {
            Some(&i) => self.groups[i] = group,
            None => {
                self.index.insert(group.name.clone(), self.groups.len());
                self.groups.push(group);
            }
        }
    }

    /// Removes the group `name`, if it is there.
    pub fn remove(&mut self, name: &str) {
        if let Some(i) = self.index.remove(name) {
            self.groups.remove(i);
            for g in &self.groups[i..] {
                if let Some(j) = self.index.get_mut(&g.name) {
                    *j -= 1;
                }
            }
        }
    }
}

#[derive(Default)]
pub(crate) struct NamespaceCache {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    failures: AtomicU64,
}

#[derive(Default)]
struct SlotState {
    listing: Option<Arc<Listing>>,
    last_error: Option<RulerError>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl NamespaceCache {
    /// The cached listing of `namespace`, or `fetch`'s (cached when it succeeds).
    pub(crate) fn get_or_fetch(
        &self,
        namespace: &str,
        fetch: impl FnOnce() -> Result<Listing, RulerError>,
    ) -> Result<Arc<Listing>, RulerError> {
        let slot = Arc::clone(lock(&self.slots).entry(namespace.to_string()).or_default());
        let failures_seen = slot.failures.load(Ordering::SeqCst);
        let mut state = lock(&slot.state);
        if let Some(listing) = &state.listing {
            return Ok(Arc::clone(listing));
        }
        if slot.failures.load(Ordering::SeqCst) > failures_seen {
            if let Some(err) = &state.last_error {
                return Err(err.clone());
            }
        }
        match fetch() {
            Ok(listing) => {
                let listing = Arc::new(listing);
                state.listing = Some(Arc::clone(&listing));
                state.last_error = None;
                Ok(listing)
            }
            Err(err) => {
                state.last_error = Some(err.clone());
                slot.failures.fetch_add(1, Ordering::SeqCst);
                Err(err)
            }
        }
    }

    /// Applies a write the ruler accepted to `namespace`'s cached listing, if one is
    /// cached (otherwise the next read lists the namespace, write included).
    pub(crate) fn update(&self, namespace: &str, change: impl FnOnce(&mut Listing)) {
        let slot = lock(&self.slots).get(namespace).cloned();
        if let Some(slot) = slot {
            let mut state = lock(&slot.state);
            if let Some(listing) = state.listing.as_mut() {
                change(Arc::make_mut(listing));
            }
        }
    }

    /// Forgets `namespace`'s listing (after a write whose outcome is not known).
    pub(crate) fn invalidate(&self, namespace: &str) {
        lock(&self.slots).remove(namespace);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ruler::ErrorKind;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn group(name: &str) -> RemoteGroup {
        RemoteGroup {
            name: name.into(),
            value: serde_yaml_ng::Value::Null,
        }
    }

    #[test]
    fn one_fetch_serves_all_reads_until_invalidated() {
        let cache = NamespaceCache::default();
        let fetches = AtomicUsize::new(0);
        let fetch = || {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(Listing::new(vec![group("a"), group("b")]))
        };
        for _ in 0..5 {
            let l = cache.get_or_fetch("ns", fetch).unwrap();
            assert!(l.get("b").is_some() && l.get("c").is_none());
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        cache.get_or_fetch("other", fetch).unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        cache.invalidate("ns");
        cache.get_or_fetch("ns", fetch).unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn accepted_writes_update_the_listing_in_place() {
        let cache = NamespaceCache::default();
        // Nothing cached: an update is a no-op (the next read lists, write included).
        cache.update("ns", |l| l.upsert(group("x")));
        let fetches = AtomicUsize::new(0);
        let fetch = || {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(Listing::new(vec![group("a"), group("b"), group("c")]))
        };
        let before = cache.get_or_fetch("ns", fetch).unwrap();
        cache.update("ns", |l| l.upsert(group("d")));
        cache.update("ns", |l| l.remove("a"));
        cache.update("ns", |l| l.remove("zz"));
        let mut b = group("b");
        b.value = serde_yaml_ng::Value::Bool(true);
        cache.update("ns", |l| l.upsert(b.clone()));
        let after = cache.get_or_fetch("ns", fetch).unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "no re-list");
        let names: Vec<&str> = after.groups().iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "d"]);
        assert_eq!(after.get("b"), Some(&b));
        assert_eq!(after.get("d").map(|g| g.name.as_str()), Some("d"));
        assert!(after.get("a").is_none());
        // A reader's earlier listing is not changed under it.
        assert_eq!(before.len(), 3);
        assert!(before.get("a").is_some());
    }

    #[test]
    fn concurrent_cold_readers_share_one_fetch_and_its_failure() {
        let cache = Arc::new(NamespaceCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (cache, fetches) = (Arc::clone(&cache), Arc::clone(&fetches));
                std::thread::spawn(move || {
                    cache.get_or_fetch("ns", || {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(100));
                        Err(RulerError::new(ErrorKind::Server, Some(503), "down".into()))
                    })
                })
            })
            .collect();
        for t in threads {
            assert!(t.join().unwrap().is_err());
        }
        // The first fetches; those that queued meanwhile get its error. Threads that
        // started only after it failed may try once more each, never all eight.
        assert!(fetches.load(Ordering::SeqCst) < 8, "{fetches:?}");
        // A later caller tries again.
        let l = cache
            .get_or_fetch("ns", || Ok(Listing::new(vec![group("x")])))
            .unwrap();
        assert_eq!(l.len(), 1);
    }
}

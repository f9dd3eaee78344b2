//! The most recent items of a kind (used references, transactions), found by their text key
//! and forgotten oldest first past a limit.
//!
//! Items sit in arrival order in one deque. The index maps a 64-bit fingerprint of the key to
//! the item's sequence number, and every hit is confirmed against the item's own key, so a
//! fingerprint collision can only make an older item unfindable, never match a wrong one.
//! Growing the index moves 16-byte entries and rehashes no text: at 100,000 items a resize
//! takes well under a millisecond, where a map keyed by strings held every request for tens.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

/// An item's key: up to two text parts (merchant code and reference, say).
#[derive(Clone, Copy, Hash, PartialEq, Eq, Debug)]
pub(crate) struct Key<'a>(pub &'a str, pub &'a str);

pub(crate) trait Keyed {
    fn key(&self) -> Key<'_>;
}

impl Keyed for String {
    fn key(&self) -> Key<'_> {
        Key(self, "")
    }
}

impl Keyed for compact_str::CompactString {
    fn key(&self) -> Key<'_> {
        Key(self, "")
    }
}

/// Items a store reserves room for when created; a larger limit grows past it as needed.
const RESERVED_AT_MOST: usize = 1 << 20;

pub(crate) struct Recent<T> {
    fingerprints: RandomState,
    index: HashMap<u64, u64, BuildHasherDefault<Prehashed>>,
    items: VecDeque<T>,
    /// Sequence number of `items[0]`.
    first: u64,
    limit: usize,
}

impl<T: Keyed> Recent<T> {
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        Self {
            fingerprints: RandomState::new(),
            index: HashMap::default(),
            // Room for the limit from the start (pages are resident only once written): a deque
            // grown by doubling would hold up to twice what it keeps, and while growing holds
            // the old and the new buffer at once.
            items: VecDeque::with_capacity(limit.min(RESERVED_AT_MOST)),
            first: 0,
            limit,
        }
    }

    fn fingerprint(&self, key: Key) -> u64 {
        self.fingerprints.hash_one(key)
    }

    fn position(&self, key: Key) -> Option<usize> {
        self.position_of(key, self.fingerprint(key))
    }

    fn position_of(&self, key: Key, fingerprint: u64) -> Option<usize> {
        let sequence = *self.index.get(&fingerprint)?;
        let position = usize::try_from(sequence.checked_sub(self.first)?).ok()?;
        self.items.get(position).filter(|item| item.key() == key).map(|_| position)
    }

    pub(crate) fn get(&self, key: Key) -> Option<&T> {
        self.position(key).map(|p| &self.items[p])
    }

    /// Adds `item`, or replaces the item with the same key where it stands (it keeps its age).
    /// Returns the replaced item.
    pub(crate) fn insert(&mut self, item: T) -> Option<T> {
        let fingerprint = self.fingerprint(item.key());
        if let Some(position) = self.position_of(item.key(), fingerprint) {
            return Some(std::mem::replace(&mut self.items[position], item));
        }
        // The oldest go before the new one comes: pushing first would take the deque one past its
        // limit, and so past the room reserved for it, doubling it.
        while self.items.len() >= self.limit {
            self.forget_oldest();
        }
        self.index.insert(fingerprint, self.first + self.items.len() as u64);
        self.items.push_back(item);
        None
    }

    fn forget_oldest(&mut self) {
        let Some(oldest) = self.items.pop_front() else { return };
        let sequence = self.first;
        self.first += 1;
        let fingerprint = self.fingerprint(oldest.key());
        // A colliding newer item may own this fingerprint now; leave its entry alone.
        if self.index.get(&fingerprint) == Some(&sequence) {
            self.index.remove(&fingerprint);
        }
    }

    /// Oldest first.
    pub(crate) fn iter(&self) -> std::collections::vec_deque::Iter<'_, T> {
        self.items.iter()
    }

    /// Keeps the items `keep` accepts, in order, and rebuilds the index (an admin action, rare).
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
        self.first = 0;
        let index = self.items.iter().enumerate().map(|(i, item)| (self.fingerprint(item.key()), i as u64)).collect();
        self.index = index;
    }
}

/// The index's keys are fingerprints already: hashing them again would only cost time.
#[derive(Default)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed here; this keeps the hasher total.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_found_by_key_and_the_oldest_go_first() {
        let mut recent = Recent::new(3);
        for r in ["a", "b", "c", "d"] {
            assert!(recent.insert(r.to_string()).is_none());
        }
        assert!(recent.get(Key("a", "")).is_none());
        assert!(recent.get(Key("b", "")).is_some() && recent.get(Key("d", "")).is_some());
        assert_eq!(recent.iter().map(String::as_str).collect::<Vec<_>>(), ["b", "c", "d"]);
    }

    #[test]
    fn a_full_store_stays_within_the_room_it_reserved() {
        let mut recent = Recent::new(1_000);
        let reserved = recent.items.capacity();
        for n in 0..5_000 {
            recent.insert(n.to_string());
        }
        assert_eq!(recent.iter().len(), 1_000);
        assert_eq!(recent.items.capacity(), reserved, "the deque grew past its limit");
        assert!(recent.get(Key("4999", "")).is_some() && recent.get(Key("3999", "")).is_none());
    }

    #[test]
    fn a_replaced_item_keeps_its_place() {
        let mut recent = Recent::new(3);
        recent.insert("a".to_string());
        recent.insert("b".to_string());
        assert_eq!(recent.insert("a".to_string()).as_deref(), Some("a"));
        assert_eq!(recent.iter().len(), 2);
        assert_eq!(recent.iter().next().map(String::as_str), Some("a"));
    }

    #[test]
    fn retain_keeps_the_rest_findable() {
        let mut recent = Recent::new(10);
        for r in ["a", "b", "c", "d"] {
            recent.insert(r.to_string());
        }
        recent.retain(|r| r != "b");
        assert!(recent.get(Key("b", "")).is_none());
        for r in ["a", "c", "d"] {
            assert!(recent.get(Key(r, "")).is_some(), "{r}");
        }
        recent.insert("e".to_string());
        assert!(recent.get(Key("e", "")).is_some() && recent.get(Key("a", "")).is_some());
    }
}

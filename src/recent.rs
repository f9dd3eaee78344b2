//! The most recent items of a kind (used references, transactions), found by their text key
//! and forgotten oldest first past a limit.
//!
//! Items sit in arrival order in one deque. The index holds only each item's sequence number (4
//! bytes), placed by a hash of the item's key and confirmed against the key itself: 5 bytes a
//! slot, where a map from a 64-bit fingerprint to a 64-bit sequence took 17. A resize rehashes
//! the keys (a few milliseconds at 100,000 items), and the index is sized for the limit from the
//! start, so that happens only while a store first fills.

use hashbrown::HashTable;
use std::collections::hash_map::RandomState;
use std::collections::VecDeque;
use std::hash::BuildHasher;

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
    hasher: RandomState,
    /// Sequence numbers, wrapping at 2^32: the limit keeps every live one apart.
    index: HashTable<u32>,
    items: VecDeque<T>,
    /// Sequence number of `items[0]`.
    first: u32,
    limit: usize,
}

/// Where the item numbered `sequence` stands, when `first` is the oldest's number.
fn position(first: u32, sequence: u32) -> usize {
    sequence.wrapping_sub(first) as usize
}

impl<T: Keyed> Recent<T> {
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, u32::MAX as usize / 2);
        let reserved = limit.min(RESERVED_AT_MOST);
        Self {
            hasher: RandomState::new(),
            index: HashTable::with_capacity(reserved),
            // Room for the limit from the start (pages are resident only once written): a deque
            // grown by doubling would hold up to twice what it keeps, and while growing holds
            // the old and the new buffer at once.
            items: VecDeque::with_capacity(reserved),
            first: 0,
            limit,
        }
    }

    fn position(&self, key: Key) -> Option<usize> {
        let Self { hasher, index, items, first, .. } = self;
        let found =
            index.find(hasher.hash_one(key), |&s| items.get(position(*first, s)).is_some_and(|i| i.key() == key));
        found.map(|&s| position(*first, s))
    }

    pub(crate) fn get(&self, key: Key) -> Option<&T> {
        self.position(key).map(|p| &self.items[p])
    }

    /// Adds `item`, or replaces the item with the same key where it stands (it keeps its age).
    /// Returns the replaced item.
    pub(crate) fn insert(&mut self, item: T) -> Option<T> {
        if let Some(position) = self.position(item.key()) {
            return Some(std::mem::replace(&mut self.items[position], item));
        }
        // The oldest go before the new one comes: pushing first would take the deque one past its
        // limit, and so past the room reserved for it, doubling it.
        while self.items.len() >= self.limit {
            self.forget_oldest();
        }
        let Self { hasher, index, items, first, .. } = self;
        let hash = hasher.hash_one(item.key());
        let sequence = first.wrapping_add(items.len() as u32);
        items.push_back(item);
        index.insert_unique(hash, sequence, |&s| hasher.hash_one(items[position(*first, s)].key()));
        None
    }

    fn forget_oldest(&mut self) {
        let Some(oldest) = self.items.front() else { return };
        let hash = self.hasher.hash_one(oldest.key());
        let oldest_sequence = self.first;
        if let Ok(entry) = self.index.find_entry(hash, |&s| s == oldest_sequence) {
            entry.remove();
        }
        self.items.pop_front();
        self.first = self.first.wrapping_add(1);
    }

    /// Oldest first.
    pub(crate) fn iter(&self) -> std::collections::vec_deque::Iter<'_, T> {
        self.items.iter()
    }

    /// Keeps the items `keep` accepts, in order, and rebuilds the index (an admin action, rare).
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
        self.first = 0;
        let Self { hasher, index, items, .. } = self;
        index.clear();
        for (sequence, item) in items.iter().enumerate() {
            index.insert_unique(hasher.hash_one(item.key()), sequence as u32, |&s| {
                hasher.hash_one(items[s as usize].key())
            });
        }
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
    fn items_stay_findable_across_the_wrap_of_their_sequence_numbers() {
        let mut recent = Recent::new(3);
        recent.first = u32::MAX - 1;
        for r in ["a", "b", "c", "d", "e"] {
            recent.insert(r.to_string());
        }
        assert_eq!(recent.iter().map(String::as_str).collect::<Vec<_>>(), ["c", "d", "e"]);
        for r in ["c", "d", "e"] {
            assert_eq!(recent.get(Key(r, "")).map(String::as_str), Some(r));
        }
        assert!(recent.get(Key("a", "")).is_none() && recent.get(Key("b", "")).is_none());
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

//! Small priority queues used by the engine.

/// A min-heap of `(key, id)` that supports removing any id in O(log n).
///
/// Positions are kept in a caller-owned slice indexed by id (`pos[id]`), so several heaps can
/// share one position table as long as an id is in at most one of them at a time. Ties on
/// `key` are broken by `id`, so the order is fully deterministic.
#[derive(Clone, Debug, Default)]
pub struct IndexedHeap {
    items: Vec<(u64, u32)>,
}

/// Position value of an id that is in no heap.
pub const NOT_IN_HEAP: u32 = u32::MAX;

impl IndexedHeap {
    /// An empty heap.
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// The smallest `(key, id)`.
    pub fn peek(&self) -> Option<(u64, u32)> {
        self.items.first().copied()
    }
    /// The id stored at slot `i` (slots are in no particular order), for uniform random choice.
    pub fn item(&self, i: usize) -> u32 {
        self.items[i].1
    }
    /// Inserts `id` with `key`.
    pub fn push(&mut self, key: u64, id: u32, pos: &mut [u32]) {
        self.items.push((key, id));
        let i = self.items.len() - 1;
        pos[id as usize] = i as u32;
        self.sift_up(i, pos);
    }
    /// Removes and returns the smallest item.
    pub fn pop(&mut self, pos: &mut [u32]) -> Option<(u64, u32)> {
        if self.items.is_empty() {
            return None;
        }
        let top = self.items[0];
        self.remove_at(0, pos);
        Some(top)
    }
    /// Removes `id` (which must be in this heap).
    pub fn remove(&mut self, id: u32, pos: &mut [u32]) {
        let i = pos[id as usize] as usize;
        debug_assert_eq!(self.items[i].1, id);
        self.remove_at(i, pos);
    }

    fn remove_at(&mut self, i: usize, pos: &mut [u32]) {
        let removed = self.items[i].1;
        let last = self.items.len() - 1;
        self.items.swap(i, last);
        self.items.pop();
        pos[removed as usize] = NOT_IN_HEAP;
        if i < self.items.len() {
            pos[self.items[i].1 as usize] = i as u32;
            self.sift_down(i, pos);
            self.sift_up(i, pos);
        }
    }

    #[inline]
    fn sift_up(&mut self, mut i: usize, pos: &mut [u32]) {
        let item = self.items[i];
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.items[parent] <= item {
                break;
            }
            self.items[i] = self.items[parent];
            pos[self.items[i].1 as usize] = i as u32;
            i = parent;
        }
        self.items[i] = item;
        pos[item.1 as usize] = i as u32;
    }

    #[inline]
    fn sift_down(&mut self, mut i: usize, pos: &mut [u32]) {
        let n = self.items.len();
        let item = self.items[i];
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            // The smaller child, taken as a value rather than a branch (see
            // [`EventQueue::pop_packed`]).
            let c = l + (r < n && self.items[r] < self.items[l]) as usize;
            if item <= self.items[c] {
                break;
            }
            self.items[i] = self.items[c];
            pos[self.items[i].1 as usize] = i as u32;
            i = c;
        }
        self.items[i] = item;
        pos[item.1 as usize] = i as u32;
    }
}

/// The event queue: pops events in `(time, seq)` order, `seq` being the insertion count, so
/// events at equal times pop in the order they were scheduled (FIFO).
///
/// A binary min-heap of `(key, event)` with key `time << 64 | seq`: one `u128` comparison
/// orders two events, and keys are unique because `seq` is. A pop moves the hole at the root
/// down to a leaf (one comparison per level) and the last event up from there, which for
/// short-lived events (they are mostly pushed near the far end) stops at once.
#[derive(Debug)]
pub struct EventQueue<E> {
    items: Vec<(u128, E)>,
    seq: u64,
}

#[inline(always)]
fn key(time: u64, seq: u64) -> u128 {
    (time as u128) << 64 | seq as u128
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            items: Vec::new(),
            seq: 0,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    /// Schedules `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: u64, event: E) {
        self.push_with_seq(time, self.seq, event);
        self.seq += 1;
    }
    /// Schedules `event` at `time` with an explicit sequence number, for queues that share
    /// one insertion counter (the caller keeps `seq` unique and increasing).
    #[inline]
    pub fn push_with_seq(&mut self, time: u64, seq: u64, event: E) {
        let item = (key(time, seq), event);
        let mut i = self.items.len();
        self.items.push(item);
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.items[parent].0 <= item.0 {
                break;
            }
            self.items[i] = self.items[parent];
            i = parent;
        }
        self.items[i] = item;
    }
    /// `time << 64 | seq` of the earliest event: the order of two events is that of their keys.
    #[inline]
    pub fn peek_packed(&self) -> Option<u128> {
        self.items.first().map(|x| x.0)
    }
    /// `(time, seq)` of the earliest event.
    #[inline]
    pub fn peek_key(&self) -> Option<(u64, u64)> {
        self.peek_packed().map(|k| ((k >> 64) as u64, k as u64))
    }
    /// Removes the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, E)> {
        self.pop_packed().map(|(k, e)| ((k >> 64) as u64, e))
    }
    /// Removes the earliest event, returning its key `time << 64 | seq`.
    #[inline]
    pub fn pop_packed(&mut self) -> Option<(u128, E)> {
        let last = self.items.pop()?;
        let items = self.items.as_mut_slice();
        let n = items.len();
        if n == 0 {
            return Some(last);
        }
        let top = items[0];
        // The hole at the root goes down to a leaf, taking the smaller child each time...
        let mut i = 0;
        let mut child = 1;
        while child + 1 < n {
            // Which child is smaller is a coin flip for the branch predictor: taken as a
            // value, not a branch.
            child += (items[child + 1].0 < items[child].0) as usize;
            items[i] = items[child];
            i = child;
            child = 2 * i + 1;
        }
        if child == n - 1 {
            items[i] = items[child];
            i = child;
        }
        // ... and the last event moves up from there to its place.
        while i > 0 {
            let parent = (i - 1) / 2;
            if items[parent].0 <= last.0 {
                break;
            }
            items[i] = items[parent];
            i = parent;
        }
        items[i] = last;
        Some(top)
    }
    /// The earliest event (its key is [`peek_packed`](Self::peek_packed)).
    #[inline]
    pub fn peek_event(&self) -> Option<&E> {
        self.items.first().map(|x| &x.1)
    }
    /// Replaces the earliest event by `event` at `time` with sequence number `seq`: the same
    /// queue as a pop followed by a push, in one pass from the root that stops where the new
    /// event belongs (soon after the root when it is due soon).
    ///
    /// # Panics
    /// If the queue is empty.
    #[inline]
    pub fn replace_top(&mut self, time: u64, seq: u64, event: E) {
        let item = (key(time, seq), event);
        let n = self.items.len();
        assert!(n > 0, "replace_top on an empty queue");
        let mut i = 0;
        loop {
            let mut child = 2 * i + 1;
            if child >= n {
                break;
            }
            if child + 1 < n {
                child += (self.items[child + 1].0 < self.items[child].0) as usize;
            }
            if item.0 <= self.items[child].0 {
                break;
            }
            self.items[i] = self.items[child];
            i = child;
        }
        self.items[i] = item;
    }
    /// Time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<u64> {
        self.peek_key().map(|(t, _)| t)
    }
    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::default();
        q.push(5, 'a');
        q.push(3, 'b');
        q.push(5, 'c');
        q.push(3, 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['b', 'd', 'a', 'c']);
    }

    proptest! {
        #[test]
        fn events_pop_in_time_then_insertion_order(ops in prop::collection::vec((any::<bool>(), 0u64..20), 1..400)) {
            let mut q = EventQueue::default();
            let mut model: std::collections::BTreeSet<(u64, u64)> = Default::default();
            let mut n = 0u64;
            for (push, time) in ops {
                if push {
                    q.push_with_seq(time, n, n);
                    model.insert((time, n));
                    n += 1;
                } else {
                    let expected = model.pop_first();
                    prop_assert_eq!(q.peek_key(), expected);
                    prop_assert_eq!(q.pop(), expected);
                }
                prop_assert_eq!(q.len(), model.len());
                // Now and then the earliest event is replaced by a later one.
                if time % 5 == 0 && !model.is_empty() {
                    let (t0, _) = model.pop_first().unwrap();
                    let later = (t0 + time / 5, n);
                    q.replace_top(later.0, later.1, n);
                    model.insert(later);
                    n += 1;
                    prop_assert_eq!(q.peek_key(), model.first().copied());
                }
            }
            // Far times too: the key keeps all 64 bits of the time.
            q.push(u64::MAX, n);
            q.push(u64::MAX - 1, n + 1);
            while let Some(expected) = model.pop_first() {
                prop_assert_eq!(q.pop(), Some(expected));
            }
            prop_assert_eq!(q.pop(), Some((u64::MAX - 1, n + 1)));
            prop_assert_eq!(q.pop(), Some((u64::MAX, n)));
            prop_assert_eq!(q.pop(), None);
        }

        #[test]
        fn indexed_heap_matches_a_sorted_model(ops in prop::collection::vec((0u8..3, 0u64..50, 0u32..40), 1..300)) {
            let mut h = IndexedHeap::new();
            let mut pos = vec![NOT_IN_HEAP; 40];
            let mut model: std::collections::BTreeSet<(u64, u32)> = Default::default();
            for (op, key, id) in ops {
                match op {
                    0 if pos[id as usize] == NOT_IN_HEAP => { h.push(key, id, &mut pos); model.insert((key, id)); }
                    1 => { let a = h.pop(&mut pos); let b = model.pop_first(); prop_assert_eq!(a, b); }
                    2 if pos[id as usize] != NOT_IN_HEAP => {
                        let k = *model.iter().find(|(_, i)| *i == id).unwrap();
                        model.remove(&k);
                        h.remove(id, &mut pos);
                    }
                    _ => {}
                }
                prop_assert_eq!(h.peek(), model.first().copied());
                prop_assert_eq!(h.len(), model.len());
            }
        }
    }
}

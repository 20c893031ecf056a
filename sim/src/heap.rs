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
/// A 4-ary min-heap of `(key, event)` with key `time << 64 | seq`: one `u128` comparison
/// orders two events, and keys are unique because `seq` is, so the pop order is the same
/// whatever the heap's shape. Four children per node halve the depth of a binary heap: a pop
/// is a chain of dependent loads, one per level, and the four children of a node sit in one
/// or two cache lines and are compared in parallel. A pop moves the hole at the root down to
/// a leaf (taking the smallest child, chosen as a value rather than a branch: which child is
/// smallest is a coin flip for the branch predictor) and the last event up from there, which
/// for short-lived events (they are mostly pushed near the far end) stops at once.
#[derive(Debug)]
pub struct EventQueue<E> {
    items: Vec<(u128, E)>,
    seq: u64,
}

/// Children per node of [`EventQueue`].
const ARITY: usize = 4;

#[inline(always)]
fn key(time: u64, seq: u64) -> u128 {
    (time as u128) << 64 | seq as u128
}

/// The index of the smallest key among `items[first..first + ARITY]` (all present), found by
/// comparisons whose outcomes are used as values, not branches.
#[inline(always)]
fn smallest_of_four<E>(items: &[(u128, E)], first: usize) -> usize {
    let g = &items[first..first + ARITY];
    let a = (g[1].0 < g[0].0) as usize;
    let b = 2 + (g[3].0 < g[2].0) as usize;
    first + if g[b].0 < g[a].0 { b } else { a }
}

/// The index of the smallest key among `items[first..n]` (one to three items: a node's last,
/// partial, group of children).
#[inline(always)]
fn smallest_of_few<E>(items: &[(u128, E)], first: usize, n: usize) -> usize {
    let mut c = first;
    for j in first + 1..n {
        if items[j].0 < items[c].0 {
            c = j;
        }
    }
    c
}

/// The index of the smallest child of node `i` in a heap of `n` items, if it has children:
/// a full group through [`smallest_of_four`], the last, partial group through
/// [`smallest_of_few`].
#[inline(always)]
fn smallest_child<E>(items: &[(u128, E)], i: usize, n: usize) -> Option<usize> {
    let first = ARITY * i + 1;
    if first + ARITY <= n {
        Some(smallest_of_four(items, first))
    } else if first < n {
        Some(smallest_of_few(items, first, n))
    } else {
        None
    }
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
        let items = self.items.as_mut_slice();
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if items[parent].0 <= item.0 {
                break;
            }
            items[i] = items[parent];
            i = parent;
        }
        items[i] = item;
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
        // The hole at the root goes down to a leaf, taking the smallest child each time...
        let mut i = 0;
        while let Some(c) = smallest_child(items, i, n) {
            items[i] = items[c];
            i = c;
        }
        // ... and the last event moves up from there to its place.
        while i > 0 {
            let parent = (i - 1) / ARITY;
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
        let items = self.items.as_mut_slice();
        let n = items.len();
        assert!(n > 0, "replace_top on an empty queue");
        let mut i = 0;
        while let Some(c) = smallest_child(items, i, n) {
            if item.0 <= items[c].0 {
                break;
            }
            items[i] = items[c];
            i = c;
        }
        items[i] = item;
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

    /// A deep queue (several levels of full and partial groups of children) pops in the
    /// order of a sorted model, through pushes, pops and replacements of the top.
    #[test]
    fn a_deep_queue_pops_in_key_order() {
        let mut q = EventQueue::default();
        let mut model: std::collections::BTreeSet<(u64, u64)> = Default::default();
        let mut seq = 0u64;
        for step in 0..60_000u64 {
            let time = crate::rng::splitmix64(step) % 1_000;
            match step % 7 {
                0..=3 => {
                    q.push_with_seq(time, seq, seq);
                    model.insert((time, seq));
                    seq += 1;
                }
                4 | 5 => assert_eq!(q.pop(), model.pop_first()),
                _ => {
                    if let Some((t0, _)) = model.pop_first() {
                        let later = (t0 + time, seq);
                        q.replace_top(later.0, later.1, seq);
                        model.insert(later);
                        seq += 1;
                    }
                }
            }
            assert_eq!(q.peek_key(), model.first().copied());
        }
        assert!(q.len() > 5_000, "the queue grew deep: {}", q.len());
        while let Some(expected) = model.pop_first() {
            assert_eq!(q.pop(), Some(expected));
        }
        assert_eq!(q.pop(), None);
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

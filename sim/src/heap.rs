//! Small priority queues used by the engine.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
            let c = if r < n && self.items[r] < self.items[l] {
                r
            } else {
                l
            };
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
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    seq: u64,
}

#[derive(Debug)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        (self.time, self.seq) == (o.time, o.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(o.time, o.seq))
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: u64, event: E) {
        self.heap.push(Reverse(Entry {
            time,
            seq: self.seq,
            event,
        }));
        self.seq += 1;
    }
    /// Schedules `event` at `time` with an explicit sequence number, for queues that share
    /// one insertion counter (the caller keeps `seq` unique and increasing).
    #[inline]
    pub fn push_with_seq(&mut self, time: u64, seq: u64, event: E) {
        self.heap.push(Reverse(Entry { time, seq, event }));
    }
    /// `(time, seq)` of the earliest event.
    #[inline]
    pub fn peek_key(&self) -> Option<(u64, u64)> {
        self.heap.peek().map(|Reverse(e)| (e.time, e.seq))
    }
    /// Removes the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, E)> {
        self.heap.pop().map(|Reverse(e)| (e.time, e.event))
    }
    /// Time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse(e)| e.time)
    }
    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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

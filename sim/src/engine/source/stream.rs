//! [`StreamShards`]: a Kinesis or DynamoDB stream read by an event source mapping.
//!
//! Records arrive spread evenly over the shards (round robin), and within a shard over its
//! `parallelization-factor` lanes (as records of different partition keys are); each lane
//! processes its records in order, one batch at a time (`batch-size`, or fewer when
//! `batching-window` has passed since the oldest waiting record arrived). A batch that fails
//! (function error, timeout) blocks its lane and is retried at once, until it succeeds, runs
//! out of `max-retries` (its records go to the on-failure destination:
//! [`Fate::DeadLettered`]) or, with `bisect-on-error`, is split and its first half retried.
//! Records older than `max-record-age` when their batch starts are skipped
//! ([`Fate::Expired`]). A batch throttled by the function's concurrency limits is tried again
//! after a backoff. The oldest unprocessed record gives the iterator age.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};

use rand_chacha::ChaCha8Rng;

use super::{AfterThrottle, Request, RequestSource, SourceId, Upcoming, backoff};
use crate::model::Arrivals;
use crate::model::trigger::{ASYNC_THROTTLE_BACKOFF, ASYNC_THROTTLE_BACKOFF_MAX, StreamTrigger};
use crate::observer::{Fate, Invocation, Note, Outcome, ThrottleReason};
use crate::time::SimTime;

#[derive(Default)]
struct Lane {
    /// Arrival times of its records, oldest first (the in-flight batch at the front).
    records: VecDeque<u64>,
    busy: bool,
    /// Records of the batch being (re)tried; 0 when the next batch is new.
    batch: u32,
    /// Failed tries of the current batch.
    failures: u32,
    throttles: u32,
    /// Queued in `runnable` or `timers`.
    scheduled: bool,
}

/// A stream and its event source mapping.
pub struct StreamShards {
    function: u32,
    arrivals: Upcoming,
    cfg: StreamTrigger,
    lanes: Vec<Lane>,
    /// Next lane for an arriving record.
    rr: usize,
    /// Lanes that may start a batch now.
    runnable: VecDeque<u32>,
    /// Lanes waiting for a time: `(time, seq, lane)`.
    timers: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    /// `(arrival of the lane's oldest record, lane)` for every non-empty lane.
    heads: BTreeSet<(u64, u32)>,
    /// Records waiting (not in a running batch).
    waiting: u64,
    in_flight: u64,
    end: u64,
    /// When it last woke: lanes still runnable after a wake-up start at that time.
    now: u64,
}

impl StreamShards {
    /// The stream trigger `t` of function `function` with record `arrivals` in
    /// `[0, window_end)`.
    pub fn new(
        function: u32,
        t: &StreamTrigger,
        arrivals: &Arrivals,
        window_end: SimTime,
        rng: ChaCha8Rng,
    ) -> Self {
        let lanes = (t.shards * t.parallelization_factor) as usize;
        StreamShards {
            function,
            arrivals: Upcoming::new(arrivals, window_end, rng),
            cfg: t.clone(),
            lanes: (0..lanes).map(|_| Lane::default()).collect(),
            rr: 0,
            runnable: VecDeque::new(),
            timers: BinaryHeap::new(),
            seq: 0,
            heads: BTreeSet::new(),
            waiting: 0,
            in_flight: 0,
            end: window_end.0,
            now: 0,
        }
    }

    fn lane_of(&self, i: usize) -> usize {
        // Round robin over shards first, then over each shard's lanes.
        let shards = self.cfg.shards as usize;
        let shard = i % shards;
        let k = (i / shards) % self.cfg.parallelization_factor as usize;
        shard * self.cfg.parallelization_factor as usize + k
    }

    fn mark_runnable(&mut self, l: u32) {
        let lane = &mut self.lanes[l as usize];
        if !lane.scheduled && !lane.busy && !lane.records.is_empty() {
            lane.scheduled = true;
            self.runnable.push_back(l);
        }
    }

    fn at(&mut self, t: u64, l: u32) {
        self.lanes[l as usize].scheduled = true;
        self.seq += 1;
        self.timers.push(Reverse((t, self.seq, l)));
    }

    /// Removes the first `n` records of lane `l` with `fate`.
    fn drop_front(&mut self, l: u32, n: usize, fate: Fate, notes: &mut Vec<Note>) {
        let lane = &mut self.lanes[l as usize];
        if let Some(&h) = lane.records.front() {
            self.heads.remove(&(h, l));
        }
        for _ in 0..n {
            let a = lane.records.pop_front().expect("records of the batch");
            notes.push(Note::Settled {
                arrival: SimTime(a),
                fate,
            });
        }
        if let Some(&h) = lane.records.front() {
            self.heads.insert((h, l));
        }
    }

    fn queue_note(&self, notes: &mut Vec<Note>) {
        notes.push(Note::Queue {
            waiting: self.waiting,
            oldest: self.heads.first().map(|(a, _)| SimTime(*a)),
        });
    }

    /// Tries to start a batch on lane `l` at `t`.
    fn start(&mut self, id: SourceId, l: u32, t: u64, notes: &mut Vec<Note>) -> Option<Request> {
        // Records too old are skipped first (they are never in a running batch here).
        let max_age = self.cfg.max_record_age.0;
        let old = self.lanes[l as usize]
            .records
            .iter()
            .take_while(|&&a| t - a > max_age)
            .count();
        if old > 0 {
            self.drop_front(l, old, Fate::Expired, notes);
            self.waiting -= old as u64;
            let lane = &mut self.lanes[l as usize];
            lane.batch = lane.batch.saturating_sub(old as u32);
            if lane.batch == 0 {
                lane.failures = 0;
            }
        }
        let window = self.cfg.batching_window.0;
        let size = self.cfg.batch_size as usize;
        let lane = &mut self.lanes[l as usize];
        let &first = lane.records.front()?;
        if lane.batch == 0 && window > 0 && lane.records.len() < size && t < first + window {
            let due = first + window;
            self.at(due, l);
            return None;
        }
        let n = if lane.batch > 0 {
            (lane.batch as usize).min(lane.records.len())
        } else {
            lane.records.len().min(size)
        };
        lane.batch = n as u32;
        lane.busy = true;
        let retry = lane.failures > 0;
        self.waiting -= n as u64;
        self.in_flight += n as u64;
        let mut r = Request::new(id, self.function, SimTime(t), None);
        r.token = l;
        r.records = n as u32;
        r.extra = self.cfg.per_record.0 * (n as u64 - 1);
        r.retry = retry;
        self.queue_note(notes);
        Some(r)
    }
}

impl StreamShards {
    /// Arrivals of the records of batch `r` (the front of its lane), in order: see
    /// [`super::Source::item_arrivals`].
    pub fn item_arrivals(&self, r: &Request) -> Vec<SimTime> {
        self.lanes[r.token as usize]
            .records
            .iter()
            .take(r.records as usize)
            .map(|&t| SimTime(t))
            .collect()
    }
}

impl RequestSource for StreamShards {
    fn function(&self) -> u32 {
        self.function
    }

    fn advance(&mut self) -> Option<SimTime> {
        // Lanes left runnable by the wake-up that just started a batch start now, not at
        // time zero (which sent the clock back when records of several lanes arrived at once).
        self.rewake(SimTime(self.now))
    }

    fn wake(&mut self, id: SourceId, now: SimTime, notes: &mut Vec<Note>) -> Option<Request> {
        let t = now.0;
        self.now = t;
        while self.arrivals.take_if_due(t, None).is_some() {
            let l = self.lane_of(self.rr) as u32;
            self.rr += 1;
            let lane = &mut self.lanes[l as usize];
            if lane.records.is_empty() {
                self.heads.insert((t, l));
            }
            lane.records.push_back(t);
            self.waiting += 1;
            notes.push(Note::Arrived);
            self.mark_runnable(l);
        }
        while let Some(Reverse((due, _, l))) = self.timers.peek().copied() {
            if due > t {
                break;
            }
            self.timers.pop();
            self.lanes[l as usize].scheduled = false;
            self.mark_runnable(l);
        }
        if t >= self.end {
            return None;
        }
        while let Some(l) = self.runnable.pop_front() {
            self.lanes[l as usize].scheduled = false;
            if self.lanes[l as usize].busy {
                continue;
            }
            if let Some(r) = self.start(id, l, t, notes) {
                return Some(r);
            }
        }
        self.queue_note(notes);
        None
    }

    fn throttled(
        &mut self,
        req: &Request,
        _reason: ThrottleReason,
        now: SimTime,
        notes: &mut Vec<Note>,
    ) -> AfterThrottle {
        let l = req.token;
        let n = req.records as u64;
        self.waiting += n;
        self.in_flight -= n;
        let lane = &mut self.lanes[l as usize];
        lane.busy = false;
        lane.throttles += 1;
        let wait = backoff(
            lane.throttles,
            ASYNC_THROTTLE_BACKOFF,
            ASYNC_THROTTLE_BACKOFF_MAX,
        );
        self.at(now.0 + wait, l);
        self.queue_note(notes);
        AfterThrottle::Retried
    }

    fn finished(&mut self, inv: &Invocation, _now: SimTime, notes: &mut Vec<Note>) {
        let l = inv.token;
        let n = inv.records as usize;
        self.in_flight -= n as u64;
        let lane = &mut self.lanes[l as usize];
        lane.busy = false;
        lane.throttles = 0;
        if inv.outcome == Outcome::Success {
            lane.batch = 0;
            lane.failures = 0;
            self.drop_front(l, n, Fate::Completed, notes);
        } else {
            lane.failures += 1;
            if self.cfg.max_retries.is_some_and(|m| lane.failures > m) {
                lane.batch = 0;
                lane.failures = 0;
                self.drop_front(l, n, Fate::DeadLettered, notes);
            } else {
                if self.cfg.bisect_on_error && n > 1 {
                    lane.batch = (n / 2) as u32;
                }
                self.waiting += n as u64;
            }
        }
        self.mark_runnable(l);
        self.queue_note(notes);
    }

    fn rewake(&self, now: SimTime) -> Option<SimTime> {
        let mut best = self.arrivals.time().unwrap_or(u64::MAX);
        if !self.runnable.is_empty() {
            best = best.min(now.0);
        }
        if let Some(Reverse((d, _, _))) = self.timers.peek() {
            best = best.min(*d);
        }
        (best < self.end).then_some(SimTime(best.max(now.0)))
    }

    fn pending(&self) -> u64 {
        self.waiting + self.in_flight
    }

    fn close(&mut self, end: SimTime, notes: &mut Vec<Note>) {
        let max_age = self.cfg.max_record_age.0;
        for l in 0..self.lanes.len() as u32 {
            let lane = &self.lanes[l as usize];
            if lane.busy {
                continue;
            }
            let old = lane
                .records
                .iter()
                .take_while(|&&a| end.0 - a > max_age)
                .count();
            if old > 0 {
                self.drop_front(l, old, Fate::Expired, notes);
                self.waiting -= old as u64;
            }
        }
    }
}

//! [`SqsPoller`]: a standard SQS queue and the event source mapping that polls it.
//!
//! Messages wait in the queue, visible, until a poller takes a batch: `batch-size` messages at
//! once, or fewer when `batching-window` has passed since the poller began gathering (with a
//! window of 0 a poller takes whatever is visible). One batch is one invocation. The mapping
//! runs at most its current concurrency of batches at once:
//!
//! - `scaling = "standard"`: [`SQS_INITIAL_BATCHES`] at first; while messages wait and every
//!   batch slot is busy it adds up to [`SQS_SCALE_UP_PER_MIN`] slots per minute, up to
//!   `max-pollers` and `max-concurrency`; when the queue is empty it falls back to the initial
//!   level (or to what is still running).
//! - `scaling = "provisioned"`: `min-pollers` event pollers of [`SQS_BATCHES_PER_POLLER`]
//!   batches each are always ready; it adds up to [`SQS_PROVISIONED_SCALE_UP_PER_MIN`] slots
//!   per minute up to `max-pollers` pollers. The pollers running (at least `min-pollers`,
//!   enough for the batches in flight) are reported for billing.
//!
//! A batch that fails as a whole (function error, timeout, or a throttle by the function's
//! concurrency limits) is not deleted: its messages become visible again `visibility-timeout`
//! after they were received. With `report-batch-item-failures` the function's `error-rate`
//! applies to each record instead, and only the failed records come back. A message received
//! `max-receive-count` times is moved to the dead-letter queue on its next receive; a message
//! older than `retention` is lost ([`Fate::Expired`]).
//!
//! SQS calls: one ReceiveMessage per 10 messages taken and one DeleteMessageBatch per 10
//! messages deleted are reported as [`Note::SqsRequests`]; while no message is visible the
//! idle long-polling connections ([`Note::Polling`]) make one empty receive per 20 s.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{AfterThrottle, Request, RequestSource, SourceId, Upcoming};
use crate::model::Arrivals;
use crate::model::trigger::{
    SQS_BATCHES_PER_POLLER, SQS_INITIAL_BATCHES, SQS_MESSAGES_PER_CALL,
    SQS_PROVISIONED_SCALE_UP_PER_MIN, SQS_SCALE_UP_PER_MIN, SqsScaling, SqsTrigger,
};
use crate::observer::{Fate, Invocation, Note, Outcome, ThrottleReason};
use crate::time::{NS_PER_MIN, SimTime};

#[derive(Clone, Copy, Debug, Default)]
struct Message {
    arrival: u64,
    receives: u32,
}

struct Batch {
    messages: Vec<u32>,
    received: u64,
}

/// An SQS queue with its event source mapping.
pub struct SqsPoller {
    function: u32,
    arrivals: Upcoming,
    cfg: SqsTrigger,
    /// Messages by slot; `generation` validates entries of `oldest`.
    messages: Vec<Message>,
    generation: Vec<u64>,
    free: Vec<u32>,
    visible: VecDeque<u32>,
    /// Messages of failed batches until they are visible again: `(visible at, seq, message)`.
    delayed: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    oldest: BinaryHeap<Reverse<(u64, u32, u64)>>,
    batches: Vec<Batch>,
    free_batches: Vec<u32>,
    /// Batches in flight.
    active: u32,
    /// Batch slots now (fractional while scaling up).
    slots: f64,
    /// Fewest slots, most slots, added per ns while messages wait.
    floor: f64,
    cap: f64,
    rate_per_ns: f64,
    /// Time of the last scaling update, and whether messages were waiting since then with
    /// every slot busy.
    last_scale: u64,
    scaling_up: bool,
    /// When a free poller began gathering a partial batch (batching window > 0).
    gathering_since: Option<u64>,
    /// Last reported polling connections and pollers.
    polling: u32,
    pollers: u32,
    provisioned: Option<(u32, u32)>,
    error_rate: f64,
    rng_records: ChaCha8Rng,
    end: u64,
}

impl SqsPoller {
    /// The SQS trigger `t` of function `function` with message `arrivals` in
    /// `[0, window_end)`; `error_rate` applies per record with `report-batch-item-failures`,
    /// drawn from `rng_records`.
    pub fn new(
        function: u32,
        t: &SqsTrigger,
        arrivals: &Arrivals,
        window_end: SimTime,
        rng: ChaCha8Rng,
        error_rate: f64,
        rng_records: ChaCha8Rng,
    ) -> Self {
        let limit = t.max_concurrency.unwrap_or(u32::MAX);
        let (floor, cap, per_min, provisioned) = match t.scaling {
            SqsScaling::Standard { max_pollers } => {
                let cap = max_pollers.min(limit);
                (
                    SQS_INITIAL_BATCHES.min(cap),
                    cap,
                    SQS_SCALE_UP_PER_MIN,
                    None,
                )
            }
            SqsScaling::Provisioned {
                min_pollers,
                max_pollers,
            } => {
                let cap = (max_pollers * SQS_BATCHES_PER_POLLER).min(limit);
                (
                    (min_pollers * SQS_BATCHES_PER_POLLER).min(cap),
                    cap,
                    SQS_PROVISIONED_SCALE_UP_PER_MIN,
                    Some((min_pollers, max_pollers)),
                )
            }
        };
        SqsPoller {
            function,
            arrivals: Upcoming::new(arrivals, window_end, rng),
            cfg: t.clone(),
            messages: Vec::new(),
            generation: Vec::new(),
            free: Vec::new(),
            visible: VecDeque::new(),
            delayed: BinaryHeap::new(),
            seq: 0,
            oldest: BinaryHeap::new(),
            batches: Vec::new(),
            free_batches: Vec::new(),
            active: 0,
            slots: floor as f64,
            floor: floor as f64,
            cap: cap as f64,
            rate_per_ns: per_min as f64 / NS_PER_MIN as f64,
            last_scale: 0,
            scaling_up: false,
            gathering_since: None,
            polling: u32::MAX,
            pollers: 0,
            provisioned,
            error_rate,
            rng_records,
            end: window_end.0,
        }
    }

    /// Whole batch slots now.
    fn whole_slots(&self) -> u32 {
        self.slots.floor() as u32
    }

    /// Brings the slot count up to `now` (it grows while messages wait with every slot busy).
    fn scale_to(&mut self, now: u64) {
        if self.scaling_up && now > self.last_scale {
            self.slots =
                (self.slots + (now - self.last_scale) as f64 * self.rate_per_ns).min(self.cap);
        }
        self.last_scale = now;
    }

    /// After a change: whether the mapping keeps scaling up, scales down, and what it reports.
    fn settle_state(&mut self, notes: &mut Vec<Note>) {
        if self.visible.is_empty() {
            self.slots = self
                .floor
                .max(self.active as f64)
                .min(self.cap.max(self.floor));
            self.scaling_up = false;
        } else {
            self.scaling_up = self.active >= self.whole_slots() && self.slots < self.cap;
        }
        // Long-polling connections waiting on an empty queue.
        let polling = if self.visible.is_empty() {
            match self.provisioned {
                Some((min, _)) => min,
                None => SQS_INITIAL_BATCHES.saturating_sub(self.active),
            }
        } else {
            0
        };
        if polling != self.polling {
            self.polling = polling;
            notes.push(Note::Polling(polling));
        }
        if let Some((min, max)) = self.provisioned {
            let need = self.active.div_ceil(SQS_BATCHES_PER_POLLER).clamp(min, max);
            if need != self.pollers {
                self.pollers = need;
                notes.push(Note::Pollers(need));
            }
        }
        while let Some(Reverse((_, m, g))) = self.oldest.peek() {
            if self.generation[*m as usize] == *g {
                break;
            }
            self.oldest.pop();
        }
        notes.push(Note::Queue {
            waiting: (self.visible.len() + self.delayed.len()) as u64,
            oldest: self.oldest.peek().map(|r| SimTime(r.0.0)),
        });
    }

    fn settle(&mut self, m: u32, fate: Fate, notes: &mut Vec<Note>) {
        self.generation[m as usize] += 1;
        self.free.push(m);
        notes.push(Note::Settled {
            arrival: SimTime(self.messages[m as usize].arrival),
            fate,
        });
    }

    /// Moves messages that became visible by `now` to the queue.
    fn reveal(&mut self, now: u64) {
        while let Some(Reverse((t, _, m))) = self.delayed.peek().copied() {
            if t > now {
                break;
            }
            self.delayed.pop();
            self.visible.push_back(m);
        }
    }

    /// Drops expired messages at the head of the queue.
    fn expire_head(&mut self, now: u64, notes: &mut Vec<Note>) {
        while let Some(&m) = self.visible.front() {
            if now - self.messages[m as usize].arrival < self.cfg.retention.0 {
                break;
            }
            self.visible.pop_front();
            self.settle(m, Fate::Expired, notes);
        }
    }

    /// Whether a free slot may take a batch now.
    fn can_start(&self, now: u64) -> bool {
        if self.visible.is_empty() || self.active >= self.whole_slots() || now >= self.end {
            return false;
        }
        self.cfg.batching_window == SimTime::ZERO
            || self.visible.len() >= self.cfg.batch_size as usize
            || self
                .gathering_since
                .is_some_and(|g| now >= g + self.cfg.batching_window.0)
    }

    /// [`RequestSource::finished`] for a batch whose handler reported which records failed
    /// (the positions in the batch of its `batchItemFailures`): with
    /// `report-batch-item-failures` those are made visible again and the others deleted,
    /// instead of drawing each record's failure from `error-rate`; without it the response is
    /// ignored, as AWS ignores it.
    pub fn finished_reporting(
        &mut self,
        inv: &Invocation,
        now: SimTime,
        failed: &[usize],
        notes: &mut Vec<Note>,
    ) {
        self.end_batch(inv, now, Some(failed), notes);
    }

    /// Batch `inv.token` ended: deleted, or made visible again (all of it after a failure; with
    /// `report-batch-item-failures`, the records that failed). `reported`: the positions in the
    /// batch of the records its handler reported failed (`batchItemFailures`), replacing the
    /// draws of `error-rate` (what `lamsim load` knows of a real handler); `None`: drawn.
    fn end_batch(
        &mut self,
        inv: &Invocation,
        now: SimTime,
        reported: Option<&[usize]>,
        notes: &mut Vec<Note>,
    ) {
        self.scale_to(now.0);
        let batch = self.free_batch(inv.token);
        if inv.outcome == Outcome::Success {
            let mut deleted = 0u32;
            let mut failed = Vec::new();
            for (i, &m) in batch.messages.iter().enumerate() {
                // Without `report-batch-item-failures` a successful batch is deleted whole (and
                // no record error is drawn).
                if self.cfg.report_batch_item_failures
                    && match reported {
                        Some(r) => r.contains(&i),
                        None => {
                            self.error_rate > 0.0 && self.rng_records.random_bool(self.error_rate)
                        }
                    }
                {
                    failed.push(m);
                } else {
                    deleted += 1;
                    self.settle(m, Fate::Completed, notes);
                }
            }
            if deleted > 0 {
                notes.push(Note::SqsRequests(deleted.div_ceil(SQS_MESSAGES_PER_CALL)));
            }
            if !failed.is_empty() {
                notes.push(Note::RecordErrors(failed.len() as u32));
                self.redeliver(&failed, batch.received, now.0);
            }
        } else {
            self.redeliver(&batch.messages, batch.received, now.0);
        }
        self.settle_state(notes);
    }

    /// The messages of failed batch `b` become visible again.
    fn redeliver(&mut self, messages: &[u32], received: u64, now: u64) {
        let at = (received + self.cfg.visibility_timeout.0).max(now);
        for &m in messages {
            self.seq += 1;
            self.delayed.push(Reverse((at, self.seq, m)));
        }
    }

    fn free_batch(&mut self, b: u32) -> Batch {
        let batch = std::mem::replace(
            &mut self.batches[b as usize],
            Batch {
                messages: Vec::new(),
                received: 0,
            },
        );
        self.free_batches.push(b);
        self.active -= 1;
        batch
    }
}

impl SqsPoller {
    /// Arrivals of the messages of batch `r`, in the batch's order: see
    /// [`super::Source::item_arrivals`].
    pub fn item_arrivals(&self, r: &Request) -> Vec<SimTime> {
        self.batches[r.token as usize]
            .messages
            .iter()
            .map(|&m| SimTime(self.messages[m as usize].arrival))
            .collect()
    }
}

impl RequestSource for SqsPoller {
    fn function(&self) -> u32 {
        self.function
    }

    fn advance(&mut self) -> Option<SimTime> {
        let now = self.last_scale;
        self.rewake(SimTime(now))
    }

    fn wake(&mut self, id: SourceId, now: SimTime, notes: &mut Vec<Note>) -> Option<Request> {
        let t = now.0;
        self.scale_to(t);
        while self.arrivals.take_if_due(t, None).is_some() {
            let m = match self.free.pop() {
                Some(m) => m,
                None => {
                    self.messages.push(Message::default());
                    self.generation.push(0);
                    (self.messages.len() - 1) as u32
                }
            };
            self.messages[m as usize] = Message {
                arrival: t,
                receives: 0,
            };
            self.oldest
                .push(Reverse((t, m, self.generation[m as usize])));
            self.visible.push_back(m);
            notes.push(Note::Arrived);
        }
        self.reveal(t);
        self.expire_head(t, notes);
        if self.gathering_since.is_none()
            && !self.visible.is_empty()
            && self.active < self.whole_slots()
        {
            self.gathering_since = Some(t);
        }
        let mut request = None;
        if self.can_start(t) {
            let mut taken = Vec::with_capacity(self.cfg.batch_size.min(64) as usize);
            while taken.len() < self.cfg.batch_size as usize {
                let Some(m) = self.visible.pop_front() else {
                    break;
                };
                let msg = &mut self.messages[m as usize];
                if t - msg.arrival >= self.cfg.retention.0 {
                    self.settle(m, Fate::Expired, notes);
                    continue;
                }
                if self
                    .cfg
                    .max_receive_count
                    .is_some_and(|max| msg.receives >= max)
                {
                    self.settle(m, Fate::DeadLettered, notes);
                    continue;
                }
                msg.receives += 1;
                taken.push(m);
            }
            self.gathering_since = None;
            if !taken.is_empty() {
                let n = taken.len() as u32;
                notes.push(Note::SqsRequests(n.div_ceil(SQS_MESSAGES_PER_CALL)));
                let retry = taken
                    .iter()
                    .any(|&m| self.messages[m as usize].receives > 1);
                let batch = Batch {
                    messages: taken,
                    received: t,
                };
                let b = match self.free_batches.pop() {
                    Some(b) => {
                        self.batches[b as usize] = batch;
                        b
                    }
                    None => {
                        self.batches.push(batch);
                        (self.batches.len() - 1) as u32
                    }
                };
                self.active += 1;
                let mut r = Request::new(id, self.function, now, None);
                r.token = b;
                r.records = n;
                r.extra = self.cfg.per_record.0 * (n as u64 - 1);
                r.retry = retry;
                r.whole_error = !self.cfg.report_batch_item_failures;
                request = Some(r);
            }
        }
        self.settle_state(notes);
        request
    }

    fn throttled(
        &mut self,
        req: &Request,
        _reason: ThrottleReason,
        now: SimTime,
        notes: &mut Vec<Note>,
    ) -> AfterThrottle {
        self.scale_to(now.0);
        let batch = self.free_batch(req.token);
        // Not before the mapping's own backoff, even with a visibility timeout of 0.
        let received = batch.received.max(
            (now.0 + crate::model::trigger::ASYNC_THROTTLE_BACKOFF.0)
                .saturating_sub(self.cfg.visibility_timeout.0),
        );
        self.redeliver(&batch.messages, received, now.0);
        // The mapping backs off: no more slots than batches still running.
        self.slots = self.floor.max(self.active as f64);
        self.settle_state(notes);
        AfterThrottle::Retried
    }

    fn finished(&mut self, inv: &Invocation, now: SimTime, notes: &mut Vec<Note>) {
        self.end_batch(inv, now, None, notes);
    }

    fn rewake(&self, now: SimTime) -> Option<SimTime> {
        let t = now.0;
        let mut best = self.arrivals.time().unwrap_or(u64::MAX);
        if let Some(Reverse((d, _, _))) = self.delayed.peek() {
            best = best.min(*d);
        }
        if !self.visible.is_empty() {
            if self.active < self.whole_slots() {
                let ready = if self.cfg.batching_window == SimTime::ZERO
                    || self.visible.len() >= self.cfg.batch_size as usize
                {
                    t
                } else {
                    self.gathering_since
                        .map_or(t, |g| g + self.cfg.batching_window.0)
                };
                best = best.min(ready.max(t));
            } else if self.scaling_up {
                // When the next whole slot appears.
                let missing = (self.slots.floor() + 1.0 - self.slots).max(0.0);
                let dt = (missing / self.rate_per_ns).ceil() as u64;
                best = best.min(self.last_scale + dt.max(1));
            }
            if let Some(&m) = self.visible.front() {
                best = best.min(self.messages[m as usize].arrival + self.cfg.retention.0);
            }
        }
        (best < self.end).then_some(SimTime(best.max(t)))
    }

    fn pending(&self) -> u64 {
        let in_flight: usize = self.batches.iter().map(|b| b.messages.len()).sum();
        (self.visible.len() + self.delayed.len() + in_flight) as u64
    }

    fn close(&mut self, end: SimTime, notes: &mut Vec<Note>) {
        // Messages still queued that passed their retention before the end are lost.
        let retention = self.cfg.retention.0;
        let mut keep = VecDeque::with_capacity(self.visible.len());
        while let Some(m) = self.visible.pop_front() {
            if end.0 - self.messages[m as usize].arrival >= retention {
                self.settle(m, Fate::Expired, notes);
            } else {
                keep.push_back(m);
            }
        }
        self.visible = keep;
    }
}

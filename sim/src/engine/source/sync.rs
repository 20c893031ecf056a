//! [`SyncClient`]: the sync trigger of an event-driven function — its arrivals, the client's
//! retries of throttled calls (full-jitter exponential backoff, as the AWS SDKs do) and what
//! became of each call.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{AfterThrottle, Request, RequestSource, SourceId, Upcoming, earliest};
use crate::model::Arrivals;
use crate::model::trigger::{CLIENT_BACKOFF_CAP, SyncTrigger};
use crate::observer::{Fate, Invocation, Note, ThrottleReason};
use crate::time::SimTime;

/// A retry waiting: `(due, seq, origin, tries so far, trace duration or u64::MAX)`.
type Retry = Reverse<(u64, u64, u64, u32, u64)>;

/// A synchronous caller with optional client retries.
pub struct SyncClient {
    function: u32,
    arrivals: Upcoming,
    retries: BinaryHeap<Retry>,
    seq: u64,
    max_retries: u32,
    backoff: u64,
    rng_jitter: ChaCha8Rng,
    /// Calls submitted and not yet finished or throttled.
    in_flight: u64,
    end: u64,
}

impl SyncClient {
    /// The trigger `t` of function `function` with `arrivals` in `[0, window_end)`; arrival
    /// times from `rng`, backoff jitter from `rng_jitter`.
    pub fn new(
        function: u32,
        t: &SyncTrigger,
        arrivals: &Arrivals,
        window_end: SimTime,
        rng: ChaCha8Rng,
        rng_jitter: ChaCha8Rng,
    ) -> Self {
        SyncClient {
            function,
            arrivals: Upcoming::new(arrivals, window_end, rng),
            retries: BinaryHeap::new(),
            seq: 0,
            max_retries: t.client_retries,
            backoff: t.client_backoff.0,
            rng_jitter,
            in_flight: 0,
            end: window_end.0,
        }
    }
}

impl SyncClient {
    /// Arrival of the call `r` makes (its first try): see [`super::Source::item_arrivals`].
    pub fn item_arrivals(&self, r: &Request) -> Vec<SimTime> {
        vec![r.origin]
    }
}

impl RequestSource for SyncClient {
    fn function(&self) -> u32 {
        self.function
    }

    fn advance(&mut self) -> Option<SimTime> {
        self.rewake(SimTime::ZERO)
    }

    fn wake(&mut self, id: SourceId, now: SimTime, notes: &mut Vec<Note>) -> Option<Request> {
        let retry_due = self.retries.peek().map(|r| r.0.0);
        if let Some(d) = self.arrivals.take_if_due(now.0, retry_due) {
            notes.push(Note::Arrived);
            self.in_flight += 1;
            return Some(Request::new(id, self.function, now, d));
        }
        if retry_due.is_some_and(|r| r <= now.0) {
            let Reverse((_, _, origin, tries, d)) = self.retries.pop().expect("peeked");
            let mut r = Request::new(
                id,
                self.function,
                now,
                (d != u64::MAX).then_some(SimTime(d)),
            );
            r.origin = SimTime(origin);
            r.token = tries;
            r.retry = true;
            self.in_flight += 1;
            return Some(r);
        }
        None
    }

    fn throttled(
        &mut self,
        req: &Request,
        _reason: ThrottleReason,
        now: SimTime,
        notes: &mut Vec<Note>,
    ) -> AfterThrottle {
        self.in_flight -= 1;
        let tries = req.token;
        if tries < self.max_retries {
            // Full jitter: uniform in [0, min(cap, base × 2^tries)).
            let ceiling = self
                .backoff
                .saturating_mul(1u64 << tries.min(40))
                .min(CLIENT_BACKOFF_CAP.0);
            let wait = self.rng_jitter.random_range(0..ceiling.max(1));
            self.seq += 1;
            self.retries.push(Reverse((
                now.0 + wait,
                self.seq,
                req.origin.0,
                tries + 1,
                req.duration.map_or(u64::MAX, |d| d.0),
            )));
            AfterThrottle::Retried
        } else {
            notes.push(Note::Settled {
                arrival: req.origin,
                fate: Fate::Throttled,
            });
            AfterThrottle::Rejected
        }
    }

    fn finished(&mut self, inv: &Invocation, _now: SimTime, notes: &mut Vec<Note>) {
        self.in_flight -= 1;
        notes.push(Note::Settled {
            arrival: inv.origin,
            fate: Fate::Completed,
        });
    }

    fn rewake(&self, _now: SimTime) -> Option<SimTime> {
        earliest(
            self.arrivals.time(),
            self.retries.peek().map(|r| r.0.0),
            self.end,
        )
    }

    fn pending(&self) -> u64 {
        self.retries.len() as u64 + self.in_flight
    }
}

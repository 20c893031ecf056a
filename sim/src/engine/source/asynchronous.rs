//! [`AsyncQueue`]: Lambda's internal queue of asynchronous events (InvocationType=Event).
//!
//! An event is submitted as soon as it arrives. A throttled event waits and is tried again
//! after a backoff that doubles from [`ASYNC_THROTTLE_BACKOFF`] up to
//! [`ASYNC_THROTTLE_BACKOFF_MAX`]; an execution that ends in a function error (or a timeout)
//! is retried `max-retries` times, after [`ASYNC_RETRY_DELAYS`]. An event whose next try would
//! come later than `max-event-age` after it arrived, or that has no retry left, goes to the
//! on-failure destination ([`Fate::DeadLettered`]). No event is lost silently.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand_chacha::ChaCha8Rng;

use super::{AfterThrottle, Request, RequestSource, SourceId, Upcoming, backoff, earliest};
use crate::model::Arrivals;
use crate::model::trigger::{
    ASYNC_RETRY_DELAYS, ASYNC_THROTTLE_BACKOFF, ASYNC_THROTTLE_BACKOFF_MAX, AsyncTrigger,
};
use crate::observer::{Fate, Invocation, Note, Outcome, ThrottleReason};
use crate::time::SimTime;

#[derive(Clone, Copy, Debug)]
struct Event {
    arrival: u64,
    /// Function errors so far.
    errors: u32,
    /// Throttles so far.
    throttles: u32,
    /// Trace duration (u64::MAX when none).
    duration: u64,
}

/// Lambda's internal queue for one async trigger.
pub struct AsyncQueue {
    function: u32,
    arrivals: Upcoming,
    max_retries: u32,
    max_age: u64,
    events: Vec<Event>,
    free: Vec<u32>,
    /// Events waiting for their next try: `(due, seq, event)`.
    ready: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
    /// Unsettled events by arrival, for the oldest age: `(arrival, event)`; an event is
    /// unsettled while `live[event]`.
    oldest: BinaryHeap<Reverse<(u64, u32, u64)>>,
    /// Generation of each slot (validates `oldest` entries).
    generation: Vec<u64>,
    in_flight: u64,
    end: u64,
}

impl AsyncQueue {
    /// The async trigger `t` of function `function` with `arrivals` in `[0, window_end)`.
    pub fn new(
        function: u32,
        t: &AsyncTrigger,
        arrivals: &Arrivals,
        window_end: SimTime,
        rng: ChaCha8Rng,
    ) -> Self {
        AsyncQueue {
            function,
            arrivals: Upcoming::new(arrivals, window_end, rng),
            max_retries: t.max_retries,
            max_age: t.max_event_age.0,
            events: Vec::new(),
            free: Vec::new(),
            ready: BinaryHeap::new(),
            seq: 0,
            oldest: BinaryHeap::new(),
            generation: Vec::new(),
            in_flight: 0,
            end: window_end.0,
        }
    }

    fn queue_note(&mut self, notes: &mut Vec<Note>) {
        while let Some(Reverse((_, e, g))) = self.oldest.peek() {
            if self.generation[*e as usize] == *g {
                break;
            }
            self.oldest.pop();
        }
        notes.push(Note::Queue {
            waiting: self.ready.len() as u64,
            oldest: self.oldest.peek().map(|r| SimTime(r.0.0)),
        });
    }

    fn settle(&mut self, e: u32, fate: Fate, notes: &mut Vec<Note>) {
        let ev = self.events[e as usize];
        self.generation[e as usize] += 1;
        self.free.push(e);
        notes.push(Note::Settled {
            arrival: SimTime(ev.arrival),
            fate,
        });
    }

    /// Puts `e` back for a try at `due`, or dead-letters it when `due` is past its age.
    fn again(&mut self, e: u32, due: u64, notes: &mut Vec<Note>) {
        if due - self.events[e as usize].arrival > self.max_age {
            self.settle(e, Fate::DeadLettered, notes);
        } else {
            self.seq += 1;
            self.ready.push(Reverse((due, self.seq, e)));
        }
    }

    fn request(&self, id: SourceId, e: u32, now: SimTime) -> Request {
        let ev = &self.events[e as usize];
        let mut r = Request::new(
            id,
            self.function,
            now,
            (ev.duration != u64::MAX).then_some(SimTime(ev.duration)),
        );
        r.token = e;
        r.retry = ev.errors > 0;
        r
    }
}

impl AsyncQueue {
    /// Arrival of the event `r` runs: see [`super::Source::item_arrivals`].
    pub fn item_arrivals(&self, r: &Request) -> Vec<SimTime> {
        vec![SimTime(self.events[r.token as usize].arrival)]
    }
}

impl RequestSource for AsyncQueue {
    fn function(&self) -> u32 {
        self.function
    }

    fn advance(&mut self) -> Option<SimTime> {
        self.rewake(SimTime::ZERO)
    }

    fn wake(&mut self, id: SourceId, now: SimTime, notes: &mut Vec<Note>) -> Option<Request> {
        let due = self.ready.peek().map(|r| r.0.0);
        if let Some(d) = self.arrivals.take_if_due(now.0, due) {
            let ev = Event {
                arrival: now.0,
                errors: 0,
                throttles: 0,
                duration: d.map_or(u64::MAX, |d| d.0),
            };
            let e = match self.free.pop() {
                Some(e) => {
                    self.events[e as usize] = ev;
                    e
                }
                None => {
                    self.events.push(ev);
                    self.generation.push(0);
                    (self.events.len() - 1) as u32
                }
            };
            self.oldest
                .push(Reverse((now.0, e, self.generation[e as usize])));
            notes.push(Note::Arrived);
            self.in_flight += 1;
            self.queue_note(notes);
            return Some(self.request(id, e, now));
        }
        if due.is_some_and(|r| r <= now.0) {
            let Reverse((_, _, e)) = self.ready.pop().expect("peeked");
            self.in_flight += 1;
            self.queue_note(notes);
            return Some(self.request(id, e, now));
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
        let e = req.token;
        let ev = &mut self.events[e as usize];
        ev.throttles += 1;
        let wait = backoff(
            ev.throttles,
            ASYNC_THROTTLE_BACKOFF,
            ASYNC_THROTTLE_BACKOFF_MAX,
        );
        self.again(e, now.0 + wait, notes);
        self.queue_note(notes);
        AfterThrottle::Retried
    }

    fn finished(&mut self, inv: &Invocation, now: SimTime, notes: &mut Vec<Note>) {
        self.in_flight -= 1;
        let e = inv.token;
        if inv.outcome == Outcome::Success {
            self.settle(e, Fate::Completed, notes);
        } else {
            let ev = &mut self.events[e as usize];
            if ev.errors < self.max_retries {
                let delay = ASYNC_RETRY_DELAYS[(ev.errors as usize).min(1)].0;
                ev.errors += 1;
                self.again(e, now.0 + delay, notes);
            } else {
                self.settle(e, Fate::DeadLettered, notes);
            }
        }
        self.queue_note(notes);
    }

    fn rewake(&self, _now: SimTime) -> Option<SimTime> {
        earliest(
            self.arrivals.time(),
            self.ready.peek().map(|r| r.0.0),
            self.end,
        )
    }

    fn pending(&self) -> u64 {
        self.ready.len() as u64 + self.in_flight
    }
}

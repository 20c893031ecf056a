//! Request sources: where the requests of a function come from — one per trigger.
//!
//! A source is woken by the engine at the times it asks for (in the engine's wake-up queue)
//! and submits requests to admission; each request carries the [`SourceId`] of the source that
//! made it, and so does the [`Invocation`] it becomes. The kinds:
//!
//! - [`SyncArrivals`]: the synchronous arrivals of a wave-one function (the fast path: no
//!   notes, no hooks; results byte-identical to wave one).
//! - [`SyncClient`]: a sync trigger of an event-driven function: the same arrivals, plus
//!   client retries of throttled calls and per-trigger accounting.
//! - [`AsyncQueue`]: Lambda's internal queue of async events: throttle backoff, retries after
//!   function errors, maximum event age, on-failure destination.
//! - [`SqsPoller`]: an SQS queue and its event source mapping: batches, batching window,
//!   poller scaling, visibility timeout, redrive to a dead-letter queue, retention.
//! - [`StreamShards`]: a Kinesis or DynamoDB stream: shards × parallelization factor, in
//!   order per shard, a failed batch blocking its shard, retries, record age, bisection.
//!
//! The engine calls [`RequestSource::advance`] after every wake-up (the next time the source
//! wants to be woken), [`RequestSource::throttled`] when admission refuses a request and
//! [`RequestSource::finished`] when one of its invocations ends; after the last two it asks
//! [`RequestSource::rewake`] whether the source now wants an earlier wake-up. Sources report
//! what happens to their items (arrived, settled, queue length, SQS calls) as [`Note`]s, which
//! the engine hands to the observer ([`Observer::on_note`](crate::observer::Observer::on_note)).
//!
//! A source must never submit at or after the end of the window: what is still queued then is
//! reported as pending.

mod asynchronous;
mod driven;
mod sqs;
mod stream;
mod sync;

pub use asynchronous::AsyncQueue;
pub use driven::{DrivenSources, Submitted};
pub use sqs::SqsPoller;
pub use stream::StreamShards;
pub use sync::SyncClient;

use rand_chacha::ChaCha8Rng;

use crate::arrivals::ArrivalGen;
use crate::model::{Arrivals, Function, TriggerKind};
use crate::observer::{Invocation, Note, ThrottleReason};
use crate::rng::{Component, trigger_stream};
use crate::time::SimTime;

/// Index of a source in the engine: the triggers of every function, in function order then
/// trigger order.
pub type SourceId = u32;

/// A request submitted to admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The source that made it.
    pub source: SourceId,
    /// The function it invokes.
    pub function: u32,
    /// When it was submitted.
    pub arrival: SimTime,
    /// Execution time given by a trace, replacing a sample of the duration distribution.
    pub duration: Option<SimTime>,
    /// When the caller first tried (a sync client's retries keep it); else `arrival`.
    pub origin: SimTime,
    /// The source's own number for what runs (an event, a batch, a lane, a try count).
    pub token: u32,
    /// Records in it (1 unless it is a batch).
    pub records: u32,
    /// Time added to the execution, ns (per-record time of a batch).
    pub extra: u64,
    /// The execution is a retry of an earlier one that failed.
    pub retry: bool,
    /// `error-rate` applies to the invocation as a whole (false: the source draws per record).
    pub whole_error: bool,
}

impl Request {
    /// A plain request of `source` for `function` at `arrival`: one record, not a retry.
    #[inline(always)]
    pub fn new(
        source: SourceId,
        function: u32,
        arrival: SimTime,
        duration: Option<SimTime>,
    ) -> Self {
        Request {
            source,
            function,
            arrival,
            duration,
            origin: arrival,
            token: 0,
            records: 1,
            extra: 0,
            retry: false,
            whole_error: true,
        }
    }
}

/// What becomes of a request that admission refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterThrottle {
    /// It goes back to the caller as a throttle error: counted as throttled and reported with
    /// [`Observer::on_throttle`](crate::observer::Observer::on_throttle) (synchronous calls).
    Rejected,
    /// The source keeps it and tries again later (a queue, or a client that retries):
    /// reported with [`Observer::on_throttle_retry`](crate::observer::Observer::on_throttle_retry).
    Retried,
}

/// A source of requests: what a trigger kind implements.
///
/// The engine calls [`advance`](Self::advance) once at the start and after every wake-up, and
/// [`wake`](Self::wake) at the time `advance` returned. Sources draw their random numbers
/// from their own streams, so a source never shifts another's samples.
pub trait RequestSource {
    /// The function its requests invoke.
    fn function(&self) -> u32;

    /// Moves to the next wake-up and returns its time, or `None` when the source is exhausted.
    fn advance(&mut self) -> Option<SimTime>;

    /// The wake-up at `now` (the time the last [`advance`](Self::advance) returned): the
    /// request to submit now, if any.
    fn wake(&mut self, id: SourceId, now: SimTime, notes: &mut Vec<Note>) -> Option<Request>;

    /// Admission refused `request` for `reason` at `now`. Default: rejected, as a synchronous
    /// caller sees it.
    fn throttled(
        &mut self,
        _request: &Request,
        _reason: ThrottleReason,
        _now: SimTime,
        _notes: &mut Vec<Note>,
    ) -> AfterThrottle {
        AfterThrottle::Rejected
    }

    /// An invocation of this source ended at `now` (not called for [`SyncArrivals`]).
    fn finished(&mut self, _inv: &Invocation, _now: SimTime, _notes: &mut Vec<Note>) {}

    /// After [`throttled`](Self::throttled) or [`finished`](Self::finished): the earliest
    /// time the source now wants to be woken (without consuming anything).
    fn rewake(&self, _now: SimTime) -> Option<SimTime> {
        None
    }

    /// Items queued or in flight now (for conservation checks).
    fn pending(&self) -> u64 {
        0
    }

    /// The run ended at `end`: settle what expired before it.
    fn close(&mut self, _end: SimTime, _notes: &mut Vec<Note>) {}
}

/// The next arrival of a trigger, drawn ahead so that a source can weigh it against its own
/// timers (retries, visibility, batching windows): the arrival half every queued source shares.
pub(crate) struct Upcoming {
    generator: ArrivalGen,
    rng: ChaCha8Rng,
    next: Option<(u64, Option<SimTime>)>,
}

impl Upcoming {
    /// The arrivals of `arrivals` in `[0, window_end)`, drawing from `rng`; the first is drawn
    /// now.
    pub(crate) fn new(arrivals: &Arrivals, window_end: SimTime, mut rng: ChaCha8Rng) -> Self {
        let mut generator = ArrivalGen::new(arrivals, window_end);
        let next = generator.next(&mut rng).map(|a| (a.time.0, a.duration));
        Upcoming {
            generator,
            rng,
            next,
        }
    }

    /// Time of the next arrival, ns.
    pub(crate) fn time(&self) -> Option<u64> {
        self.next.map(|(t, _)| t)
    }

    /// Takes the next arrival when it is due at `now` and not after `other` (an arrival goes
    /// first on a tie), drawing the one after; returns its trace duration.
    pub(crate) fn take_if_due(&mut self, now: u64, other: Option<u64>) -> Option<Option<SimTime>> {
        let (t, d) = self.next?;
        if t > now || other.is_some_and(|o| o < t) {
            return None;
        }
        self.next = self
            .generator
            .next(&mut self.rng)
            .map(|a| (a.time.0, a.duration));
        Some(d)
    }
}

/// The wake-up a source gets after reacting to a throttle or an outcome at `now`: `rewake`
/// (what [`RequestSource::rewake`] asked for, never before `now`) when it is earlier than the
/// pending wake-up `scheduled` (ns, `u64::MAX` for none), else `None` (the pending one
/// stands). A source has one pending wake-up; an earlier one supersedes it.
#[inline]
pub fn sooner_wake(scheduled: u64, rewake: Option<SimTime>, now: SimTime) -> Option<u64> {
    let t = rewake?.0.max(now.0);
    (t < scheduled).then_some(t)
}

/// The earlier of the next arrival and a timer, the timer only when it falls before the end of
/// the window (no source submits after it).
pub(crate) fn earliest(arrival: Option<u64>, timer: Option<u64>, end: u64) -> Option<SimTime> {
    match (arrival, timer.filter(|&t| t < end)) {
        (Some(a), Some(t)) => Some(SimTime(a.min(t))),
        (a, t) => a.or(t).map(SimTime),
    }
}

/// Delay before the `n`-th try (n ≥ 1) of a throttled queued item: doubling from `first` up
/// to `max`.
pub(crate) fn backoff(n: u32, first: SimTime, max: SimTime) -> u64 {
    let shift = n.saturating_sub(1).min(40);
    first.0.saturating_mul(1u64 << shift).min(max.0)
}

/// The synchronous arrivals of one function (`[function.arrivals]`): one request per arrival,
/// throttled requests are rejected.
pub struct SyncArrivals {
    function: u32,
    generator: ArrivalGen,
    rng: ChaCha8Rng,
    /// Execution time given by the trace for the pending arrival.
    pending_duration: Option<SimTime>,
}

impl SyncArrivals {
    /// The arrivals of function `function` in the window `[0, window_end)`, drawing from `rng`
    /// (the function's arrival stream).
    pub fn new(function: u32, arrivals: &Arrivals, window_end: SimTime, rng: ChaCha8Rng) -> Self {
        SyncArrivals {
            function,
            generator: ArrivalGen::new(arrivals, window_end),
            rng,
            pending_duration: None,
        }
    }
}

impl SyncArrivals {
    /// The request of the wake-up at `now` (what [`RequestSource::wake`] returns, without
    /// notes: the engine's fast path).
    #[inline(always)]
    pub fn next_request(&mut self, id: SourceId, now: SimTime) -> Request {
        Request::new(id, self.function, now, self.pending_duration.take())
    }
}

impl RequestSource for SyncArrivals {
    #[inline]
    fn function(&self) -> u32 {
        self.function
    }

    #[inline]
    fn advance(&mut self) -> Option<SimTime> {
        let a = self.generator.next(&mut self.rng)?;
        self.pending_duration = a.duration;
        Some(a.time)
    }

    #[inline]
    fn wake(&mut self, id: SourceId, now: SimTime, _notes: &mut Vec<Note>) -> Option<Request> {
        Some(self.next_request(id, now))
    }
}

/// Every source kind (static dispatch: the engine's hot loop calls these methods once per
/// request). The wave-one variant stays inline (it is the hot path, one per request); the
/// others are boxed.
#[allow(clippy::large_enum_variant)]
pub enum Source {
    /// Synchronous arrivals of a wave-one function.
    Sync(SyncArrivals),
    /// A sync trigger of an event-driven function (boxed, as the other kinds: their state is
    /// large, and only the wave-one path is hot).
    Client(Box<SyncClient>),
    /// An async trigger.
    Async(Box<AsyncQueue>),
    /// An SQS trigger.
    Sqs(Box<SqsPoller>),
    /// A stream trigger.
    Stream(Box<StreamShards>),
}

impl Source {
    /// The arrival times of the items in request `r`, which this source just submitted (call
    /// before the source reacts to anything else): the call (its first try), the async event,
    /// or the batch's messages or records in order. An item keeps its arrival through retries
    /// and redeliveries, so it names the item: what lets a driver send a redelivered message
    /// with the body and id it had.
    pub fn item_arrivals(&self, r: &Request) -> Vec<SimTime> {
        match self {
            Source::Sync(_) => vec![r.arrival],
            Source::Client(s) => s.item_arrivals(r),
            Source::Async(s) => s.item_arrivals(r),
            Source::Sqs(s) => s.item_arrivals(r),
            Source::Stream(s) => s.item_arrivals(r),
        }
    }

    /// The source of trigger `j` of `f` (function `function` of the run) for a run of seed
    /// `seed` over `[0, window)`, drawing from the trigger's own streams: a wave-one function's
    /// sync arrivals take the fast path ([`SyncArrivals`]); the sync trigger of an event-driven
    /// function is a [`SyncClient`].
    pub fn for_trigger(
        f: &Function,
        function: u32,
        j: usize,
        seed: u64,
        window: SimTime,
    ) -> Source {
        let t = &f.triggers[j];
        let rng = |c| trigger_stream(seed, &f.name, j, &t.name, c);
        match &t.kind {
            TriggerKind::Sync(_) if !f.event_driven() => Source::Sync(SyncArrivals::new(
                function,
                &t.arrivals,
                window,
                rng(Component::Arrivals),
            )),
            TriggerKind::Sync(c) => Source::Client(Box::new(SyncClient::new(
                function,
                c,
                &t.arrivals,
                window,
                rng(Component::Arrivals),
                rng(Component::Retries),
            ))),
            TriggerKind::Async(a) => Source::Async(Box::new(AsyncQueue::new(
                function,
                a,
                &t.arrivals,
                window,
                rng(Component::Arrivals),
            ))),
            TriggerKind::Sqs(q) => Source::Sqs(Box::new(SqsPoller::new(
                function,
                q,
                &t.arrivals,
                window,
                rng(Component::Arrivals),
                f.error_rate,
                rng(Component::RecordErrors),
            ))),
            TriggerKind::Stream(st) => Source::Stream(Box::new(StreamShards::new(
                function,
                st,
                &t.arrivals,
                window,
                rng(Component::Arrivals),
            ))),
        }
    }
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Source::Sync($s) => $e,
            Source::Client($s) => $e,
            Source::Async($s) => $e,
            Source::Sqs($s) => $e,
            Source::Stream($s) => $e,
        }
    };
}

impl RequestSource for Source {
    #[inline]
    fn function(&self) -> u32 {
        each!(self, s => s.function())
    }

    #[inline]
    fn advance(&mut self) -> Option<SimTime> {
        each!(self, s => s.advance())
    }

    #[inline]
    fn wake(&mut self, id: SourceId, now: SimTime, notes: &mut Vec<Note>) -> Option<Request> {
        each!(self, s => s.wake(id, now, notes))
    }

    #[inline]
    fn throttled(
        &mut self,
        request: &Request,
        reason: ThrottleReason,
        now: SimTime,
        notes: &mut Vec<Note>,
    ) -> AfterThrottle {
        each!(self, s => s.throttled(request, reason, now, notes))
    }

    #[inline]
    fn finished(&mut self, inv: &Invocation, now: SimTime, notes: &mut Vec<Note>) {
        each!(self, s => s.finished(inv, now, notes))
    }

    fn rewake(&self, now: SimTime) -> Option<SimTime> {
        each!(self, s => s.rewake(now))
    }

    fn pending(&self) -> u64 {
        each!(self, s => s.pending())
    }

    fn close(&mut self, end: SimTime, notes: &mut Vec<Note>) {
        each!(self, s => s.close(end, notes))
    }
}

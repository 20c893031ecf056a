//! Request sources: where the requests of a function come from.
//!
//! A source is woken by the engine at the times it asks for (one pending wake-up per source,
//! in the engine's arrival queue) and submits requests to admission; each request carries the
//! [`SourceId`] of the source that made it, and so does the [`Invocation`] it becomes, so that
//! retries, queues and errors can be attached to their trigger.
//!
//! Today every function has exactly one source, [`SyncArrivals`] (its synchronous arrivals),
//! and source `i` belongs to function `i`. A new trigger kind (async queue, SQS poller, stream,
//! schedule — spec section 5) is a new type implementing [`RequestSource`] plus one variant of
//! [`Source`]: it decides when to wake up, what to submit at each wake-up and what becomes of a
//! request that admission refused ([`RequestSource::throttled`]).
//!
//! A source that must react to how its invocations end (async retries, SQS deletes and
//! redeliveries, stream checkpoints) needs one more hook, `finished(&Invocation)`, called from
//! the engine's completion handler for the invocation's [`Invocation::source`]. It is left out
//! while no source uses it: even behind a per-engine flag the call cost about 6 instructions
//! per invocation (valgrind), a measurable share of the engine's speed.

use rand_chacha::ChaCha8Rng;

use crate::arrivals::ArrivalGen;
use crate::model::Arrivals;
#[cfg(doc)]
use crate::observer::Invocation;
use crate::observer::ThrottleReason;
use crate::time::SimTime;

/// Index of a source in the engine (today the index of its function).
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
}

/// What becomes of a request that admission refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterThrottle {
    /// It goes back to the caller as a throttle error: counted as throttled and reported with
    /// [`Observer::on_throttle`](crate::observer::Observer::on_throttle) (synchronous calls).
    Rejected,
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
    fn wake(&mut self, id: SourceId, now: SimTime) -> Option<Request>;

    /// Admission refused `request` for `reason`. Default: rejected, as a synchronous caller
    /// sees it.
    fn throttled(&mut self, _request: &Request, _reason: ThrottleReason) -> AfterThrottle {
        AfterThrottle::Rejected
    }
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
    fn wake(&mut self, id: SourceId, now: SimTime) -> Option<Request> {
        Some(Request {
            source: id,
            function: self.function,
            arrival: now,
            duration: self.pending_duration.take(),
        })
    }
}

/// Every source kind (static dispatch: the engine's hot loop calls these methods once per
/// request).
pub enum Source {
    /// Synchronous arrivals.
    Sync(SyncArrivals),
}

impl RequestSource for Source {
    #[inline]
    fn function(&self) -> u32 {
        match self {
            Source::Sync(s) => s.function(),
        }
    }

    #[inline]
    fn advance(&mut self) -> Option<SimTime> {
        match self {
            Source::Sync(s) => s.advance(),
        }
    }

    #[inline]
    fn wake(&mut self, id: SourceId, now: SimTime) -> Option<Request> {
        match self {
            Source::Sync(s) => s.wake(id, now),
        }
    }

    #[inline]
    fn throttled(&mut self, request: &Request, reason: ThrottleReason) -> AfterThrottle {
        match self {
            Source::Sync(s) => s.throttled(request, reason),
        }
    }
}

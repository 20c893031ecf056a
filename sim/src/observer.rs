//! Observers: what the engine tells the outside world. The engine knows nothing of histograms
//! or files; recorders implement [`Observer`] and keep what they need.

use crate::time::SimTime;

/// Why a request was throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThrottleReason {
    /// The function's reserved concurrency was in use.
    Reserved,
    /// The account's unreserved pool was in use.
    Account,
    /// No new environment could be created this fast (scaling rate).
    ScalingRate,
    /// Lambda Managed Instances: every environment was running `max-concurrency` requests.
    Capacity,
}

/// How an invocation ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The handler returned normally.
    #[default]
    Success,
    /// The handler ran its full duration and returned an error (billed like a success; the
    /// environment is kept).
    FunctionError,
    /// The invocation hit the function's timeout (billed up to the timeout; the environment is
    /// discarded).
    Timeout,
}

/// What finally became of an item (a sync call, an async event, an SQS message, a stream
/// record).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fate {
    /// It ran to its end: for a sync call whatever the outcome (the caller got the answer or
    /// the error); for a queued item successfully.
    Completed,
    /// A sync call throttled on its last try.
    Throttled,
    /// Sent to the on-failure destination or dead-letter queue: out of retries (async, SQS
    /// `max-receive-count`, stream `max-retries`) or, for async events, out of age.
    DeadLettered,
    /// Lost to age: SQS `retention`, stream `max-record-age`.
    Expired,
}

/// What a request source reports about its items, for per-trigger statistics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Note {
    /// One item arrived.
    Arrived,
    /// One item ended with `fate`; it arrived at `arrival` (end-to-end latency is `t − arrival`).
    Settled {
        /// When the item arrived.
        arrival: SimTime,
        /// What became of it.
        fate: Fate,
    },
    /// The queue changed: items waiting (not in flight), and the arrival of the oldest item
    /// not yet settled (waiting or in flight).
    Queue {
        /// Items waiting.
        waiting: u64,
        /// Arrival of the oldest unsettled item.
        oldest: Option<SimTime>,
    },
    /// Records of a batch that failed on their own (SQS with `report-batch-item-failures`).
    RecordErrors(u32),
    /// SQS API requests the mapping's pollers made (receives with messages, deletes).
    SqsRequests(u32),
    /// Long-polling connections now waiting on an empty queue (each makes one empty receive
    /// per [`SQS_LONG_POLL`](crate::model::trigger::SQS_LONG_POLL)).
    Polling(u32),
    /// Provisioned event pollers now running.
    Pollers(u32),
}

/// One finished invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// Index of the function in the scenario.
    pub function: u32,
    /// The request source (trigger) it came from: an index into the engine's sources, one per
    /// function today, in function order (see [`crate::engine::source`]).
    pub source: u32,
    /// When the request arrived.
    pub arrival: SimTime,
    /// Init (or SnapStart restore) time before execution; zero when warm.
    pub init: SimTime,
    /// Execution time (the timeout when it timed out).
    pub exec: SimTime,
    /// It started a new environment.
    pub cold: bool,
    /// It ran on a provisioned environment.
    pub provisioned: bool,
    /// It hit the function's timeout: the same as `outcome == Outcome::Timeout`, set from it.
    pub timed_out: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// When the caller first tried (before client retries); `arrival` otherwise.
    pub origin: SimTime,
    /// The source's own number for it (see [`crate::engine::Request::token`]).
    pub token: u32,
    /// Records it processed (1 unless a batch).
    pub records: u32,
    /// It was a retry of an execution that failed.
    pub retry: bool,
    /// The environment that ran it: its slot and when it was created (slots are reused, the
    /// pair is unique within a run); `(u32::MAX, 0)` on Lambda Managed Instances, whose
    /// requests share the environments of a fleet.
    pub environment: (u32, SimTime),
}

impl Invocation {
    /// Latency of the invocation: init (if cold) plus execution.
    pub fn latency(&self) -> SimTime {
        self.init + self.exec
    }

    /// Latency seen by a synchronous caller: from its first try (client retries included) to
    /// the end of the execution.
    pub fn caller_latency(&self) -> SimTime {
        (self.arrival - self.origin) + self.init + self.exec
    }
}

/// Environment counts of one function at an instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// All live environments (initializing, busy, idle).
    pub total: u32,
    /// Initializing or running an invocation.
    pub busy: u32,
    /// Provisioned environments among `total`.
    pub provisioned: u32,
    /// Provisioned concurrency configured right now.
    pub provisioned_configured: u32,
    /// Lambda Managed Instances: EC2 instances running now (launching ones included); 0 for
    /// on-demand functions.
    pub instances: u32,
}

/// Hooks called by the engine, in simulated-time order. Every method has a no-op default.
pub trait Observer {
    /// A request arrived for `function`.
    fn on_arrival(&mut self, _t: SimTime, _function: u32) {}
    /// A request was throttled at its arrival.
    fn on_throttle(&mut self, _t: SimTime, _function: u32, _reason: ThrottleReason) {}
    /// A request was throttled and its source will try again (queued kinds, client retries).
    fn on_throttle_retry(
        &mut self,
        _t: SimTime,
        _function: u32,
        _source: u32,
        _reason: ThrottleReason,
    ) {
    }
    /// A request source reported `note` about one of its items.
    fn on_note(&mut self, _t: SimTime, _function: u32, _source: u32, _note: &Note) {}
    /// A new on-demand environment started initializing for a request (a cold start).
    fn on_cold_start(&mut self, _t: SimTime, _function: u32, _init: SimTime) {}
    /// An invocation finished (`t` is its end), whatever its outcome; the hook of its outcome
    /// ([`on_success`](Self::on_success), [`on_function_error`](Self::on_function_error) or
    /// [`on_timeout`](Self::on_timeout)) is called right after.
    fn on_complete(&mut self, _t: SimTime, _inv: &Invocation) {}
    /// The invocation that just completed succeeded.
    fn on_success(&mut self, _t: SimTime, _inv: &Invocation) {}
    /// The invocation that just completed ended in a function error.
    fn on_function_error(&mut self, _t: SimTime, _inv: &Invocation) {}
    /// The invocation that just completed hit its timeout.
    fn on_timeout(&mut self, _t: SimTime, _inv: &Invocation) {}
    /// An environment was reclaimed (expired, recycled, discarded or deprovisioned).
    fn on_reclaim(&mut self, _t: SimTime, _function: u32, _provisioned: bool) {}
    /// The environment counts of `function` changed; called after every change.
    fn on_counts(&mut self, _t: SimTime, _function: u32, _counts: Counts) {}
    /// The account's unreserved concurrency in use (on-demand executions and provisioned
    /// environments of functions without reserved concurrency) became `in_use`; called after
    /// every change (see [`crate::shard`]).
    fn on_unreserved_use(&mut self, _t: SimTime, _in_use: u32) {}
    /// The run ended at `t` (every invocation has finished).
    fn on_end(&mut self, _t: SimTime) {}
}

/// An observer that records nothing.
impl Observer for () {}

impl<A: Observer, B: Observer> Observer for (A, B) {
    fn on_arrival(&mut self, t: SimTime, f: u32) {
        self.0.on_arrival(t, f);
        self.1.on_arrival(t, f);
    }
    fn on_throttle(&mut self, t: SimTime, f: u32, r: ThrottleReason) {
        self.0.on_throttle(t, f, r);
        self.1.on_throttle(t, f, r);
    }
    fn on_throttle_retry(&mut self, t: SimTime, f: u32, s: u32, r: ThrottleReason) {
        self.0.on_throttle_retry(t, f, s, r);
        self.1.on_throttle_retry(t, f, s, r);
    }
    fn on_note(&mut self, t: SimTime, f: u32, s: u32, n: &Note) {
        self.0.on_note(t, f, s, n);
        self.1.on_note(t, f, s, n);
    }
    fn on_cold_start(&mut self, t: SimTime, f: u32, init: SimTime) {
        self.0.on_cold_start(t, f, init);
        self.1.on_cold_start(t, f, init);
    }
    fn on_complete(&mut self, t: SimTime, inv: &Invocation) {
        self.0.on_complete(t, inv);
        self.1.on_complete(t, inv);
    }
    fn on_success(&mut self, t: SimTime, inv: &Invocation) {
        self.0.on_success(t, inv);
        self.1.on_success(t, inv);
    }
    fn on_function_error(&mut self, t: SimTime, inv: &Invocation) {
        self.0.on_function_error(t, inv);
        self.1.on_function_error(t, inv);
    }
    fn on_timeout(&mut self, t: SimTime, inv: &Invocation) {
        self.0.on_timeout(t, inv);
        self.1.on_timeout(t, inv);
    }
    fn on_reclaim(&mut self, t: SimTime, f: u32, p: bool) {
        self.0.on_reclaim(t, f, p);
        self.1.on_reclaim(t, f, p);
    }
    fn on_counts(&mut self, t: SimTime, f: u32, c: Counts) {
        self.0.on_counts(t, f, c);
        self.1.on_counts(t, f, c);
    }
    fn on_unreserved_use(&mut self, t: SimTime, in_use: u32) {
        self.0.on_unreserved_use(t, in_use);
        self.1.on_unreserved_use(t, in_use);
    }
    fn on_end(&mut self, t: SimTime) {
        self.0.on_end(t);
        self.1.on_end(t);
    }
}

/// An observer that may be absent (e.g. the time series, recorded only for `--out`).
impl<O: Observer> Observer for Option<O> {
    fn on_arrival(&mut self, t: SimTime, f: u32) {
        if let Some(o) = self {
            o.on_arrival(t, f);
        }
    }
    fn on_throttle(&mut self, t: SimTime, f: u32, r: ThrottleReason) {
        if let Some(o) = self {
            o.on_throttle(t, f, r);
        }
    }
    fn on_throttle_retry(&mut self, t: SimTime, f: u32, s: u32, r: ThrottleReason) {
        if let Some(o) = self {
            o.on_throttle_retry(t, f, s, r);
        }
    }
    fn on_note(&mut self, t: SimTime, f: u32, s: u32, n: &Note) {
        if let Some(o) = self {
            o.on_note(t, f, s, n);
        }
    }
    fn on_cold_start(&mut self, t: SimTime, f: u32, init: SimTime) {
        if let Some(o) = self {
            o.on_cold_start(t, f, init);
        }
    }
    fn on_complete(&mut self, t: SimTime, inv: &Invocation) {
        if let Some(o) = self {
            o.on_complete(t, inv);
        }
    }
    fn on_success(&mut self, t: SimTime, inv: &Invocation) {
        if let Some(o) = self {
            o.on_success(t, inv);
        }
    }
    fn on_function_error(&mut self, t: SimTime, inv: &Invocation) {
        if let Some(o) = self {
            o.on_function_error(t, inv);
        }
    }
    fn on_timeout(&mut self, t: SimTime, inv: &Invocation) {
        if let Some(o) = self {
            o.on_timeout(t, inv);
        }
    }
    fn on_reclaim(&mut self, t: SimTime, f: u32, p: bool) {
        if let Some(o) = self {
            o.on_reclaim(t, f, p);
        }
    }
    fn on_counts(&mut self, t: SimTime, f: u32, c: Counts) {
        if let Some(o) = self {
            o.on_counts(t, f, c);
        }
    }
    fn on_unreserved_use(&mut self, t: SimTime, in_use: u32) {
        if let Some(o) = self {
            o.on_unreserved_use(t, in_use);
        }
    }
    fn on_end(&mut self, t: SimTime) {
        if let Some(o) = self {
            o.on_end(t);
        }
    }
}

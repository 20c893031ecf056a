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
}

impl Invocation {
    /// Latency seen by the caller: init (if cold) plus execution.
    pub fn latency(&self) -> SimTime {
        self.init + self.exec
    }
}

/// Environment counts of one function at an instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// All live environments (initializing, busy, idle).
    pub total: u32,
    /// Initializing or running an invocation.
    pub busy: u32,
    /// Provisioned environments among `total`.
    pub provisioned: u32,
    /// Provisioned concurrency configured right now.
    pub provisioned_configured: u32,
}

/// Hooks called by the engine, in simulated-time order. Every method has a no-op default.
pub trait Observer {
    /// A request arrived for `function`.
    fn on_arrival(&mut self, _t: SimTime, _function: u32) {}
    /// A request was throttled at its arrival.
    fn on_throttle(&mut self, _t: SimTime, _function: u32, _reason: ThrottleReason) {}
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
    fn on_end(&mut self, t: SimTime) {
        self.0.on_end(t);
        self.1.on_end(t);
    }
}

//! The outcome model: how long an invocation's init and execution take and how it ends —
//! success, function error or timeout.
//!
//! A function error runs its full duration, is billed like a success and keeps its
//! environment; a timeout ends at the timeout and discards the environment. The error
//! probability is 0 unless [`Engine::set_error_rate`](super::Engine::set_error_rate) sets it
//! (the workload key `error-rate`, spec section 5); at 0 no random number is drawn, so
//! runs without errors are unchanged. Error draws use their own stream
//! ([`Component::Errors`]).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::dist::Sampler;
use crate::model::Function;
use crate::observer::Outcome;
use crate::rng::{Component, stream};
use crate::time::SimTime;

/// Init and execution times and outcomes of one function.
pub(crate) struct OutcomeModel {
    rng_duration: ChaCha8Rng,
    rng_init: ChaCha8Rng,
    duration: Sampler,
    init: Sampler,
    /// Trace durations are scaled like samples of the duration distribution.
    trace_factor: f64,
    timeout: u64,
    /// Executions at least this long take the slow path, which checks the timeout and draws
    /// errors: the timeout when there are no errors, else 0 (so the common case costs one
    /// comparison, as before errors existed).
    slow_from: u64,
    /// Probability that an invocation that did not time out ends in a function error.
    error_rate: f64,
    /// Stream of the error draws (created when `error_rate` is set above 0).
    rng_errors: Option<ChaCha8Rng>,
}

impl OutcomeModel {
    /// The model of function `f`, its streams derived from `seed`.
    pub(crate) fn new(f: &Function, seed: u64) -> Self {
        let init_model = if f.snapstart {
            f.restore.as_ref().unwrap_or(&f.init)
        } else {
            &f.init
        };
        // On managed instances a request running alone has the environment's vCPUs.
        let trace_factor = match f.compute.managed() {
            None => f
                .duration
                .scale_factor(f.memory_mb, f.architecture, f.arm64_speedup),
            Some(m) => f.duration.scale_factor_at_vcpus(
                m.env_vcpus as f64,
                f.architecture,
                f.arm64_speedup,
            ),
        };
        OutcomeModel {
            rng_duration: stream(seed, &f.name, Component::Duration),
            rng_init: stream(seed, &f.name, Component::Init),
            duration: Sampler::with_factor(&f.duration, trace_factor),
            init: Sampler::new(init_model, f.memory_mb, f.architecture, f.arm64_speedup),
            trace_factor,
            timeout: f.timeout.0,
            slow_from: f.timeout.0,
            error_rate: 0.0,
            rng_errors: None,
        }
    }

    /// Sets the probability of a function error; its stream is that of function `name` under
    /// `seed`.
    pub(crate) fn set_error_rate(&mut self, p: f64, seed: u64, name: &str) {
        self.error_rate = p;
        self.rng_errors = (p > 0.0).then(|| stream(seed, name, Component::Errors));
        self.slow_from = if p > 0.0 { 0 } else { self.timeout };
    }

    /// A sample of the init (or SnapStart restore) time, nanoseconds.
    #[inline]
    pub(crate) fn init(&mut self) -> u64 {
        self.init.sample(&mut self.rng_init).0
    }

    /// The execution time and outcome of an invocation: the trace's duration (scaled) when
    /// given, else a sample, plus `extra` (per-record time); cut at the timeout. With
    /// `whole_error` false the error rate is not drawn here (the source draws it per record).
    #[inline]
    pub(crate) fn execute(
        &mut self,
        trace_duration: Option<SimTime>,
        extra: u64,
        whole_error: bool,
    ) -> (u64, Outcome) {
        let exec = self.work(trace_duration, extra);
        self.settle(exec, whole_error)
    }

    /// The execution time of an invocation that runs alone: the trace's duration (scaled)
    /// when given, else a sample, plus `extra`; not yet cut at the timeout.
    #[inline]
    pub(crate) fn work(&mut self, trace_duration: Option<SimTime>, extra: u64) -> u64 {
        (match trace_duration {
            Some(d) => SimTime::from_nanos_f64(d.0 as f64 * self.trace_factor).0,
            // Cut at the timeout by `settle`, which bounds it far more tightly than the cap.
            None => self.duration.sample_uncapped(&mut self.rng_duration).0,
        }) + extra
    }

    /// How an execution that took `exec` ends, and the time it is reported with (cut at the
    /// timeout).
    #[inline]
    pub(crate) fn settle(&mut self, exec: u64, whole_error: bool) -> (u64, Outcome) {
        if exec >= self.slow_from {
            self.end(exec, whole_error)
        } else {
            (exec, Outcome::Success)
        }
    }

    /// How an execution of `exec` ends: a timeout, else a function error with probability
    /// `error_rate` (drawn only when it is above 0 and applies), else a success.
    #[cold]
    fn end(&mut self, exec: u64, whole_error: bool) -> (u64, Outcome) {
        if exec > self.timeout {
            (self.timeout, Outcome::Timeout)
        } else if whole_error
            && let Some(rng) = &mut self.rng_errors
            && rng.random_bool(self.error_rate)
        {
            (exec, Outcome::FunctionError)
        } else {
            (exec, Outcome::Success)
        }
    }
}

//! The discrete-event engine: request sources, admission, execution environments, outcomes.
//!
//! Time is integer nanoseconds; the event queue pops `(time, insertion order)`, so events at
//! equal times run in the order they were scheduled. The engine reports everything to an
//! [`Observer`] and keeps no statistics of its own beyond what the model needs.
//!
//! ```
//! use lamsim_sim::engine::Engine;
//! use lamsim_sim::testing::simple_scenario;
//! let scenario = simple_scenario(10.0, 100.0, "10m", "1h");
//! let mut engine = Engine::new(&scenario, scenario.simulation.seed, ());
//! engine.run();
//! let s = engine.stats();
//! assert_eq!(s.arrivals, s.completed + s.throttled);
//! ```
//!
//! # The path of a request, and the seams
//!
//! 1. **Sources** ([`source`]): a [`RequestSource`] wakes up at the times it asks for and
//!    submits [`Request`]s, each tagged with its [`SourceId`]. Today each function has one
//!    source, its synchronous arrivals ([`SyncArrivals`]).
//! 2. **Admission** (`admission.rs`): an idle provisioned environment takes the request at
//!    once; otherwise reserved concurrency or the account's unreserved pool, then (for a new
//!    environment) the scaling rate — per function, legacy burst or unlimited — may refuse it.
//!    A refused request goes back to its source ([`RequestSource::throttled`]), which says what
//!    becomes of it (a sync call is rejected: [`Observer::on_throttle`]).
//! 3. **Environments** (`pool.rs`): an idle on-demand environment chosen by the routing policy,
//!    or a new one that initializes first (a cold start). After the invocation the environment
//!    stays idle until keep-alive or `max-lifetime` ends (then it is reclaimed), or is reused.
//!    Provisioned environments follow the configured step function, are created ready and never
//!    expire while provisioned.
//! 4. **Outcome** (`outcome.rs`): the execution time (a sample, or the trace's duration) and
//!    how it ends — [`Outcome::Success`], [`Outcome::FunctionError`] (probability set by
//!    [`Engine::set_error_rate`], 0 by default, drawing no random number at 0) or
//!    [`Outcome::Timeout`]. Observers get [`Observer::on_complete`] and then the hook of the
//!    outcome ([`Observer::on_success`], [`Observer::on_function_error`],
//!    [`Observer::on_timeout`]); the [`Invocation`] names its source.
//!
//! To add a trigger kind (async queue, SQS poller, stream, schedule): implement
//! [`RequestSource`] for its state, add a variant to [`Source`] (and its arms in the `match`es
//! of `impl RequestSource for Source`), and build it in [`Engine::new`]; new reactions to a
//! throttle (re-queue, retry later) are new [`AfterThrottle`] variants handled in
//! `Engine::throttle`; a source that reacts to outcomes (retries, redeliveries) also needs the
//! `finished` hook described in [`source`]. Admission, environments and outcomes do not change.
//!
//! Every random component draws from its own stream ([`crate::rng`]): arrivals by source,
//! durations, inits, keep-alive, routing and errors by function.

mod admission;
mod autoscaling;
mod managed;
pub(crate) mod outcome;
mod pool;
pub mod source;

pub use admission::{LEGACY_RATE_PER_MIN, SCALING_BURST, SCALING_WINDOW, legacy_burst};
pub use managed::SCALE_IN_PERIODS;
pub use source::{
    AfterThrottle, AsyncQueue, Request, RequestSource, Source, SourceId, SqsPoller, StreamShards,
    SyncArrivals, SyncClient,
};

use crate::heap::EventQueue;
use crate::model::Scenario;
use crate::observer::{Counts, Invocation, Note, Observer, Outcome, ThrottleReason};
use crate::time::SimTime;

use crate::model::capacity::METRIC_PERIOD;
use admission::{AccountLimits, FnLimits};
use autoscaling::PcScaler;
use managed::{Fleet, Flight};
use outcome::OutcomeModel;
use pool::{EnvState, Environments, FnPool};

#[derive(Clone, Copy, Debug)]
enum Event {
    InitDone(u32),
    Complete(u32),
    Expire(u32),
    Provision(u32, u32),
    /// Provisioned auto scaling closes a datapoint of function `f`.
    Scale(u32),
    /// A provisioned environment added by a scale-out finished its init.
    ProvReady(u32),
    /// Managed instances: the scaler of function `f` closes a period.
    FleetScale(u32),
    /// Managed instances: `n` launched environments of function `f` take requests.
    FleetReady(u32, u32),
    /// Managed instances: the next completion on environment `e` of function `f`, of a
    /// generation (stale when the environment's load changed since).
    FleetDone(u32, u32, u32),
}

/// The per-function state: its side of admission, its environments, its outcome model.
struct FnState {
    limits: FnLimits,
    pool: FnPool,
    outcome: OutcomeModel,
    /// `[function.provisioned-autoscaling]`.
    scaler: Option<Box<PcScaler>>,
    /// `compute = "managed-instances"`: the function runs here, not in `pool`.
    fleet: Option<Box<Fleet>>,
}

/// Counters the engine keeps for conservation checks (whole run, not just the window).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EngineStats {
    /// Requests that arrived.
    pub arrivals: u64,
    /// Requests that finished.
    pub completed: u64,
    /// Requests that were throttled.
    pub throttled: u64,
    /// Requests running (or initializing) now.
    pub in_flight: u64,
    /// Events processed.
    pub events: u64,
    /// Environments created (on-demand and provisioned).
    pub environments_created: u64,
}

impl std::ops::AddAssign for EngineStats {
    /// Adds the counters of another run (shards of one run add up to it).
    fn add_assign(&mut self, o: EngineStats) {
        self.arrivals += o.arrivals;
        self.completed += o.completed;
        self.throttled += o.throttled;
        self.in_flight += o.in_flight;
        self.events += o.events;
        self.environments_created += o.environments_created;
    }
}

/// The simulator of one replicate.
pub struct Engine<'s, O: Observer> {
    scenario: &'s Scenario,
    seed: u64,
    now: u64,
    end: u64,
    /// Everything but source wake-ups.
    queue: EventQueue<Event>,
    /// The next wake-up of each source (one pending per source), kept apart so the busy main
    /// queue stays small; both queues share `seq`, so the FIFO tie rule is global.
    wakeups: EventQueue<SourceId>,
    seq: u64,
    sources: Vec<Source>,
    /// The pending wake-up of each source (`u64::MAX`: none); entries of `wakeups` at another
    /// time are stale and skipped.
    scheduled: Vec<u64>,
    /// Some source reacts to throttles and outcomes (any trigger of an event-driven function).
    noting: bool,
    /// Notes of the source being called, handed to the observer after the call.
    notes: Vec<Note>,
    fns: Vec<FnState>,
    envs: Environments,
    account: AccountLimits,
    stats: EngineStats,
    observer: O,
}

impl<'s, O: Observer> Engine<'s, O> {
    /// An engine for `scenario` whose random streams derive from `seed`, reporting to
    /// `observer`.
    pub fn new(scenario: &'s Scenario, seed: u64, observer: O) -> Self {
        let end = scenario.simulation.duration.0;
        let mut queue = EventQueue::default();
        let mut wakeups = EventQueue::default();
        let mut seq = 0u64;
        let mut fns = Vec::with_capacity(scenario.functions.len());
        let mut sources = Vec::with_capacity(scenario.functions.len());
        let mut scheduled = Vec::new();
        let mut noting = false;
        let window = scenario.simulation.duration;
        for (i, f) in scenario.functions.iter().enumerate() {
            // Auto scaling starts at `min`, ready before the first arrival, and closes a datapoint every minute.
            let scaler = f.provisioned_autoscaling.as_ref().map(|a| {
                let sc = PcScaler::new(f, a, seed);
                queue.push_with_seq(0, seq, Event::Provision(i as u32, sc.initial()));
                queue.push_with_seq(METRIC_PERIOD.0, seq + 1, Event::Scale(i as u32));
                seq += 2;
                Box::new(sc)
            });
            // Managed instances start with `min-environments`, ready before the first arrival.
            let fleet = f.compute.managed().map(|m| {
                let mut fl = Fleet::new(f, m);
                fl.pending = fl.min_environments();
                queue.push_with_seq(0, seq, Event::FleetReady(i as u32, fl.pending));
                queue.push_with_seq(METRIC_PERIOD.0, seq + 1, Event::FleetScale(i as u32));
                seq += 2;
                Box::new(fl)
            });
            // Provisioned concurrency as a step function; equal times keep the last target. Each
            // step is queued before the function's sources, so that it is in place before a
            // request arriving at the same instant (as auto scaling's and managed instances'
            // first capacity is).
            let mut steps: Vec<(u64, u32)> = Vec::new();
            let mut windows = f.provisioned.clone();
            windows.sort_by_key(|w| w.start);
            for w in &windows {
                steps.push((w.start.0, w.count));
                if w.end != SimTime::MAX {
                    steps.push((w.end.0, 0));
                }
            }
            steps.sort_by_key(|s| s.0);
            let mut j = 0;
            while j < steps.len() {
                let mut k = j;
                while k + 1 < steps.len() && steps[k + 1].0 == steps[j].0 {
                    k += 1;
                }
                queue.push_with_seq(steps[k].0, seq, Event::Provision(i as u32, steps[k].1));
                seq += 1;
                j = k + 1;
            }
            // One source per trigger; a wave-one function's sync arrivals take the fast path.
            let event_driven = f.event_driven();
            noting |= event_driven;
            for j in 0..f.triggers.len() {
                let mut source = Source::for_trigger(f, i as u32, j, seed, window);
                let next = source.advance();
                if let Some(t) = next {
                    wakeups.push_with_seq(t.0, seq, sources.len() as SourceId);
                    seq += 1;
                }
                scheduled.push(next.map_or(u64::MAX, |t| t.0));
                sources.push(source);
            }
            let mut outcome = OutcomeModel::new(f, seed);
            if f.error_rate > 0.0 {
                outcome.set_error_rate(f.error_rate, seed, &f.name);
            }
            fns.push(FnState {
                limits: FnLimits::new(f.reserved_concurrency),
                pool: FnPool::new(f, seed),
                outcome,
                scaler,
                fleet,
            });
        }
        Engine {
            scenario,
            seed,
            now: 0,
            end,
            queue,
            wakeups,
            seq,
            sources,
            scheduled,
            noting,
            notes: Vec::new(),
            fns,
            envs: Environments::default(),
            account: AccountLimits::new(scenario),
            stats: EngineStats::default(),
            observer,
        }
    }

    /// Sets the probability that an invocation of function `f` that does not time out ends in
    /// a function error (default 0: no error, and no random number drawn). Draws come from the
    /// function's own error stream, so other samples do not shift.
    ///
    /// # Panics
    /// If `p` is not in `[0, 1]`.
    pub fn set_error_rate(&mut self, f: usize, p: f64) {
        assert!((0.0..=1.0).contains(&p), "error rate {p} is not in [0, 1]");
        let name = &self.scenario.functions[f].name;
        self.fns[f].outcome.set_error_rate(p, self.seed, name);
    }

    /// The scenario being simulated.
    pub fn scenario(&self) -> &'s Scenario {
        self.scenario
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        SimTime(self.now)
    }

    /// Counters so far.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// The observer.
    pub fn observer(&self) -> &O {
        &self.observer
    }

    /// Consumes the engine, returning the observer.
    pub fn into_observer(self) -> O {
        self.observer
    }

    /// Items queued or in flight at source `s` (the triggers of every function, in order).
    pub fn source_pending(&self, s: usize) -> u64 {
        self.sources[s].pending()
    }

    /// Number of request sources (triggers).
    pub fn source_count(&self) -> usize {
        self.sources.len()
    }

    /// Environment counts of function `f` now.
    pub fn counts(&self, f: usize) -> Counts {
        self.fns[f].pool.counts
    }

    /// Time of the next event of either queue, and whether it is a source wake-up (the
    /// queues' keys order events by `(time, seq)`).
    #[inline]
    fn next_key(&self) -> Option<(u64, bool)> {
        let q = self.queue.peek_packed().unwrap_or(u128::MAX);
        let a = self.wakeups.peek_packed().unwrap_or(u128::MAX);
        // No event has the key u128::MAX: `seq` never reaches u64::MAX.
        if a < q {
            Some(((a >> 64) as u64, true))
        } else if q != u128::MAX {
            Some(((q >> 64) as u64, false))
        } else {
            None
        }
    }

    /// Time of the next event.
    pub fn next_time(&self) -> Option<SimTime> {
        self.next_key().map(|(t, _)| SimTime(t))
    }

    /// True when the run is over: the window has ended and nothing is in flight.
    pub fn finished(&self) -> bool {
        match self.next_key() {
            None => true,
            Some((t, _)) => t >= self.end && self.stats.in_flight == 0,
        }
    }

    /// Processes one event; returns false when the run is over.
    #[inline]
    pub fn step(&mut self) -> bool {
        let Some((t, is_wakeup)) = self.next_key() else {
            return false;
        };
        if t >= self.end && self.stats.in_flight == 0 {
            return false;
        }
        debug_assert!(t >= self.now, "time went backwards");
        self.now = t;
        self.stats.events += 1;
        if is_wakeup {
            // The source stays on top of its queue until it says when it wakes next.
            let s = *self.wakeups.peek_event().expect("peeked");
            self.on_wakeup(s, t);
            return true;
        }
        let (_, ev) = self.queue.pop().expect("peeked");
        match ev {
            Event::InitDone(e) => self.on_init_done(e),
            Event::Complete(e) => self.on_complete(e),
            Event::Expire(f) => self.on_expire(f),
            Event::Provision(f, n) => self.on_provision(f, n),
            Event::Scale(f) => self.on_scale(f),
            Event::ProvReady(e) => self.on_prov_ready(e),
            Event::FleetScale(f) => self.on_fleet_scale(f),
            Event::FleetReady(f, n) => self.on_fleet_ready(f, n),
            Event::FleetDone(f, e, g) => self.on_fleet_done(f, e, g),
        }
        true
    }

    /// Processes every event before `limit`; returns false when the run is over.
    pub fn run_until(&mut self, limit: SimTime) -> bool {
        while let Some(t) = self.next_time() {
            if t >= limit {
                return !self.finished();
            }
            if !self.step() {
                return false;
            }
        }
        false
    }

    #[inline]
    fn schedule(&mut self, time: u64, ev: Event) {
        self.queue.push_with_seq(time, self.seq, ev);
        self.seq += 1;
    }

    /// Runs to the end: the window has passed and every invocation has finished. Tells the
    /// observer `on_end`.
    pub fn run(&mut self) {
        while self.step() {}
        self.finish();
    }

    /// Tells the observer the run ended (call once after `run_until` returned false).
    pub fn finish(&mut self) {
        let t = SimTime(self.now.max(self.end));
        if self.noting {
            for s in 0..self.sources.len() {
                let mut notes = std::mem::take(&mut self.notes);
                self.sources[s].close(t, &mut notes);
                self.notes = notes;
                self.flush_notes(s as SourceId, t);
            }
        }
        self.observer.on_end(t);
    }

    // ---- sources ---------------------------------------------------------------------------

    /// Source `s`, whose wake-up at `t` is the earliest of `wakeups` (still queued), wakes up.
    fn on_wakeup(&mut self, s: SourceId, t: u64) {
        let si = s as usize;
        // The wave-one fast path: one request per wake-up, no notes, never a stale wake-up.
        // Its next wake-up takes the place of this one in the queue (the queue a pop and a push
        // would leave, reached from the root: a busy source's next arrival is near the top).
        if let Source::Sync(source) = &mut self.sources[si] {
            let request = source.next_request(s, SimTime(t));
            if let Some(next) = source.advance() {
                self.wakeups.replace_top(next.0, self.seq, s);
                self.seq += 1;
            } else {
                self.wakeups.pop();
            }
            self.submit(request);
            return;
        }
        self.wakeups.pop();
        if self.scheduled[si] != t {
            return; // superseded by an earlier wake-up
        }
        let now = SimTime(self.now);
        let mut notes = std::mem::take(&mut self.notes);
        let source = &mut self.sources[si];
        let request = source.wake(s, now, &mut notes);
        // Schedule the source's next wake-up first (one pending per source).
        self.scheduled[si] = match source.advance() {
            Some(t) => {
                self.wakeups.push_with_seq(t.0, self.seq, s);
                self.seq += 1;
                t.0
            }
            None => u64::MAX,
        };
        self.notes = notes;
        if !self.notes.is_empty() {
            self.flush_notes(s, now);
        }
        if let Some(request) = request {
            self.submit(request);
        }
    }

    /// Hands the notes source `s` just made to the observer.
    fn flush_notes(&mut self, s: SourceId, t: SimTime) {
        let f = self.sources[s as usize].function();
        for n in self.notes.drain(..) {
            self.observer.on_note(t, f, s, &n);
        }
    }

    /// After source `s` reacted to a throttle or an outcome: its notes, and an earlier wake-up
    /// if it now wants one.
    fn react(&mut self, s: SourceId) {
        let now = SimTime(self.now);
        self.flush_notes(s, now);
        let si = s as usize;
        if let Some(t) = source::sooner_wake(self.scheduled[si], self.sources[si].rewake(now), now)
        {
            self.scheduled[si] = t;
            self.wakeups.push_with_seq(t, self.seq, s);
            self.seq += 1;
        }
    }

    // ---- admission -------------------------------------------------------------------------

    /// A request arrives: it runs on an idle provisioned environment, or passes the
    /// concurrency limits and runs on an idle on-demand environment or (if the scaling rate
    /// allows) a new one; otherwise it is throttled.
    #[inline]
    fn submit(&mut self, req: Request) {
        let f = req.function;
        let fi = f as usize;
        self.stats.arrivals += 1;
        self.observer.on_arrival(req.arrival, f);

        let st = &mut self.fns[fi];
        if st.fleet.is_some() {
            return self.submit_managed(req);
        }
        // 1. An idle provisioned environment: already counted against concurrency.
        if let Some(e) = st.pool.prov_idle.pop() {
            self.start_warm(e, &req);
            return;
        }
        // 2. Concurrency limits for an on-demand execution.
        if let Err(reason) = self.account.check_concurrency(&st.limits) {
            return self.throttle(&req, reason);
        }
        // 3. An idle on-demand environment, chosen by the routing policy.
        if let Some(e) = self.envs.take_idle(&mut st.pool) {
            if let Some(u) = self.account.add_ondemand_busy(&mut st.limits, 1) {
                self.observer.on_unreserved_use(SimTime(self.now), u);
            }
            self.start_warm(e, &req);
            return;
        }
        // 4. A new environment, if the scaling rate allows.
        if !self.account.admit_new_environment(&mut st.limits, self.now) {
            return self.throttle(&req, ThrottleReason::ScalingRate);
        }
        if let Some(u) = self.account.add_ondemand_busy(&mut st.limits, 1) {
            self.observer.on_unreserved_use(SimTime(self.now), u);
        }
        self.start_cold(&req);
    }

    fn throttle(&mut self, req: &Request, reason: ThrottleReason) {
        let now = SimTime(self.now);
        // The wave-one fast path: a sync call is rejected.
        if let Source::Sync(_) = self.sources[req.source as usize] {
            self.stats.throttled += 1;
            self.observer.on_throttle(now, req.function, reason);
            return;
        }
        let mut notes = std::mem::take(&mut self.notes);
        let after = self.sources[req.source as usize].throttled(req, reason, now, &mut notes);
        self.notes = notes;
        self.stats.throttled += 1;
        match after {
            AfterThrottle::Rejected => self.observer.on_throttle(now, req.function, reason),
            AfterThrottle::Retried => {
                self.observer
                    .on_throttle_retry(now, req.function, req.source, reason)
            }
        }
        if self.noting {
            self.react(req.source);
        }
    }

    // ---- environments and execution --------------------------------------------------------

    #[inline]
    fn notify_counts(&mut self, fi: usize) {
        if self.fns[fi].scaler.is_some() {
            self.scaler_busy(fi);
        }
        let c = self.fns[fi].pool.counts;
        self.observer.on_counts(SimTime(self.now), fi as u32, c);
    }

    /// Tells function `fi`'s auto scaler how many provisioned environments are busy now.
    #[cold]
    #[inline(never)]
    fn scaler_busy(&mut self, fi: usize) {
        let st = &mut self.fns[fi];
        if let Some(sc) = &mut st.scaler {
            let busy = st.pool.counts.provisioned
                - st.pool.prov_idle.len() as u32
                - st.pool.prov_initializing;
            sc.busy(self.now, busy);
        }
    }

    fn start_cold(&mut self, req: &Request) {
        let f = req.function;
        let fi = f as usize;
        let st = &mut self.fns[fi];
        let e = self
            .envs
            .alloc(&mut st.pool, f, false, EnvState::Initializing, self.now);
        self.stats.environments_created += 1;
        let init = st.outcome.init();
        st.pool.counts.busy += 1;
        let env = self.envs.get_mut(e);
        env.source = req.source;
        env.arrival = self.now;
        env.init = init;
        env.cold = true;
        // Wave-one requests carry only defaults, which every environment starts with.
        if self.noting {
            env.set_request(req);
        }
        // Stash the trace duration (if any) in `exec` until init is done.
        env.exec = req.duration.map_or(u64::MAX, |d| d.0);
        self.stats.in_flight += 1;
        self.observer
            .on_cold_start(SimTime(self.now), f, SimTime(init));
        self.notify_counts(fi);
        self.schedule(self.now + init, Event::InitDone(e));
    }

    fn on_init_done(&mut self, e: u32) {
        let env = self.envs.get_mut(e);
        let trace = (env.exec != u64::MAX).then_some(SimTime(env.exec));
        env.state = EnvState::Busy;
        self.begin_execution(e, trace);
    }

    fn start_warm(&mut self, e: u32, req: &Request) {
        let fi = req.function as usize;
        let env = self.envs.get_mut(e);
        debug_assert_eq!(
            env.state,
            EnvState::Idle,
            "an environment is never busy twice"
        );
        env.state = EnvState::Busy;
        env.source = req.source;
        env.arrival = self.now;
        env.init = 0;
        env.cold = false;
        // Wave-one requests carry only defaults, which every environment starts with.
        if self.noting {
            env.set_request(req);
        }
        self.fns[fi].pool.counts.busy += 1;
        self.stats.in_flight += 1;
        self.notify_counts(fi);
        self.begin_execution(e, req.duration);
    }

    fn begin_execution(&mut self, e: u32, trace_duration: Option<SimTime>) {
        let env = self.envs.get(e);
        let (fi, extra, whole_error) = (env.function as usize, env.extra, env.whole_error);
        let (exec, outcome) = self.fns[fi]
            .outcome
            .execute(trace_duration, extra, whole_error);
        let env = self.envs.get_mut(e);
        env.exec = exec;
        env.outcome = outcome;
        self.schedule(self.now + exec, Event::Complete(e));
    }

    fn on_complete(&mut self, e: u32) {
        let t = self.now;
        let env = self.envs.get(e);
        let fi = env.function as usize;
        let created = env.created;
        let inv = Invocation {
            function: env.function,
            source: env.source,
            arrival: SimTime(env.arrival),
            init: SimTime(env.init),
            exec: SimTime(env.exec),
            cold: env.cold,
            provisioned: env.provisioned,
            timed_out: env.outcome == Outcome::Timeout,
            outcome: env.outcome,
            origin: SimTime(env.origin),
            token: env.token,
            records: env.records,
            retry: env.retry,
            environment: (e, SimTime(created)),
        };
        self.emit_complete(&inv);
        let st = &mut self.fns[fi];
        st.pool.counts.busy -= 1;

        // A timed-out environment is discarded (a function error keeps it).
        let discard = inv.outcome == Outcome::Timeout;
        if inv.provisioned {
            if discard || st.limits.prov_alive > st.pool.prov_target {
                self.reclaim(e);
                // A timed-out provisioned environment is replaced, ready, as Lambda does.
                self.top_up_provisioned(fi);
            } else {
                self.envs.get_mut(e).state = EnvState::Idle;
                st.pool.prov_idle.push(e);
            }
        } else {
            if let Some(u) = self.account.add_ondemand_busy(&mut st.limits, -1) {
                self.observer.on_unreserved_use(SimTime(self.now), u);
            }
            match (!discard).then(|| st.pool.idle_until(t, created)).flatten() {
                Some(expires) => {
                    if self.envs.make_idle(&mut st.pool, e, expires) {
                        self.schedule(expires, Event::Expire(fi as u32));
                    }
                }
                None => self.reclaim(e),
            }
        }
        self.notify_counts(fi);
        self.source_finished(&inv);
    }

    /// An invocation finished now: the counters and the observer's hooks.
    #[inline(always)]
    fn emit_complete(&mut self, inv: &Invocation) {
        let t = SimTime(self.now);
        self.stats.in_flight -= 1;
        self.stats.completed += 1;
        self.observer.on_complete(t, inv);
        match inv.outcome {
            Outcome::Success => self.observer.on_success(t, inv),
            Outcome::FunctionError => self.observer.on_function_error(t, inv),
            Outcome::Timeout => self.observer.on_timeout(t, inv),
        }
    }

    /// An invocation finished now: its source reacts (retries, deletes, next batch).
    #[inline(always)]
    fn source_finished(&mut self, inv: &Invocation) {
        if self.noting {
            let mut notes = std::mem::take(&mut self.notes);
            self.sources[inv.source as usize].finished(inv, SimTime(self.now), &mut notes);
            self.notes = notes;
            self.react(inv.source);
        }
    }

    fn on_expire(&mut self, f: u32) {
        let fi = f as usize;
        let t = self.now;
        if self.fns[fi].pool.timer != Some(t) {
            return; // superseded by an earlier timer
        }
        self.fns[fi].pool.timer = None;
        let mut reclaimed = false;
        while let Some(e) = self.envs.pop_expired(&mut self.fns[fi].pool, t) {
            self.reclaim(e);
            reclaimed = true;
        }
        if let Some((exp, _)) = self.envs.peek_expiry(&mut self.fns[fi].pool) {
            self.fns[fi].pool.timer = Some(exp);
            self.schedule(exp, Event::Expire(f));
        }
        if reclaimed {
            self.notify_counts(fi);
        }
    }

    fn reclaim(&mut self, e: u32) {
        let env = self.envs.get(e);
        let fi = env.function as usize;
        let provisioned = env.provisioned;
        let st = &mut self.fns[fi];
        self.envs.release(&mut st.pool, e);
        if provisioned && let Some(u) = self.account.add_prov_alive(&mut st.limits, -1) {
            self.observer.on_unreserved_use(SimTime(self.now), u);
        }
        self.observer
            .on_reclaim(SimTime(self.now), fi as u32, provisioned);
    }

    // ---- provisioned concurrency -----------------------------------------------------------

    fn top_up_provisioned(&mut self, fi: usize) {
        let st = &mut self.fns[fi];
        while st.limits.prov_alive < st.pool.prov_target {
            let e = self
                .envs
                .alloc(&mut st.pool, fi as u32, true, EnvState::Idle, self.now);
            self.stats.environments_created += 1;
            if let Some(u) = self.account.add_prov_alive(&mut st.limits, 1) {
                self.observer.on_unreserved_use(SimTime(self.now), u);
            }
            st.pool.prov_idle.push(e);
        }
    }

    /// Auto scaling closes a datapoint; a scale-out adds environments that run their init
    /// first, a scale-in sets the lower target (idle surplus leaves now, busy surplus when its
    /// invocation ends).
    fn on_scale(&mut self, f: u32) {
        let fi = f as usize;
        if self.now + METRIC_PERIOD.0 < self.end {
            self.schedule(self.now + METRIC_PERIOD.0, Event::Scale(f));
        }
        self.notify_counts(fi); // brings the busy integral to now
        let configured = self.fns[fi].pool.prov_target;
        let Some(wanted) = self.fns[fi]
            .scaler
            .as_mut()
            .and_then(|sc| sc.evaluate(self.now, configured))
        else {
            return;
        };
        if wanted > configured {
            let st = &mut self.fns[fi];
            st.pool.prov_target = wanted;
            st.pool.counts.provisioned_configured = wanted;
            while st.limits.prov_alive < st.pool.prov_target {
                let e = self
                    .envs
                    .alloc(&mut st.pool, f, true, EnvState::Initializing, self.now);
                self.stats.environments_created += 1;
                if let Some(u) = self.account.add_prov_alive(&mut st.limits, 1) {
                    self.observer.on_unreserved_use(SimTime(self.now), u);
                }
                st.pool.prov_initializing += 1;
                let init = st.scaler.as_mut().map_or(0, |sc| sc.init_time());
                self.queue
                    .push_with_seq(self.now + init, self.seq, Event::ProvReady(e));
                self.seq += 1;
            }
            self.notify_counts(fi);
        } else {
            self.on_provision(f, wanted);
        }
    }

    /// A provisioned environment added by a scale-out is ready: it waits for requests, or
    /// leaves if a scale-in has lowered the target meanwhile.
    fn on_prov_ready(&mut self, e: u32) {
        let fi = self.envs.get(e).function as usize;
        let st = &mut self.fns[fi];
        st.pool.prov_initializing -= 1;
        if st.limits.prov_alive > st.pool.prov_target {
            self.reclaim(e);
        } else {
            self.envs.get_mut(e).state = EnvState::Idle;
            self.fns[fi].pool.prov_idle.push(e);
        }
        self.notify_counts(fi);
    }

    fn on_provision(&mut self, f: u32, target: u32) {
        let fi = f as usize;
        self.fns[fi].pool.prov_target = target;
        self.fns[fi].pool.counts.provisioned_configured = target;
        self.top_up_provisioned(fi);
        // Release idle surplus now; busy surplus is released when its request finishes.
        while self.fns[fi].limits.prov_alive > target {
            let Some(e) = self.fns[fi].pool.prov_idle.pop() else {
                break;
            };
            self.reclaim(e);
        }
        self.notify_counts(fi);
    }

    // ---- managed instances -----------------------------------------------------------------

    /// The counts of a managed-instances function: live environments, those running a
    /// request, and the instances.
    fn notify_fleet(&mut self, fi: usize) {
        let Some(fleet) = &self.fns[fi].fleet else {
            return;
        };
        let c = Counts {
            total: fleet.live(),
            busy: fleet.busy_envs(),
            provisioned: 0,
            provisioned_configured: 0,
            instances: fleet.instances(),
        };
        self.fns[fi].pool.counts = c;
        self.observer.on_counts(SimTime(self.now), fi as u32, c);
    }

    /// A request for a managed-instances function: the least busy environment with a free
    /// slot runs it alongside its others; with none, it is throttled. (Out of line, so that
    /// `submit`, the hot path of on-demand functions, stays small.)
    #[inline(never)]
    fn submit_managed(&mut self, req: Request) {
        let fi = req.function as usize;
        let st = &mut self.fns[fi];
        let fleet = st.fleet.as_mut().expect("a managed-instances function");
        let Some(e) = fleet.route() else {
            return self.throttle(&req, ThrottleReason::Capacity);
        };
        let work = st.outcome.work(req.duration, req.extra);
        let busy_before = fleet.busy_envs();
        let (at, generation) = fleet.start(e, &req, work, self.now);
        let now_busy = fleet.busy_envs();
        self.stats.in_flight += 1;
        if at != u64::MAX {
            self.schedule(at, Event::FleetDone(req.function, e, generation));
        }
        if busy_before != now_busy {
            self.notify_fleet(fi);
        }
    }

    /// The next completion on environment `e` of function `f`: every request whose work is
    /// done ends now.
    fn on_fleet_done(&mut self, f: u32, e: u32, generation: u32) {
        let fi = f as usize;
        let now = self.now;
        let mut done = Vec::new();
        let (before, after, next) = {
            let fleet = self.fns[fi]
                .fleet
                .as_mut()
                .expect("a managed-instances function");
            if !fleet.current(e, generation) {
                return; // the environment's load changed: a later event is current
            }
            let before = (fleet.live(), fleet.busy_envs());
            let next = fleet.complete(e, now, &mut done);
            (before, (fleet.live(), fleet.busy_envs()), next)
        };
        if next.0 != u64::MAX {
            self.schedule(next.0, Event::FleetDone(f, e, next.1));
        }
        for fl in done {
            let Flight {
                source,
                arrival,
                origin,
                token,
                records,
                retry,
                whole_error,
                ..
            } = fl;
            let (exec, outcome) = self.fns[fi].outcome.settle(now - arrival, whole_error);
            let inv = Invocation {
                function: f,
                source,
                arrival: SimTime(arrival),
                init: SimTime::ZERO,
                exec: SimTime(exec),
                cold: false,
                provisioned: false,
                timed_out: outcome == Outcome::Timeout,
                outcome,
                origin: SimTime(origin),
                token,
                records,
                retry,
                environment: (u32::MAX, SimTime::ZERO),
            };
            self.emit_complete(&inv);
            self.source_finished(&inv);
        }
        if before != after {
            self.notify_fleet(fi);
        }
    }

    /// The fleet's scaler closes a period: launch environments (ready after
    /// `scale-out-delay`) or drain the surplus.
    fn on_fleet_scale(&mut self, f: u32) {
        let fi = f as usize;
        if self.now + METRIC_PERIOD.0 < self.end {
            self.schedule(self.now + METRIC_PERIOD.0, Event::FleetScale(f));
        }
        let fleet = self.fns[fi]
            .fleet
            .as_mut()
            .expect("a managed-instances function");
        let change = fleet.evaluate(self.now);
        if change > 0 {
            let n = change as u32;
            fleet.pending += n;
            let at = self.now + fleet.scale_out_delay();
            self.schedule(at, Event::FleetReady(f, n));
            self.notify_fleet(fi);
        } else if change < 0 {
            fleet.drain(self.now, (-change) as u32);
            self.notify_fleet(fi);
        }
    }

    /// `n` launched environments of function `f` take requests.
    fn on_fleet_ready(&mut self, f: u32, n: u32) {
        let fi = f as usize;
        if let Some(fleet) = self.fns[fi].fleet.as_mut() {
            fleet.add_ready(self.now, n);
        }
        self.notify_fleet(fi);
    }
}

//! The discrete-event engine: execution environments, routing, keep-alive, limits.
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
//! Environment lifecycle: `Initializing` (a cold start runs init) → `Busy` (one invocation) →
//! `Idle` (kept warm until keep-alive or `max-lifetime` ends, or reused) → `Reclaimed`.
//! Provisioned environments are created ready (their init happens before they are needed),
//! are used before on-demand ones and never expire while provisioned.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::arrivals::ArrivalGen;
use crate::dist::Sampler;
use crate::heap::{EventQueue, IndexedHeap, NOT_IN_HEAP};
use crate::model::{KeepAlivePolicy, Routing, Scaling, Scenario};
use crate::observer::{Counts, Invocation, Observer, ThrottleReason};
use crate::rng::{Component, stream};
use crate::time::{NS_PER_MIN, NS_PER_S, SimTime};

/// Environments a function may create in any [`SCALING_WINDOW`] (per-function scaling).
pub const SCALING_BURST: usize = 1000;
/// The sliding window of per-function scaling: 10 s.
pub const SCALING_WINDOW: u64 = 10 * NS_PER_S;
/// Legacy scaling: environments added per minute after the initial burst.
pub const LEGACY_RATE_PER_MIN: f64 = 500.0;

/// Initial account-wide burst of the legacy scaling model, by region (AWS documentation,
/// "Lambda function scaling", before November 2023).
pub fn legacy_burst(region: &str) -> u32 {
    match region {
        "us-east-1" | "us-west-2" | "eu-west-1" => 3000,
        "ap-northeast-1" | "eu-central-1" | "us-east-2" => 1000,
        _ => 500,
    }
}

#[derive(Clone, Copy, Debug)]
enum Event {
    InitDone(u32),
    Complete(u32),
    Expire(u32),
    Provision(u32, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EnvState {
    Initializing,
    Busy,
    Idle,
    Reclaimed,
}

#[derive(Clone, Debug)]
struct Env {
    function: u32,
    state: EnvState,
    created: u64,
    created_seq: u64,
    /// Unique number of the current idle period (validates lazy expiry entries).
    idle_seq: u64,
    provisioned: bool,
    // The invocation in progress.
    arrival: u64,
    init: u64,
    exec: u64,
    cold: bool,
    timed_out: bool,
}

/// Sliding-window or token-bucket state of the scaling rate.
#[derive(Clone, Debug)]
enum ScalingState {
    /// Per function: creation times of the last [`SCALING_BURST`] environments.
    PerFunction,
    /// Account-wide token bucket.
    Legacy {
        tokens: f64,
        last: u64,
        cap: f64,
    },
    Unlimited,
}

struct FnState {
    arrivals: ArrivalGen,
    rng_arrivals: ChaCha8Rng,
    rng_duration: ChaCha8Rng,
    rng_init: ChaCha8Rng,
    rng_keep_alive: ChaCha8Rng,
    rng_routing: ChaCha8Rng,
    duration: Sampler,
    init: Sampler,
    /// Trace durations are scaled like samples of the duration distribution.
    trace_factor: f64,
    keep_alive: KeepAlivePolicy,
    max_lifetime: Option<u64>,
    timeout: u64,
    routing: Routing,
    reserved: Option<u32>,
    /// Idle on-demand environments, ordered for routing.
    pool: Pool,
    /// Idle on-demand environments (the live entries of `pool`).
    idle_ondemand: usize,
    /// Idle on-demand environments by expiry time.
    expiry: Expiry,
    /// Time of the pending `Expire` event that is current, if any.
    timer: Option<u64>,
    /// Idle provisioned environments (used first).
    prov_idle: Vec<u32>,
    prov_target: u32,
    prov_alive: u32,
    ondemand_busy: u32,
    counts: Counts,
    /// Creation times of the last environments (per-function scaling), oldest first.
    recent_creations: std::collections::VecDeque<u64>,
    /// Execution time given by the trace for the pending arrival.
    pending_duration: Option<SimTime>,
}

/// Idle on-demand environments in routing order.
enum Pool {
    /// `newest`, `mru`, `lru`: a heap of `(key, env, idle_seq)`, smallest key first, with lazy
    /// deletion (an expired environment's entry is skipped when it surfaces, and the heap is
    /// compacted when stale entries pile up).
    Ordered(BinaryHeap<Reverse<(u64, u32, u64)>>),
    /// `random`: an indexed heap, for uniform choice and exact removal.
    Random(IndexedHeap),
}

/// Idle on-demand environments ordered by expiry time.
enum Expiry {
    /// `(expires, env, idle_seq)` in non-decreasing `expires`; entries whose environment has
    /// since left that idle period are skipped (and compacted away when they pile up).
    Fifo(VecDeque<(u64, u32, u64)>),
    /// Any keep-alive: an indexed heap.
    Heap(IndexedHeap),
}

impl FnState {
    fn usage(&self) -> u32 {
        self.prov_alive + self.ondemand_busy
    }
}

/// Counters the engine keeps for conservation checks (whole run, not just the window).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// The simulator of one replicate.
pub struct Engine<'s, O: Observer> {
    scenario: &'s Scenario,
    now: u64,
    end: u64,
    /// Everything but arrivals.
    queue: EventQueue<Event>,
    /// The next arrival of each function (one pending per function), kept apart so the
    /// busy main queue stays small; both queues share `seq`, so the FIFO tie rule is global.
    arrivals: EventQueue<u32>,
    seq: u64,
    fns: Vec<FnState>,
    envs: Vec<Env>,
    free_envs: Vec<u32>,
    pos_pool: Vec<u32>,
    pos_expiry: Vec<u32>,
    scaling: ScalingState,
    /// Concurrency pool shared by functions without reserved concurrency.
    unreserved_pool: u32,
    unreserved_usage: u32,
    created_seq: u64,
    idle_seq: u64,
    stats: EngineStats,
    observer: O,
}

impl<'s, O: Observer> Engine<'s, O> {
    /// An engine for `scenario` whose random streams derive from `seed`, reporting to
    /// `observer`.
    pub fn new(scenario: &'s Scenario, seed: u64, observer: O) -> Self {
        let end = scenario.simulation.duration.0;
        let mut queue = EventQueue::default();
        let mut arrivals = EventQueue::default();
        let mut seq = 0u64;
        let mut fns = Vec::with_capacity(scenario.functions.len());
        let reserved_total: u32 = scenario
            .functions
            .iter()
            .filter_map(|f| f.reserved_concurrency)
            .sum();
        for (i, f) in scenario.functions.iter().enumerate() {
            let init_model = if f.snapstart {
                f.restore.as_ref().unwrap_or(&f.init)
            } else {
                &f.init
            };
            let mut st = FnState {
                arrivals: ArrivalGen::new(&f.arrivals, scenario.simulation.duration),
                rng_arrivals: stream(seed, &f.name, Component::Arrivals),
                rng_duration: stream(seed, &f.name, Component::Duration),
                rng_init: stream(seed, &f.name, Component::Init),
                rng_keep_alive: stream(seed, &f.name, Component::KeepAlive),
                rng_routing: stream(seed, &f.name, Component::Routing),
                duration: Sampler::new(&f.duration, f.memory_mb, f.architecture, f.arm64_speedup),
                init: Sampler::new(init_model, f.memory_mb, f.architecture, f.arm64_speedup),
                trace_factor: f
                    .duration
                    .scale_factor(f.memory_mb, f.architecture, f.arm64_speedup),
                keep_alive: f.keep_alive.policy.clone(),
                max_lifetime: f.keep_alive.max_lifetime.map(|d| d.0),
                timeout: f.timeout.0,
                routing: f.routing,
                reserved: f.reserved_concurrency,
                pool: match f.routing {
                    Routing::Random => Pool::Random(IndexedHeap::new()),
                    _ => Pool::Ordered(BinaryHeap::new()),
                },
                idle_ondemand: 0,
                expiry: match (&f.keep_alive.policy, f.keep_alive.max_lifetime) {
                    // Fixed keep-alive: expiry times grow with the idle order, so a FIFO
                    // with lazy deletion replaces the heap (O(1) per invocation).
                    (KeepAlivePolicy::Fixed { .. }, None) => Expiry::Fifo(VecDeque::new()),
                    _ => Expiry::Heap(IndexedHeap::new()),
                },
                timer: None,
                prov_idle: Vec::new(),
                prov_target: 0,
                prov_alive: 0,
                ondemand_busy: 0,
                counts: Counts::default(),
                recent_creations: Default::default(),
                pending_duration: None,
            };
            if let Some(a) = st.arrivals.next(&mut st.rng_arrivals) {
                st.pending_duration = a.duration;
                arrivals.push_with_seq(a.time.0, seq, i as u32);
                seq += 1;
            }
            // Provisioned concurrency as a step function; equal times keep the last target.
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
            fns.push(st);
        }
        let scaling = match scenario.account.scaling {
            Scaling::PerFunction => ScalingState::PerFunction,
            Scaling::LegacyBurst => {
                let cap = legacy_burst(&scenario.account.region) as f64;
                ScalingState::Legacy {
                    tokens: cap,
                    last: 0,
                    cap,
                }
            }
            Scaling::Unlimited => ScalingState::Unlimited,
        };
        Engine {
            scenario,
            now: 0,
            end,
            queue,
            arrivals,
            seq,
            fns,
            envs: Vec::new(),
            free_envs: Vec::new(),
            pos_pool: Vec::new(),
            pos_expiry: Vec::new(),
            scaling,
            unreserved_pool: scenario
                .account
                .concurrency_limit
                .saturating_sub(reserved_total),
            unreserved_usage: 0,
            created_seq: 0,
            idle_seq: 0,
            stats: EngineStats::default(),
            observer,
        }
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

    /// Environment counts of function `f` now.
    pub fn counts(&self, f: usize) -> Counts {
        self.fns[f].counts
    }

    /// `(time, seq)` of the next event of either queue, and whether it is an arrival.
    #[inline]
    fn next_key(&self) -> Option<((u64, u64), bool)> {
        match (self.queue.peek_key(), self.arrivals.peek_key()) {
            (None, None) => None,
            (Some(q), None) => Some((q, false)),
            (None, Some(a)) => Some((a, true)),
            (Some(q), Some(a)) => Some(if a < q { (a, true) } else { (q, false) }),
        }
    }

    /// Time of the next event.
    pub fn next_time(&self) -> Option<SimTime> {
        self.next_key().map(|((t, _), _)| SimTime(t))
    }

    /// True when the run is over: the window has ended and nothing is in flight.
    pub fn finished(&self) -> bool {
        match self.next_key() {
            None => true,
            Some(((t, _), _)) => t >= self.end && self.stats.in_flight == 0,
        }
    }

    /// Processes one event; returns false when the run is over.
    #[inline]
    pub fn step(&mut self) -> bool {
        let Some(((t, _), is_arrival)) = self.next_key() else {
            return false;
        };
        if t >= self.end && self.stats.in_flight == 0 {
            return false;
        }
        debug_assert!(t >= self.now, "time went backwards");
        self.now = t;
        self.stats.events += 1;
        if is_arrival {
            let (_, f) = self.arrivals.pop().expect("peeked");
            self.on_arrival(f);
            return true;
        }
        let (_, ev) = self.queue.pop().expect("peeked");
        match ev {
            Event::InitDone(e) => self.on_init_done(e),
            Event::Complete(e) => self.on_complete(e),
            Event::Expire(f) => self.on_expire(f),
            Event::Provision(f, n) => self.on_provision(f, n),
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
        self.observer.on_end(t);
    }

    // ---- events ---------------------------------------------------------------------------

    fn on_arrival(&mut self, f: u32) {
        let t = self.now;
        let fi = f as usize;
        self.stats.arrivals += 1;
        self.observer.on_arrival(SimTime(t), f);
        let trace_duration = self.fns[fi].pending_duration.take();
        // Schedule the next arrival of this function first (one pending per function).
        let st = &mut self.fns[fi];
        if let Some(a) = st.arrivals.next(&mut st.rng_arrivals) {
            st.pending_duration = a.duration;
            self.arrivals.push_with_seq(a.time.0, self.seq, f);
            self.seq += 1;
        }

        // 1. An idle provisioned environment: already counted against concurrency.
        if let Some(e) = self.fns[fi].prov_idle.pop() {
            self.start_warm(e, trace_duration);
            return;
        }
        // 2. Concurrency limits for an on-demand execution.
        let st = &self.fns[fi];
        if let Some(r) = st.reserved {
            if st.usage() >= r {
                return self.throttle(f, ThrottleReason::Reserved);
            }
        } else if self.unreserved_usage >= self.unreserved_pool {
            return self.throttle(f, ThrottleReason::Account);
        }
        // 3. An idle on-demand environment, chosen by the routing policy.
        if let Some(e) = self.take_idle(fi) {
            self.add_ondemand_busy(fi, 1);
            self.start_warm(e, trace_duration);
            return;
        }
        // 4. A new environment, if the scaling rate allows.
        if !self.admit_new_environment(fi) {
            return self.throttle(f, ThrottleReason::ScalingRate);
        }
        self.add_ondemand_busy(fi, 1);
        self.start_cold(f, trace_duration);
    }

    fn throttle(&mut self, f: u32, reason: ThrottleReason) {
        self.stats.throttled += 1;
        self.observer.on_throttle(SimTime(self.now), f, reason);
    }

    fn add_ondemand_busy(&mut self, fi: usize, delta: i32) {
        let st = &mut self.fns[fi];
        st.ondemand_busy = (st.ondemand_busy as i32 + delta) as u32;
        if st.reserved.is_none() {
            self.unreserved_usage = (self.unreserved_usage as i32 + delta) as u32;
        }
    }

    fn add_prov_alive(&mut self, fi: usize, delta: i32) {
        let st = &mut self.fns[fi];
        st.prov_alive = (st.prov_alive as i32 + delta) as u32;
        if st.reserved.is_none() {
            self.unreserved_usage = (self.unreserved_usage as i32 + delta) as u32;
        }
    }

    fn admit_new_environment(&mut self, fi: usize) -> bool {
        let t = self.now;
        match &mut self.scaling {
            ScalingState::Unlimited => true,
            ScalingState::PerFunction => {
                let q = &mut self.fns[fi].recent_creations;
                if q.len() < SCALING_BURST {
                    q.push_back(t);
                    true
                } else if t - q[0] > SCALING_WINDOW {
                    q.pop_front();
                    q.push_back(t);
                    true
                } else {
                    false
                }
            }
            ScalingState::Legacy { tokens, last, cap } => {
                let refill = (t - *last) as f64 * LEGACY_RATE_PER_MIN / NS_PER_MIN as f64;
                *tokens = (*tokens + refill).min(*cap);
                *last = t;
                if *tokens >= 1.0 {
                    *tokens -= 1.0;
                    true
                } else {
                    false
                }
            }
        }
    }

    fn alloc_env(&mut self, f: u32, provisioned: bool, state: EnvState) -> u32 {
        self.created_seq += 1;
        self.stats.environments_created += 1;
        let env = Env {
            function: f,
            state,
            created: self.now,
            created_seq: self.created_seq,
            idle_seq: 0,
            provisioned,
            arrival: 0,
            init: 0,
            exec: 0,
            cold: false,
            timed_out: false,
        };
        let st = &mut self.fns[f as usize];
        st.counts.total += 1;
        if provisioned {
            st.counts.provisioned += 1;
        }
        if let Some(id) = self.free_envs.pop() {
            self.envs[id as usize] = env;
            id
        } else {
            self.envs.push(env);
            self.pos_pool.push(NOT_IN_HEAP);
            self.pos_expiry.push(NOT_IN_HEAP);
            (self.envs.len() - 1) as u32
        }
    }

    fn notify_counts(&mut self, fi: usize) {
        let c = self.fns[fi].counts;
        self.observer.on_counts(SimTime(self.now), fi as u32, c);
    }

    fn start_cold(&mut self, f: u32, trace_duration: Option<SimTime>) {
        let fi = f as usize;
        let e = self.alloc_env(f, false, EnvState::Initializing);
        let st = &mut self.fns[fi];
        let init = st.init.sample(&mut st.rng_init).0;
        st.counts.busy += 1;
        let env = &mut self.envs[e as usize];
        env.arrival = self.now;
        env.init = init;
        env.cold = true;
        // Stash the trace duration (if any) in `exec` until init is done.
        env.exec = trace_duration.map_or(u64::MAX, |d| d.0);
        self.stats.in_flight += 1;
        self.observer
            .on_cold_start(SimTime(self.now), f, SimTime(init));
        self.notify_counts(fi);
        self.schedule(self.now + init, Event::InitDone(e));
    }

    fn on_init_done(&mut self, e: u32) {
        let env = &self.envs[e as usize];
        let trace = (env.exec != u64::MAX).then_some(SimTime(env.exec));
        self.envs[e as usize].state = EnvState::Busy;
        self.begin_execution(e, trace);
    }

    fn start_warm(&mut self, e: u32, trace_duration: Option<SimTime>) {
        let fi = self.envs[e as usize].function as usize;
        let env = &mut self.envs[e as usize];
        debug_assert_eq!(
            env.state,
            EnvState::Idle,
            "an environment is never busy twice"
        );
        env.state = EnvState::Busy;
        env.arrival = self.now;
        env.init = 0;
        env.cold = false;
        self.fns[fi].counts.busy += 1;
        self.stats.in_flight += 1;
        self.notify_counts(fi);
        self.begin_execution(e, trace_duration);
    }

    fn begin_execution(&mut self, e: u32, trace_duration: Option<SimTime>) {
        let fi = self.envs[e as usize].function as usize;
        let st = &mut self.fns[fi];
        let exec = match trace_duration {
            Some(d) => SimTime::from_nanos_f64(d.0 as f64 * st.trace_factor).0,
            None => st.duration.sample(&mut st.rng_duration).0,
        };
        let (exec, timed_out) = if exec > st.timeout {
            (st.timeout, true)
        } else {
            (exec, false)
        };
        let env = &mut self.envs[e as usize];
        env.exec = exec;
        env.timed_out = timed_out;
        self.schedule(self.now + exec, Event::Complete(e));
    }

    fn on_complete(&mut self, e: u32) {
        let t = self.now;
        let env = self.envs[e as usize].clone();
        let fi = env.function as usize;
        let inv = Invocation {
            function: env.function,
            arrival: SimTime(env.arrival),
            init: SimTime(env.init),
            exec: SimTime(env.exec),
            cold: env.cold,
            provisioned: env.provisioned,
            timed_out: env.timed_out,
        };
        self.stats.in_flight -= 1;
        self.stats.completed += 1;
        self.observer.on_complete(SimTime(t), &inv);
        self.fns[fi].counts.busy -= 1;

        if env.provisioned {
            let st = &self.fns[fi];
            if env.timed_out || st.prov_alive > st.prov_target {
                self.reclaim(e);
                // A timed-out provisioned environment is replaced, ready, as Lambda does.
                self.top_up_provisioned(fi);
            } else {
                self.envs[e as usize].state = EnvState::Idle;
                self.fns[fi].prov_idle.push(e);
            }
        } else {
            self.add_ondemand_busy(fi, -1);
            let st = &self.fns[fi];
            let lifetime_end = st.max_lifetime.map(|l| env.created.saturating_add(l));
            if env.timed_out || lifetime_end.is_some_and(|end| t >= end) {
                self.reclaim(e);
            } else {
                let st = &mut self.fns[fi];
                let keep = match st.keep_alive {
                    KeepAlivePolicy::Fixed { idle } => idle.0,
                    KeepAlivePolicy::Uniform { min, max } => {
                        if max.0 > min.0 {
                            st.rng_keep_alive.random_range(min.0..=max.0)
                        } else {
                            min.0
                        }
                    }
                };
                let expires = t.saturating_add(keep).min(lifetime_end.unwrap_or(u64::MAX));
                self.make_idle(e, expires);
            }
        }
        self.notify_counts(fi);
    }

    fn make_idle(&mut self, e: u32, expires: u64) {
        let fi = self.envs[e as usize].function as usize;
        self.envs[e as usize].state = EnvState::Idle;
        self.idle_seq += 1;
        let st = &mut self.fns[fi];
        let key = match st.routing {
            Routing::Newest => u64::MAX - self.envs[e as usize].created_seq,
            Routing::Mru => u64::MAX - self.idle_seq,
            Routing::Lru => self.idle_seq,
            Routing::Random => self.envs[e as usize].created_seq,
        };
        self.envs[e as usize].idle_seq = self.idle_seq;
        st.idle_ondemand += 1;
        match &mut st.pool {
            Pool::Random(h) => h.push(key, e, &mut self.pos_pool),
            Pool::Ordered(h) => {
                if h.len() > 2 * st.idle_ondemand + 64 {
                    let envs = &self.envs;
                    h.retain(|Reverse((_, id, seq))| {
                        envs[*id as usize].state == EnvState::Idle
                            && envs[*id as usize].idle_seq == *seq
                    });
                }
                h.push(Reverse((key, e, self.idle_seq)));
            }
        }
        match &mut st.expiry {
            Expiry::Fifo(q) => {
                debug_assert!(q.back().is_none_or(|b| b.0 <= expires));
                q.push_back((expires, e, self.idle_seq));
            }
            Expiry::Heap(h) => h.push(expires, e, &mut self.pos_expiry),
        }
        if st.timer.is_none_or(|tm| expires < tm) {
            st.timer = Some(expires);
            self.schedule(expires, Event::Expire(fi as u32));
        }
    }

    fn take_idle(&mut self, fi: usize) -> Option<u32> {
        let st = &mut self.fns[fi];
        let e = match &mut st.pool {
            Pool::Random(h) => {
                if h.is_empty() {
                    return None;
                }
                let i = st.rng_routing.random_range(0..h.len());
                let id = h.item(i);
                h.remove(id, &mut self.pos_pool);
                id
            }
            Pool::Ordered(h) => loop {
                let Reverse((_, id, seq)) = h.pop()?;
                let env = &self.envs[id as usize];
                if env.state == EnvState::Idle && env.idle_seq == seq {
                    break id;
                }
            },
        };
        st.idle_ondemand -= 1;
        match &mut st.expiry {
            Expiry::Fifo(q) => {
                // Lazy deletion; compact when stale entries dominate so memory stays
                // proportional to the idle environments.
                if q.len() > 4 * st.idle_ondemand + 1024 {
                    let envs = &self.envs;
                    q.retain(|&(_, id, seq)| {
                        id != e
                            && envs[id as usize].state == EnvState::Idle
                            && envs[id as usize].idle_seq == seq
                    });
                }
            }
            Expiry::Heap(h) => h.remove(e, &mut self.pos_expiry),
        }
        self.envs[e as usize].idle_seq = 0;
        Some(e)
    }

    fn on_expire(&mut self, f: u32) {
        let fi = f as usize;
        let t = self.now;
        if self.fns[fi].timer != Some(t) {
            return; // superseded by an earlier timer
        }
        self.fns[fi].timer = None;
        let mut reclaimed = false;
        while let Some((exp, e)) = self.peek_expiry(fi) {
            if exp > t {
                break;
            }
            let st = &mut self.fns[fi];
            match &mut st.expiry {
                Expiry::Fifo(q) => {
                    q.pop_front();
                }
                Expiry::Heap(h) => {
                    h.pop(&mut self.pos_expiry);
                }
            }
            st.idle_ondemand -= 1;
            if let Pool::Random(h) = &mut st.pool {
                h.remove(e, &mut self.pos_pool);
            } // ordered pools drop the entry lazily
            self.reclaim(e);
            reclaimed = true;
        }
        if let Some((exp, _)) = self.peek_expiry(fi) {
            self.fns[fi].timer = Some(exp);
            self.schedule(exp, Event::Expire(f));
        }
        if reclaimed {
            self.notify_counts(fi);
        }
    }

    /// The idle environment of function `fi` that expires first, dropping stale FIFO
    /// entries on the way.
    fn peek_expiry(&mut self, fi: usize) -> Option<(u64, u32)> {
        match &mut self.fns[fi].expiry {
            Expiry::Heap(h) => h.peek(),
            Expiry::Fifo(q) => {
                while let Some(&(exp, id, seq)) = q.front() {
                    let env = &self.envs[id as usize];
                    if env.state == EnvState::Idle && env.idle_seq == seq {
                        return Some((exp, id));
                    }
                    q.pop_front();
                }
                None
            }
        }
    }

    fn reclaim(&mut self, e: u32) {
        let env = &mut self.envs[e as usize];
        debug_assert_ne!(env.state, EnvState::Reclaimed);
        env.state = EnvState::Reclaimed;
        let fi = env.function as usize;
        let provisioned = env.provisioned;
        let st = &mut self.fns[fi];
        st.counts.total -= 1;
        if provisioned {
            st.counts.provisioned -= 1;
            self.add_prov_alive(fi, -1);
        }
        self.free_envs.push(e);
        self.observer
            .on_reclaim(SimTime(self.now), fi as u32, provisioned);
    }

    fn top_up_provisioned(&mut self, fi: usize) {
        while self.fns[fi].prov_alive < self.fns[fi].prov_target {
            let e = self.alloc_env(fi as u32, true, EnvState::Idle);
            self.add_prov_alive(fi, 1);
            self.fns[fi].prov_idle.push(e);
        }
    }

    fn on_provision(&mut self, f: u32, target: u32) {
        let fi = f as usize;
        self.fns[fi].prov_target = target;
        self.fns[fi].counts.provisioned_configured = target;
        self.top_up_provisioned(fi);
        // Release idle surplus now; busy surplus is released when its request finishes.
        while self.fns[fi].prov_alive > target {
            let Some(e) = self.fns[fi].prov_idle.pop() else {
                break;
            };
            self.reclaim(e);
        }
        self.notify_counts(fi);
    }
}

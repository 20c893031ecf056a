//! Lambda Managed Instances (`compute = "managed-instances"`): many requests per execution
//! environment, processor sharing of the environment's vCPUs, and asynchronous scaling.
//!
//! **Requests.** The router sends a request to the ready environment running the fewest
//! requests that has a free slot (`max-concurrency`); when every environment is full the
//! request is throttled ([`ThrottleReason::Capacity`](crate::observer::ThrottleReason)). There
//! is no cold start on the request path.
//!
//! **Processor sharing.** A request alone in an environment of `v` vCPUs runs for its `work`
//! (a sample of `[function.duration]` scaled to `min(threads, v)` vCPUs). A share `f`
//! (`cpu-fraction`) of it is CPU, during which it uses `c = min(threads, v)` vCPUs. With `k`
//! requests running, their CPU demand is `k·f·c` vCPUs; above `v` the CPU parts slow down by
//! `k·f·c / v`, so every request progresses at rate `1 / s(k)` with
//! `s(k) = (1 − f) + f · max(1, k·f·c / v)` (a fluid model: with `f = 1` and `c = 1`, `k > v`
//! CPU-bound requests each take `k / v` times longer). Each environment keeps a virtual clock
//! that advances at that rate; a request finishes when the clock has advanced by its work.
//!
//! **Scaling.** Every [`METRIC_PERIOD`](crate::model::capacity::METRIC_PERIOD) the scaler reads the period's utilization of the
//! ready environments, each the larger of its CPU use `min(1, k·f·c / v)` and its slot use
//! `k / max-concurrency` (AWS scales on CPU and on multi-concurrency saturation), and wants
//! `ceil(environments × utilization / target)` environments within
//! `[min-environments, max-environments]`. New environments take requests `scale-out-delay`
//! after the decision; fewer are wanted for [`SCALE_IN_PERIODS`] periods in a row before the
//! surplus drains, down to the most any of those periods wanted (a stabilization window: the
//! surplus takes no new request and leaves when its last one ends). The instances
//! are the fewest that hold the environments (launching ones included), at least three.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::model::Function;
use crate::model::capacity::ManagedInstances;

use super::source::{Request, SourceId};

/// Periods in a row that must want fewer environments before the surplus drains.
pub const SCALE_IN_PERIODS: u32 = 5;

/// One request in flight on a managed-instances environment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Flight {
    pub(crate) source: SourceId,
    pub(crate) arrival: u64,
    pub(crate) origin: u64,
    pub(crate) token: u32,
    pub(crate) records: u32,
    pub(crate) retry: bool,
    pub(crate) whole_error: bool,
}

struct Env {
    /// Requests running.
    active: u32,
    /// Virtual time: work done by a request that has run here since the environment started,
    /// ns.
    clock: f64,
    last_t: u64,
    /// `(finish clock bits, flight)`, earliest first (clocks are ≥ 0, so their bits order
    /// like the values).
    finishing: BinaryHeap<Reverse<(u64, u32)>>,
    /// Generation of the pending completion event (older ones are stale).
    generation: u32,
    /// Takes no new request; leaves when its last one ends.
    draining: bool,
    live: bool,
}

/// The managed-instances fleet of one function.
pub(crate) struct Fleet {
    cfg: ManagedInstances,
    memory_mb: u32,
    /// CPU share of the work, and vCPUs one request uses alone.
    cpu_fraction: f64,
    request_vcpus: f64,
    envs: Vec<Env>,
    /// Environments taking requests (live, not draining).
    ready: u32,
    /// Environments being launched.
    pub(crate) pending: u32,
    /// Live environments (ready or draining), and those of them running a request: kept as
    /// counts so that the engine's count notices cost O(1), not a scan of the fleet.
    live: u32,
    busy: u32,
    flights: Vec<Flight>,
    free_flights: Vec<u32>,
    /// Σ utilization of the ready environments now.
    util_sum: f64,
    /// ∫ Σ utilization dt and ∫ ready environments dt over the current period.
    util_area: f64,
    ready_area: f64,
    area_t: u64,
    /// Periods in a row that wanted fewer environments, and the most any of them wanted.
    below: u32,
    below_max: u32,
}

impl Fleet {
    pub(crate) fn new(f: &Function, cfg: &ManagedInstances) -> Self {
        let v = cfg.env_vcpus as f64;
        Fleet {
            cfg: cfg.clone(),
            memory_mb: f.memory_mb,
            cpu_fraction: f.duration.cpu_fraction,
            request_vcpus: (f.duration.threads.max(1) as f64).min(v),
            envs: Vec::new(),
            ready: 0,
            pending: 0,
            live: 0,
            busy: 0,
            flights: Vec::new(),
            free_flights: Vec::new(),
            util_sum: 0.0,
            util_area: 0.0,
            ready_area: 0.0,
            area_t: 0,
            below: 0,
            below_max: 0,
        }
    }

    /// `min-environments`: what the fleet starts with.
    pub(crate) fn min_environments(&self) -> u32 {
        self.cfg.min_environments
    }

    /// `scale-out-delay`, ns.
    pub(crate) fn scale_out_delay(&self) -> u64 {
        self.cfg.scale_out_delay.0
    }

    /// Slowdown of a request when `k` run in one environment.
    #[inline]
    fn slowdown(&self, k: u32) -> f64 {
        let f = self.cpu_fraction;
        let demand = k as f64 * f * self.request_vcpus / self.cfg.env_vcpus as f64;
        (1.0 - f) + f * demand.max(1.0)
    }

    /// Utilization of an environment running `k` requests.
    #[inline]
    fn utilization(&self, k: u32) -> f64 {
        let cpu = (k as f64 * self.cpu_fraction * self.request_vcpus / self.cfg.env_vcpus as f64)
            .min(1.0);
        let slots = k as f64 / self.cfg.max_concurrency as f64;
        cpu.max(slots)
    }

    /// Live environments (ready or draining).
    pub(crate) fn live(&self) -> u32 {
        self.live
    }

    /// Live environments running at least one request.
    pub(crate) fn busy_envs(&self) -> u32 {
        self.busy
    }

    /// Instances that hold the live and launching environments.
    pub(crate) fn instances(&self) -> u32 {
        self.cfg
            .instances_for(self.live() + self.pending, self.memory_mb)
    }

    fn integrate(&mut self, t: u64) {
        let dt = t.saturating_sub(self.area_t) as f64;
        self.util_area += self.util_sum * dt;
        self.ready_area += self.ready as f64 * dt;
        self.area_t = t;
    }

    /// Brings environment `e`'s virtual clock to `t`.
    fn advance(&mut self, e: usize, t: u64) {
        let s = self.slowdown(self.envs[e].active);
        let env = &mut self.envs[e];
        if env.active > 0 {
            env.clock += t.saturating_sub(env.last_t) as f64 / s;
        }
        env.last_t = t;
    }

    /// `n` launched environments start taking requests at `t`.
    pub(crate) fn add_ready(&mut self, t: u64, n: u32) {
        self.integrate(t);
        self.pending = self.pending.saturating_sub(n);
        for _ in 0..n {
            let env = Env {
                active: 0,
                clock: 0.0,
                last_t: t,
                finishing: BinaryHeap::new(),
                generation: 0,
                draining: false,
                live: true,
            };
            match self.envs.iter().position(|e| !e.live) {
                Some(i) => self.envs[i] = env,
                None => self.envs.push(env),
            }
            self.ready += 1;
            self.live += 1;
        }
    }

    /// The environment a new request goes to: the ready one running the fewest requests with
    /// a free slot (the first of equals); `None` when all are full.
    #[inline]
    pub(crate) fn route(&self) -> Option<u32> {
        let mut best: Option<(u32, usize)> = None;
        for (i, e) in self.envs.iter().enumerate() {
            if e.live
                && !e.draining
                && e.active < self.cfg.max_concurrency
                && best.is_none_or(|(k, _)| e.active < k)
            {
                best = Some((e.active, i));
                if e.active == 0 {
                    break;
                }
            }
        }
        best.map(|(_, i)| i as u32)
    }

    /// Starts `req` with `work` ns of work on environment `e` at `t`; returns the time and
    /// generation of the environment's next completion.
    pub(crate) fn start(&mut self, e: u32, req: &Request, work: u64, t: u64) -> (u64, u32) {
        let ei = e as usize;
        self.integrate(t);
        self.advance(ei, t);
        let flight = Flight {
            source: req.source,
            arrival: t,
            origin: req.origin.0,
            token: req.token,
            records: req.records,
            retry: req.retry,
            whole_error: req.whole_error,
        };
        let id = match self.free_flights.pop() {
            Some(id) => {
                self.flights[id as usize] = flight;
                id
            }
            None => {
                self.flights.push(flight);
                (self.flights.len() - 1) as u32
            }
        };
        let before = self.utilization(self.envs[ei].active);
        let env = &mut self.envs[ei];
        if env.active == 0 {
            self.busy += 1;
        }
        env.active += 1;
        let finish = env.clock + work as f64;
        env.finishing.push(Reverse((finish.to_bits(), id)));
        let after = self.utilization(self.envs[ei].active);
        self.util_sum += after - before;
        self.next_completion(ei, t)
    }

    /// Time and generation of environment `e`'s next completion, after a change at `t`.
    fn next_completion(&mut self, e: usize, t: u64) -> (u64, u32) {
        let s = self.slowdown(self.envs[e].active);
        let env = &mut self.envs[e];
        env.generation = env.generation.wrapping_add(1);
        let Some(Reverse((bits, _))) = env.finishing.peek() else {
            return (u64::MAX, env.generation);
        };
        // Rounded to the nearest nanosecond: a request's work ends exactly when it should
        // (no systematic nanosecond late), and `complete` takes what is within half of one.
        let left = (f64::from_bits(*bits) - env.clock).max(0.0) * s;
        (t + left.round() as u64, env.generation)
    }

    /// Whether a completion event of environment `e` with `generation` is still current.
    pub(crate) fn current(&self, e: u32, generation: u32) -> bool {
        let env = &self.envs[e as usize];
        env.live && env.generation == generation
    }

    /// The requests of environment `e` that finish at `t` (pushed to `done`), and the time
    /// and generation of its next completion (`u64::MAX`: none). An environment that drains
    /// and has no request left leaves.
    pub(crate) fn complete(&mut self, e: u32, t: u64, done: &mut Vec<Flight>) -> (u64, u32) {
        let ei = e as usize;
        self.integrate(t);
        self.advance(ei, t);
        let was_active = self.envs[ei].active;
        let before = self.utilization(was_active);
        let s = self.slowdown(was_active);
        loop {
            let env = &mut self.envs[ei];
            let Some(Reverse((bits, id))) = env.finishing.peek().copied() else {
                break;
            };
            // Less than half a nanosecond of real time left: the event was scheduled for it
            // (see `next_completion`), so it ends now.
            if (f64::from_bits(bits) - env.clock) * s >= 0.5 {
                break;
            }
            env.finishing.pop();
            env.active -= 1;
            done.push(self.flights[id as usize]);
            self.free_flights.push(id);
        }
        let env = &self.envs[ei];
        if was_active > 0 && env.active == 0 {
            self.busy -= 1;
        }
        let draining = env.draining;
        let after = if draining {
            0.0
        } else {
            self.utilization(env.active)
        };
        if !draining {
            self.util_sum += after - before;
        }
        if draining && env.active == 0 {
            self.envs[ei].live = false;
            self.live -= 1;
            return (u64::MAX, 0);
        }
        self.next_completion(ei, t)
    }

    /// Closes the period that ends at `t`; returns how many environments to launch (> 0) or
    /// to drain (< 0).
    pub(crate) fn evaluate(&mut self, t: u64) -> i64 {
        self.integrate(t);
        let u = if self.ready_area > 0.0 {
            self.util_area / self.ready_area
        } else {
            0.0
        };
        let have = self.ready as f64;
        self.util_area = 0.0;
        self.ready_area = 0.0;
        let max = self.cfg.max_environments.unwrap_or(u32::MAX);
        let wanted = ((have * u / self.cfg.target_utilization - 1e-9)
            .ceil()
            .max(0.0) as u32)
            .clamp(self.cfg.min_environments, max);
        let coming = self.ready + self.pending;
        if wanted > coming {
            self.below = 0;
            return (wanted - coming) as i64;
        }
        if wanted < self.ready {
            self.below_max = if self.below == 0 {
                wanted
            } else {
                self.below_max.max(wanted)
            };
            self.below += 1;
            if self.below >= SCALE_IN_PERIODS {
                // Down to the most any period of the window wanted (a stabilization window).
                self.below = 0;
                return -((self.ready - self.below_max) as i64);
            }
        } else {
            self.below = 0;
        }
        0
    }

    /// Drains `n` ready environments at `t`, the least busy first; idle ones leave now.
    pub(crate) fn drain(&mut self, t: u64, n: u32) {
        self.integrate(t);
        for _ in 0..n {
            let pick = self
                .envs
                .iter()
                .enumerate()
                .filter(|(_, e)| e.live && !e.draining)
                .min_by_key(|(i, e)| (e.active, Reverse(*i)))
                .map(|(i, _)| i);
            let Some(i) = pick else { break };
            let before = self.utilization(self.envs[i].active);
            self.util_sum -= before;
            self.ready -= 1;
            let env = &mut self.envs[i];
            env.draining = true;
            if env.active == 0 {
                env.live = false;
                self.live -= 1;
            }
        }
    }
}

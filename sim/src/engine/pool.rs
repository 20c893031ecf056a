//! The environment pool and lifecycle: the arena of execution environments, each function's
//! idle environments in routing order, keep-alive expiry and `max-lifetime`, and the idle
//! provisioned environments.
//!
//! Lifecycle: `Initializing` (a cold start runs init) → `Busy` (one invocation) → `Idle` (kept
//! warm until keep-alive or `max-lifetime` ends, or reused) → `Reclaimed` (its slot is reused).
//! Provisioned environments are created idle and ready, are used before on-demand ones and
//! never expire while provisioned.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

use crate::heap::{IndexedHeap, NOT_IN_HEAP};
use crate::model::{Function, KeepAlivePolicy, Routing};
use crate::observer::{Counts, Outcome};
use crate::rng::{Component, stream};

use super::source::SourceId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnvState {
    Initializing,
    Busy,
    Idle,
    Reclaimed,
}

/// One execution environment and the invocation it runs.
#[derive(Clone, Debug)]
pub(crate) struct Env {
    pub(crate) function: u32,
    pub(crate) state: EnvState,
    pub(crate) provisioned: bool,
    pub(crate) cold: bool,
    pub(crate) outcome: Outcome,
    /// Source of the invocation in progress.
    pub(crate) source: SourceId,
    pub(crate) created: u64,
    created_seq: u64,
    /// Its rank in its function's `newest` pool ([`Ranks`]); [`NO_RANK`] when the pool is not
    /// `newest` or the environment is provisioned.
    rank: u32,
    /// Unique number of the current idle period (validates lazy entries).
    idle_seq: u64,
    // The invocation in progress.
    pub(crate) arrival: u64,
    pub(crate) init: u64,
    /// Execution time; while initializing, the trace's duration (`u64::MAX` when none).
    pub(crate) exec: u64,
    /// The request's first try, its source's token, records, added time, retry flag, and
    /// whether the error rate applies to it as a whole.
    pub(crate) origin: u64,
    pub(crate) token: u32,
    pub(crate) records: u32,
    pub(crate) extra: u64,
    pub(crate) retry: bool,
    pub(crate) whole_error: bool,
}

impl Env {
    /// Takes the request's fields that travel with its invocation.
    #[inline(always)]
    pub(crate) fn set_request(&mut self, req: &super::Request) {
        self.origin = req.origin.0;
        self.token = req.token;
        self.records = req.records;
        self.extra = req.extra;
        self.retry = req.retry;
        self.whole_error = req.whole_error;
    }
}

/// Every environment of the run, by id; reclaimed slots are reused.
#[derive(Default)]
pub(crate) struct Environments {
    envs: Vec<Env>,
    free: Vec<u32>,
    pos_pool: Vec<u32>,
    pos_expiry: Vec<u32>,
    created_seq: u64,
    idle_seq: u64,
}

/// Idle on-demand environments in routing order.
///
/// `newest` and `random` add and remove idle environments exactly. `mru` and `lru` delete
/// lazily: an expired environment's entry is skipped when it surfaces, and the pool is
/// compacted when stale entries pile up. An environment leaves an idle period either by being
/// taken, which removes its own entry, or by expiring, which reclaims it; so each idle
/// environment has exactly one entry, and an entry is live exactly when its environment is
/// idle in the same idle period.
enum Pool {
    /// `newest`: the environment created last first (see [`Ranks`]).
    Newest(Ranks),
    /// `mru`: the idle periods in the order they began, the last one taken first (a stack).
    Mru(Vec<(u32, u64)>),
    /// `lru`: the idle periods in the order they began, the first one taken first (a FIFO).
    Lru(VecDeque<(u32, u64)>),
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

/// The environments of one function: counts, idle pools, keep-alive.
pub(crate) struct FnPool {
    rng_keep_alive: ChaCha8Rng,
    rng_routing: ChaCha8Rng,
    keep_alive: KeepAlivePolicy,
    max_lifetime: Option<u64>,
    /// Idle on-demand environments, ordered for routing.
    pool: Pool,
    /// Idle on-demand environments (the live entries of `pool`).
    idle_ondemand: usize,
    /// Idle on-demand environments by expiry time.
    expiry: Expiry,
    /// Time of the pending `Expire` event that is current, if any.
    pub(crate) timer: Option<u64>,
    /// Idle provisioned environments (used first).
    pub(crate) prov_idle: Vec<u32>,
    /// Provisioned concurrency configured now.
    pub(crate) prov_target: u32,
    /// Provisioned environments added by auto scaling that are still in their init.
    pub(crate) prov_initializing: u32,
    /// Environment counts now.
    pub(crate) counts: Counts,
}

impl FnPool {
    /// The pool of function `f`, its streams derived from `seed`.
    pub(crate) fn new(f: &Function, seed: u64) -> Self {
        FnPool {
            rng_keep_alive: stream(seed, &f.name, Component::KeepAlive),
            rng_routing: stream(seed, &f.name, Component::Routing),
            keep_alive: f.keep_alive.policy.clone(),
            max_lifetime: f.keep_alive.max_lifetime.map(|d| d.0),
            pool: match f.routing {
                Routing::Newest => Pool::Newest(Ranks::default()),
                Routing::Mru => Pool::Mru(Vec::new()),
                Routing::Lru => Pool::Lru(VecDeque::new()),
                Routing::Random => Pool::Random(IndexedHeap::new()),
            },
            idle_ondemand: 0,
            expiry: match (&f.keep_alive.policy, f.keep_alive.max_lifetime) {
                // Fixed keep-alive: expiry times grow with the idle order, so a FIFO with lazy
                // deletion replaces the heap (O(1) per invocation).
                (KeepAlivePolicy::Fixed { .. }, None) => Expiry::Fifo(VecDeque::new()),
                _ => Expiry::Heap(IndexedHeap::new()),
            },
            timer: None,
            prov_idle: Vec::new(),
            prov_target: 0,
            prov_initializing: 0,
            counts: Counts::default(),
        }
    }

    /// Until when an on-demand environment created at `created` stays warm after an
    /// invocation that ends at `now`: the keep-alive (drawn unless fixed), cut at
    /// `max-lifetime`; `None` when its lifetime is over (it is recycled now).
    #[inline]
    pub(crate) fn idle_until(&mut self, now: u64, created: u64) -> Option<u64> {
        let lifetime_end = self.max_lifetime.map(|l| created.saturating_add(l));
        if lifetime_end.is_some_and(|end| now >= end) {
            return None;
        }
        let keep = self.keep_alive.draw(&mut self.rng_keep_alive);
        Some(
            now.saturating_add(keep)
                .min(lifetime_end.unwrap_or(u64::MAX)),
        )
    }
}

/// Whether an entry `(env, idle_seq)` (of an `mru` or `lru` pool, or of a FIFO of expiries) is
/// live: that idle period of the environment is the current one.
#[inline(always)]
fn idle_period_live(envs: &[Env], id: u32, seq: u64) -> bool {
    let env = &envs[id as usize];
    env.state == EnvState::Idle && env.idle_seq == seq
}

/// Rank of an environment outside any `newest` pool.
const NO_RANK: u32 = u32::MAX;

/// A freed rank of a `newest` pool.
const NO_ENV: u32 = u32::MAX;

/// The `newest` routing pool of one function: its on-demand environments numbered in the
/// order they were created (their rank), and one bit per rank, set while that environment is
/// idle. The newest idle environment is the highest bit set: a leading-zero count per 64
/// ranks, scanned from the newest (where, with this routing, the idle ones are), instead of a
/// heap whose levels are a chain of unpredictable comparisons. Idle periods are added and
/// removed exactly (no stale entries). Reclaimed environments leave their rank free; the
/// ranks are renumbered, in the same order, when the free ones outnumber the others.
#[derive(Default)]
struct Ranks {
    /// The environment of each rank ([`NO_ENV`] once reclaimed).
    by_rank: Vec<u32>,
    /// Bit `r % 64` of word `r / 64`: the environment of rank `r` is idle.
    idle: Vec<u64>,
    /// Ranks whose environment is not reclaimed.
    live: usize,
}

impl Ranks {
    /// Gives environment `e` (just created) the next rank.
    fn add(&mut self, envs: &mut [Env], e: u32) -> u32 {
        self.tidy(envs);
        let r = self.by_rank.len();
        if r.is_multiple_of(64) {
            self.idle.push(0);
        }
        self.by_rank.push(e);
        self.live += 1;
        r as u32
    }

    /// Frees rank `r` (its environment is reclaimed; it is not idle in the pool).
    fn free(&mut self, r: u32) {
        debug_assert!(!self.is_idle(r));
        self.by_rank[r as usize] = NO_ENV;
        self.live -= 1;
    }

    fn is_idle(&self, r: u32) -> bool {
        self.idle[r as usize / 64] >> (r % 64) & 1 == 1
    }

    #[inline]
    fn set_idle(&mut self, r: u32) {
        self.idle[r as usize / 64] |= 1 << (r % 64);
    }

    #[inline]
    fn clear_idle(&mut self, r: u32) {
        self.idle[r as usize / 64] &= !(1 << (r % 64));
    }

    /// Removes the newest idle environment from the pool and returns it.
    #[inline]
    fn take_newest(&mut self) -> Option<u32> {
        let (w, bits) = self
            .idle
            .iter()
            .enumerate()
            .rev()
            .find(|&(_, &bits)| bits != 0)?;
        let r = (w * 64 + 63 - bits.leading_zeros() as usize) as u32;
        self.clear_idle(r);
        Some(self.by_rank[r as usize])
    }

    /// Renumbers when the freed ranks outnumber the live ones by more than 64, after every
    /// creation and reclaim: the words scanned for the newest idle environment then stay at
    /// most about twice as many as the live environments need, and a renumbering, O(ranks),
    /// comes after at least as many creations or reclaims.
    #[inline]
    fn tidy(&mut self, envs: &mut [Env]) {
        if self.by_rank.len() >= 2 * self.live + 64 {
            self.renumber(envs);
        }
    }

    /// Numbers the live environments 0, 1, … in the same order, dropping the freed ranks.
    #[cold]
    fn renumber(&mut self, envs: &mut [Env]) {
        let mut by_rank = Vec::with_capacity(self.live);
        let mut idle = vec![0u64; self.live.div_ceil(64)];
        for (old, &e) in self.by_rank.iter().enumerate() {
            if e == NO_ENV {
                continue;
            }
            let r = by_rank.len();
            if self.is_idle(old as u32) {
                idle[r / 64] |= 1 << (r % 64);
            }
            envs[e as usize].rank = r as u32;
            by_rank.push(e);
        }
        self.by_rank = by_rank;
        self.idle = idle;
    }
}

impl Environments {
    /// Environment `e`.
    #[inline]
    pub(crate) fn get(&self, e: u32) -> &Env {
        &self.envs[e as usize]
    }

    /// Environment `e`, mutable.
    #[inline]
    pub(crate) fn get_mut(&mut self, e: u32) -> &mut Env {
        &mut self.envs[e as usize]
    }

    /// A new environment of function `f` (whose pool is `fp`) created at `now`.
    pub(crate) fn alloc(
        &mut self,
        fp: &mut FnPool,
        f: u32,
        provisioned: bool,
        state: EnvState,
        now: u64,
    ) -> u32 {
        self.created_seq += 1;
        let env = Env {
            function: f,
            state,
            provisioned,
            cold: false,
            outcome: Outcome::Success,
            source: 0,
            created: now,
            created_seq: self.created_seq,
            rank: NO_RANK,
            idle_seq: 0,
            arrival: 0,
            init: 0,
            exec: 0,
            origin: 0,
            token: 0,
            records: 1,
            extra: 0,
            retry: false,
            whole_error: true,
        };
        fp.counts.total += 1;
        if provisioned {
            fp.counts.provisioned += 1;
        }
        let id = if let Some(id) = self.free.pop() {
            self.envs[id as usize] = env;
            id
        } else {
            self.envs.push(env);
            self.pos_pool.push(NOT_IN_HEAP);
            self.pos_expiry.push(NOT_IN_HEAP);
            (self.envs.len() - 1) as u32
        };
        if let (Pool::Newest(ranks), false) = (&mut fp.pool, provisioned) {
            self.envs[id as usize].rank = ranks.add(&mut self.envs, id);
        }
        id
    }

    /// Marks `e` reclaimed and frees its slot; the counts of its function (pool `fp`) drop.
    #[inline]
    pub(crate) fn release(&mut self, fp: &mut FnPool, e: u32) {
        let env = &mut self.envs[e as usize];
        debug_assert_ne!(env.state, EnvState::Reclaimed);
        env.state = EnvState::Reclaimed;
        fp.counts.total -= 1;
        if env.provisioned {
            fp.counts.provisioned -= 1;
        }
        let rank = env.rank;
        if let (Pool::Newest(ranks), true) = (&mut fp.pool, rank != NO_RANK) {
            ranks.free(rank);
            ranks.tidy(&mut self.envs);
        }
        self.free.push(e);
    }

    /// Puts on-demand environment `e` (of pool `fp`) in the idle pool until `expires`; returns
    /// true when `expires` is the function's new earliest expiry (`fp.timer`), for which an
    /// expiry event must be scheduled.
    #[inline]
    pub(crate) fn make_idle(&mut self, fp: &mut FnPool, e: u32, expires: u64) -> bool {
        self.envs[e as usize].state = EnvState::Idle;
        self.idle_seq += 1;
        let seq = self.idle_seq;
        self.envs[e as usize].idle_seq = seq;
        fp.idle_ondemand += 1;
        // Stale entries are dropped when they outnumber the live ones by more than 64.
        let crowded = |len: usize| len > 2 * fp.idle_ondemand + 64;
        let envs = &self.envs;
        let live = |&(id, seq): &(u32, u64)| idle_period_live(envs, id, seq);
        match &mut fp.pool {
            Pool::Random(h) => h.push(self.envs[e as usize].created_seq, e, &mut self.pos_pool),
            Pool::Newest(ranks) => ranks.set_idle(self.envs[e as usize].rank),
            Pool::Mru(v) => {
                if crowded(v.len()) {
                    v.retain(live);
                }
                v.push((e, seq));
            }
            Pool::Lru(q) => {
                if crowded(q.len()) {
                    q.retain(live);
                }
                q.push_back((e, seq));
            }
        }
        match &mut fp.expiry {
            Expiry::Fifo(q) => {
                debug_assert!(q.back().is_none_or(|b| b.0 <= expires));
                q.push_back((expires, e, self.idle_seq));
            }
            Expiry::Heap(h) => h.push(expires, e, &mut self.pos_expiry),
        }
        if fp.timer.is_none_or(|tm| expires < tm) {
            fp.timer = Some(expires);
            true
        } else {
            false
        }
    }

    /// Takes an idle on-demand environment of pool `fp`, chosen by its routing policy.
    #[inline]
    pub(crate) fn take_idle(&mut self, fp: &mut FnPool) -> Option<u32> {
        let e = match &mut fp.pool {
            Pool::Random(h) => {
                if h.is_empty() {
                    return None;
                }
                let i = fp.rng_routing.random_range(0..h.len());
                let id = h.item(i);
                h.remove(id, &mut self.pos_pool);
                id
            }
            Pool::Newest(ranks) => ranks.take_newest()?,
            Pool::Mru(v) => loop {
                let (id, seq) = v.pop()?;
                if idle_period_live(&self.envs, id, seq) {
                    break id;
                }
            },
            Pool::Lru(q) => loop {
                let (id, seq) = q.pop_front()?;
                if idle_period_live(&self.envs, id, seq) {
                    break id;
                }
            },
        };
        fp.idle_ondemand -= 1;
        match &mut fp.expiry {
            Expiry::Fifo(q) => {
                // Lazy deletion; compact when stale entries dominate so memory stays
                // proportional to the idle environments (each compaction removes at least
                // three stale entries per live one, so it costs O(1) per invocation; the slack
                // is small because an account of thousands of functions pays it per function).
                if q.len() > 4 * fp.idle_ondemand + 32 {
                    let envs = &self.envs;
                    q.retain(|&(_, id, seq)| id != e && idle_period_live(envs, id, seq));
                }
            }
            Expiry::Heap(h) => h.remove(e, &mut self.pos_expiry),
        }
        self.envs[e as usize].idle_seq = 0;
        Some(e)
    }

    /// The idle environment of pool `fp` that expires first and its expiry, dropping stale
    /// FIFO entries on the way.
    #[inline]
    pub(crate) fn peek_expiry(&mut self, fp: &mut FnPool) -> Option<(u64, u32)> {
        match &mut fp.expiry {
            Expiry::Heap(h) => h.peek(),
            Expiry::Fifo(q) => {
                while let Some(&(exp, id, seq)) = q.front() {
                    if idle_period_live(&self.envs, id, seq) {
                        return Some((exp, id));
                    }
                    q.pop_front();
                }
                None
            }
        }
    }

    /// Removes from pool `fp` an idle environment whose keep-alive has ended by `now`, if
    /// any (the caller reclaims it).
    #[inline]
    pub(crate) fn pop_expired(&mut self, fp: &mut FnPool, now: u64) -> Option<u32> {
        let (exp, e) = self.peek_expiry(fp)?;
        if exp > now {
            return None;
        }
        match &mut fp.expiry {
            Expiry::Fifo(q) => {
                q.pop_front();
            }
            Expiry::Heap(h) => {
                h.pop(&mut self.pos_expiry);
            }
        }
        fp.idle_ondemand -= 1;
        match &mut fp.pool {
            Pool::Random(h) => h.remove(e, &mut self.pos_pool),
            Pool::Newest(ranks) => ranks.clear_idle(self.envs[e as usize].rank),
            // The other ordered pools drop the entry lazily.
            Pool::Mru(_) | Pool::Lru(_) => {}
        }
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `newest` pool hands out the idle environment created last, through creations,
    /// idle periods, takes, expiries and reclaims (enough of them to renumber the ranks many
    /// times), as a plain model of the idle set does; expiries take the environment idle
    /// longest (a fixed keep-alive).
    #[test]
    fn the_newest_pool_takes_the_idle_environment_created_last() {
        let f = crate::testing::simple_function("f", 1.0, 100.0, "10m");
        assert_eq!(f.routing, Routing::Newest);
        let mut fp = FnPool::new(&f, 1);
        let mut envs = Environments::default();
        // The model: busy environments, and idle ones in the order their idle period began.
        let mut busy: Vec<u32> = Vec::new();
        let mut idle: Vec<u32> = Vec::new();
        let (mut renumbered, mut ranks_before) = (0, 0);
        for step in 0..200_000u64 {
            let now = step * 1_000;
            let x = crate::rng::splitmix64(step);
            match x % 10 {
                // A cold start.
                0 | 1 => {
                    let e = envs.alloc(&mut fp, 0, false, EnvState::Busy, now);
                    busy.push(e);
                }
                // An invocation ends: its environment stays warm for 10 minutes.
                2..=4 if !busy.is_empty() => {
                    let e = busy.swap_remove((x >> 8) as usize % busy.len());
                    envs.make_idle(&mut fp, e, now + 600_000_000_000);
                    idle.push(e);
                }
                // A request takes the idle environment created last.
                5..=7 => {
                    let newest = idle
                        .iter()
                        .enumerate()
                        .max_by_key(|&(_, &e)| envs.get(e).created_seq)
                        .map(|(i, _)| i);
                    let want = newest.map(|i| idle.remove(i));
                    assert_eq!(envs.take_idle(&mut fp), want, "step {step}");
                    busy.extend(want);
                }
                // The environment idle longest expires and is reclaimed.
                8 if !idle.is_empty() => {
                    let e = envs.pop_expired(&mut fp, u64::MAX);
                    assert_eq!(e, Some(idle.remove(0)), "step {step}");
                    envs.release(&mut fp, e.expect("an environment expired"));
                }
                // A busy environment is discarded (a timeout).
                9 if !busy.is_empty() => {
                    let e = busy.swap_remove((x >> 8) as usize % busy.len());
                    envs.release(&mut fp, e);
                }
                _ => {}
            }
            if let Pool::Newest(ranks) = &fp.pool {
                assert_eq!(ranks.live, busy.len() + idle.len());
                // The words scanned stay within about twice what the live ones need.
                assert!(ranks.by_rank.len() < 2 * ranks.live + 64, "step {step}");
                if ranks.by_rank.len() < ranks_before {
                    renumbered += 1;
                }
                ranks_before = ranks.by_rank.len();
            }
            assert_eq!(fp.idle_ondemand, idle.len());
        }
        assert!(
            renumbered > 10,
            "the ranks were renumbered {renumbered} times"
        );
    }
}

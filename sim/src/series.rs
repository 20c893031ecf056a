//! Time series and an invocation sample of a run, for `report-data.json`, the Parquet files and
//! the charts: what [`runner::run_with_series`](crate::runner::run_with_series) adds to a run.
//!
//! - [`SeriesRecorder`] is the [`Recorder`]'s [`Detail`]: the recorder hands it every event
//!   with the counts before a change and each invocation's charge, and it fills one
//!   replicate's per-bucket counters in O(1) per event (environment counts are integrated
//!   with a difference array, so a long idle gap costs nothing more than a short one; an
//!   invocation's busy time is added when it completes). Requests are counted in the bucket
//!   of their *arrival*, like `summary.json` counts them in the window of their arrival.
//! - [`bucket_width`] picks the bucket width so the number of buckets stays bounded.
//! - The sampler keeps a uniform random sample of the measured window's invocations, at most
//!   [`SeriesOptions::sample_cap`] rows over all replicates, drawn with its own random stream
//!   (derived from the replicate seed) so the engine's streams and results are untouched.
//! - [`report_data`] averages the replicates' series and builds the latency CDFs from the
//!   [`Recorder`]'s HDR histograms.
//!
//! Memory is bounded whatever the run length: a replicate holds `O(functions × buckets)`
//! counters and at most `sample_cap` sampled rows.

use std::cmp::Ordering;

use hdrhistogram::Histogram;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::cost::{Bill, Charge, PriceBook};
use crate::histogram::CompactHistogram;
use crate::metrics::{Detail, Recorder};
use crate::model::Scenario;
use crate::observer::{Counts, Invocation};
use crate::report_data::{
    ACCOUNT_SERIES_NAME, AccountSeries, FunctionSeries, REPORT_DATA_SCHEMA_VERSION, ReportData,
};
use crate::rng::splitmix64;
use crate::summary::Summary;
use crate::time::{NS_PER_D, NS_PER_MS, NS_PER_S, SimTime};

/// Default most buckets per function: 1-second buckets for runs up to 2 h 46 min, then the
/// widths of [`BUCKET_LADDER_S`].
pub const DEFAULT_MAX_BUCKETS: usize = 10_000;

/// Default most sampled invocations over all replicates (`invocations.parquet` rows).
pub const DEFAULT_SAMPLE_CAP: usize = 100_000;

/// Most points of each latency CDF in `report-data.json`.
pub const CDF_MAX_POINTS: usize = 400;

/// Many-function layout ([`crate::aggregate::many_functions`]): most buckets of all the
/// functions' series together, so that their counters stay within a fixed budget whatever the
/// number of functions (each function gets `budget / functions` buckets, at least one).
pub const DEFAULT_FUNCTION_BUCKET_BUDGET: usize = 360_000;

/// Many-function layout: most buckets of one function's series (the account's series keeps
/// up to [`SeriesOptions::max_buckets`]).
pub const FUNCTION_MAX_BUCKETS: usize = 360;

/// Bucket widths tried in order, s; past the last, whole days.
pub const BUCKET_LADDER_S: [u64; 6] = [1, 10, 60, 300, 3600, 86_400];

/// What to collect besides the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesOptions {
    /// Most buckets per function (at least 1). Default [`DEFAULT_MAX_BUCKETS`].
    pub max_buckets: usize,
    /// Most sampled invocations over all replicates (0: no sample). Default
    /// [`DEFAULT_SAMPLE_CAP`].
    pub sample_cap: usize,
    /// Many-function layout: most buckets of all the functions' series together. Default
    /// [`DEFAULT_FUNCTION_BUCKET_BUDGET`].
    pub function_bucket_budget: usize,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            max_buckets: DEFAULT_MAX_BUCKETS,
            sample_cap: DEFAULT_SAMPLE_CAP,
            function_bucket_budget: DEFAULT_FUNCTION_BUCKET_BUDGET,
        }
    }
}

/// The grids of a run's series: the account's and the functions'.
///
/// With a few functions there is no account series and every function has the full grid
/// (`max_buckets`). In the many-function layout the account (all functions together) keeps
/// the full grid and each function gets a coarser one, at most [`FUNCTION_MAX_BUCKETS`] and
/// `function_bucket_budget / functions` buckets, so memory does not grow with the number of
/// functions beyond the budget. The function grid's width is a whole multiple of the
/// account's (the widths of [`BUCKET_LADDER_S`] divide one another); when it could not be
/// (runs of thousands of days), the account takes the function grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesGrids {
    /// The account's grid, in the many-function layout.
    pub account: Option<BucketGrid>,
    /// Every function's grid.
    pub function: BucketGrid,
}

impl SeriesGrids {
    /// The grids of `scenario` with `options`.
    pub fn new(scenario: &Scenario, options: &SeriesOptions) -> Self {
        let full = BucketGrid::new(scenario, options.max_buckets);
        if !crate::aggregate::many_functions(scenario) {
            return SeriesGrids {
                account: None,
                function: full,
            };
        }
        let n = scenario.functions.len().max(1);
        let max = (options.function_bucket_budget / n)
            .clamp(1, FUNCTION_MAX_BUCKETS)
            .min(options.max_buckets.max(1));
        let function = BucketGrid::new(scenario, max);
        let account = if function.width.0.is_multiple_of(full.width.0) {
            full
        } else {
            function
        };
        SeriesGrids {
            account: Some(account),
            function,
        }
    }
}

/// The bucket width for a run of `duration` with `warmup`: the first width of
/// [`BUCKET_LADDER_S`] (then whole days) giving at most `max_buckets` buckets and dividing the
/// warm-up, so that every bucket lies either in the warm-up or in the measured window and the
/// window's buckets add up to `summary.json`. When no such width exists (a warm-up that is not
/// a whole number of seconds, or of the coarser widths), the first width giving at most
/// `max_buckets` buckets; the bucket holding the warm-up's end then mixes both.
pub fn bucket_width(duration: SimTime, warmup: SimTime, max_buckets: usize) -> SimTime {
    let max = max_buckets.max(1) as u64;
    let count = |w: u64| duration.0.div_ceil(w).max(1);
    let days = duration.0.div_ceil(NS_PER_D).div_ceil(max).max(1);
    let candidates = BUCKET_LADDER_S
        .iter()
        .map(|s| s * NS_PER_S)
        .chain(std::iter::once(days * NS_PER_D))
        .filter(|w| count(*w) <= max);
    let mut first = None;
    for w in candidates {
        first.get_or_insert(w);
        if warmup.0.is_multiple_of(w) {
            return SimTime(w);
        }
    }
    SimTime(first.unwrap_or(days * NS_PER_D))
}

/// The bucket grid of a run: `count` buckets of `width`, the last one cut short at `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketGrid {
    /// Bucket width.
    pub width: SimTime,
    /// Number of buckets (`⌈end / width⌉`, at least 1).
    pub count: usize,
    /// End of the run (`[simulation] duration`).
    pub end: SimTime,
    /// Start of the measured window (`[simulation] warmup`).
    pub warmup: SimTime,
}

impl BucketGrid {
    /// The grid of `scenario` with at most `max_buckets` buckets (see [`bucket_width`]).
    pub fn new(scenario: &Scenario, max_buckets: usize) -> Self {
        let sim = &scenario.simulation;
        let width = bucket_width(sim.duration, sim.warmup, max_buckets);
        BucketGrid::of_width(width, sim.duration, sim.warmup)
    }

    /// The grid of buckets of `width` (at least 1 ns) up to `end`, measured from `warmup`.
    pub fn of_width(width: SimTime, end: SimTime, warmup: SimTime) -> Self {
        let width = SimTime(width.0.max(1));
        BucketGrid {
            width,
            count: end.0.div_ceil(width.0).max(1) as usize,
            end,
            warmup,
        }
    }

    /// The bucket holding time `t` (the last bucket for `t` past the end).
    #[inline]
    pub fn index(&self, t: u64) -> usize {
        ((t / self.width.0) as usize).min(self.count - 1)
    }

    /// Start of bucket `i`, ns.
    pub fn start(&self, i: usize) -> u64 {
        i as u64 * self.width.0
    }

    /// Length of bucket `i` (the last may be shorter than the width), ns.
    pub fn len(&self, i: usize) -> u64 {
        (self.start(i) + self.width.0).min(self.end.0) - self.start(i)
    }

    /// True when the grid has no buckets (never: there is always at least one).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// True when bucket `i` starts in the measured window (`start ≥ warmup`).
    pub fn in_window(&self, i: usize) -> bool {
        self.start(i) >= self.warmup.0
    }

    /// Part of bucket `i` inside the measured window, ns.
    fn window_overlap(&self, i: usize) -> u64 {
        let a = self.start(i).max(self.warmup.0);
        let b = (self.start(i) + self.len(i)).min(self.end.0);
        b.saturating_sub(a)
    }
}

/// One sampled invocation (`invocations.parquet` row).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampledInvocation {
    /// Replicate index (0-based).
    pub replicate: u32,
    /// Index of the function in the scenario.
    pub function: u32,
    /// Arrival time since the start of the run.
    pub arrival: SimTime,
    /// It started a new environment.
    pub cold: bool,
    /// It ran on a provisioned environment.
    pub provisioned: bool,
    /// It hit the function's timeout.
    pub timed_out: bool,
    /// Init (or SnapStart restore) time; zero when warm.
    pub init: SimTime,
    /// Execution time.
    pub duration: SimTime,
    /// Billed duration: the execution rounded up to the billing granularity, plus the INIT
    /// rounded up to 1 ms when the billing rules bill it (on-demand cold starts only).
    pub billed: SimTime,
}

impl SampledInvocation {
    /// Latency seen by the caller: init plus execution.
    pub fn latency(&self) -> SimTime {
        self.init + self.duration
    }
}

/// A uniform random sample of the measured window's invocations over all replicates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InvocationSample {
    /// The most rows kept.
    pub cap: usize,
    /// Invocations in the measured window over all replicates (what was sampled from).
    pub population: u64,
    /// `min(cap, population)` rows, ordered by replicate, then arrival, then function.
    pub rows: Vec<SampledInvocation>,
}

/// A sampled row with its random key: the sample keeps the `cap` smallest keys ("bottom-k"),
/// which is a uniform sample without replacement and does not depend on the order in which
/// replicates are merged.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
#[serde(into = "KeyedRow", from = "KeyedRow")]
struct Keyed {
    key: u64,
    seq: u64,
    row: SampledInvocation,
}

/// [`Keyed`] as a shard file lists it, one short array per row: key, sequence number,
/// replicate, function, arrival (ns), flags (1 cold, 2 provisioned, 4 timed out), init,
/// duration and billed duration (ns).
#[derive(Clone, Copy, serde::Serialize, serde::Deserialize)]
struct KeyedRow(u64, u64, u32, u32, u64, u8, u64, u64, u64);

impl From<Keyed> for KeyedRow {
    fn from(k: Keyed) -> Self {
        let r = k.row;
        let flags = r.cold as u8 | (r.provisioned as u8) << 1 | (r.timed_out as u8) << 2;
        KeyedRow(
            k.key,
            k.seq,
            r.replicate,
            r.function,
            r.arrival.0,
            flags,
            r.init.0,
            r.duration.0,
            r.billed.0,
        )
    }
}

impl From<KeyedRow> for Keyed {
    fn from(k: KeyedRow) -> Self {
        Keyed {
            key: k.0,
            seq: k.1,
            row: SampledInvocation {
                replicate: k.2,
                function: k.3,
                arrival: SimTime(k.4),
                cold: k.5 & 1 != 0,
                provisioned: k.5 & 2 != 0,
                timed_out: k.5 & 4 != 0,
                init: SimTime(k.6),
                duration: SimTime(k.7),
                billed: SimTime(k.8),
            },
        }
    }
}

impl Keyed {
    fn rank(&self) -> (u64, u32, u64) {
        (self.key, self.row.replicate, self.seq)
    }
}

impl PartialEq for Keyed {
    fn eq(&self, o: &Self) -> bool {
        self.rank() == o.rank()
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Keyed {
    fn cmp(&self, o: &Self) -> Ordering {
        self.rank().cmp(&o.rank())
    }
}

/// The `cap` rows with the smallest keys seen so far.
///
/// Rows are appended to a buffer while their key is below the threshold; when the buffer
/// holds `2·cap` rows it is cut back to its `cap` smallest (a linear-time selection) and the
/// largest kept becomes the threshold. That is O(1) amortized per row with sequential memory
/// access, and keeps exactly the rows a heap of the `cap` smallest would (ranks are unique).
#[derive(Clone, Debug)]
pub struct Reservoir {
    cap: usize,
    seen: u64,
    rows: Vec<Keyed>,
    /// The largest rank kept by the last cut: no row at or above it can be in the sample.
    threshold: Option<Keyed>,
    /// Keys above this are refused from the start: rows with them cannot be in the sample this
    /// one's joins (see [`SeriesRecorder::bound_sample_keys`]). `u64::MAX` by default.
    outer_bound: u64,
    /// A key above which no row can enter: the outer bound, or the key of the threshold when
    /// that is lower (kept up to date by [`Reservoir::cut`] and the outer bound's setter). A
    /// row with a key above it ranks above the threshold whatever its replicate and sequence
    /// number.
    key_bound: u64,
    /// The keys of the rows while they are cut (kept to spare an allocation per cut).
    scratch: Vec<u64>,
}

impl Default for Reservoir {
    fn default() -> Self {
        Reservoir::new(0)
    }
}

impl Reservoir {
    /// An empty reservoir keeping at most `cap` rows.
    pub fn new(cap: usize) -> Self {
        Reservoir {
            cap,
            seen: 0,
            rows: Vec::new(),
            threshold: None,
            outer_bound: u64::MAX,
            key_bound: u64::MAX,
            scratch: Vec::new(),
        }
    }

    /// Sets the outer bound (see [`SeriesRecorder::bound_sample_keys`]).
    fn bound_keys(&mut self, bound: u64) {
        self.outer_bound = bound;
        self.update_key_bound();
    }

    fn update_key_bound(&mut self) {
        self.key_bound = self
            .threshold
            .map_or(self.outer_bound, |t| t.key.min(self.outer_bound));
    }

    /// True when no row with `key` can enter (see the field `key_bound`).
    #[inline]
    fn refuses_key(&self, key: u64) -> bool {
        key > self.key_bound
    }

    #[inline]
    fn offer(&mut self, k: Keyed) {
        if self.cap == 0 || self.threshold.is_some_and(|t| k >= t) {
            return;
        }
        if self.rows.capacity() == 0 {
            // The buffer's whole size at once (up to 2²¹ rows, 128 MB of address space, for
            // caps set very high): growing it by doubling copied every row and touched twice
            // the memory, fresh pages each time. Pages are touched only as rows come.
            self.rows
                .reserve_exact(self.cap.saturating_mul(2).min(1 << 21));
        }
        self.rows.push(k);
        if self.rows.len() >= self.cap.saturating_mul(2) {
            self.cut();
        }
    }

    /// Keeps the `cap` smallest rows and sets the threshold to the largest of them.
    fn cut(&mut self) {
        if self.rows.len() <= self.cap {
            return;
        }
        // The selection runs on the keys alone, 8 bytes an element instead of a 64-byte row.
        // When the `cap`-th smallest key is held by one row only, the rows with a key up to it
        // are exactly the `cap` smallest ranks (the rank begins with the key); a tie there (rare
        // with 64-bit keys) is broken by the whole rank.
        let mut keys = std::mem::take(&mut self.scratch);
        keys.clear();
        keys.extend(self.rows.iter().map(|k| k.key));
        let kth = *keys.select_nth_unstable(self.cap - 1).1;
        if keys.iter().filter(|&&k| k == kth).count() == 1 {
            self.rows.retain(|k| k.key <= kth);
        } else {
            self.rows.select_nth_unstable(self.cap - 1);
            self.rows.truncate(self.cap);
        }
        self.scratch = keys;
        self.threshold = self.rows.iter().max().copied();
        self.update_key_bound();
    }

    /// Adds another reservoir's rows (the result is the same in any merge order).
    pub fn merge(&mut self, mut other: Reservoir) {
        if self.rows.is_empty() && self.threshold.is_none() && self.cap == other.cap {
            // Nothing here yet: the other's rows are the merge, without copying them. This
            // one's outer bound stays.
            other.seen += self.seen;
            other.outer_bound = self.outer_bound;
            other.update_key_bound();
            *self = other;
            return;
        }
        self.seen += other.seen;
        for k in other.rows {
            self.offer(k);
        }
    }

    /// The sample, rows ordered by replicate, arrival, function.
    pub fn into_sample(mut self) -> InvocationSample {
        self.cut();
        // Rows alike in all four (same function, same arrival instant) follow their random
        // rank, so the order never depends on how the reservoirs were merged. The rank is
        // unique, so an unstable sort gives that one order, without a scratch buffer.
        self.rows.sort_unstable_by_key(|k| {
            let r = &k.row;
            (r.replicate, r.arrival, r.function, r.latency(), k.rank())
        });
        InvocationSample {
            cap: self.cap,
            population: self.seen,
            rows: self.rows.into_iter().map(|k| k.row).collect(),
        }
    }
}

/// The bucket last sought on a grid: a time inside it finds its bucket without a division
/// (events come in time order, so nearly every look-up hits it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor {
    idx: usize,
    start: u64,
    end: u64,
}

impl Cursor {
    /// A cursor on no bucket.
    pub(crate) fn new() -> Self {
        Cursor {
            idx: 0,
            start: 1,
            end: 0,
        }
    }

    /// A cursor on the bucket of `t` on `grid`: a copy of this one when `t` is in its bucket
    /// (this one stays where it is).
    #[inline]
    fn around(&self, grid: &BucketGrid, t: u64) -> Cursor {
        if t >= self.start && t < self.end {
            *self
        } else {
            Cursor::on(grid, t)
        }
    }

    /// The bucket of `t` on `grid`, moving the cursor there.
    #[inline]
    pub(crate) fn seek(&mut self, grid: &BucketGrid, t: u64) -> usize {
        if t < self.start || t >= self.end {
            *self = Cursor::on(grid, t);
        }
        self.idx
    }

    /// A cursor on the bucket of `t` on `grid`.
    fn on(grid: &BucketGrid, t: u64) -> Cursor {
        let idx = grid.index(t);
        let start = grid.start(idx);
        // The last bucket also holds every time past the end.
        let end = if idx + 1 == grid.count {
            u64::MAX
        } else {
            start + grid.width.0
        };
        Cursor { idx, start, end }
    }
}

/// What one bucket of one function counts, together in one cache line so that an event
/// touches one place. Billed nanoseconds are summed in 64 bits: 584 years of billed time per
/// bucket and function (saturating beyond).
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct Bucket {
    /// Billed duration on on-demand environments, ns.
    ondemand_ns: u64,
    /// Billed INIT of on-demand cold starts (rounded up to 1 ms, only where the billing rules
    /// bill INIT; not SnapStart restores), ns.
    init_ns: u64,
    /// Billed duration on provisioned environments, ns.
    provisioned_ns: u64,
    arrivals: u64,
    invocations: u64,
    cold_starts: u64,
    throttles: u64,
    /// SnapStart restores.
    restores: u64,
}

/// Environment counts of one bucket, from the changes of the counts: for total, busy,
/// provisioned and provisioned configured environments, each change in the bucket times the
/// time left in it, and the sum of the changes in the bucket before (so that prefix sums of
/// `diff` give the counts at each bucket's start). The bucket's ∫ counts dt is then
/// `count at its start × its length + partial`: one change costs one product per count, where
/// and however long the counts were held.
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct Levels {
    /// Σ change × (end of the bucket − time of the change), env·ns, modulo 2⁶⁴: the sum can
    /// pass through any value on its way, and the area it gives is exact whenever the area is
    /// below 2⁶⁴ env·ns (584 environment-years in one bucket).
    partial: [u64; 4],
    /// Σ changes in the previous bucket.
    diff: [i64; 4],
}

/// The lane of the busy environments in [`Levels`] (0 total, 1 busy, 2 provisioned,
/// 3 provisioned configured, or a managed-instances function's instances).
const BUSY: usize = 1;

/// Per-bucket counters of one function (or of the account) in one replicate.
#[derive(Clone, Debug)]
struct FnAcc {
    buckets: Vec<Bucket>,
    /// One more than the buckets (the difference array's end).
    levels: Vec<Levels>,
    /// The function's busy environments are its running invocations, each busy from its
    /// arrival to its completion (every function but those on managed instances, whose
    /// environments run several requests at once): the busy lane is then added an invocation
    /// at a time when it completes ([`FnAcc::busy_interval`]), not at each change of the
    /// counts. The two make the same levels: the same changes, added in another order.
    by_invocation: bool,
}

impl FnAcc {
    fn new(n: usize, by_invocation: bool) -> Self {
        FnAcc {
            buckets: vec![Bucket::default(); n],
            levels: vec![Levels::default(); n + 1],
            by_invocation,
        }
    }

    /// One counter over the buckets.
    fn column(&self, get: fn(&Bucket) -> u64) -> Vec<u64> {
        self.buckets.iter().map(get).collect()
    }

    /// The counts change by `delta` at `t`, before the grid's end, in the bucket `cur` is on
    /// (a cursor on `grid`).
    #[inline(always)]
    fn change(&mut self, grid: &BucketGrid, cur: &Cursor, t: u64, delta: [i64; 4]) {
        // Mostly one count moves (an environment created or gone, or on managed instances
        // an execution starting or ending).
        for (lane, d) in delta.into_iter().enumerate() {
            if d != 0 {
                self.change_lane(grid, cur, t, lane, d);
            }
        }
    }

    /// Count `lane` (0 total, 1 busy, 2 provisioned, 3 provisioned configured) changes by `d`
    /// at `t`, as [`FnAcc::change`] says.
    #[inline(always)]
    fn change_lane(&mut self, grid: &BucketGrid, cur: &Cursor, t: u64, lane: usize, d: i64) {
        let left = cur.end.min(grid.end.0) - t;
        let [here, next] = &mut self.levels[cur.idx..cur.idx + 2] else {
            unreachable!("a bucket has a next level")
        };
        here.partial[lane] = here.partial[lane].wrapping_add((d as u64).wrapping_mul(left));
        next.diff[lane] += d;
    }

    /// One more busy environment from `s` (in the bucket of `started`, a cursor on `grid`) to
    /// `t`, one fewer from then on; the busy environment is counted up to the grid's end when
    /// `t` is past it.
    #[inline(always)]
    fn busy_interval(
        &mut self,
        grid: &BucketGrid,
        started: &Cursor,
        s: u64,
        now: &mut Cursor,
        t: u64,
    ) {
        if t < started.end && t < grid.end.0 {
            // Both changes in one bucket: (end − s) − (end − t), and no change carried on.
            let p = &mut self.levels[started.idx].partial[BUSY];
            *p = p.wrapping_add(t - s);
            return;
        }
        self.change_lane(grid, started, s, BUSY, 1);
        if t < grid.end.0 {
            now.seek(grid, t);
            self.change_lane(grid, now, t, BUSY, -1);
        }
    }

    /// A completed invocation that arrived in bucket `b`.
    #[inline]
    fn complete(&mut self, b: usize, cold: bool, charge: &crate::cost::Charge) {
        let k = &mut self.buckets[b];
        k.invocations += 1;
        if cold {
            k.cold_starts += 1;
        }
        if charge.provisioned {
            k.provisioned_ns = k.provisioned_ns.saturating_add(charge.exec.0);
        } else {
            k.ondemand_ns = k.ondemand_ns.saturating_add(charge.exec.0);
            k.init_ns = k.init_ns.saturating_add(charge.init.0);
            k.restores += charge.restore as u64;
        }
    }

    /// ∫ total, busy, provisioned environments dt over each bucket, and ∫ provisioned
    /// configured dt (env·ns).
    fn areas(&self, grid: &BucketGrid) -> (Vec<[u128; 3]>, Vec<f64>) {
        let mut areas = vec![[0u128; 3]; grid.count];
        let mut configured = vec![0.0; grid.count];
        let mut running = [0i64; 4];
        for b in 0..grid.count {
            let len = grid.len(b);
            let mut area = [0u128; 4];
            for k in 0..4 {
                running[k] += self.levels[b].diff[k];
                let a = (running[k] as u64).wrapping_mul(len);
                area[k] = a.wrapping_add(self.levels[b].partial[k]) as u128;
            }
            areas[b].copy_from_slice(&area[..3]);
            configured[b] = area[3] as f64;
        }
        (areas, configured)
    }
}

/// The account's series in the many-function layout: every function's events on the
/// account's (finer) grid.
#[derive(Clone, Debug)]
struct AccountAcc {
    grid: BucketGrid,
    cur: Cursor,
    acc: FnAcc,
}

/// Records one replicate's time series (and its share of the invocation sample).
#[derive(Clone, Debug)]
pub struct SeriesRecorder {
    grid: BucketGrid,
    /// Cursor on `grid`.
    cur: Cursor,
    replicate: u32,
    functions: Vec<FnAcc>,
    /// Every function's busy lane is added by invocation ([`FnAcc::by_invocation`]).
    all_by_invocation: bool,
    /// The account's series (many-function layout only).
    account: Option<AccountAcc>,
    /// Queue backlog of each function's queued triggers (empty without any).
    backlog: Vec<Backlog>,
    /// Items waiting at each source, last reported.
    source_waiting: Vec<u64>,
    rng: ChaCha8Rng,
    seq: u64,
    reservoir: Reservoir,
}

/// Salt of the sampler's random stream (distinct from every engine stream, which are keyed by
/// function name and component).
const SAMPLER_SALT: u64 = 0x5A4D_504C_4552_0001;

impl SeriesRecorder {
    /// A recorder for replicate `replicate` (seed `seed`) of `scenario` on `grids`, sampling
    /// at most `sample_cap` invocations.
    pub fn new(
        scenario: &Scenario,
        grids: SeriesGrids,
        replicate: u32,
        seed: u64,
        sample_cap: usize,
    ) -> Self {
        let grid = grids.function;
        SeriesRecorder {
            grid,
            cur: Cursor::new(),
            replicate,
            all_by_invocation: scenario
                .functions
                .iter()
                .all(|f| f.compute.managed().is_none()),
            functions: scenario
                .functions
                .iter()
                .map(|f| FnAcc::new(grid.count, f.compute.managed().is_none()))
                .collect(),
            account: grids.account.map(|g| AccountAcc {
                grid: g,
                cur: Cursor::new(),
                // Each function's events say how its busy lane comes.
                acc: FnAcc::new(g.count, false),
            }),
            rng: ChaCha8Rng::seed_from_u64(splitmix64(seed ^ SAMPLER_SALT)),
            seq: 0,
            reservoir: Reservoir::new(sample_cap),
            backlog: scenario
                .functions
                .iter()
                .map(|f| Backlog::new(f, grid.count))
                .collect(),
            source_waiting: vec![0; scenario.functions.iter().map(|f| f.triggers.len()).sum()],
        }
    }

    /// Finishes the replicate: its series (cost apportioned from `bill`, the same replicate's
    /// bill from [`crate::runner::replicate_bill`], as its summary prices it; None without a
    /// price book) and its sample.
    pub fn finish(self, scenario: &Scenario, bill: Option<&Bill>) -> (ReplicateSeries, Reservoir) {
        let grid = self.grid;
        let book = PriceBook::lookup(&scenario.account.region)
            .ok()
            .map(|b| b.with_overrides(&scenario.pricing.rates));
        let mut backlogs = self.backlog.into_iter();
        let mut account_cost = self.account.as_ref().map(|_| vec![0.0; grid.count]);
        let functions = self
            .functions
            .into_iter()
            .enumerate()
            .map(|(i, acc)| {
                let backlog = backlogs.next().map(|b| b.area).unwrap_or_default();
                let (areas, configured) = acc.areas(&grid);
                let cost = match (bill, &book) {
                    (Some(bill), Some(book)) => apportion_cost(
                        &grid,
                        &acc,
                        &configured,
                        &scenario.functions[i],
                        &bill.per_function[i],
                        book,
                    ),
                    _ => vec![0.0; grid.count],
                };
                if let Some(total) = &mut account_cost {
                    for (t, c) in total.iter_mut().zip(&cost) {
                        *t += c;
                    }
                }
                RepFn {
                    arrivals: acc.column(|k| k.arrivals),
                    invocations: acc.column(|k| k.invocations),
                    cold_starts: acc.column(|k| k.cold_starts),
                    throttles: acc.column(|k| k.throttles),
                    areas,
                    cost,
                    backlog,
                }
            })
            .collect();
        let account = self.account.map(|a| {
            let (areas, _) = a.acc.areas(&a.grid);
            let cost = refine_cost(&grid, &a.grid, &a.acc, &account_cost.unwrap_or_default());
            RepFn {
                arrivals: a.acc.column(|k| k.arrivals),
                invocations: a.acc.column(|k| k.invocations),
                cold_starts: a.acc.column(|k| k.cold_starts),
                throttles: a.acc.column(|k| k.throttles),
                areas,
                cost,
                backlog: Vec::new(),
            }
        });
        (ReplicateSeries { functions, account }, self.reservoir)
    }
}

/// The account's cost on its finer grid: each coarse bucket's cost (the sum of the
/// functions' apportioned costs) shared out over the fine buckets inside it in proportion to
/// their billed duration and INIT, or to their length inside the measured window when they
/// have none. Every coarse bucket keeps its sum, so the window's buckets still add up to the
/// functions' costs.
fn refine_cost(coarse: &BucketGrid, fine: &BucketGrid, acc: &FnAcc, cost: &[f64]) -> Vec<f64> {
    if coarse == fine {
        return cost.to_vec();
    }
    let mut out = vec![0.0; fine.count];
    let k = (coarse.width.0 / fine.width.0).max(1) as usize;
    for (c, amount) in cost.iter().enumerate() {
        if *amount == 0.0 {
            continue;
        }
        let range = (c * k).min(fine.count)..((c + 1) * k).min(fine.count);
        let billed = |b: usize| {
            let k = &acc.buckets[b];
            (k.ondemand_ns as u128 + k.init_ns as u128 + k.provisioned_ns as u128) as f64
        };
        let mut total: f64 = range.clone().map(billed).sum();
        let by_time = total <= 0.0;
        if by_time {
            total = range.clone().map(|b| fine.window_overlap(b) as f64).sum();
        }
        if total <= 0.0 {
            continue;
        }
        for b in range {
            let w = if by_time {
                fine.window_overlap(b) as f64
            } else {
                billed(b)
            };
            out[b] += amount * w / total;
        }
    }
    out
}

/// The function's window bill shared out over the measured window's buckets: each line (or
/// part of a line) in proportion to what drives it, or evenly over time when nothing in the
/// window drives it. Warm-up buckets get 0 (the bill covers the measured window only).
fn apportion_cost(
    grid: &BucketGrid,
    acc: &FnAcc,
    configured: &[f64],
    f: &crate::model::Function,
    fb: &crate::cost::FunctionBill,
    book: &PriceBook,
) -> Vec<f64> {
    let n = grid.count;
    let mut out = vec![0.0; n];
    let window: Vec<usize> = (0..n).filter(|&b| grid.in_window(b)).collect();
    let time: Vec<f64> = (0..n).map(|b| grid.window_overlap(b) as f64).collect();
    let mut share = |amount: f64, weight: &dyn Fn(usize) -> f64| {
        if amount == 0.0 {
            return;
        }
        let mut total: f64 = window.iter().map(|&b| weight(b)).sum();
        let by_time = total <= 0.0;
        if by_time {
            total = window.iter().map(|&b| time[b]).sum();
        }
        if total <= 0.0 {
            return;
        }
        for &b in &window {
            let w = if by_time { time[b] } else { weight(b) };
            out[b] += amount * w / total;
        }
    };
    let init = |b: usize| acc.buckets[b].init_ns as f64;
    let q = &fb.window_quantities;
    let l = &fb.window;
    share(l.requests, &|b| acc.buckets[b].invocations as f64);
    share(l.compute, &|b| acc.buckets[b].ondemand_ns as f64 + init(b));
    let configured_cost = q.provisioned_configured_gb_s * book.provisioned.get(f.architecture);
    share(configured_cost, &|b| configured[b]);
    share(l.provisioned - configured_cost, &|b| {
        acc.buckets[b].provisioned_ns as f64
    });
    share(l.ephemeral, &|b| {
        (acc.buckets[b].ondemand_ns as u128 + acc.buckets[b].provisioned_ns as u128) as f64
            + init(b)
    });
    let cache_cost = q.snapstart_cache_gb_s * book.snapstart_cache;
    share(cache_cost, &|b| time[b]);
    share(l.snapstart - cache_cost, &|b| {
        acc.buckets[b].restores as f64
    });
    // Beside Lambda: fronts bill every request they receive (arrivals), pollers and load
    // balancers run through the window (time), logs come with each invocation.
    share(l.gateway, &|b| acc.buckets[b].arrivals as f64);
    share(l.event_sources, &|b| time[b]);
    share(l.logs, &|b| acc.buckets[b].invocations as f64);
    // Managed instances: billed by the hour for every instance running, whether or not a
    // request comes: by the instances' time in each bucket (the fourth lane of the levels).
    share(l.instances, &|b| configured[b]);
    out
}

impl Detail for SeriesRecorder {
    #[inline(always)]
    fn wants(&self, arrival: SimTime) -> bool {
        arrival.0 < self.grid.end.0
    }

    #[inline(always)]
    fn arrival(&mut self, t: SimTime, f: u32) {
        if t.0 < self.grid.end.0 {
            let b = self.cur.seek(&self.grid, t.0);
            self.functions[f as usize].buckets[b].arrivals += 1;
            if let Some(a) = &mut self.account {
                a.acc.buckets[a.cur.seek(&a.grid, t.0)].arrivals += 1;
            }
        }
    }

    #[inline(always)]
    fn throttle(&mut self, t: SimTime, f: u32) {
        if t.0 < self.grid.end.0 {
            let b = self.cur.seek(&self.grid, t.0);
            self.functions[f as usize].buckets[b].throttles += 1;
            if let Some(a) = &mut self.account {
                a.acc.buckets[a.cur.seek(&a.grid, t.0)].throttles += 1;
            }
        }
    }

    #[inline(always)]
    fn complete(&mut self, t: SimTime, inv: &Invocation, charge: &Charge) {
        let grid = self.grid;
        let s = inv.arrival.0;
        let acc = &mut self.functions[inv.function as usize];
        let by_invocation = acc.by_invocation;
        let started = self.cur.around(&grid, s);
        acc.complete(started.idx, inv.cold, charge);
        if by_invocation {
            acc.busy_interval(&grid, &started, s, &mut self.cur, t.0);
        }
        if let Some(a) = &mut self.account {
            let started = a.cur.around(&a.grid, s);
            a.acc.complete(started.idx, inv.cold, charge);
            if by_invocation {
                a.acc.busy_interval(&a.grid, &started, s, &mut a.cur, t.0);
            }
        }
        if inv.arrival.0 >= grid.warmup.0 && self.reservoir.cap > 0 {
            self.reservoir.seen += 1;
            self.seq += 1;
            let key = self.rng.next_u64();
            // Most rows are past the threshold once the reservoir has filled: refused on their
            // key alone, before the row is built.
            if self.reservoir.refuses_key(key) {
                return;
            }
            let k = Keyed {
                key,
                seq: self.seq,
                row: SampledInvocation {
                    replicate: self.replicate,
                    function: inv.function,
                    arrival: inv.arrival,
                    cold: inv.cold,
                    provisioned: inv.provisioned,
                    timed_out: inv.timed_out,
                    init: inv.init,
                    duration: inv.exec,
                    billed: charge.billed(),
                },
            };
            self.reservoir.offer(k);
        }
    }

    #[inline(always)]
    fn counts(&mut self, t: SimTime, f: u32, old: Counts, new: Counts) {
        // A busy lane added by invocation ([`FnAcc::busy_interval`]) does not change here:
        // most changes (an execution starting or ending) end at this test, without looking
        // up the function when none runs on managed instances (nor at the instances, which
        // only those have).
        if old.total == new.total
            && old.provisioned == new.provisioned
            && old.provisioned_configured == new.provisioned_configured
            && (self.all_by_invocation
                || (old.instances == new.instances
                    && (old.busy == new.busy || self.functions[f as usize].by_invocation)))
        {
            return;
        }
        let acc = &mut self.functions[f as usize];
        // What is held after the end is not counted.
        if t.0 >= self.grid.end.0 {
            return;
        }
        let busy = |c: Counts| if acc.by_invocation { 0 } else { c.busy };
        // The fourth lane is what a function pays for by the hour: provisioned concurrency
        // configured, or its managed instances (a function has one or the other, never both).
        let new = [
            new.total,
            busy(new),
            new.provisioned,
            new.provisioned_configured + new.instances,
        ];
        let old = [
            old.total,
            busy(old),
            old.provisioned,
            old.provisioned_configured + old.instances,
        ];
        let delta: [i64; 4] = std::array::from_fn(|k| new[k] as i64 - old[k] as i64);
        self.cur.seek(&self.grid, t.0);
        acc.change(&self.grid, &self.cur, t.0, delta);
        if let Some(a) = &mut self.account {
            a.cur.seek(&a.grid, t.0);
            a.acc.change(&a.grid, &a.cur, t.0, delta);
        }
    }

    fn note(&mut self, t: SimTime, f: u32, s: u32, note: &crate::observer::Note) {
        if let crate::observer::Note::Queue { waiting, .. } = *note {
            let b = &mut self.backlog[f as usize];
            if b.area.is_empty() {
                return;
            }
            let old = std::mem::replace(&mut self.source_waiting[s as usize], waiting);
            let total = b.waiting + waiting - old;
            b.set(&self.grid, t.0, total);
        }
    }

    fn end(&mut self, t: SimTime) {
        // The environment counts need nothing more: their changes make the areas.
        let end = t.0.max(self.grid.end.0);
        for b in &mut self.backlog {
            if !b.area.is_empty() {
                let w = b.waiting;
                b.set(&self.grid, end, w);
            }
        }
    }
}

/// What a [`SeriesRecorder`] holds at the end of a replicate, before its bill is known: the
/// form in which a shard file keeps it (see [`crate::shard`]). Counters are listed sparsely
/// (only the buckets that are not all zero).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesState {
    /// Each function's counters, in the order of the scenario that ran.
    functions: Vec<AccState>,
    /// The account's counters (many-function layout).
    account: Option<AccState>,
    /// Each function's ∫ waiting items dt per bucket (empty without queued triggers).
    backlog: Vec<Vec<u128>>,
    /// Invocations the sampler saw.
    sample_seen: u64,
    /// The sampled rows with their keys (function indices of the scenario that ran).
    sample: Vec<Keyed>,
}

/// [`FnAcc`] in a [`SeriesState`]: the buckets count, then `(bucket, [billed on-demand ns,
/// billed INIT ns, billed provisioned ns, arrivals, invocations, cold starts, throttles,
/// restores])` and `(level, changes × time left, changes before)` of the non-zero ones.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AccState {
    buckets: usize,
    counts: Vec<(u32, [u64; 8])>,
    levels: Vec<(u32, [u64; 4], [i64; 4])>,
}

impl Bucket {
    fn to_array(self) -> [u64; 8] {
        [
            self.ondemand_ns,
            self.init_ns,
            self.provisioned_ns,
            self.arrivals,
            self.invocations,
            self.cold_starts,
            self.throttles,
            self.restores,
        ]
    }

    /// Adds the counters of `a` (as [`Bucket::to_array`] lists them), saturating.
    fn add_array(&mut self, a: [u64; 8]) {
        let mut v = self.to_array();
        for (x, y) in v.iter_mut().zip(a) {
            *x = x.saturating_add(y);
        }
        let [
            ondemand_ns,
            init_ns,
            provisioned_ns,
            arrivals,
            invocations,
            cold_starts,
            throttles,
            restores,
        ] = v;
        *self = Bucket {
            ondemand_ns,
            init_ns,
            provisioned_ns,
            arrivals,
            invocations,
            cold_starts,
            throttles,
            restores,
        };
    }
}

impl FnAcc {
    fn state(&self) -> AccState {
        AccState {
            buckets: self.buckets.len(),
            counts: (self.buckets.iter().enumerate())
                .filter(|(_, b)| b.to_array() != [0; 8])
                .map(|(i, b)| (i as u32, b.to_array()))
                .collect(),
            levels: (self.levels.iter().enumerate())
                .filter(|(_, l)| l.partial != [0; 4] || l.diff != [0; 4])
                .map(|(i, l)| (i as u32, l.partial, l.diff))
                .collect(),
        }
    }

    /// Adds the counters of `state` (areas and counts are sums over the functions, so the
    /// account's counters of two sets of functions add up to those of both).
    fn absorb(&mut self, state: &AccState) -> Result<(), String> {
        if state.buckets != self.buckets.len() {
            return Err(format!(
                "{} buckets where this run has {}",
                state.buckets,
                self.buckets.len()
            ));
        }
        for &(i, a) in &state.counts {
            let b = self
                .buckets
                .get_mut(i as usize)
                .ok_or_else(|| format!("bucket {i} is past the end"))?;
            b.add_array(a);
        }
        for &(i, partial, diff) in &state.levels {
            let l = self
                .levels
                .get_mut(i as usize)
                .ok_or_else(|| format!("level {i} is past the end"))?;
            for k in 0..4 {
                l.partial[k] = l.partial[k].wrapping_add(partial[k]);
                l.diff[k] += diff[k];
            }
        }
        Ok(())
    }
}

impl SeriesRecorder {
    /// Draws the sample keys of shard `shard` of `shards` from their own stream (`seed` is the
    /// replicate's): shards then sample independently, and a single shard (`shards == 1`)
    /// draws what an unsharded run draws.
    pub fn salt_sampler(&mut self, seed: u64, shard: usize, shards: usize) {
        if shards > 1 {
            self.rng = ChaCha8Rng::seed_from_u64(splitmix64(
                seed ^ SAMPLER_SALT ^ splitmix64(shard as u64 + 1),
            ));
        }
    }

    /// A key above which no row can enter this recorder's sample (its reservoir's key bound:
    /// from its reservoir's last cut back to its cap, `u64::MAX` before). It is not cut here
    /// to tighten the bound: a cut sorts out up to twice the cap, and a looser bound only
    /// keeps a few more rows.
    pub fn sample_key_bound(&self) -> u64 {
        self.reservoir.key_bound
    }

    /// Refuses sample keys above `bound`, the [`SeriesRecorder::sample_key_bound`] of the
    /// recorder this one's sample will be merged into: their rows rank above the cap smallest
    /// there, so they could not be in the merged sample, which is unchanged (only smaller to
    /// carry). The number of invocations sampled from still counts them.
    pub fn bound_sample_keys(&mut self, bound: u64) {
        self.reservoir.bound_keys(bound);
    }

    /// Its counters and sample at the end of the replicate (see [`SeriesState`]).
    pub fn into_state(mut self) -> SeriesState {
        self.reservoir.cut();
        SeriesState {
            functions: self.functions.iter().map(FnAcc::state).collect(),
            account: self.account.as_ref().map(|a| a.acc.state()),
            backlog: self.backlog.into_iter().map(|b| b.area).collect(),
            sample_seen: self.reservoir.seen,
            sample: self.reservoir.rows,
        }
    }

    /// Adds a shard's state: function `k` of the shard is function `members[k]` here; the
    /// account's counters and the samples add up. The recorder must be fresh (built for the
    /// whole scenario on the same grids).
    pub fn absorb(&mut self, state: SeriesState, members: &[usize]) -> Result<(), String> {
        if state.functions.len() != members.len() || state.backlog.len() != members.len() {
            return Err(format!(
                "series of {} functions for {} members",
                state.functions.len(),
                members.len()
            ));
        }
        for ((acc, backlog), &g) in state.functions.iter().zip(state.backlog).zip(members) {
            let here = self
                .functions
                .get_mut(g)
                .ok_or_else(|| format!("function {g} is not in the workload"))?;
            here.absorb(acc).map_err(|e| format!("function {g}: {e}"))?;
            let b = &mut self.backlog[g];
            if backlog.len() != b.area.len() {
                return Err(format!(
                    "function {g}: {} backlog buckets where this run has {}",
                    backlog.len(),
                    b.area.len()
                ));
            }
            b.area = backlog;
        }
        match (&mut self.account, &state.account) {
            (Some(a), Some(s)) => a.acc.absorb(s).map_err(|e| format!("account: {e}"))?,
            (None, None) => {}
            _ => return Err("the account series does not match the layout".to_string()),
        }
        let mut other = Reservoir::new(self.reservoir.cap);
        other.seen = state.sample_seen;
        for mut k in state.sample {
            k.row.function = *members
                .get(k.row.function as usize)
                .ok_or_else(|| format!("sampled function {} is not a member", k.row.function))?
                as u32;
            k.row.replicate = self.replicate;
            other.rows.push(k);
        }
        self.reservoir.merge(other);
        Ok(())
    }
}

/// One function's finished series in one replicate.
#[derive(Clone, Debug)]
struct RepFn {
    arrivals: Vec<u64>,
    invocations: Vec<u64>,
    cold_starts: Vec<u64>,
    throttles: Vec<u64>,
    /// ∫ total, busy, provisioned environments dt over each bucket, env·ns.
    areas: Vec<[u128; 3]>,
    cost: Vec<f64>,
    /// ∫ waiting items dt over each bucket (empty without queued triggers).
    backlog: Vec<u128>,
}

/// Items waiting in one function's queues, integrated over each bucket.
#[derive(Clone, Debug)]
struct Backlog {
    /// ∫ waiting dt over each bucket, item·ns (empty for a function without queued triggers).
    area: Vec<u128>,
    waiting: u64,
    since: u64,
}

impl Backlog {
    fn new(f: &crate::model::Function, buckets: usize) -> Self {
        let queued = f.triggers.iter().any(|t| t.kind.is_queued());
        Backlog {
            area: if queued { vec![0; buckets] } else { Vec::new() },
            waiting: 0,
            since: 0,
        }
    }

    /// The function's waiting items become `waiting` at `t`.
    fn set(&mut self, grid: &BucketGrid, t: u64, waiting: u64) {
        let end = t.min(grid.end.0);
        let mut a = self.since;
        while a < end && self.waiting > 0 {
            let b = grid.index(a);
            let stop = (grid.start(b) + grid.width.0).min(end);
            self.area[b] += self.waiting as u128 * (stop - a) as u128;
            a = stop;
        }
        self.since = self.since.max(t);
        self.waiting = waiting;
    }
}

/// One replicate's finished series (kept until the replicates are averaged).
#[derive(Clone, Debug)]
pub struct ReplicateSeries {
    functions: Vec<RepFn>,
    /// The account's series (many-function layout only).
    account: Option<RepFn>,
}

/// The mean over replicates of one series (`get` picks it in each replicate) on `grid`,
/// without name and latency CDFs.
fn mean_series(
    grid: &BucketGrid,
    series: &[ReplicateSeries],
    get: &dyn Fn(&ReplicateSeries) -> &RepFn,
) -> FunctionSeries {
    let n = series.len().max(1) as f64;
    let count_mean = |pick: &dyn Fn(&RepFn) -> &Vec<u64>| -> Vec<f64> {
        (0..grid.count)
            .map(|b| series.iter().map(|s| pick(get(s))[b]).sum::<u64>() as f64 / n)
            .collect()
    };
    let area_mean = |k: usize| -> Vec<f64> {
        (0..grid.count)
            .map(|b| {
                let sum: u128 = series.iter().map(|s| get(s).areas[b][k]).sum();
                sum as f64 / (n * grid.len(b) as f64)
            })
            .collect()
    };
    let idle: Vec<f64> = (0..grid.count)
        .map(|b| {
            let sum: u128 = series
                .iter()
                .map(|s| get(s).areas[b][0] - get(s).areas[b][1])
                .sum();
            sum as f64 / (n * grid.len(b) as f64)
        })
        .collect();
    let cost = (0..grid.count)
        .map(|b| series.iter().map(|s| get(s).cost[b]).sum::<f64>() / n)
        .collect();
    let backlog = if series.iter().all(|s| get(s).backlog.is_empty()) {
        Vec::new()
    } else {
        (0..grid.count)
            .map(|b| {
                let sum: u128 = series
                    .iter()
                    .map(|s| get(s).backlog.get(b).copied().unwrap_or(0))
                    .sum();
                sum as f64 / (n * grid.len(b) as f64)
            })
            .collect()
    };
    FunctionSeries {
        name: String::new(),
        backlog,
        arrivals: count_mean(&|r| &r.arrivals),
        invocations: count_mean(&|r| &r.invocations),
        cold_starts: count_mean(&|r| &r.cold_starts),
        throttles: count_mean(&|r| &r.throttles),
        env_total: area_mean(0),
        env_busy: area_mean(1),
        env_idle: idle,
        env_provisioned: area_mean(2),
        cost_usd: cost,
        latency_cdf_warm_ms: Vec::new(),
        latency_cdf_cold_ms: Vec::new(),
    }
}

/// The latency CDF (warm or `cold`) of the functions `functions` over every replicate's
/// merged histograms.
///
/// The compact histograms are merged first and the full HDR histogram (192 KiB, zeroed) is
/// built once, not once per function and replicate: for the account's CDF of 10,000 functions
/// that would cost more than the rest of `report-data.json`.
fn merged_cdf(
    recorders: &[&Recorder],
    functions: &mut dyn Iterator<Item = usize>,
    cold: bool,
) -> Vec<[f64; 2]> {
    let mut merged = CompactHistogram::new();
    let mut max_ns = 0;
    for i in functions {
        for r in recorders {
            let fr = &r.functions[i];
            merged.add(if cold { &fr.cold } else { &fr.warm });
            max_ns = max_ns.max(fr.latency_max_ns[cold as usize]);
        }
    }
    latency_cdf(&merged.to_histogram(), max_ns as f64 / NS_PER_MS as f64)
}

/// Averages the replicates' series (in replicate order) into `report-data.json`'s data, with
/// latency CDFs from the replicates' merged histograms.
///
/// In the many-function layout (`summary.aggregate` is set) the data also has the account's
/// series (all functions together, with the latency CDFs of all their invocations), and only
/// the [`charted`](crate::aggregate::charted) functions get latency CDFs;
/// [`ReportData::charted_only`] then keeps only those for `report-data.json`.
pub fn report_data(
    scenario: &Scenario,
    grids: &SeriesGrids,
    series: &[ReplicateSeries],
    recorders: &[&Recorder],
    summary: &Summary,
) -> ReportData {
    let grid = &grids.function;
    let charted = summary.aggregate.as_ref().map(crate::aggregate::charted);
    let with_cdf = |i: usize| charted.as_ref().is_none_or(|c| c.binary_search(&i).is_ok());
    // Every function's series, and the account's (its CDFs merge every function's histogram).
    let (functions, account) = rayon::join(
        || {
            scenario
                .functions
                .par_iter()
                .enumerate()
                .map(|(i, f)| {
                    let mut fs = mean_series(grid, series, &|s| &s.functions[i]);
                    fs.name = f.name.clone();
                    if with_cdf(i) {
                        fs.latency_cdf_warm_ms =
                            merged_cdf(recorders, &mut std::iter::once(i), false);
                        fs.latency_cdf_cold_ms =
                            merged_cdf(recorders, &mut std::iter::once(i), true);
                    }
                    fs
                })
                .collect()
        },
        || match (grids.account, series.iter().all(|s| s.account.is_some())) {
            (Some(agrid), true) if !series.is_empty() => {
                let n = scenario.functions.len();
                let mut fs = mean_series(&agrid, series, &|s| s.account.as_ref().expect("checked"));
                fs.name = ACCOUNT_SERIES_NAME.to_string();
                (fs.latency_cdf_warm_ms, fs.latency_cdf_cold_ms) = rayon::join(
                    || merged_cdf(recorders, &mut (0..n), false),
                    || merged_cdf(recorders, &mut (0..n), true),
                );
                Some(AccountSeries {
                    bucket_s: agrid.width.as_secs_f64(),
                    functions: n as u32,
                    series: fs,
                })
            }
            _ => None,
        },
    );
    ReportData {
        schema_version: REPORT_DATA_SCHEMA_VERSION,
        bucket_s: grid.width.as_secs_f64(),
        duration_s: grid.end.as_secs_f64(),
        warmup_s: grid.warmup.as_secs_f64(),
        replicates: series.len() as u32,
        functions,
        account,
    }
}

/// Cumulative fractions at which the CDF keeps a point: every 1 % up to 90 %, then every
/// 0.1 % up to 99 %, 0.01 % up to 99.9 %, 0.001 % up to 99.99 % (finer where the tail is),
/// and the last value.
fn cdf_levels() -> Vec<f64> {
    let mut levels = Vec::new();
    let mut base: f64 = 0.0;
    let mut step: f64 = 0.01;
    for top in [0.9, 0.99, 0.999, 0.9999] {
        let k = ((top - base) / step).round() as usize;
        for j in 1..=k {
            levels.push(base + j as f64 * step);
        }
        base = top;
        step /= 10.0;
    }
    levels
}

/// The CDF of `h` (latencies in µs) as `[ms, cumulative fraction]` points, at most
/// [`CDF_MAX_POINTS`], increasing in both, the last fraction 1; values are the histogram
/// buckets' highest equivalent values, capped at the exact maximum `max_ms`.
pub fn latency_cdf(h: &Histogram<u64>, max_ms: f64) -> Vec<[f64; 2]> {
    let total = h.len();
    if total == 0 {
        return Vec::new();
    }
    let levels = cdf_levels();
    let mut next = 0;
    let mut cum = 0u64;
    let mut out: Vec<[f64; 2]> = Vec::new();
    let recorded: Vec<(u64, u64)> = h
        .iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value()))
        .collect();
    let last = recorded.len().saturating_sub(1);
    for (j, (value, count)) in recorded.into_iter().enumerate() {
        cum += count;
        let frac = if j == last {
            1.0
        } else {
            cum as f64 / total as f64
        };
        if j != last && (next >= levels.len() || frac < levels[next]) {
            continue;
        }
        while next < levels.len() && levels[next] <= frac {
            next += 1;
        }
        let ms = (value as f64 / 1000.0).min(max_ms);
        match out.last_mut() {
            Some(p) if ms <= p[0] => p[1] = frac,
            _ => out.push([ms, frac]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of replicate `replicate` with `key` and sequence number `seq`.
    fn keyed(key: u64, replicate: u32, seq: u64) -> Keyed {
        Keyed {
            key,
            seq,
            row: SampledInvocation {
                replicate,
                function: (seq % 3) as u32,
                arrival: SimTime(seq * 1_000),
                cold: false,
                provisioned: false,
                timed_out: false,
                init: SimTime::ZERO,
                duration: SimTime(seq),
                billed: SimTime(seq),
            },
        }
    }

    /// The reservoir keeps exactly the `cap` smallest ranks, whatever the order and grouping
    /// of the rows: checked against sorting every row, with keys drawn from a range small
    /// enough that many rows share a key (the ties a cut must break by the whole rank) and
    /// from the full 64 bits.
    #[test]
    fn the_reservoir_keeps_the_cap_smallest_ranks() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for (span, cap) in [(40u64, 25usize), (u64::MAX, 25), (3, 10), (1_000, 1)] {
            let rows: Vec<Keyed> = (0..3u32)
                .flat_map(|rep| (0..700u64).map(move |seq| (rep, seq)))
                .map(|(rep, seq)| {
                    let k = rng.next_u64();
                    keyed(if span == u64::MAX { k } else { k % span }, rep, seq)
                })
                .collect();
            let mut expected = rows.clone();
            expected.sort();
            expected.truncate(cap);
            let expected = Reservoir {
                seen: rows.len() as u64,
                rows: expected,
                ..Reservoir::new(cap)
            }
            .into_sample();

            // One reservoir per replicate, merged in two orders, and one for all rows.
            let per_replicate = |order: [u32; 3]| {
                let mut all = Reservoir::new(cap);
                for rep in order {
                    let mut r = Reservoir::new(cap);
                    for k in rows.iter().filter(|k| k.row.replicate == rep) {
                        r.seen += 1;
                        r.offer(*k);
                    }
                    all.merge(r);
                }
                all.into_sample()
            };
            let mut one = Reservoir::new(cap);
            for k in rows.iter().rev() {
                one.seen += 1;
                one.offer(*k);
            }
            for got in [
                per_replicate([0, 1, 2]),
                per_replicate([2, 0, 1]),
                one.into_sample(),
            ] {
                assert_eq!(got, expected, "keys below {span}, cap {cap}");
            }
        }
    }
}

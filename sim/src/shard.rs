//! Splitting a run by function (`lamsim run --shard I/N`) and merging the shards
//! (`lamsim merge`), with the same result as one run.
//!
//! Every random stream is keyed by the function's name ([`crate::rng`]), so a function draws
//! the same samples whichever functions run beside it. Functions interact only through the
//! account: its unreserved concurrency pool and, with legacy scaling, its account-wide burst.
//! Shard `I` of `N` runs the functions `k` with `k mod N = I` ([`owner`], the rule of sweep
//! shards) against the whole account's unreserved pool. While that pool never fills, every
//! function does in its shard exactly what it does in the whole run; the merge puts each
//! function's records back in its place and summarizes, bills (the free tier is
//! account-wide) and reports them with the code of a single run, so `summary.json`, the
//! report and the time series are those of the unsharded run, byte for byte.
//!
//! **When the answer would change.** The merge proves that the pool never filled: each shard
//! records, in each [`peak_bucket`] of the run, the most unreserved concurrency its functions
//! held, and the sum of those maxima over the shards bounds what all the functions held
//! together in that bucket. When the bound exceeds the pool the account limit may bind, the
//! functions would then throttle one another, and the merge refuses ([`ShardError::MayBind`]);
//! a shard whose own functions already hit the limit refuses at once
//! ([`ShardError::Binds`]). Legacy scaling's account-wide burst couples every function, so it
//! cannot be sharded ([`ShardError::LegacyScaling`]).
//!
//! **The one difference.** `invocations.parquet` is a uniform random sample of the window's
//! invocations; each shard draws its sample keys from its own stream, so the merged sample is
//! a sample of the same size and law but not the same rows as the unsharded run's.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use rayon::prelude::*;

use crate::config::resolved::to_resolved_toml;
use crate::engine::EngineStats;
use crate::metrics::{FunctionParts, Recorder};
use crate::model::{Scaling, Scenario};
use crate::observer::{Observer, ThrottleReason};
use crate::report_data::ReportData;
use crate::rng::{fnv1a, replicate_seed};
use crate::runner::{self, RawReplicate, Replicate, RunOutput, WarmupProbe};
use crate::series::{
    BucketGrid, Cursor, InvocationSample, SeriesGrids, SeriesOptions, SeriesRecorder, SeriesState,
    bucket_width,
};
use crate::time::SimTime;

/// The shard file in a shard's output folder.
pub const RUN_SHARD_JSON_FILE: &str = "run-shard.json";

/// Version of the shard file ([`RunShard`]); bumped when its fields change (2: the
/// environment counts of the series are kept as their changes).
pub const SHARD_SCHEMA_VERSION: u32 = 2;

/// Most buckets of the peak-concurrency record over a run (see [`peak_bucket`]).
pub const MAX_PEAK_BUCKETS: usize = 100_000;

/// Why a run cannot be split, or shards cannot be merged. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// `[account] scaling = "legacy-burst"`.
    #[error(
        "[account] scaling = \"legacy-burst\" shares one burst of new environments among all the functions, so a part of them (a shard, a block) would not scale as the whole account does: run them together (without --shard, with --blocks off or auto), or use scaling = \"per-function\""
    )]
    LegacyScaling,
    /// Not a shard index.
    #[error("shard {shard}/{shards}: the index must be in 0..{shards}")]
    BadIndex {
        /// Index.
        shard: usize,
        /// Count.
        shards: usize,
    },
    /// More shards than functions.
    #[error(
        "{shards} shards for {functions} function{}: every shard needs a function (use --shard I/N with N <= {functions})",
        if *functions == 1 { "" } else { "s" }
    )]
    TooManyShards {
        /// Count.
        shards: usize,
        /// Functions in the workload.
        functions: usize,
    },
    /// The shard's own functions hit the account limit.
    #[error(
        "the account limit binds: this shard's functions alone were throttled {throttles} time{} by the account's unreserved concurrency ({pool}), so they would throttle the other shards' functions too and a split run would not give the answer of one run; run without --shard, or raise [account] concurrency-limit",
        if *throttles == 1 { "" } else { "s" }
    )]
    Binds {
        /// Account throttles in the shard (every replicate).
        throttles: u64,
        /// The unreserved pool.
        pool: u32,
    },
    /// The shards together may fill the pool.
    #[error(
        "the account limit may bind: in replicate {replicate}, between {from_s} s and {to_s} s, the shards together held up to {bound} of the account's {pool} unreserved concurrency, so the functions could throttle one another and the merged result could differ from one run; run without --shard, or raise [account] concurrency-limit"
    )]
    MayBind {
        /// Replicate (0-based).
        replicate: usize,
        /// Start of the bucket, s.
        from_s: f64,
        /// End of the bucket, s.
        to_s: f64,
        /// Sum of the shards' maxima in that bucket.
        bound: u64,
        /// The unreserved pool.
        pool: u32,
    },
    /// The shard files do not belong together or do not cover the workload.
    #[error("{0}")]
    Mismatch(String),
}

/// Shard that function `index` belongs to among `shards`: `index mod shards`, as for sweep
/// points (it spreads a population's heavy and light functions evenly).
pub fn owner(index: usize, shards: usize) -> usize {
    index % shards.max(1)
}

/// The functions (indices in `scenario`) of shard `shard` of `shards`.
pub fn members(functions: usize, shard: usize, shards: usize) -> Vec<usize> {
    (0..functions)
        .filter(|&k| owner(k, shards) == shard)
        .collect()
}

/// The account's unreserved concurrency pool: the limit minus every reservation.
pub fn unreserved_pool(scenario: &Scenario) -> u32 {
    let reserved: u32 = scenario
        .functions
        .iter()
        .filter_map(|f| f.reserved_concurrency)
        .sum();
    scenario.account.concurrency_limit.saturating_sub(reserved)
}

/// The width of the buckets in which shards record their peak unreserved concurrency: the
/// first of 1 s, 10 s, 1 min, 5 min, 1 h, 1 d giving at most [`MAX_PEAK_BUCKETS`] buckets
/// over the run.
pub fn peak_bucket(scenario: &Scenario) -> SimTime {
    bucket_width(scenario.simulation.duration, SimTime(0), MAX_PEAK_BUCKETS)
}

/// Hash of the whole workload as resolved (every default and the seed filled in) and of the
/// data it reads: shards of one run share it.
///
/// Every file the resolved workload names (an absolute path to a file: traces, population
/// files, empirical samples) counts by its content, not its path: the same workload and data
/// checked out in two folders (one per machine) give one fingerprint, and a trace rewritten
/// between two shards gives another.
pub fn fingerprint(scenario: &Scenario) -> String {
    fingerprint_text(&to_resolved_toml(scenario))
}

/// [`fingerprint`] of a workload from its resolved text, as a shard writes it to
/// `workload.resolved.toml` (the text, not a scenario read back from it: a duration read back
/// can print in other digits).
pub fn fingerprint_text(text: &str) -> String {
    let Ok(mut value) = text.parse::<toml::Table>() else {
        // The resolved file always parses (a test holds it); the text itself otherwise.
        return format!("{:016x}", fnv1a(text));
    };
    for (_, v) in value.iter_mut() {
        files_by_content(v);
    }
    format!("{:016x}", fnv1a(&value.to_string()))
}

/// Replaces every string in `v` that is an absolute path to a readable file by its size and
/// FNV-1a hash.
fn files_by_content(v: &mut toml::Value) {
    match v {
        toml::Value::String(s) if std::path::Path::new(s.as_str()).is_absolute() => {
            if let Some((len, hash)) = content_hash(std::path::Path::new(s.as_str())) {
                *s = format!("file of {len} bytes, FNV-1a {hash:016x}");
            }
        }
        toml::Value::Array(a) => a.iter_mut().for_each(files_by_content),
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| files_by_content(v)),
        _ => {}
    }
}

/// Size and FNV-1a hash of the file at `path`, read in chunks (None when it is not a readable
/// file).
fn content_hash(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::io::Read;
    if !path.is_file() {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 16];
    let (mut len, mut h) = (0u64, crate::rng::FNV1A_START);
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            return Some((len, h));
        }
        len += n as u64;
        h = crate::rng::fnv1a_continue(h, &buf[..n]);
    }
}

/// The scenario of shard `shard` of `shards` of `full`: its functions, in order, with the
/// whole account's unreserved pool (the limit less the other shards' reservations).
pub fn shard_scenario(
    full: &Scenario,
    shard: usize,
    shards: usize,
) -> Result<Scenario, ShardError> {
    if shard >= shards {
        return Err(ShardError::BadIndex { shard, shards });
    }
    if shards > full.functions.len() {
        return Err(ShardError::TooManyShards {
            shards,
            functions: full.functions.len(),
        });
    }
    if full.account.scaling == Scaling::LegacyBurst {
        return Err(ShardError::LegacyScaling);
    }
    let mine = members(full.functions.len(), shard, shards);
    // Field by field, so that the other shards' functions are not cloned.
    let mut s = Scenario {
        simulation: full.simulation.clone(),
        account: full.account.clone(),
        pricing: full.pricing.clone(),
        functions: mine.iter().map(|&k| full.functions[k].clone()).collect(),
        slo: full.slo.clone(),
        populations: full.populations.clone(),
    };
    let own_reserved: u32 = s
        .functions
        .iter()
        .filter_map(|f| f.reserved_concurrency)
        .sum();
    s.account.concurrency_limit = unreserved_pool(full) + own_reserved;
    Ok(s)
}

/// Records, per bucket of [`peak_bucket`], the most unreserved concurrency held, and counts
/// the throttles by the account limit.
#[derive(Clone, Debug)]
pub struct PeakUse {
    grid: BucketGrid,
    /// The bucket of the latest time seen: this runs at every start and end of an on-demand
    /// execution, and the engine's time only grows.
    cursor: Cursor,
    peaks: Vec<u32>,
    current: u32,
    /// Bucket of the last change: the buckets after it up to the next change hold `current`.
    last: usize,
    /// Throttles by the account's unreserved pool (whole run).
    pub account_throttles: u64,
}

impl PeakUse {
    /// An empty record for `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        let duration = scenario.simulation.duration;
        PeakUse::on_grid(BucketGrid::of_width(
            peak_bucket(scenario),
            duration,
            SimTime::ZERO,
        ))
    }

    /// An empty record on `grid`.
    fn on_grid(grid: BucketGrid) -> Self {
        PeakUse {
            grid,
            cursor: Cursor::new(),
            peaks: vec![0; grid.count],
            current: 0,
            last: 0,
            account_throttles: 0,
        }
    }

    /// Carries the level held since the last change through the buckets up to `b`.
    fn carry_to(&mut self, b: usize) {
        if b > self.last {
            for p in &mut self.peaks[self.last + 1..=b] {
                *p = (*p).max(self.current);
            }
            self.last = b;
        }
    }

    /// The peaks, one per bucket.
    pub fn into_peaks(self) -> Vec<u32> {
        self.peaks
    }
}

impl Observer for PeakUse {
    fn on_throttle(&mut self, _t: SimTime, _f: u32, reason: ThrottleReason) {
        if reason == ThrottleReason::Account {
            self.account_throttles += 1;
        }
    }

    fn on_throttle_retry(&mut self, _t: SimTime, _f: u32, _s: u32, reason: ThrottleReason) {
        if reason == ThrottleReason::Account {
            self.account_throttles += 1;
        }
    }

    fn on_unreserved_use(&mut self, t: SimTime, in_use: u32) {
        let b = self.cursor.seek(&self.grid, t.0);
        self.carry_to(b);
        self.current = in_use;
        self.peaks[b] = self.peaks[b].max(in_use);
    }

    fn on_end(&mut self, t: SimTime) {
        let b = self.cursor.seek(&self.grid, t.0);
        self.carry_to(b);
    }
}

/// One replicate of a shard.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardReplicate {
    /// Its seed.
    pub seed: u64,
    /// Each member's records, in member order.
    pub functions: Vec<FunctionParts>,
    /// The warm-up probe of the members.
    pub probe: WarmupProbe,
    /// The members' series counters and sample.
    pub series: SeriesState,
    /// Most unreserved concurrency held by the members in each [`peak_bucket`].
    pub peaks: Vec<u32>,
    /// Engine counters.
    pub stats: EngineStats,
}

impl RunShard {
    /// Arrivals in the window, over every replicate and function of the shard: requests, or
    /// for an event-driven function its triggers' items (as the summary counts them), not
    /// its executions.
    pub fn arrivals(&self) -> u64 {
        self.replicates
            .iter()
            .flat_map(|r| &r.functions)
            .map(|f| {
                if f.triggers.iter().any(Option::is_some) {
                    f.triggers.iter().flatten().map(|t| t.arrivals).sum()
                } else {
                    f.record.arrivals
                }
            })
            .sum()
    }

    /// The most unreserved concurrency the shard's functions held at once, in any replicate:
    /// its share of the account's pool ([`RunShard::unreserved_pool`]).
    pub fn peak_unreserved(&self) -> u32 {
        self.replicates
            .iter()
            .flat_map(|r| r.peaks.iter().copied())
            .max()
            .unwrap_or(0)
    }
}

/// `run-shard.json`: what a shard measured, for `lamsim merge`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunShard {
    /// Always [`SHARD_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The lamsim that ran it.
    pub lamsim_version: String,
    /// This shard's index (0-based).
    pub shard: usize,
    /// Number of shards.
    pub shards: usize,
    /// Functions in the whole workload.
    pub functions: usize,
    /// [`fingerprint`] of the whole workload.
    pub workload_fingerprint: String,
    /// The account's unreserved pool.
    pub unreserved_pool: u32,
    /// Width of the peak buckets, ns.
    pub peak_bucket_ns: u64,
    /// The series options it ran with.
    pub max_buckets: usize,
    /// Most sampled invocations.
    pub sample_cap: usize,
    /// Series budget of the many-function layout.
    pub function_bucket_budget: usize,
    /// Every replicate, in order.
    pub replicates: Vec<ShardReplicate>,
}

/// Runs shard `shard` of `shards` of `full` (every replicate, with the series of `--out`);
/// `progress` receives [`runner::PROGRESS_STEPS`] per replicate. Refuses when the account
/// limit binds within the shard.
pub fn run_shard(
    full: &Scenario,
    shard: usize,
    shards: usize,
    options: &SeriesOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunShard, ShardError> {
    let scenario = shard_scenario(full, shard, shards)?;
    let grids = SeriesGrids::new(full, options);
    let n = full.simulation.replicates.max(1);
    let results: Vec<(ShardReplicate, u64)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let series = Some((grids, options.sample_cap, u64::MAX));
            let part = PartReplicate::run(full, &scenario, shard, shards, i, series, progress)
                .into_parts();
            let replicate = ShardReplicate {
                seed: part.seed,
                functions: part.functions,
                probe: part.probe,
                series: part.series.expect("run with the series"),
                peaks: part.peaks,
                stats: part.stats,
            };
            (replicate, part.account_throttles)
        })
        .collect();
    let throttles: u64 = results.iter().map(|r| r.1).sum();
    if throttles > 0 {
        return Err(ShardError::Binds {
            throttles,
            pool: unreserved_pool(full),
        });
    }
    Ok(RunShard {
        schema_version: SHARD_SCHEMA_VERSION,
        lamsim_version: env!("CARGO_PKG_VERSION").to_string(),
        shard,
        shards,
        functions: full.functions.len(),
        workload_fingerprint: fingerprint(full),
        unreserved_pool: unreserved_pool(full),
        peak_bucket_ns: peak_bucket(full).0,
        max_buckets: options.max_buckets,
        sample_cap: options.sample_cap,
        function_bucket_budget: options.function_bucket_budget,
        replicates: results.into_iter().map(|r| r.0).collect(),
    })
}

/// One replicate of a part of a run (a shard, or a block of [`run_in_blocks`]): what its
/// functions' observers measured.
struct PartReplicate {
    seed: u64,
    recorder: Recorder,
    /// With the time series of `--out`.
    series: Option<SeriesRecorder>,
    probe: WarmupProbe,
    peaks: PeakUse,
    stats: EngineStats,
}

impl PartReplicate {
    /// Runs replicate `replicate` of `part`, part `index` of `parts` of `full` (see
    /// [`shard_scenario`]), with the time series on `series` (the whole run's grids, the
    /// sample size and a bound on the sample keys worth keeping, see
    /// [`SeriesRecorder::bound_sample_keys`]) when given. The part's sample draws its keys from
    /// its own stream.
    fn run(
        full: &Scenario,
        part: &Scenario,
        index: usize,
        parts: usize,
        replicate: u32,
        series: Option<(SeriesGrids, usize, u64)>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Self {
        let seed = replicate_seed(full.simulation.seed, replicate);
        let series = series.map(|(grids, cap, bound)| {
            let mut s = SeriesRecorder::new(part, grids, replicate, seed, cap);
            s.salt_sampler(seed, index, parts);
            s.bound_sample_keys(bound);
            s
        });
        let observer = (WarmupProbe::new(part), PeakUse::new(full));
        let ((recorder, series), (probe, peaks), stats) =
            runner::run_replicate_detailed(part, seed, series, observer, progress);
        PartReplicate {
            seed,
            recorder,
            series,
            probe,
            peaks,
            stats,
        }
    }
}

/// A [`PartReplicate`] in the form the whole run takes it ([`Whole::absorb`]), as a shard file
/// keeps it.
struct PartParts {
    seed: u64,
    functions: Vec<FunctionParts>,
    series: Option<SeriesState>,
    probe: WarmupProbe,
    /// [`PeakUse::into_peaks`].
    peaks: Vec<u32>,
    /// Throttles by the account limit among the part's own functions.
    account_throttles: u64,
    stats: EngineStats,
}

impl PartReplicate {
    /// The part's measurements in the whole run's form.
    fn into_parts(self) -> PartParts {
        PartParts {
            seed: self.seed,
            functions: self.recorder.into_parts(),
            series: self.series.map(SeriesRecorder::into_state),
            probe: self.probe,
            account_throttles: self.peaks.account_throttles,
            peaks: self.peaks.into_peaks(),
            stats: self.stats,
        }
    }
}

/// One replicate of the whole run, put back together from its parts (the shards of
/// [`merge`], the blocks of [`run_in_blocks`]).
struct Whole {
    seed: u64,
    recorder: Recorder,
    /// With the time series of `--out`.
    series: Option<SeriesRecorder>,
    probe: WarmupProbe,
    stats: EngineStats,
}

impl Whole {
    /// Replicate `replicate` of `full` with nothing measured yet, with the time series on
    /// `series` (the grids and the sample size) when given.
    fn new(full: &Scenario, replicate: u32, series: Option<(SeriesGrids, usize)>) -> Self {
        let seed = replicate_seed(full.simulation.seed, replicate);
        Whole {
            seed,
            recorder: Recorder::new(full),
            series: series.map(|(g, cap)| SeriesRecorder::new(full, g, replicate, seed, cap)),
            probe: WarmupProbe::new(full),
            stats: EngineStats::default(),
        }
    }

    /// Puts one part's measurements in their place: its functions are `members` of the
    /// whole run, in order.
    fn absorb(
        &mut self,
        functions: Vec<FunctionParts>,
        series: Option<SeriesState>,
        probe: WarmupProbe,
        stats: EngineStats,
        members: &[usize],
    ) -> Result<(), String> {
        for (p, &f) in functions.into_iter().zip(members) {
            self.recorder.put_parts(f, p)?;
        }
        match (&mut self.series, series) {
            (Some(all), Some(s)) => all.absorb(s, members)?,
            (None, None) => {}
            _ => return Err("time series in some parts only".to_string()),
        }
        self.probe.absorb(probe, members)?;
        self.stats += stats;
        Ok(())
    }

    /// The replicate as the runner concludes it with its time series.
    fn into_raw(self) -> RawReplicate {
        RawReplicate {
            seed: self.seed,
            recorder: self.recorder,
            series: self.series.expect("put together with the time series"),
            probe: self.probe,
            stats: self.stats,
        }
    }

    /// The replicate, summarized, with its warm-up probe (without the time series).
    fn into_plain(self, full: &Scenario) -> (Replicate, WarmupProbe) {
        let replicate = Replicate::summarized(full, self.seed, self.recorder, self.stats);
        (replicate, self.probe)
    }
}

/// Functions per block of [`run_in_blocks`]. A block's state (its functions' environments,
/// random streams, histograms and counters) then stays in the processor's cache while it
/// runs, and its fixed costs (an engine, the account-wide series of `--out`) stay small. On
/// the synthesized 10,000-function population (2 hours, one core), blocks of about 40
/// functions simulated 5.65 M invocations/s against 1.98 M/s for the whole account at once,
/// 5.13 M/s for blocks of 156 and 4.22 M/s for blocks of 625.
pub const FUNCTIONS_PER_BLOCK: usize = 40;

/// The number of blocks [`run_in_blocks`] splits `scenario` into by default:
/// ⌈functions / [`FUNCTIONS_PER_BLOCK`]⌉. It depends on the workload only, so a run gives the
/// same result on any machine and with any number of threads.
pub fn default_blocks(scenario: &Scenario) -> usize {
    scenario
        .functions
        .len()
        .div_ceil(FUNCTIONS_PER_BLOCK)
        .max(1)
}

/// What a run in blocks returns: the run's output and, with the time series, its report data
/// and invocation sample.
pub type BlocksOutput = (RunOutput, Option<(ReportData, InvocationSample)>);

/// One replicate's measurements, gathered from its blocks as they finish.
struct Gathered {
    whole: Whole,
    /// Σ over the finished blocks of their peak unreserved concurrency, per peak bucket.
    peaks: Vec<u64>,
    /// Blocks finished.
    done: usize,
}

/// Runs `full` as `blocks` blocks of functions, one after another on each thread (block `k`
/// has the functions of shard `k` of `blocks`, [`members`]), and puts their measurements
/// together as [`merge`] does: the summary, the report data and the time series are those of
/// [`runner::run`] (or [`runner::run_with_series`] with `series`) byte for byte; the invocation
/// sample has the same size and law, each block drawing its keys from its own stream, so it
/// depends on `blocks` but not on the thread count. A block's functions, while the account's
/// unreserved pool never fills, do exactly what they do in the whole run, and the working set
/// of a block fits in cache: on many functions this is several times faster.
///
/// Refuses as shards do when the answer could differ: [`ShardError::LegacyScaling`], and
/// [`ShardError::Binds`] or [`ShardError::MayBind`] when the account limit may bind (found as
/// soon as the finished blocks' peaks add up to more than the pool; the remaining blocks are
/// then skipped), after which the caller runs the functions together. `progress` receives
/// [`runner::PROGRESS_STEPS`] per replicate.
pub fn run_in_blocks(
    full: &Scenario,
    blocks: usize,
    series: Option<&SeriesOptions>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<BlocksOutput, ShardError> {
    let parts: Vec<Scenario> = (0..blocks)
        .map(|k| shard_scenario(full, k, blocks))
        .collect::<Result<_, _>>()?;
    let members: Vec<Vec<usize>> = (0..blocks)
        .map(|k| members(full.functions.len(), k, blocks))
        .collect();
    let grids = series.map(|o| (SeriesGrids::new(full, o), o.sample_cap));
    let n = full.simulation.replicates.max(1);
    let gathered: Vec<Mutex<Gathered>> = (0..n)
        .map(|i| {
            Mutex::new(Gathered {
                whole: Whole::new(full, i, grids),
                peaks: Vec::new(),
                done: 0,
            })
        })
        .collect();
    let failed: Mutex<Option<ShardError>> = Mutex::new(None);
    let stop = AtomicBool::new(false);
    // The blocks with the most expected arrivals first, each thread taking the next one when
    // it is free: a heavy block left to the end would keep one thread busy while the others
    // wait (the traffic of an account is heavy-tailed). The order changes only who does what.
    let window = full.simulation.duration;
    let work: Vec<f64> = members
        .iter()
        .map(|m| {
            m.iter()
                .map(|&f| crate::estimate::function_arrivals(&full.functions[f], window))
                .sum()
        })
        .collect();
    let mut order: Vec<usize> = (0..blocks).collect();
    // A stable sort: equal blocks keep their index order.
    order.sort_by(|&a, &b| work[b].total_cmp(&work[a]));
    let tasks = order
        .into_iter()
        .flat_map(|k| (0..n as usize).map(move |i| (i, k)));
    tasks.par_bridge().for_each(|(i, k)| {
        if stop.load(AtomicOrdering::Relaxed) {
            return;
        }
        // Rows the blocks gathered so far already outrank cannot be in the sample: the result
        // is the same whichever blocks finished first, only the work differs.
        let series = grids.map(|(g, cap)| {
            let gathered = gathered[i].lock().unwrap_or_else(|e| e.into_inner());
            let series = gathered.whole.series.as_ref();
            (
                g,
                cap,
                series.map_or(u64::MAX, SeriesRecorder::sample_key_bound),
            )
        });
        // Converted before the lock: only the sums wait for the other blocks.
        let part =
            PartReplicate::run(full, &parts[k], k, blocks, i as u32, series, &|_| {}).into_parts();
        let mut g = gathered[i].lock().unwrap_or_else(|e| e.into_inner());
        let step = match gather(full, &mut g, part, &members[k], i) {
            Ok(()) => {
                g.done += 1;
                let at = |d: usize| runner::PROGRESS_STEPS * d as u64 / blocks as u64;
                at(g.done) - at(g.done - 1)
            }
            Err(e) => {
                stop.store(true, AtomicOrdering::Relaxed);
                failed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
                0
            }
        };
        drop(g);
        progress(step);
    });
    if let Some(e) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let gathered = gathered
        .into_iter()
        .map(|g| g.into_inner().unwrap_or_else(|e| e.into_inner()));
    Ok(match grids {
        Some((grids, cap)) => {
            let raws = gathered.map(|g| g.whole.into_raw()).collect();
            let (out, data, sample) = runner::conclude(full, &grids, cap, raws);
            (out, Some((data, sample)))
        }
        None => {
            let raws = gathered.map(|g| g.whole.into_plain(full)).collect();
            (runner::conclude_plain(full, raws), None)
        }
    })
}

/// Adds one finished block (`part`, of the functions `members`) to replicate `replicate`'s
/// measurements; refuses when the account limit may bind.
fn gather(
    full: &Scenario,
    g: &mut Gathered,
    part: PartParts,
    members: &[usize],
    replicate: usize,
) -> Result<(), ShardError> {
    if part.account_throttles > 0 {
        return Err(ShardError::Binds {
            throttles: part.account_throttles,
            pool: unreserved_pool(full),
        });
    }
    add_peaks(&mut g.peaks, &part.peaks);
    within_pool(full, replicate, &g.peaks)?;
    g.whole
        .absorb(part.functions, part.series, part.probe, part.stats, members)
        .map_err(|e| ShardError::Mismatch(format!("replicate {replicate}: {e}")))
}

/// The indices of `0..count` not in `seen`, named by `name`, for a message: the first ten,
/// then how many more (a shard count is read from a file, and can be large).
pub fn missing_list(
    seen: &BTreeSet<usize>,
    count: usize,
    name: impl Fn(usize) -> String,
) -> String {
    const SHOWN: usize = 10;
    let missing = count.saturating_sub(seen.len());
    let first: Vec<String> = (0..count)
        .filter(|i| !seen.contains(i))
        .take(SHOWN)
        .map(name)
        .collect();
    if missing > SHOWN {
        format!("{} and {} more", first.join(", "), missing - SHOWN)
    } else {
        first.join(", ")
    }
}

/// Merges the shards of one run of `full` (the workload they ran, as resolved) into what the
/// unsharded run returns, with its time series and invocation sample; refuses shards that do
/// not cover the workload exactly once or belong to another run, and runs where the account
/// limit may bind.
pub fn merge(
    full: &Scenario,
    mut shards: Vec<RunShard>,
) -> Result<(RunOutput, ReportData, InvocationSample), ShardError> {
    let mismatch = |m: String| ShardError::Mismatch(m);
    shards.sort_by_key(|s| s.shard);
    let Some(first) = shards.first() else {
        return Err(mismatch("no shard given".to_string()));
    };
    let count = first.shards;
    let replicates = full.simulation.replicates.max(1) as usize;
    let options = SeriesOptions {
        max_buckets: first.max_buckets,
        sample_cap: first.sample_cap,
        function_bucket_budget: first.function_bucket_budget,
    };
    // Every shard must state this count (checked below), so it is checked once.
    if count > full.functions.len() {
        return Err(mismatch(format!(
            "shard {}/{count}: {count} shards for {} functions, which `--shard` never \
             writes: the file was edited or damaged (run the shard again)",
            first.shard,
            full.functions.len()
        )));
    }
    let mut seen = BTreeSet::new();
    for s in &shards {
        if s.schema_version != SHARD_SCHEMA_VERSION {
            return Err(mismatch(format!(
                "shard {} has schema version {} (this lamsim reads {SHARD_SCHEMA_VERSION}): run every shard with the same lamsim",
                s.shard, s.schema_version
            )));
        }
        if s.shards != count {
            return Err(mismatch(format!(
                "shard {}/{} and shard {}/{} split the workload into different numbers of shards",
                first.shard, first.shards, s.shard, s.shards
            )));
        }
        if s.workload_fingerprint != first.workload_fingerprint {
            return Err(mismatch(format!(
                "shard {}/{count} and shard {}/{count} ran different workloads (the workload, its seed or replicates, or the data files it reads differ): run every shard of the same workload and data",
                first.shard, s.shard
            )));
        }
        if s.max_buckets != options.max_buckets
            || s.sample_cap != options.sample_cap
            || s.function_bucket_budget != options.function_bucket_budget
        {
            return Err(mismatch(format!(
                "shard {}/{count} and shard {}/{count} ran with different series options: run every shard with the same lamsim",
                first.shard, s.shard
            )));
        }
        if s.shard >= count {
            return Err(mismatch(format!(
                "shard {}/{count} is not one of {count} shards: the file was edited or damaged \
                 (run the shard again)",
                s.shard
            )));
        }
        if !seen.insert(s.shard) {
            return Err(mismatch(format!(
                "shard {}/{count} is given twice",
                s.shard
            )));
        }
        if s.functions != full.functions.len()
            || s.replicates.len() != replicates
            || s.unreserved_pool != unreserved_pool(full)
            || s.peak_bucket_ns != peak_bucket(full).0
        {
            return Err(mismatch(format!(
                "shard {}/{count} does not match the workload (functions, replicates or account)",
                s.shard
            )));
        }
    }
    if seen.len() < count {
        return Err(mismatch(format!(
            "missing shard{} {}: give every shard's folder",
            if count - seen.len() == 1 { "" } else { "s" },
            missing_list(&seen, count, |i| format!("{i}/{count}"))
        )));
    }
    check_peaks(full, &shards)?;

    let grids = SeriesGrids::new(full, &options);
    let members: Vec<Vec<usize>> = (0..count)
        .map(|i| members(full.functions.len(), i, count))
        .collect();
    // Replicate by replicate, moving each shard's part out so only one copy is held.
    let mut per_shard: Vec<std::vec::IntoIter<ShardReplicate>> = shards
        .into_iter()
        .map(|s| s.replicates.into_iter())
        .collect();
    let mut raws = Vec::with_capacity(replicates);
    for i in 0..replicates {
        let mut whole = Whole::new(full, i as u32, Some((grids, options.sample_cap)));
        for (k, parts) in per_shard.iter_mut().enumerate() {
            let r = parts.next().expect("replicate count checked");
            if r.seed != whole.seed || r.functions.len() != members[k].len() {
                return Err(mismatch(format!(
                    "shard {k}/{count}: replicate {i} does not match the workload"
                )));
            }
            whole
                .absorb(r.functions, Some(r.series), r.probe, r.stats, &members[k])
                .map_err(|e| mismatch(format!("shard {k}/{count}, replicate {i}: {e}")))?;
        }
        raws.push(whole.into_raw());
    }
    Ok(runner::conclude(full, &grids, options.sample_cap, raws))
}

/// [`ShardError::MayBind`] when, in some replicate and peak bucket, the shards' peak
/// unreserved concurrency adds up to more than the pool.
fn check_peaks(full: &Scenario, shards: &[RunShard]) -> Result<(), ShardError> {
    let replicates = shards.first().map_or(0, |s| s.replicates.len());
    for r in 0..replicates {
        let mut sums = Vec::new();
        for s in shards {
            add_peaks(&mut sums, &s.replicates[r].peaks);
        }
        within_pool(full, r, &sums)?;
    }
    Ok(())
}

/// Adds one part's peak unreserved concurrency, bucket by bucket, to `sums`.
fn add_peaks(sums: &mut Vec<u64>, peaks: &[u32]) {
    if sums.len() < peaks.len() {
        sums.resize(peaks.len(), 0);
    }
    for (sum, &p) in sums.iter_mut().zip(peaks) {
        *sum += p as u64;
    }
}

/// [`ShardError::MayBind`] at the first peak bucket of `replicate` where the parts' peaks
/// (`sums`, see [`add_peaks`]) add up to more than the unreserved pool: the bound on what
/// they held together.
fn within_pool(full: &Scenario, replicate: usize, sums: &[u64]) -> Result<(), ShardError> {
    let pool = unreserved_pool(full);
    let width = peak_bucket(full).0;
    match sums.iter().position(|&bound| bound > pool as u64) {
        Some(b) => Err(ShardError::MayBind {
            replicate,
            from_s: (b as u64 * width) as f64 / 1e9,
            to_s: ((b as u64 + 1) * width) as f64 / 1e9,
            bound: sums[b],
            pool,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each bucket's peak is the most unreserved concurrency held at any instant of it, from
    /// changes at times that only grow (several in one bucket, at a bucket's first instant,
    /// buckets with none, past the last bucket): worked out here from the changes alone.
    #[test]
    fn each_bucket_keeps_the_most_held_in_it() {
        let width = 1_000u64;
        let buckets = 50usize;
        let end_of_grid = SimTime(width * buckets as u64);
        let mut peak = PeakUse::on_grid(BucketGrid::of_width(
            SimTime(width),
            end_of_grid,
            SimTime::ZERO,
        ));
        assert_eq!(peak.peaks.len(), buckets);
        let mut changes = Vec::new();
        let mut t = 0u64;
        for i in 0..400u64 {
            let x = crate::rng::splitmix64(i);
            t += match x % 5 {
                0 => 0,
                1 => width - t % width, // the next bucket's first instant
                2 => 3 * width + x % 7,
                _ => x % 200,
            };
            let in_use = (x >> 32) as u32 % 100;
            peak.on_unreserved_use(SimTime(t), in_use);
            changes.push((t, in_use));
        }
        let end = t + 5 * width;
        peak.on_end(SimTime(end));
        assert!(
            end > width * buckets as u64,
            "the changes go past the last bucket"
        );
        // A level set at `t` is held until the next change (the end for the last one); the
        // buckets past the last take what happens after it.
        let bucket = |t: u64| ((t / width) as usize).min(buckets - 1);
        let mut want = vec![0u32; buckets];
        for (k, &(from, level)) in changes.iter().enumerate() {
            let to = changes.get(k + 1).map_or(end, |c| c.0);
            for w in &mut want[bucket(from)..=bucket(to)] {
                *w = (*w).max(level);
            }
        }
        // The level before the first change (0) is held from 0; it never raises a peak.
        assert_eq!(peak.into_peaks(), want);
    }
}

//! Runs a scenario: replicates in parallel (rayon), each with its own derived seed, merged in
//! replicate order so the result does not depend on the thread count.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::engine::{Engine, EngineStats};
use crate::histogram::CompactHistogram;
use crate::metrics::{Detail, Latencies, Recorder, latency_stats};
use crate::model::Scenario;
use crate::observer::Counts;
use crate::observer::Observer;
use crate::report_data::ReportData;
use crate::rng::replicate_seed;
use crate::series::{
    self, InvocationSample, ReplicateSeries, Reservoir, SeriesGrids, SeriesOptions, SeriesRecorder,
};
use crate::stats::{self, Range, Warning};
use crate::summary::{
    AggregateSummary, BillLines, CostSummary, FunctionCost, FunctionSummary, InstanceStats,
    LatencyStats, ManagedInstancesSummary, MeasuredComparison, QueueStats, SCHEMA_VERSION,
    SloReport, Summary, TriggerSummary, UsageSummary,
};
use crate::time::SimTime;

/// Progress steps reported per replicate (the total is `replicates × PROGRESS_STEPS`).
pub const PROGRESS_STEPS: u64 = 100;

/// The result of one replicate.
#[derive(Clone, Debug)]
pub struct Replicate {
    /// Its seed.
    pub seed: u64,
    /// Its summary (exact counts, no confidence intervals).
    pub summary: Summary,
    /// The raw measurements.
    pub recorder: Recorder,
    /// Engine counters.
    pub stats: EngineStats,
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Mean over replicates with 95 % confidence intervals (the replicate itself when there
    /// is one).
    pub summary: Summary,
    /// Every replicate, in replicate order.
    pub replicates: Vec<Replicate>,
    /// Statistical warnings (too few replicates, warm-up too short, precision not reached),
    /// for the commands to print on stderr; see [`crate::stats`].
    pub warnings: Vec<Warning>,
}

/// Runs one replicate with `seed`; `progress(n)` is called with steps of simulated time.
pub fn run_replicate(
    scenario: &Scenario,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> (Recorder, EngineStats) {
    let (recorder, (), stats) = run_replicate_with(scenario, seed, (), progress);
    (recorder, stats)
}

/// Like [`run_replicate`], with `extra` observing the engine beside the [`Recorder`]; the
/// observer changes nothing in the run (observers only watch).
pub fn run_replicate_with<O: Observer>(
    scenario: &Scenario,
    seed: u64,
    extra: O,
    progress: &(dyn Fn(u64) + Sync),
) -> (Recorder, O, EngineStats) {
    let ((recorder, ()), extra, stats) =
        run_replicate_detailed(scenario, seed, (), extra, progress);
    (recorder, extra, stats)
}

/// Like [`run_replicate_with`], with the [`Recorder`] handing its events on to `detail` (the
/// time series, [`SeriesRecorder`]); returns the recorder and the detail apart.
pub fn run_replicate_detailed<D: Detail, O: Observer>(
    scenario: &Scenario,
    seed: u64,
    detail: D,
    extra: O,
    progress: &(dyn Fn(u64) + Sync),
) -> ((Recorder, D), O, EngineStats) {
    let recorder = Recorder::new(scenario).with_detail(detail);
    let mut engine = Engine::new(scenario, seed, (recorder, extra));
    let duration = scenario.simulation.duration.0;
    let mut reported = 0;
    for step in 1..=PROGRESS_STEPS {
        let limit = SimTime((duration as u128 * step as u128 / PROGRESS_STEPS as u128) as u64);
        engine.run_until(limit);
        progress(1);
        reported += 1;
    }
    while engine.step() {}
    engine.finish();
    if reported < PROGRESS_STEPS {
        progress(PROGRESS_STEPS - reported);
    }
    let stats = engine.stats();
    let (recorder, extra) = engine.into_observer();
    (recorder.split(), extra, stats)
}

/// The bill of one replicate: `recorder`'s usage priced by the cost engine (None when the
/// region has no price book, which validation prevents). The one home of what a replicate
/// costs: its summary and its time series both take it from here.
pub fn replicate_bill(scenario: &Scenario, recorder: &Recorder) -> Option<crate::cost::Bill> {
    let sim = &scenario.simulation;
    let usage: Vec<_> = recorder.functions.iter().map(|f| f.usage.clone()).collect();
    crate::cost::bill_scenario(scenario, &usage, sim.warmup, sim.duration).ok()
}

/// Builds the summary of one replicate, priced by the cost engine (the cost is left out when
/// the region has no price book, which validation prevents).
pub fn replicate_summary(scenario: &Scenario, seed: u64, recorder: &Recorder) -> Summary {
    summary_with_bill(
        scenario,
        seed,
        recorder,
        replicate_bill(scenario, recorder).as_ref(),
    )
}

/// [`replicate_summary`] with the replicate's bill already made ([`replicate_bill`]).
fn summary_with_bill(
    scenario: &Scenario,
    seed: u64,
    recorder: &Recorder,
    bill: Option<&crate::cost::Bill>,
) -> Summary {
    let sim = &scenario.simulation;
    let mut summary = Summary {
        schema_version: SCHEMA_VERSION,
        lamsim_version: env!("CARGO_PKG_VERSION").to_string(),
        seed,
        replicates: 1,
        window_s: (sim.duration - sim.warmup).as_secs_f64(),
        warmup_s: sim.warmup.as_secs_f64(),
        // Each function's summary is its own work (10,000 functions take a tenth of a second).
        functions: (0..scenario.functions.len())
            .into_par_iter()
            .map(|i| recorder.function_summary(i, scenario))
            .collect(),
        cost: None,
        slo: None,
        aggregate: None,
    };
    if let Some(bill) = bill {
        summary.cost = Some(CostSummary::from_bill(bill));
        for (f, fb) in summary.functions.iter_mut().zip(&bill.per_function) {
            f.cost_usd = Some(FunctionCost::from_bill(fb, bill.adjacent));
        }
    }
    summary
}

/// Runs every replicate of `scenario` (seed and count from `scenario.simulation`) in parallel,
/// then merges them in order; `progress` receives [`PROGRESS_STEPS`] per replicate.
pub fn run(scenario: &Scenario, progress: &(dyn Fn(u64) + Sync)) -> RunOutput {
    let n = scenario.simulation.replicates.max(1);
    let (replicates, probes) = run_range(scenario, 0..n, progress);
    assemble(scenario, replicates, &probes)
}

/// Runs replicates `range` of `scenario` in parallel, in replicate order.
fn run_range(
    scenario: &Scenario,
    range: std::ops::Range<u32>,
    progress: &(dyn Fn(u64) + Sync),
) -> (Vec<Replicate>, Vec<WarmupProbe>) {
    let root = scenario.simulation.seed;
    range
        .into_par_iter()
        .map(|i| {
            let seed = replicate_seed(root, i);
            let probe = WarmupProbe::new(scenario);
            let (recorder, probe, stats) = run_replicate_with(scenario, seed, probe, progress);
            (
                Replicate::summarized(scenario, seed, recorder, stats),
                probe,
            )
        })
        .unzip()
}

impl Replicate {
    /// The replicate of `seed` measured by `recorder`, summarized and priced.
    pub fn summarized(
        scenario: &Scenario,
        seed: u64,
        recorder: Recorder,
        stats: EngineStats,
    ) -> Self {
        let bill = replicate_bill(scenario, &recorder);
        Self::priced(scenario, seed, recorder, stats, bill.as_ref())
    }

    /// [`Replicate::summarized`] with its bill already made ([`replicate_bill`]).
    fn priced(
        scenario: &Scenario,
        seed: u64,
        recorder: Recorder,
        stats: EngineStats,
        bill: Option<&crate::cost::Bill>,
    ) -> Self {
        let summary = summary_with_bill(scenario, seed, &recorder, bill);
        Replicate {
            seed,
            summary,
            recorder,
            stats,
        }
    }
}

/// What [`run`] returns, from replicates measured elsewhere (in replicate order, each with its
/// warm-up probe): [`crate::shard::run_in_blocks`] puts them together from blocks of functions.
pub fn conclude_plain(scenario: &Scenario, raws: Vec<(Replicate, WarmupProbe)>) -> RunOutput {
    let (replicates, probes): (Vec<Replicate>, Vec<WarmupProbe>) = raws.into_iter().unzip();
    assemble(scenario, replicates, &probes)
}

/// `--precision`: how many replicates to run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// The largest acceptable relative half-width of the key metrics' 95 % intervals (0.05
    /// for 5 %).
    pub target: f64,
    /// Never more replicates than this.
    pub max_replicates: u32,
}

/// Default of `--max-replicates`.
pub const DEFAULT_MAX_REPLICATES: u32 = 100;

/// Like [`run`], adding replicates until every key metric's 95 % interval is within
/// `precision.target` of its value (see [`widest_interval`]) or `precision.max_replicates`
/// have run. It starts with `[simulation] replicates` (at least [`stats::FEW_REPLICATES`]) and
/// doubles; replicate `k` always has the same seed, so the result depends only on the
/// scenario and `precision`, and equals [`run`] with the final count.
pub fn run_to_precision(
    scenario: &Scenario,
    precision: Precision,
    progress: &(dyn Fn(u64) + Sync),
) -> RunOutput {
    let mut replicates = Vec::new();
    let mut probes = Vec::new();
    let counts = precision_counts(scenario, precision.max_replicates);
    let mut done = 0;
    for n in counts {
        let (r, p) = run_range(scenario, done..n, progress);
        replicates.extend(r);
        probes.extend(p);
        done = n;
        let summary = merged_summary(scenario, &replicates);
        if widest_interval(&summary).is_none_or(|(w, _)| w <= precision.target) {
            break;
        }
    }
    let mut out = assemble(scenario, replicates, &probes);
    if let Some((w, metric)) = widest_interval(&out.summary)
        && w > precision.target
    {
        out.warnings.push(Warning::PrecisionNotReached {
            target: precision.target,
            reached: w,
            metric,
            replicates: out.replicates.len() as u32,
        });
    }
    out
}

/// The replicate counts `--precision` stops at to look: the configured count (at least
/// [`stats::FEW_REPLICATES`]), then doubling, capped by `max`.
fn precision_counts(scenario: &Scenario, max: u32) -> Vec<u32> {
    let max = max.max(1);
    let mut n = scenario
        .simulation
        .replicates
        .max(stats::FEW_REPLICATES)
        .min(max);
    let mut counts = vec![n];
    while n < max {
        n = (n * 2).min(max);
        counts.push(n);
    }
    counts
}

/// The key metrics of `--precision` and the widest relative half-width among them, with its
/// name: the window's total cost, and each function's p99 latency and average environment
/// count (a metric without an interval, such as the p99 of a function that never ran, is left
/// out). `None` when no key metric has an interval (a single replicate).
pub fn widest_interval(summary: &Summary) -> Option<(f64, String)> {
    let mut widest: Option<(f64, String)> = None;
    let mut consider = |mean: f64, ci: Option<[f64; 2]>, name: String| {
        if let Some(ci) = ci {
            let w = stats::relative_half_width(mean, ci);
            if widest.as_ref().is_none_or(|(x, _)| w > *x) {
                widest = Some((w, name));
            }
        }
    };
    if let Some(c) = &summary.cost {
        consider(
            c.window.total_usd,
            c.window.total_usd_ci95,
            "cost".to_string(),
        );
    }
    for f in &summary.functions {
        consider(
            f.latency_ms.p99,
            f.latency_ms.p99_ci95,
            format!("{} p99", f.name),
        );
        consider(
            f.instances.avg_total,
            f.instances.avg_total_ci95,
            format!("{} environments", f.name),
        );
    }
    widest
}

/// The merged summary of `replicates` (the mean of [`merge`], with percentiles pooled from
/// the replicates' histograms and their intervals; see [`crate::stats`]).
fn merged_summary(scenario: &Scenario, replicates: &[Replicate]) -> Summary {
    let mut summary = merge(&replicates.iter().map(|r| &r.summary).collect::<Vec<_>>());
    if replicates.len() > 1 {
        pool_latencies(&mut summary, replicates);
    }
    summary.seed = scenario.simulation.seed;
    summary
}

/// Replaces each function's latency statistics (all, warm, cold) by those of the pooled
/// histograms, and sets their p99 intervals from the replicates that had samples.
fn pool_latencies(summary: &mut Summary, replicates: &[Replicate]) {
    for (i, f) in summary.functions.iter_mut().enumerate() {
        let records = || replicates.iter().map(move |r| &r.recorder.functions[i]);
        let mut warm = CompactHistogram::new();
        let mut cold = CompactHistogram::new();
        let (mut sums, mut maxes) = ([0u128; 2], [0u64; 2]);
        for r in records() {
            warm.add(&r.warm);
            cold.add(&r.cold);
            for k in 0..2 {
                sums[k] += r.latency_sum_ns[k];
                maxes[k] = maxes[k].max(r.latency_max_ns[k]);
            }
        }
        let mut all = warm.clone();
        all.add(&cold);
        f.latency_ms = latency_stats(&all, sums[0] + sums[1], maxes[0].max(maxes[1]));
        f.latency_warm_ms = latency_stats(&warm, sums[0], maxes[0]);
        f.latency_cold_ms = latency_stats(&cold, sums[1], maxes[1]);
        let p99s = |get: &dyn Fn(&FunctionSummary) -> f64, has: &dyn Fn(usize) -> bool| {
            replicates
                .iter()
                .enumerate()
                .map(|(k, r)| has(k).then(|| get(&r.summary.functions[i])))
                .collect::<Vec<_>>()
        };
        pool_trigger_latencies(i, f, replicates);
        let rec = |k: usize| &replicates[k].recorder.functions[i];
        f.latency_ms.p99_ci95 = stats::percentile_ci95(
            f.latency_ms.p99,
            &p99s(&|s| s.latency_ms.p99, &|k| {
                !rec(k).warm.is_empty() || !rec(k).cold.is_empty()
            }),
        );
        f.latency_warm_ms.p99_ci95 = stats::percentile_ci95(
            f.latency_warm_ms.p99,
            &p99s(&|s| s.latency_warm_ms.p99, &|k| !rec(k).warm.is_empty()),
        );
        f.latency_cold_ms.p99_ci95 = stats::percentile_ci95(
            f.latency_cold_ms.p99,
            &p99s(&|s| s.latency_cold_ms.p99, &|k| !rec(k).cold.is_empty()),
        );
    }
}

/// The per-trigger latency and end-to-end statistics of function `i`, and its own end-to-end
/// statistics, from the pooled histograms of its request sources.
fn pool_trigger_latencies(i: usize, f: &mut FunctionSummary, replicates: &[Replicate]) {
    let Some(list) = f.triggers.as_mut() else {
        return;
    };
    let first = &replicates[0].recorder;
    let sources: Vec<usize> = first
        .sources_of(i)
        .filter(|&s| first.triggers[s].is_some())
        .collect();
    if sources.len() != list.len() {
        return;
    }
    let mut e2e_all = Latencies::default();
    for (t, &s) in list.iter_mut().zip(&sources) {
        let (mut latency, mut e2e) = (Latencies::default(), Latencies::default());
        for r in replicates {
            if let Some(tr) = r.recorder.triggers[s].as_ref() {
                latency.add(&tr.latency);
                e2e.add(&tr.end_to_end);
            }
        }
        t.latency_ms = latency.stats();
        if t.end_to_end_ms.is_some() {
            t.end_to_end_ms = Some(e2e.stats());
            e2e_all.add(&e2e);
        }
    }
    if f.end_to_end_ms.is_some() {
        f.end_to_end_ms = Some(e2e_all.stats());
    }
}

/// Merges the replicates (in replicate order) into a [`RunOutput`], checks the objectives
/// (see [`crate::slo::evaluate`]) and collects the statistical warnings.
fn assemble(scenario: &Scenario, replicates: Vec<Replicate>, probes: &[WarmupProbe]) -> RunOutput {
    let mut summary = merged_summary(scenario, &replicates);
    summary.slo = crate::slo::evaluate(scenario, &summary, None);
    crate::aggregate::attach(scenario, &mut summary);
    let n = replicates.len() as u32;
    let mut warnings = Vec::new();
    if (2..stats::FEW_REPLICATES).contains(&n) {
        warnings.push(Warning::FewReplicates { replicates: n });
    }
    warnings.extend(warmup_warnings(scenario, probes));
    RunOutput {
        summary,
        replicates,
        warnings,
    }
}

/// Like [`run`], also recording the time series and latency CDFs of `report-data.json` and a
/// bounded uniform sample of the measured window's invocations (see [`crate::series`]). The
/// [`RunOutput`] is exactly what [`run`] returns: the extra observer changes nothing.
pub fn run_with_series(
    scenario: &Scenario,
    progress: &(dyn Fn(u64) + Sync),
    options: &SeriesOptions,
) -> (RunOutput, ReportData, InvocationSample) {
    let root = scenario.simulation.seed;
    let n = scenario.simulation.replicates.max(1);
    let grids = SeriesGrids::new(scenario, options);
    // Merged as replicates finish: the bottom-k sample does not depend on the merge order, and
    // only one reservoir per running replicate is alive at a time.
    let sample = Mutex::new(Reservoir::new(options.sample_cap));
    let parts: Vec<Finished> = (0..n)
        .into_par_iter()
        .map(|i| {
            let seed = replicate_seed(root, i);
            let series = SeriesRecorder::new(scenario, grids, i, seed, options.sample_cap);
            let probe = WarmupProbe::new(scenario);
            let ((recorder, series), probe, stats) =
                run_replicate_detailed(scenario, seed, series, probe, progress);
            let raw = RawReplicate {
                seed,
                recorder,
                series,
                probe,
                stats,
            };
            finish_raw(scenario, raw, &sample)
        })
        .collect();
    conclude_finished(scenario, &grids, parts, sample)
}

/// One replicate's measurements before they are summarized: what [`run_with_series`] gets from
/// the engine, or [`crate::shard::merge`] puts together from the shards.
pub struct RawReplicate {
    /// Its seed.
    pub seed: u64,
    /// Its measurements.
    pub recorder: Recorder,
    /// Its time series and sample.
    pub series: SeriesRecorder,
    /// Its warm-up probe.
    pub probe: WarmupProbe,
    /// Engine counters.
    pub stats: EngineStats,
}

/// A summarized replicate with its series and probe.
type Finished = (Replicate, ReplicateSeries, WarmupProbe);

/// Summarizes and prices one replicate, merging its sample into `sample`.
fn finish_raw(scenario: &Scenario, raw: RawReplicate, sample: &Mutex<Reservoir>) -> Finished {
    // One bill for both; the series and the summary are then made at the same time.
    let bill = replicate_bill(scenario, &raw.recorder);
    let ((series, reservoir), replicate) = rayon::join(
        || raw.series.finish(scenario, bill.as_ref()),
        || Replicate::priced(scenario, raw.seed, raw.recorder, raw.stats, bill.as_ref()),
    );
    sample
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .merge(reservoir);
    (replicate, series, raw.probe)
}

/// The run's output, report data and invocation sample from its finished replicates (in
/// replicate order).
fn conclude_finished(
    scenario: &Scenario,
    grids: &SeriesGrids,
    parts: Vec<Finished>,
    sample: Mutex<Reservoir>,
) -> (RunOutput, ReportData, InvocationSample) {
    let mut replicates = Vec::with_capacity(parts.len());
    let mut series = Vec::with_capacity(parts.len());
    let mut probes = Vec::with_capacity(parts.len());
    for (r, s, p) in parts {
        replicates.push(r);
        series.push(s);
        probes.push(p);
    }
    let sample = sample
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_sample();
    let out = assemble(scenario, replicates, &probes);
    let recorders: Vec<&Recorder> = out.replicates.iter().map(|r| &r.recorder).collect();
    let data = series::report_data(scenario, grids, &series, &recorders, &out.summary);
    (out, data, sample)
}

/// What [`run_with_series`] returns, from replicates measured elsewhere (in replicate order,
/// on `grids`, sampling at most `sample_cap` invocations).
pub fn conclude(
    scenario: &Scenario,
    grids: &SeriesGrids,
    sample_cap: usize,
    raws: Vec<RawReplicate>,
) -> (RunOutput, ReportData, InvocationSample) {
    let sample = Mutex::new(Reservoir::new(sample_cap));
    let parts = raws
        .into_iter()
        .map(|raw| finish_raw(scenario, raw, &sample))
        .collect();
    conclude_finished(scenario, grids, parts, sample)
}

/// Time buckets over the whole run (warm-up included) in which [`WarmupProbe`] averages the
/// environment count: 100 MSER-5 batches.
pub const WARMUP_BUCKETS: usize = 500;

/// Records each function's time-averaged environment count in [`WARMUP_BUCKETS`] buckets of
/// the simulated duration, for the warm-up check ([`stats::mser5`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmupProbe {
    width: u64,
    /// Per function whose traffic is stationary (the only ones the warm-up check looks at;
    /// None for the others, which then cost nothing): ∫ environments dt per bucket
    /// (environment·ns), the last count and when it was set.
    functions: Vec<Option<(Vec<u128>, u32, u64)>>,
}

impl WarmupProbe {
    /// An empty probe for `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        let width = (scenario.simulation.duration.0 / WARMUP_BUCKETS as u64).max(1);
        WarmupProbe {
            width,
            functions: (0..scenario.functions.len())
                .map(|f| stationary(scenario, f).then(|| (vec![0; WARMUP_BUCKETS], 0, 0)))
                .collect(),
        }
    }

    fn integrate(&mut self, f: usize, t: u64) {
        let width = self.width;
        let Some((areas, level, since)) = &mut self.functions[f] else {
            return;
        };
        let end = t.min(width * WARMUP_BUCKETS as u64);
        let mut a = *since;
        while a < end {
            let k = (a / width) as usize;
            let b = end.min((k as u64 + 1) * width);
            areas[k] += *level as u128 * (b - a) as u128;
            a = b;
        }
        *since = t.max(*since);
    }

    /// Puts the buckets of `other`'s function `k` in the place of function `members[k]` (a
    /// shard's probe into the whole run's; see [`crate::shard`]).
    pub fn absorb(&mut self, other: WarmupProbe, members: &[usize]) -> Result<(), String> {
        if other.width != self.width || other.functions.len() != members.len() {
            return Err("the warm-up probe does not match the workload".to_string());
        }
        for (p, &g) in other.functions.into_iter().zip(members) {
            let here = self
                .functions
                .get_mut(g)
                .ok_or_else(|| format!("function {g} is not in the workload"))?;
            if here.is_some() != p.is_some() {
                return Err(format!("function {g}: warm-up probe of another kind"));
            }
            *here = p;
        }
        Ok(())
    }

    /// The average environment count of function `f` in each bucket (empty for a function
    /// whose traffic is not stationary).
    pub fn series(&self, f: usize) -> Vec<f64> {
        self.functions[f]
            .as_ref()
            .map_or_else(Vec::new, |(areas, _, _)| {
                areas
                    .iter()
                    .map(|a| *a as f64 / self.width as f64)
                    .collect()
            })
    }
}

impl Observer for WarmupProbe {
    fn on_counts(&mut self, t: SimTime, function: u32, counts: Counts) {
        // Only the total count is integrated: a change of the others leaves its area as it
        // is (the time held at one level is summed when the level next changes, exactly).
        match &self.functions[function as usize] {
            Some(p) if p.1 != counts.total => {}
            _ => return,
        }
        self.integrate(function as usize, t.0);
        if let Some(p) = &mut self.functions[function as usize] {
            p.1 = counts.total;
        }
    }

    fn on_end(&mut self, t: SimTime) {
        for f in 0..self.functions.len() {
            self.integrate(f, t.0);
        }
    }
}

/// Whether every request source of `function` arrives at a constant (or constant-on-average)
/// rate over the whole window: the warm-up check applies only then (a daily cycle, a trace or a
/// schedule has no steady state to reach).
fn stationary(scenario: &Scenario, function: usize) -> bool {
    use crate::model::{ArrivalProcess, ConstantSpacing};
    let f = &scenario.functions[function];
    f.provisioned.len() <= 1
        && f.triggers.iter().all(|t| {
            t.arrivals.start == SimTime(0)
                && t.arrivals.end >= scenario.simulation.duration
                && matches!(
                    t.arrivals.process,
                    ArrivalProcess::Poisson { .. }
                        | ArrivalProcess::OnOff { .. }
                        | ArrivalProcess::Constant(ConstantSpacing::Rate(_))
                )
        })
}

/// MSER-5 on each stationary function's environment count averaged over the replicates: a
/// warning when the transient outlasts the warm-up by more than two batches (2 % of the run,
/// a margin against noise).
fn warmup_warnings(scenario: &Scenario, probes: &[WarmupProbe]) -> Vec<Warning> {
    let Some(first) = probes.first() else {
        return Vec::new();
    };
    let warmup = scenario.simulation.warmup.0;
    let batch = first.width * stats::MSER_BATCH as u64;
    (0..scenario.functions.len())
        .filter(|&f| stationary(scenario, f))
        .filter_map(|f| {
            let mut avg = vec![0.0; WARMUP_BUCKETS];
            for p in probes {
                for (a, x) in avg.iter_mut().zip(p.series(f)) {
                    *a += x / probes.len() as f64;
                }
            }
            let t = stats::mser5(&avg)?;
            let detected = t.observations as u64 * first.width;
            (t.conclusive && detected > warmup + 2 * batch).then(|| Warning::WarmupTooShort {
                function: scenario.functions[f].name.clone(),
                configured_s: warmup as f64 / 1e9,
                detected_s: detected as f64 / 1e9,
            })
        })
        .collect()
}

/// Merges replicate summaries: every number becomes the mean over replicates (numbers equal
/// in all replicates are kept as they are; text, flags and whole numbers are the first
/// replicate's; an optional value or a list is merged when every replicate has it with the
/// same length, otherwise the first replicate's is kept), and the contract's `_ci95` siblings
/// are added. The merged summary carries the root seed (replicate 0's).
pub fn merge(reps: &[&Summary]) -> Summary {
    if reps.len() == 1 {
        return reps[0].clone();
    }
    let mut merged = Summary::mean(reps);
    let functions = |i: usize| reps.iter().map(move |r| &r.functions[i]);
    for (i, f) in merged.functions.iter_mut().enumerate() {
        let ci = |get: &dyn Fn(&FunctionSummary) -> f64, range: Range| {
            stats::mean_ci95(&functions(i).map(get).collect::<Vec<_>>(), range)
        };
        f.cold_start_ratio_ci95 = ci(&|f| f.cold_start_ratio, Range::Unit);
        f.instances.avg_total_ci95 = ci(&|f| f.instances.avg_total, Range::NonNegative);
        // A percentile's interval needs the pooled histograms: see `pool_latencies`. Here,
        // from the summaries alone, the replicates without samples (an empty histogram
        // reports 0) are left out.
        let p99 = |get: &dyn Fn(&FunctionSummary) -> (f64, f64)| {
            let xs: Vec<Option<f64>> = functions(i)
                .map(|f| {
                    let (p, count) = get(f);
                    (count > 0.0).then_some(p)
                })
                .collect();
            let present: Vec<f64> = xs.iter().flatten().copied().collect();
            let centre = present.iter().sum::<f64>() / present.len().max(1) as f64;
            stats::percentile_ci95(centre, &xs)
        };
        f.latency_ms.p99_ci95 = p99(&|f| (f.latency_ms.p99, f.latency_ms.max));
        f.latency_warm_ms.p99_ci95 = p99(&|f| (f.latency_warm_ms.p99, f.latency_warm_ms.max));
        f.latency_cold_ms.p99_ci95 = p99(&|f| (f.latency_cold_ms.p99, f.latency_cold_ms.max));
    }
    let totals: Option<Vec<f64>> = reps
        .iter()
        .map(|r| r.cost.as_ref().map(|c| c.window.total_usd))
        .collect();
    if let (Some(cost), Some(xs)) = (merged.cost.as_mut(), totals) {
        cost.window.total_usd_ci95 = stats::mean_ci95(&xs, Range::NonNegative);
    }
    merged.replicates = reps.len() as u32;
    merged
}

/// The mean over replicates of one part of a summary (see [`merge`] for the rule per kind of
/// value). `xs` is never empty.
trait Mean: Clone {
    fn mean(xs: &[&Self]) -> Self;
}

impl Mean for f64 {
    fn mean(xs: &[&Self]) -> Self {
        if xs.iter().all(|x| **x == *xs[0]) {
            return *xs[0];
        }
        xs.iter().map(|x| **x).sum::<f64>() / xs.len() as f64
    }
}

/// Values that are the same in every replicate (names, sizes, the seed): the first's.
macro_rules! first_of {
    ($($t:ty),*) => {$(
        impl Mean for $t {
            fn mean(xs: &[&Self]) -> Self {
                xs[0].clone()
            }
        }
    )*};
}
first_of!(u32, u64, bool, String, AggregateSummary);

impl<T: Mean> Mean for Option<T> {
    fn mean(xs: &[&Self]) -> Self {
        match xs.iter().map(|x| x.as_ref()).collect::<Option<Vec<&T>>>() {
            Some(all) => Some(T::mean(&all)),
            None => xs[0].clone(),
        }
    }
}

impl<T: Mean> Mean for Vec<T> {
    fn mean(xs: &[&Self]) -> Self {
        let n = xs[0].len();
        if xs.iter().any(|x| x.len() != n) {
            return xs[0].clone();
        }
        (0..n)
            .map(|i| T::mean(&xs.iter().map(|x| &x[i]).collect::<Vec<_>>()))
            .collect()
    }
}

impl<T: Mean> Mean for Box<T> {
    fn mean(xs: &[&Self]) -> Self {
        Box::new(T::mean(&xs.iter().map(|x| &***x).collect::<Vec<_>>()))
    }
}

impl Mean for [f64; 2] {
    fn mean(xs: &[&Self]) -> Self {
        let at = |k: usize| f64::mean(&xs.iter().map(|x| &x[k]).collect::<Vec<_>>());
        [at(0), at(1)]
    }
}

/// Field by field (the struct literal names every field, so a new one cannot be forgotten).
macro_rules! mean_fields {
    ($($t:ident { $($field:ident),* $(,)? })*) => {$(
        impl Mean for $t {
            fn mean(xs: &[&Self]) -> Self {
                $t {
                    $($field: Mean::mean(&xs.iter().map(|x| &x.$field).collect::<Vec<_>>()),)*
                }
            }
        }
    )*};
}

mean_fields! {
    Summary {
        schema_version, lamsim_version, seed, replicates, window_s, warmup_s, functions, cost,
        slo, aggregate,
    }
    FunctionSummary {
        name, memory_mb, architecture, arrivals, invocations, cold_starts, throttles, timeouts,
        cold_start_ratio, cold_start_ratio_ci95, throttle_ratio, latency_ms, latency_warm_ms,
        latency_cold_ms, instances, usage, cost_usd, errors, retries, dead_letters, expired,
        end_to_end_ms, queue, batch_size_avg, triggers, measured, managed_instances,
    }
    ManagedInstancesSummary {
        instance_type, instances_avg, instances_peak, instance_hours, environments_avg,
    }
    MeasuredComparison {
        invocations, simulated_invocations, throttles, simulated_throttles, concurrency_max,
        simulated_concurrency_max,
    }
    TriggerSummary {
        name, invocation, arrivals, invocations, completed, errors, retries, throttles,
        dead_letters, expired, pending, latency_ms, gateway_timeouts, end_to_end_ms, queue,
        batch_size_avg, sqs_requests, poller_hours,
    }
    QueueStats { backlog_avg, backlog_max, oldest_age_ms_max }
    LatencyStats { mean, p50, p90, p99, p99_ci95, p999, max }
    InstanceStats {
        avg_total, avg_total_ci95, avg_busy, avg_idle, peak, provisioned_avg, provisioned_peak,
    }
    UsageSummary {
        requests, ondemand_gb_s, init_gb_s, provisioned_configured_gb_s, provisioned_used_gb_s,
        ephemeral_gb_s, restores,
    }
    FunctionCost {
        total, requests, compute, provisioned, ephemeral, snapstart, gateway, event_sources,
        logs, instances, per_million_invocations, monthly,
    }
    CostSummary { window, monthly }
    BillLines {
        total_usd, total_usd_ci95, requests_usd, compute_usd, provisioned_usd, ephemeral_usd,
        snapstart_usd, lambda_usd, gateway_usd, event_sources_usd, logs_usd, instances_usd,
    }
    SloReport { met, violations }
}

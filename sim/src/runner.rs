//! Runs a scenario: replicates in parallel (rayon), each with its own derived seed, merged in
//! replicate order so the result does not depend on the thread count.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::engine::{Engine, EngineStats};
use crate::metrics::Recorder;
use crate::model::Scenario;
use crate::observer::Observer;
use crate::report_data::ReportData;
use crate::rng::replicate_seed;
use crate::series::{
    self, BucketGrid, InvocationSample, ReplicateSeries, Reservoir, SeriesOptions, SeriesRecorder,
};
use crate::summary::{
    BillLines, CostSummary, FunctionCost, FunctionSummary, InstanceStats, LatencyStats,
    ManagedInstancesSummary, MeasuredComparison, QueueStats, SCHEMA_VERSION, SloReport, Summary,
    TriggerSummary, UsageSummary,
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
    let recorder = Recorder::new(scenario);
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
    (recorder, extra, stats)
}

/// Builds the summary of one replicate, priced by the cost engine (the cost is left out when
/// the region has no price book, which validation prevents).
pub fn replicate_summary(scenario: &Scenario, seed: u64, recorder: &Recorder) -> Summary {
    let sim = &scenario.simulation;
    let mut summary = Summary {
        schema_version: SCHEMA_VERSION,
        lamsim_version: env!("CARGO_PKG_VERSION").to_string(),
        seed,
        replicates: 1,
        window_s: (sim.duration - sim.warmup).as_secs_f64(),
        warmup_s: sim.warmup.as_secs_f64(),
        functions: (0..scenario.functions.len())
            .map(|i| recorder.function_summary(i, scenario))
            .collect(),
        cost: None,
        slo: None,
    };
    let usage: Vec<_> = recorder.functions.iter().map(|f| f.usage.clone()).collect();
    if let Ok(bill) = crate::cost::bill_scenario(scenario, &usage, sim.warmup, sim.duration) {
        summary.cost = Some(CostSummary::from_bill(&bill));
        for (f, fb) in summary.functions.iter_mut().zip(&bill.per_function) {
            f.cost_usd = Some(FunctionCost::from_bill(fb, bill.adjacent));
        }
    }
    summary
}

/// Runs every replicate of `scenario` (seed and count from `scenario.simulation`) in parallel,
/// then merges them in order; `progress` receives [`PROGRESS_STEPS`] per replicate.
pub fn run(scenario: &Scenario, progress: &(dyn Fn(u64) + Sync)) -> RunOutput {
    let root = scenario.simulation.seed;
    let n = scenario.simulation.replicates.max(1);
    let replicates: Vec<Replicate> = (0..n)
        .into_par_iter()
        .map(|i| {
            let seed = replicate_seed(root, i);
            let (recorder, stats) = run_replicate(scenario, seed, progress);
            let summary = replicate_summary(scenario, seed, &recorder);
            Replicate {
                seed,
                summary,
                recorder,
                stats,
            }
        })
        .collect();
    assemble(scenario, replicates)
}

/// Merges the replicates (in replicate order) into a [`RunOutput`] and checks the objectives
/// (see [`crate::slo::evaluate`]).
fn assemble(scenario: &Scenario, replicates: Vec<Replicate>) -> RunOutput {
    let mut summary = merge(&replicates.iter().map(|r| &r.summary).collect::<Vec<_>>());
    summary.seed = scenario.simulation.seed;
    summary.slo = crate::slo::evaluate(scenario, &summary, None);
    RunOutput {
        summary,
        replicates,
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
    let grid = BucketGrid::new(scenario, options.max_buckets);
    // Merged as replicates finish: the bottom-k sample does not depend on the merge order, and
    // only one reservoir per running replicate is alive at a time.
    let sample = Mutex::new(Reservoir::new(options.sample_cap));
    let results: Vec<(Replicate, ReplicateSeries)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let seed = replicate_seed(root, i);
            let observer = SeriesRecorder::new(scenario, grid, i, seed, options.sample_cap);
            let (recorder, observer, stats) =
                run_replicate_with(scenario, seed, observer, progress);
            let summary = replicate_summary(scenario, seed, &recorder);
            let (series, reservoir) = series::finish_replicate(scenario, observer, &recorder);
            sample
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .merge(reservoir);
            let replicate = Replicate {
                seed,
                summary,
                recorder,
                stats,
            };
            (replicate, series)
        })
        .collect();
    let (replicates, series): (Vec<Replicate>, Vec<ReplicateSeries>) = results.into_iter().unzip();
    let recorders: Vec<&Recorder> = replicates.iter().map(|r| &r.recorder).collect();
    let data = series::report_data(scenario, &grid, &series, &recorders);
    let sample = sample
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_sample();
    (assemble(scenario, replicates), data, sample)
}

/// Student-t 95 % confidence interval of the mean of `xs` (n ≥ 2).
pub fn ci95(xs: &[f64]) -> [f64; 2] {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return [mean, mean];
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = student_t_975(xs.len() - 1);
    let h = t * (var / n).sqrt();
    [mean - h, mean + h]
}

fn student_t_975(dof: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, dof as f64)
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
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
        let ci = |get: &dyn Fn(&FunctionSummary) -> f64| {
            Some(ci95(&functions(i).map(get).collect::<Vec<_>>()))
        };
        f.cold_start_ratio_ci95 = ci(&|f| f.cold_start_ratio);
        f.latency_ms.p99_ci95 = ci(&|f| f.latency_ms.p99);
        f.latency_warm_ms.p99_ci95 = ci(&|f| f.latency_warm_ms.p99);
        f.latency_cold_ms.p99_ci95 = ci(&|f| f.latency_cold_ms.p99);
        f.instances.avg_total_ci95 = ci(&|f| f.instances.avg_total);
    }
    let totals: Option<Vec<f64>> = reps
        .iter()
        .map(|r| r.cost.as_ref().map(|c| c.window.total_usd))
        .collect();
    if let (Some(cost), Some(xs)) = (merged.cost.as_mut(), totals) {
        cost.window.total_usd_ci95 = Some(ci95(&xs));
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
first_of!(u32, u64, bool, String);

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
        slo,
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

//! Runs a scenario: replicates in parallel (rayon), each with its own derived seed, merged in
//! replicate order so the result does not depend on the thread count.

use std::sync::Mutex;

use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::engine::{Engine, EngineStats};
use crate::metrics::Recorder;
use crate::model::Scenario;
use crate::observer::Observer;
use crate::report_data::ReportData;
use crate::rng::replicate_seed;
use crate::series::{
    self, BucketGrid, InvocationSample, ReplicateSeries, Reservoir, SeriesOptions, SeriesRecorder,
};
use crate::summary::{CostSummary, FunctionCost, SCHEMA_VERSION, SloReport, Summary};
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
            f.cost_usd = Some(FunctionCost::from_bill(fb));
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

/// Merges the replicates (in replicate order) into a [`RunOutput`] and checks the `[slo]`.
fn assemble(scenario: &Scenario, replicates: Vec<Replicate>) -> RunOutput {
    let mut summary = merge(&replicates.iter().map(|r| &r.summary).collect::<Vec<_>>());
    summary.seed = scenario.simulation.seed;
    if let Some(slo) = &scenario.slo {
        summary.slo = Some(check_slo(&summary, slo));
    }
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
/// in all replicates are kept as they are), and the contract's `_ci95` siblings are added.
pub fn merge(reps: &[&Summary]) -> Summary {
    if reps.len() == 1 {
        return reps[0].clone();
    }
    let values: Vec<Value> = reps
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).expect("summary serializes");
            // The merged summary carries the root seed (replicate 0's).
            v["seed"] = Value::from(reps[0].seed);
            v
        })
        .collect();
    let refs: Vec<&Value> = values.iter().collect();
    let mut merged = mean_value(&refs);
    let get = |v: &Value, path: &[&str]| -> Option<f64> {
        let mut cur = v;
        for p in path {
            cur = cur.get(p)?;
        }
        cur.as_f64()
    };
    let set_ci = |target: &mut Value, path: &[&str], xs: Vec<f64>| {
        let (last, parents) = path.split_last().expect("non-empty path");
        let mut cur = target;
        for p in parents {
            cur = cur.get_mut(p).expect("merged value has the path");
        }
        if let Value::Object(m) = cur {
            m.insert(format!("{last}_ci95"), serde_json::json!(ci95(&xs)));
        }
    };
    let nf = reps[0].functions.len();
    for i in 0..nf {
        for path in [
            &["cold_start_ratio"][..],
            &["latency_ms", "p99"],
            &["latency_warm_ms", "p99"],
            &["latency_cold_ms", "p99"],
            &["instances", "avg_total"],
        ] {
            let xs: Vec<f64> = values
                .iter()
                .filter_map(|v| get(&v["functions"][i], path))
                .collect();
            if xs.len() == values.len() {
                set_ci(&mut merged["functions"][i], path, xs);
            }
        }
    }
    let xs: Vec<f64> = values
        .iter()
        .filter_map(|v| get(v, &["cost", "window", "total_usd"]))
        .collect();
    if xs.len() == values.len() {
        set_ci(&mut merged, &["cost", "window", "total_usd"], xs);
    }
    merged["replicates"] = Value::from(reps.len() as u64);
    serde_json::from_value(merged).expect("merged summary has the summary's shape")
}

fn mean_value(vals: &[&Value]) -> Value {
    match vals[0] {
        Value::Number(_) => {
            if vals.iter().all(|v| *v == vals[0]) {
                return vals[0].clone();
            }
            let xs: Vec<f64> = vals.iter().filter_map(|v| v.as_f64()).collect();
            serde_json::json!(xs.iter().sum::<f64>() / xs.len() as f64)
        }
        Value::Object(m0) => {
            let mut out = Map::new();
            for (k, v0) in m0 {
                let col: Vec<&Value> = vals.iter().filter_map(|v| v.get(k)).collect();
                if col.len() == vals.len() {
                    out.insert(k.clone(), mean_value(&col));
                } else {
                    out.insert(k.clone(), v0.clone());
                }
            }
            Value::Object(out)
        }
        Value::Array(a0) => {
            if vals
                .iter()
                .all(|v| v.as_array().is_some_and(|a| a.len() == a0.len()))
            {
                Value::Array(
                    (0..a0.len())
                        .map(|i| mean_value(&vals.iter().map(|v| &v[i]).collect::<Vec<_>>()))
                        .collect(),
                )
            } else {
                vals[0].clone()
            }
        }
        other => other.clone(),
    }
}

/// Checks the `[slo]` objectives against a (merged) summary.
pub fn check_slo(summary: &Summary, slo: &crate::model::Slo) -> SloReport {
    let mut violations = Vec::new();
    for f in &summary.functions {
        if let Some(p99) = slo.p99 {
            let bound = p99.as_millis_f64();
            if f.latency_ms.p99 > bound {
                violations.push(format!(
                    "{}: latency_ms.p99 {:.3} > {}",
                    f.name, f.latency_ms.p99, bound
                ));
            }
        }
        if let Some(b) = slo.cold_start_ratio {
            if f.cold_start_ratio > b {
                violations.push(format!(
                    "{}: cold_start_ratio {:.6} > {}",
                    f.name, f.cold_start_ratio, b
                ));
            }
        }
        if let Some(b) = slo.throttle_ratio {
            if f.throttle_ratio > b {
                violations.push(format!(
                    "{}: throttle_ratio {:.6} > {}",
                    f.name, f.throttle_ratio, b
                ));
            }
        }
    }
    if let (Some(b), Some(cost)) = (slo.monthly_cost_usd, &summary.cost) {
        if cost.monthly.total_usd > b {
            violations.push(format!(
                "cost.monthly.total_usd {:.2} > {}",
                cost.monthly.total_usd, b
            ));
        }
    }
    SloReport {
        met: violations.is_empty(),
        violations,
    }
}

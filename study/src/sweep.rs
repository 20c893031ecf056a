//! Sweeps: one workload run at every point of a cross product of settings ([`crate::axis`]),
//! the results of the points, `sweep.json`, and the shard files merged by `lamsim merge`.
//!
//! Everything here is pure (no I/O, no threads): the CLI turns its flags into typed
//! [`Axis`] values, builds one [`Scenario`] per point with
//! [`Workload::scenario`](crate::workload::Workload::scenario), runs it with
//! [`runner::run`](lamsim_sim::runner::run), turns each result into a [`Point`] with
//! [`point_result`], and assembles `sweep.json` with [`finish`].
//!
//! # A point's numbers
//!
//! For a workload with several functions, a point reports the *worst* function for each
//! latency and ratio (`p50_ms`, `p99_ms`, `cold_start_ratio`, `throttle_ratio` are maxima over
//! functions, which is what `[slo]` checks) and the *total* monthly bill. When one function is
//! studied alone ([`Workload::focus`](crate::workload::Workload::focus), `sweep --function`),
//! a point reports that function's values and its own monthly cost instead. With replicates,
//! each value is the mean over replicates and has a `<key>_ci95` sibling (the Student-t
//! interval over replicates of the same function's value). Every point uses the workload's
//! seed, so points are compared on the same random arrivals (common random numbers).

use std::collections::{BTreeMap, BTreeSet};

use lamsim_sim::config::ConfigErrors;
use lamsim_sim::model::Scenario;
use lamsim_sim::runner::RunOutput;
use lamsim_sim::slo::{self, SloSpec};
use lamsim_sim::stats::{self, Range};
use lamsim_sim::summary::Summary;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::axis::{Axis, AxisKind, PointSpec, cross_product};
use crate::front::{BreakEven, Recommendation, break_even, nearest_miss, pareto_front, recommend};
use crate::workload::Workload;

/// Version of the `sweep.json` and shard-file layouts.
pub const SCHEMA_VERSION: u32 = 1;
/// Name of the sweep result in an output folder.
pub const SWEEP_JSON_FILE: &str = "sweep.json";
/// Name of the CSV of points in an output folder.
pub const SWEEP_CSV_FILE: &str = "sweep.csv";
/// Name of the Markdown report in an output folder.
pub const SWEEP_REPORT_FILE: &str = "sweep.md";
/// Name of a shard's result in its output folder (read by `lamsim merge`).
pub const SHARD_JSON_FILE: &str = "sweep-shard.json";

/// What can go wrong when setting up or merging a sweep. Messages name the flag or file.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A value of a list flag is not acceptable.
    #[error("{flag}: {message}")]
    BadFlag {
        /// The flag, e.g. `--memory`.
        flag: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A point's workload does not validate.
    #[error("{what}: the workload does not validate:\n{errors}")]
    Invalid {
        /// The flag value or point, e.g. `--set function.keep-alive.idle=5x`.
        what: String,
        /// The validation errors.
        errors: ConfigErrors,
    },
    /// Shard outputs cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
}

pub(crate) fn bad(flag: &str, message: impl Into<String>) -> SweepError {
    SweepError::BadFlag {
        flag: flag.to_string(),
        message: message.into(),
    }
}

/// The result of one point, as written in `sweep.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Memory of every function, MB (`null` when the functions differ).
    pub memory_mb: Option<u32>,
    /// Architecture of every function (`null` when they differ).
    pub architecture: Option<String>,
    /// Largest provisioned-concurrency count of every function (`null` when they differ).
    pub provisioned: Option<u32>,
    /// The `--set` values, keyed by TOML path.
    #[serde(flatten)]
    pub set: BTreeMap<String, Json>,
    /// Median latency of the worst function, ms.
    pub p50_ms: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_ms_ci95: Option<[f64; 2]>,
    /// p99 latency of the worst function, ms.
    pub p99_ms: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms_ci95: Option<[f64; 2]>,
    /// Cold-start ratio of the worst function.
    pub cold_start_ratio: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start_ratio_ci95: Option<[f64; 2]>,
    /// Throttle ratio of the worst function.
    pub throttle_ratio: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_ratio_ci95: Option<[f64; 2]>,
    /// Total monthly bill of all functions, USD.
    pub monthly_cost_usd: f64,
    /// Its 95 % confidence interval over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_cost_usd_ci95: Option<[f64; 2]>,
    /// Whether every `[slo]` objective holds (true without `[slo]`).
    pub meets_slo: bool,
    /// The violated objectives, as `lamsim run` prints them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slo_violations: Vec<String>,
    /// What this point's values take from a model rather than a measurement (see
    /// [`Workload::modelled`]), e.g. `["arm64-speedup"]`; omitted when nothing is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modelled: Vec<String>,
}

/// The value shared by every item, if they all agree.
fn common<T: PartialEq + Clone>(mut it: impl Iterator<Item = T>) -> Option<T> {
    let first = it.next()?;
    it.all(|x| x == first).then_some(first)
}

/// The index of the largest value (first on ties).
fn argmax(xs: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, x) in xs.enumerate() {
        if x > best.1 {
            best = (i, x);
        }
    }
    best.0
}

/// Turns the result of one point's run into its [`Point`] (see the module docs for how
/// several functions are combined).
pub fn point_result(
    workload: &Workload,
    axes: &[Axis],
    spec: &PointSpec,
    scenario: &Scenario,
    out: &RunOutput,
) -> Point {
    let s = &out.summary;
    let focus = workload.focused();
    let reps: Vec<&Summary> = out.replicates.iter().map(|r| &r.summary).collect();
    // One metric: the worst function in the merged summary (or the studied one), with its
    // interval by the rules of `lamsim_sim::stats` (percentiles pooled, ranges respected).
    let pick = |get: &dyn Fn(&Summary, usize) -> f64| -> Option<usize> {
        (!s.functions.is_empty())
            .then(|| focus.unwrap_or_else(|| argmax((0..s.functions.len()).map(|i| get(s, i)))))
    };
    let ratio = |get: &dyn Fn(&Summary, usize) -> f64| -> (f64, Option<[f64; 2]>) {
        let Some(i) = pick(get) else {
            return (0.0, None);
        };
        let xs: Vec<f64> = reps.iter().map(|r| get(r, i)).collect();
        (get(s, i), stats::mean_ci95(&xs, Range::Unit))
    };
    let percentile = |get: &dyn Fn(&Summary, usize) -> f64| -> (f64, Option<[f64; 2]>) {
        let Some(i) = pick(get) else {
            return (0.0, None);
        };
        // A replicate without invocations has no percentile (its histogram is empty).
        let xs: Vec<Option<f64>> = reps
            .iter()
            .map(|r| (r.functions[i].latency_ms.max > 0.0).then(|| get(r, i)))
            .collect();
        (get(s, i), stats::percentile_ci95(get(s, i), &xs))
    };
    let (p50_ms, p50_ms_ci95) = percentile(&|x, i| x.functions[i].latency_ms.p50);
    let (p99_ms, p99_ms_ci95) = percentile(&|x, i| x.functions[i].latency_ms.p99);
    let (cold_start_ratio, cold_start_ratio_ci95) = ratio(&|x, i| x.functions[i].cold_start_ratio);
    let (throttle_ratio, throttle_ratio_ci95) = ratio(&|x, i| x.functions[i].throttle_ratio);
    let monthly = |x: &Summary| match focus {
        None => x.cost.as_ref().map_or(0.0, |c| c.monthly.total_usd),
        Some(i) => x.functions[i]
            .cost_usd
            .as_ref()
            .and_then(|c| c.monthly.as_ref())
            .map_or(0.0, |m| m.total),
    };
    let set = axes
        .iter()
        .zip(&spec.values)
        .filter(|(a, _)| matches!(a.kind, AxisKind::Set(_)))
        .map(|(a, v)| {
            (
                a.kind.key().to_string(),
                serde_json::to_value(v).unwrap_or(Json::Null),
            )
        })
        .collect();
    let verdict = match focus {
        None => s.slo.clone(),
        Some(i) => slo::evaluate(scenario, s, Some(i)),
    };
    let studied: Vec<_> = match focus {
        Some(i) => scenario.functions[i..=i].iter().collect(),
        None => scenario.functions.iter().collect(),
    };
    let slo = verdict.clone().unwrap_or_default();
    Point {
        memory_mb: common(studied.iter().map(|f| f.memory_mb)),
        architecture: common(studied.iter().map(|f| f.architecture.as_str().to_string())),
        provisioned: common(studied.iter().map(|f| f.max_provisioned())),
        set,
        p50_ms,
        p50_ms_ci95,
        p99_ms,
        p99_ms_ci95,
        cold_start_ratio,
        cold_start_ratio_ci95,
        throttle_ratio,
        throttle_ratio_ci95,
        monthly_cost_usd: monthly(s),
        monthly_cost_usd_ci95: stats::mean_ci95(
            &reps.iter().map(|r| monthly(r)).collect::<Vec<_>>(),
            Range::NonNegative,
        ),
        meets_slo: verdict.is_none() || slo.met,
        slo_violations: slo.violations,
        modelled: workload.modelled(axes, spec, scenario),
    }
}

impl Point {
    /// The values its objectives are checked against.
    pub fn slo_values(&self) -> slo::SloValues {
        slo::SloValues {
            p99_ms: self.p99_ms,
            cold_start_ratio: self.cold_start_ratio,
            throttle_ratio: self.throttle_ratio,
            monthly_cost_usd: Some(self.monthly_cost_usd),
        }
    }
}

/// One axis as written in `sweep.json`: its key and values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AxisJson {
    /// `memory_mb`, `architecture`, `provisioned` or a `--set` TOML path.
    pub key: String,
    /// The values, in sweep order.
    pub values: Vec<Json>,
}

/// What a sweep ran: everything in `sweep.json` but the results. Shards of one sweep have
/// equal headers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepHeader {
    /// Root seed of every point.
    pub seed: u64,
    /// Replicates per point.
    pub replicates: u32,
    /// Measured window, s.
    pub window_s: f64,
    /// The swept axes; the last varies fastest in `points`.
    pub axes: Vec<AxisJson>,
    /// The workload's `[slo]`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloSpec>,
    /// The function studied alone (`sweep --function`), if any: the points report its values
    /// and its own monthly cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// That function's `[function.slo]`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_slo: Option<SloSpec>,
}

impl SweepHeader {
    /// The header of a sweep of `axes` over `base`.
    pub fn new(base: &Scenario, axes: &[Axis]) -> Self {
        let sim = &base.simulation;
        SweepHeader {
            seed: sim.seed,
            replicates: sim.replicates,
            window_s: (sim.duration - sim.warmup).as_secs_f64(),
            axes: axes
                .iter()
                .map(|a| AxisJson {
                    key: a.kind.key().to_string(),
                    values: a
                        .values
                        .iter()
                        .map(|v| serde_json::to_value(v).unwrap_or(Json::Null))
                        .collect(),
                })
                .collect(),
            slo: base.slo.as_ref().map(SloSpec::of),
            function: None,
            function_slo: None,
        }
    }

    /// The header of a sweep of `axes` over `workload`, naming the function it studies.
    pub fn of_workload(workload: &Workload, axes: &[Axis]) -> Self {
        Self::of_scenario(&workload.base, workload.focused(), axes)
    }

    /// Like [`SweepHeader::new`], for a sweep studying function `focus` alone, if any.
    pub fn of_scenario(base: &Scenario, focus: Option<usize>, axes: &[Axis]) -> Self {
        let mut h = Self::new(base, axes);
        if let Some(f) = focus.and_then(|i| base.functions.get(i)) {
            h.function = Some(f.name.clone());
            h.function_slo = f.slo.as_ref().map(SloSpec::of);
        }
        h
    }

    /// The objectives the points' nearest miss is measured against.
    pub fn objectives(&self) -> Vec<&SloSpec> {
        self.slo.iter().chain(&self.function_slo).collect()
    }
}

/// `sweep.json` (schema_version 1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepReport {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was run.
    #[serde(flatten)]
    pub header: SweepHeader,
    /// One result per point of the cross product.
    pub points: Vec<Point>,
    /// Indices of the Pareto front of monthly cost vs p99 ([`pareto_front`]).
    pub pareto: Vec<usize>,
    /// The cheapest point meeting every `[slo]` ([`recommend`]), or `null`.
    pub recommendation: Option<Recommendation>,
    /// When no point meets the SLO, the one that misses it least ([`nearest_miss`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearest_miss: Option<usize>,
    /// Provisioned-concurrency break-even per combination of the other axes ([`break_even`]);
    /// present when `--provisioned` is swept and includes 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisioned_break_even: Vec<BreakEven>,
}

/// Assembles `sweep.json` from the header and every point's result (in index order).
pub fn finish(header: SweepHeader, axes: &[Axis], points: Vec<Point>) -> SweepReport {
    let specs = cross_product(axes);
    let pareto = pareto_front(&points);
    let rec = recommend(&points);
    let objectives = header.objectives();
    let nearest = match rec {
        None if !objectives.is_empty() => nearest_miss(&points, &objectives),
        _ => None,
    };
    let provisioned_break_even = if specs.len() == points.len() {
        break_even(axes, &specs, &points)
    } else {
        Vec::new()
    };
    SweepReport {
        schema_version: SCHEMA_VERSION,
        recommendation: rec.map(|i| {
            let p = &points[i];
            Recommendation {
                index: i,
                memory_mb: p.memory_mb,
                architecture: p.architecture.clone(),
                provisioned: p.provisioned,
                set: p.set.clone(),
            }
        }),
        header,
        points,
        pareto,
        nearest_miss: nearest,
        provisioned_break_even,
    }
}

/// Rebuilds the axes from a header (for [`finish`] after a merge).
pub fn axes_of(header: &SweepHeader) -> Vec<Axis> {
    header
        .axes
        .iter()
        .map(|a| Axis {
            kind: match a.key.as_str() {
                "memory_mb" => AxisKind::Memory,
                "architecture" => AxisKind::Architecture,
                "provisioned" => AxisKind::Provisioned,
                other => AxisKind::Set(other.to_string()),
            },
            values: a.values.iter().map(json_to_toml).collect(),
        })
        .collect()
}

fn json_to_toml(v: &Json) -> toml::Value {
    match v {
        Json::Bool(b) => toml::Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => toml::Value::String(s.clone()),
        other => toml::Value::String(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Shards
// ---------------------------------------------------------------------------------------------

/// One point of a shard, with its index in the full sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardPoint {
    /// Index in the full sweep.
    pub index: usize,
    /// Its result.
    pub point: Point,
}

/// `sweep-shard.json`: a shard's results, merged by `lamsim merge`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// This shard's index (0-based).
    pub shard: usize,
    /// Number of shards.
    pub shards: usize,
    /// Points in the full sweep.
    pub total_points: usize,
    /// Hash of the workload file ([`Workload::fingerprint`]).
    pub workload_fingerprint: String,
    /// What the sweep ran.
    pub header: SweepHeader,
    /// This shard's points, by index.
    pub points: Vec<ShardPoint>,
}

/// Merges shard files of one sweep into what the unsharded sweep writes. Every shard must
/// come from the same workload, flags and shard count, and together they must hold every
/// point exactly once.
pub fn merge_shards(shards: Vec<ShardFile>) -> Result<SweepReport, SweepError> {
    let err = |m: String| SweepError::Merge(m);
    let Some(first) = shards.first() else {
        return Err(err("no shard given".into()));
    };
    let (header, total, count, fp) = (
        first.header.clone(),
        first.total_points,
        first.shards,
        first.workload_fingerprint.clone(),
    );
    // The file's counts are checked against its axes before anything is sized by them: a
    // shard file is input like any other, and may have been edited.
    let expected = header
        .axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
    if expected != Some(total) {
        return Err(err(format!(
            "shard {} says the sweep has {total} points, but its axes make {}: the file was \
             edited or damaged (write it again with `lamsim sweep --shard`)",
            first.shard,
            expected.map_or_else(|| "more than can be counted".to_string(), |n| n.to_string())
        )));
    }
    if count == 0 {
        return Err(err(format!(
            "shard {} says there are 0 shards",
            first.shard
        )));
    }
    let mut slots: BTreeMap<usize, Point> = BTreeMap::new();
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    for s in shards {
        if s.schema_version != SCHEMA_VERSION {
            return Err(err(format!(
                "shard {} has schema_version {} (expected {SCHEMA_VERSION})",
                s.shard, s.schema_version
            )));
        }
        if s.header != header || s.total_points != total || s.workload_fingerprint != fp {
            return Err(err(format!(
                "shard {} comes from another sweep (different workload file, flags, seed or replicates)",
                s.shard
            )));
        }
        if s.shards != count || s.shard >= count {
            return Err(err(format!(
                "shard {}/{} does not match the shard count {count} of the others",
                s.shard, s.shards
            )));
        }
        if !seen.insert(s.shard) {
            return Err(err(format!("shard {} is given twice", s.shard)));
        }
        for sp in s.points {
            if sp.index >= total || sp.index % count != s.shard {
                return Err(err(format!(
                    "shard {} holds point {} which is not its own",
                    s.shard, sp.index
                )));
            }
            slots.insert(sp.index, sp.point);
        }
    }
    if seen.len() < count {
        return Err(err(format!(
            "missing shard(s) {} of {count}",
            lamsim_sim::shard::missing_list(&seen, count, |i| i.to_string())
        )));
    }
    if slots.len() < total {
        let i = (0..total).find(|i| !slots.contains_key(i)).unwrap_or(0);
        return Err(err(format!("point {i} is missing from its shard")));
    }
    let points: Vec<Point> = slots.into_values().collect();
    let axes = axes_of(&header);
    Ok(finish(header, &axes, points))
}

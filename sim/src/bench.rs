//! `bench.json` (schema_version 1): what `lamsim bench` measured per memory size, priced by the
//! cost engine, with Power-Tuning-style recommendations. The harness produces it; reports and
//! `lamsim calibrate` read it.

use serde::{Deserialize, Serialize};

/// Version of the `bench.json` layout.
pub const BENCH_SCHEMA_VERSION: u32 = 1;

/// The whole `bench.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchSummary {
    /// Always [`BENCH_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Version of lamsim that wrote it.
    pub lamsim_version: String,
    /// The function benchmarked (its `name` in the workload).
    pub function: String,
    /// The architecture measured natively on this machine (`x86_64` or `arm64`).
    pub architecture: String,
    /// How CPU was limited: `"cgroup-v1"`, `"cgroup-v2"` or `"none"` (durations are then not
    /// memory-scaled).
    pub cpu_limit: String,
    /// Weight of cost in the `balanced` strategy (duration gets `1 − weight`).
    pub balanced_weight: f64,
    /// One entry per memory size and architecture, in the order measured.
    pub results: Vec<BenchResult>,
    /// Recommended memory size per strategy, among the natively measured results.
    pub recommendation: BenchRecommendation,
}

/// Results at one memory size and architecture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// Memory size, MB.
    pub memory_mb: u32,
    /// Architecture of this row.
    pub architecture: String,
    /// `true` when run on this machine; `false` when modelled from the native measurements
    /// (the other architecture, scaled by the workload's `arm64-speedup`).
    pub measured: bool,
    /// Invocations measured (cold plus warm; the warm-up is excluded).
    pub invocations: u64,
    /// Of those, forced cold starts.
    pub cold_starts: u64,
    /// Invocations that returned an error or crashed.
    pub errors: u64,
    /// Init duration of the cold starts, ms.
    pub init_ms: Stats,
    /// Handler duration of every measured invocation, ms.
    pub duration_ms: Stats,
    /// Largest memory used by an environment, MB (0 when unknown).
    pub max_memory_used_mb: f64,
    /// Mean cost of one warm invocation (request plus billed duration), USD.
    pub cost_per_invocation_usd: f64,
    /// `cost_per_invocation_usd × 10⁶`.
    pub cost_per_million_usd: f64,
}

/// Summary statistics of a sample, ms (all zero for an empty sample).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

/// Recommended memory size (MB) per Power Tuning strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchRecommendation {
    /// Cheapest per invocation; ties go to the faster.
    pub cost: u32,
    /// Fastest (mean duration); ties go to the cheaper.
    pub speed: u32,
    /// Smallest `w·cost/max cost + (1 − w)·duration/max duration`.
    pub balanced: u32,
}

/// Name of the raw samples file in a bench folder (next to `bench.json`).
pub const SAMPLES_CSV_FILE: &str = "samples.csv";

/// Header of `samples.csv`: one row per measured invocation of a natively measured memory
/// size (modelled rows have no samples). `phase` is `cold` or `warm`; `init_ms` is empty for
/// warm invocations; `error` is empty on success, else the error type (e.g.
/// `Runtime.ExitError`); `max_memory_used_mb` is empty when unknown. Times in ms.
pub const SAMPLES_CSV_HEADER: &str = "memory_mb,architecture,phase,request_id,init_ms,duration_ms,billed_ms,max_memory_used_mb,error";

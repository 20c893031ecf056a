//! `report-data.json`: the data behind a run's charts (time series per function and latency
//! CDFs), written next to `summary.json` so that `lamsim report DIR` can redraw the reports
//! without re-running the simulation. Parquet files hold the same series for notebooks.
//!
//! Series are columnar (one vector per quantity, one element per bucket) and, with several
//! replicates, each element is the mean over replicates, so bucket sums over the measured
//! window agree with the means in `summary.json`.

use serde::{Deserialize, Serialize};

/// Version of the `report-data.json` layout.
pub const REPORT_DATA_SCHEMA_VERSION: u32 = 1;

/// Everything the run charts need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportData {
    /// Always [`REPORT_DATA_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Width of one time bucket, s (1 s for short runs, coarser for long ones so the number of
    /// buckets stays bounded).
    pub bucket_s: f64,
    /// Simulated run length (`[simulation] duration`), s. Bucket `i` covers
    /// `[i·bucket_s, (i+1)·bucket_s)`; the last one may be cut short by the run's end.
    pub duration_s: f64,
    /// Warm-up at the start of the run, s (the measured window is `[warmup_s, duration_s)`).
    pub warmup_s: f64,
    /// Replicates averaged into each bucket.
    pub replicates: u32,
    /// One entry per function, in workload order.
    pub functions: Vec<FunctionSeries>,
}

/// Time series and latency distributions of one function.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSeries {
    /// Function name.
    pub name: String,
    /// Requests that arrived in each bucket.
    pub arrivals: Vec<f64>,
    /// Requests that ran (arrived in the bucket and were not throttled).
    pub invocations: Vec<f64>,
    /// Of those, invocations that started a new environment.
    pub cold_starts: Vec<f64>,
    /// Requests throttled in each bucket.
    pub throttles: Vec<f64>,
    /// Live environments (initializing, busy, idle), time-averaged over the bucket.
    pub env_total: Vec<f64>,
    /// Initializing or busy environments, time-averaged over the bucket.
    pub env_busy: Vec<f64>,
    /// Idle environments (`env_total − env_busy`), time-averaged over the bucket.
    pub env_idle: Vec<f64>,
    /// Provisioned environments among `env_total`, time-averaged over the bucket.
    pub env_provisioned: Vec<f64>,
    /// The function's bill (USD) apportioned to the bucket: requests by invocations, compute
    /// by billed GB-s, provisioned concurrency by configured GB-s. Over the measured window the
    /// buckets sum to the function's `cost_usd.total` in `summary.json`.
    pub cost_usd: Vec<f64>,
    /// Items waiting in the function's queues (its async, SQS and stream triggers together),
    /// time-averaged over the bucket; absent for a function without queued triggers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backlog: Vec<f64>,
    /// Warm-start latency CDF over the measured window: `[latency ms, cumulative fraction]`
    /// pairs, increasing in both, the last fraction 1 (empty without warm invocations).
    pub latency_cdf_warm_ms: Vec<[f64; 2]>,
    /// Cold-start latency CDF, like `latency_cdf_warm_ms`.
    pub latency_cdf_cold_ms: Vec<[f64; 2]>,
}

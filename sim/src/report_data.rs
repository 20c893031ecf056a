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
    /// One entry per function, in workload order. In the many-function layout
    /// ([`crate::aggregate::many_functions`]) `report-data.json` holds only the charted
    /// functions ([`ReportData::charted_only`]), each on a coarser grid than the account's.
    pub functions: Vec<FunctionSeries>,
    /// Many-function layout only: all functions together, on its own grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountSeries>,
}

/// Name of the account's series ([`AccountSeries::series`]).
pub const ACCOUNT_SERIES_NAME: &str = "all functions";

/// The series of all functions together (many-function layout): counts and costs are sums
/// over the functions, environments the sum of their time averages, latency CDFs over every
/// invocation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSeries {
    /// Width of one bucket of this series, s (the functions' `bucket_s` is a whole multiple
    /// of it).
    pub bucket_s: f64,
    /// Number of functions summed.
    pub functions: u32,
    /// The series, named [`ACCOUNT_SERIES_NAME`].
    pub series: FunctionSeries,
}

impl ReportData {
    /// The data with only the functions `summary` charts: all of them, or in the
    /// many-function layout the [`charted`](crate::aggregate::charted) ones, which keeps
    /// `report-data.json` bounded whatever the number of functions.
    pub fn charted_only(&self, summary: &crate::summary::Summary) -> ReportData {
        let Some(aggregate) = &summary.aggregate else {
            return self.clone();
        };
        let keep = crate::aggregate::charted(aggregate);
        ReportData {
            functions: keep
                .iter()
                .filter_map(|&i| self.functions.get(i).cloned())
                .collect(),
            account: self.account.clone(),
            ..*self
        }
    }
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

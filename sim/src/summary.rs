//! `summary.json` (schema_version 1): the machine-readable result of a run.
//!
//! With several replicates every number is the mean over replicates; the keys the contract
//! names also get a `<key>_ci95: [low, high]` sibling (omitted with a single replicate).

use serde::{Deserialize, Serialize};

use crate::cost::{Bill, FunctionBill, Lines, Quantities};

/// Version of the `summary.json` layout.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Version of lamsim that wrote it.
    pub lamsim_version: String,
    /// Root seed.
    pub seed: u64,
    /// Number of replicates averaged.
    pub replicates: u32,
    /// Length of the measured window, s.
    pub window_s: f64,
    /// Warm-up excluded before it, s.
    pub warmup_s: f64,
    /// One entry per function, in workload order.
    pub functions: Vec<FunctionSummary>,
    /// The bill, when the cost engine priced the usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostSummary>,
    /// Objectives checked, when the workload has an `[slo]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloReport>,
    /// The functions in aggregate: present only in the many-function layout
    /// ([`crate::aggregate::many_functions`]), computed from `functions` by
    /// [`crate::aggregate::aggregate`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<AggregateSummary>,
}

/// Results for one function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionSummary {
    /// Function name.
    pub name: String,
    /// Memory size, MB.
    pub memory_mb: u32,
    /// Architecture.
    pub architecture: String,
    /// Requests that arrived in the measured window.
    pub arrivals: f64,
    /// Requests that ran (arrivals minus throttles).
    pub invocations: f64,
    /// Invocations that started a new environment.
    pub cold_starts: f64,
    /// Requests rejected by a limit.
    pub throttles: f64,
    /// Invocations that hit the timeout.
    pub timeouts: f64,
    /// `cold_starts / invocations`.
    pub cold_start_ratio: f64,
    /// 95 % confidence interval of `cold_start_ratio` over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start_ratio_ci95: Option<[f64; 2]>,
    /// `throttles /` [`FunctionSummary::throttle_base`]: `throttles / arrivals`; for an
    /// event-driven function `throttles / (invocations + throttles)`, the share of tries
    /// throttled (a queued item can be throttled several times).
    pub throttle_ratio: f64,
    /// Latency (init if cold + execution) of every invocation, ms.
    pub latency_ms: LatencyStats,
    /// Latency of warm invocations, ms.
    pub latency_warm_ms: LatencyStats,
    /// Latency of cold invocations, ms.
    pub latency_cold_ms: LatencyStats,
    /// Time-averaged environment counts.
    pub instances: InstanceStats,
    /// Billable usage in the measured window.
    pub usage: UsageSummary,
    /// This function's share of the window bill, USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<FunctionCost>,
    /// Event-driven functions only (spec section 5; absent otherwise): executions that ended
    /// in a function error or a timeout (and, with `report-batch-item-failures`, records that
    /// failed on their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<f64>,
    /// Event-driven functions: executions that were retries of a failed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<f64>,
    /// Event-driven functions: items sent to the on-failure destination or dead-letter queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letters: Option<f64>,
    /// Event-driven functions: items lost to age (SQS retention, stream record age).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired: Option<f64>,
    /// Functions with queued triggers: arrival in the queue to successful completion, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_to_end_ms: Option<LatencyStats>,
    /// Functions with queued triggers: the queues together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueStats>,
    /// Functions with queued triggers (async, schedule, SQS, stream): records per invocation,
    /// on average (1 for async and schedule events, taken one at a time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size_avg: Option<f64>,
    /// Event-driven functions: one entry per trigger, in workload order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggers: Option<Vec<TriggerSummary>>,
    /// Functions with `measured = "…"`: CloudWatch's figures over the measured window beside
    /// the simulated ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<MeasuredComparison>,
    /// Functions with `compute = "managed-instances"`: their instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_instances: Option<ManagedInstancesSummary>,
}

/// Measured (CloudWatch) against simulated, over the measured window: the periods of the
/// measured series that start in it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MeasuredComparison {
    /// `Invocations` measured.
    pub invocations: f64,
    /// Invocations simulated (the function's `invocations`).
    pub simulated_invocations: f64,
    /// `Throttles` measured.
    pub throttles: f64,
    /// Throttles simulated (the function's `throttles`).
    pub simulated_throttles: f64,
    /// Largest `ConcurrentExecutions` (Maximum) measured in a period; absent when the file
    /// has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_max: Option<f64>,
    /// Largest number of environments initializing or running at once, simulated.
    pub simulated_concurrency_max: f64,
}

impl FunctionSummary {
    /// What `throttle_ratio` takes `throttles` as a share of: the function's `arrivals`, or
    /// for an event-driven function (one with `triggers`) its tries, `invocations +
    /// throttles`. A queued item waits and is tried again after a throttle, so its throttled
    /// tries can outnumber the arrivals; when every request is tried once, the two are equal.
    pub fn throttle_base(&self) -> f64 {
        if self.triggers.is_some() {
            self.invocations + self.throttles
        } else {
            self.arrivals
        }
    }
}

/// Results for one trigger of an event-driven function. Items (calls, events, messages,
/// records) are counted by when they arrived, so that `arrivals = completed + throttles (sync)
/// + dead_letters + expired + pending`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TriggerSummary {
    /// The trigger's `name`.
    pub name: String,
    /// Its `invocation` kind.
    pub invocation: String,
    /// Items that arrived in the measured window.
    pub arrivals: f64,
    /// Executions (one per batch for sqs and stream), retries included.
    pub invocations: f64,
    /// Items that ran to their end (sync: whatever the outcome; queued: successfully).
    pub completed: f64,
    /// Executions that ended in a function error or a timeout (plus failed records with
    /// `report-batch-item-failures`).
    pub errors: f64,
    /// Executions that were retries.
    pub retries: f64,
    /// Sync: calls throttled on their last try. Queued kinds: throttled tries (the item
    /// waits and is tried again).
    pub throttles: f64,
    /// Items sent to the on-failure destination or dead-letter queue.
    pub dead_letters: f64,
    /// Items lost to age.
    pub expired: f64,
    /// Items still queued, waiting for a retry or in flight at the end of the run.
    pub pending: f64,
    /// Latency of its executions, ms (sync: as the caller sees it, client retries included and
    /// cut at `gateway-timeout`).
    pub latency_ms: LatencyStats,
    /// Sync with `gateway-timeout`: calls whose caller got a timeout while the function ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_timeouts: Option<f64>,
    /// Queued kinds: arrival in the queue to successful completion, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_to_end_ms: Option<LatencyStats>,
    /// Queued kinds: the queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueStats>,
    /// Queued kinds: records per invocation, on average (a batch for SQS and streams; 1 for
    /// async and schedule events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size_avg: Option<f64>,
    /// SQS: API requests the pollers made in the window (receives, empty receives, deletes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqs_requests: Option<f64>,
    /// SQS with `scaling = "provisioned"`: event-poller hours in the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poller_hours: Option<f64>,
}

/// A queue over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueStats {
    /// Items waiting (not in flight), time-averaged.
    pub backlog_avg: f64,
    /// Most items waiting at once.
    pub backlog_max: f64,
    /// Greatest age of the oldest unsettled item (SQS: ApproximateAgeOfOldestMessage;
    /// streams: the iterator age), ms.
    pub oldest_age_ms_max: f64,
}

/// Latency statistics, ms.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyStats {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 95 % confidence interval of `p99` over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ci95: Option<[f64; 2]>,
    /// 99.9th percentile.
    pub p999: f64,
    /// Maximum.
    pub max: f64,
}

/// Time-averaged execution-environment counts over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceStats {
    /// All environments (initializing, busy or idle).
    pub avg_total: f64,
    /// 95 % confidence interval of `avg_total` over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_total_ci95: Option<[f64; 2]>,
    /// Environments initializing or running an invocation.
    pub avg_busy: f64,
    /// Idle environments (warm, waiting).
    pub avg_idle: f64,
    /// Largest number of environments at any instant of the window.
    pub peak: f64,
    /// With `[function.provisioned-autoscaling]`: provisioned concurrency configured,
    /// time-averaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_avg: Option<f64>,
    /// With `[function.provisioned-autoscaling]`: the most provisioned concurrency configured
    /// at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_peak: Option<f64>,
}

/// A function on Lambda Managed Instances, over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ManagedInstancesSummary {
    /// The EC2 instance type.
    pub instance_type: String,
    /// Instances running (launching ones included), time-averaged.
    pub instances_avg: f64,
    /// Most instances at once.
    pub instances_peak: f64,
    /// Instance hours (what `instances_usd` bills).
    pub instance_hours: f64,
    /// Execution environments, time-averaged.
    pub environments_avg: f64,
}

/// Billable usage in the measured window, in billing units.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageSummary {
    /// Requests billed.
    pub requests: f64,
    /// Billed GB-s of invocations on on-demand environments.
    pub ondemand_gb_s: f64,
    /// GB-s of INIT on on-demand cold starts (billed per the billing rules).
    pub init_gb_s: f64,
    /// GB-s of provisioned concurrency configured.
    pub provisioned_configured_gb_s: f64,
    /// Billed GB-s of invocations on provisioned environments.
    pub provisioned_used_gb_s: f64,
    /// GB-s of ephemeral storage above 512 MB (over billed duration).
    pub ephemeral_gb_s: f64,
    /// SnapStart restores.
    pub restores: f64,
}

impl UsageSummary {
    /// The billed quantities of the cost engine, as reported: the same numbers the bill
    /// prices, so usage × rates gives every line of the bill.
    pub fn from_quantities(q: &Quantities, restores: u64) -> Self {
        UsageSummary {
            requests: q.requests,
            ondemand_gb_s: q.ondemand_gb_s,
            init_gb_s: q.init_gb_s,
            provisioned_configured_gb_s: q.provisioned_configured_gb_s,
            provisioned_used_gb_s: q.provisioned_used_gb_s,
            ephemeral_gb_s: q.ephemeral_gb_s,
            restores: restores as f64,
        }
    }
}

/// One function's share of the bill, USD.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCost {
    /// Sum of all lines.
    pub total: f64,
    /// Requests.
    pub requests: f64,
    /// On-demand duration (billed INIT included).
    pub compute: f64,
    /// Provisioned concurrency configured plus duration on provisioned environments.
    pub provisioned: f64,
    /// Ephemeral storage above 512 MB.
    pub ephemeral: f64,
    /// SnapStart cache and restores.
    pub snapstart: f64,
    /// API Gateway and load balancers in front of its sync triggers (only when the workload
    /// can have costs beside Lambda, [`crate::cost::applies`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<f64>,
    /// SQS requests of its pollers and its provisioned pollers (likewise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_sources: Option<f64>,
    /// CloudWatch Logs ingestion of its logs (likewise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<f64>,
    /// Lambda Managed Instances: its instances (only for a function on managed instances).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<f64>,
    /// Cost per million invocations at this window's mix, USD.
    pub per_million_invocations: f64,
    /// The same lines projected to a 30-day month.
    pub monthly: Option<Box<FunctionCost>>,
}

/// The bill for the window and its monthly projection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    /// Bill for the measured window.
    pub window: BillLines,
    /// Usage projected to a 30-day month.
    pub monthly: BillLines,
}

/// Line items of a bill, USD.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BillLines {
    /// Sum of all lines.
    pub total_usd: f64,
    /// 95 % confidence interval of `total_usd` over replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_usd_ci95: Option<[f64; 2]>,
    /// Requests.
    pub requests_usd: f64,
    /// On-demand duration (billed INIT included).
    pub compute_usd: f64,
    /// Provisioned concurrency.
    pub provisioned_usd: f64,
    /// Ephemeral storage.
    pub ephemeral_usd: f64,
    /// SnapStart.
    pub snapstart_usd: f64,
    /// Lambda's own lines (the five above) when the bill has lines beside Lambda: the bill
    /// of the functions alone. Present with the three lines below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_usd: Option<f64>,
    /// API Gateway REST and HTTP APIs and load balancers in front of sync triggers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_usd: Option<f64>,
    /// SQS requests made by pollers, and provisioned pollers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_sources_usd: Option<f64>,
    /// CloudWatch Logs ingestion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs_usd: Option<f64>,
    /// Lambda Managed Instances: instance hours × on-demand price × 1.15, less the savings
    /// plan. Present when some function runs on managed instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances_usd: Option<f64>,
}

impl BillLines {
    /// The lines of `l`; with `adjacent` (the bill can have lines beside Lambda,
    /// [`Bill::adjacent`]) also the gateway, event-source and logs lines and the Lambda
    /// subtotal, otherwise exactly the wave-one lines.
    pub fn from_lines(l: &Lines, adjacent: bool) -> BillLines {
        let some = |x: f64| adjacent.then_some(x);
        BillLines {
            total_usd: l.total(),
            total_usd_ci95: None,
            requests_usd: l.requests,
            compute_usd: l.compute,
            provisioned_usd: l.provisioned,
            ephemeral_usd: l.ephemeral,
            snapstart_usd: l.snapstart,
            lambda_usd: some(l.lambda()),
            gateway_usd: some(l.gateway),
            event_sources_usd: some(l.event_sources),
            logs_usd: some(l.logs),
            instances_usd: None,
        }
    }

    /// The same lines with the instances line when `managed` ([`Bill::managed`]).
    pub fn with_instances(mut self, l: &Lines, managed: bool) -> BillLines {
        self.instances_usd = managed.then_some(l.instances);
        self
    }
}

impl CostSummary {
    /// `summary.json`'s `cost` of a bill: the window and its monthly projection.
    pub fn from_bill(bill: &Bill) -> Self {
        CostSummary {
            window: BillLines::from_lines(&bill.window, bill.adjacent)
                .with_instances(&bill.window, bill.managed),
            monthly: BillLines::from_lines(&bill.monthly, bill.adjacent)
                .with_instances(&bill.monthly, bill.managed),
        }
    }
}

impl FunctionCost {
    /// Lambda's own lines (requests, compute, provisioned, ephemeral, SnapStart): the
    /// function's cost without what invokes and records it.
    pub fn lambda(&self) -> f64 {
        self.requests
            + self.compute
            + self.provisioned
            + self.ephemeral
            + self.snapstart
            + self.instances.unwrap_or(0.0)
    }

    /// `summary.json`'s `cost_usd` of one function: its window lines, with the monthly
    /// projection nested; with `adjacent` ([`Bill::adjacent`]) also its lines beside Lambda.
    pub fn from_bill(fb: &FunctionBill, adjacent: bool) -> Self {
        let some = |x: f64| adjacent.then_some(x);
        let per_million = |l: &Lines, requests: f64| {
            if requests > 0.0 {
                l.total() / requests * 1e6
            } else {
                0.0
            }
        };
        let managed = fb.window_quantities.instance_usd_per_hour > 0.0;
        let fc = |l: &Lines, requests: f64| FunctionCost {
            total: l.total(),
            requests: l.requests,
            compute: l.compute,
            provisioned: l.provisioned,
            ephemeral: l.ephemeral,
            snapstart: l.snapstart,
            gateway: some(l.gateway),
            event_sources: some(l.event_sources),
            logs: some(l.logs),
            instances: managed.then_some(l.instances),
            per_million_invocations: per_million(l, requests),
            monthly: None,
        };
        let mut c = fc(&fb.window, fb.window_quantities.requests);
        c.monthly = Some(Box::new(fc(&fb.monthly, fb.monthly_quantities.requests)));
        c
    }
}

/// Outcome of the `[slo]` objectives.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SloReport {
    /// True when every objective holds.
    pub met: bool,
    /// One line per violated objective, e.g. `api: latency_ms.p99 412.3 > 300`.
    pub violations: Vec<String>,
}

/// A run's functions in aggregate (the many-function layout): totals, distributions across
/// functions and the top functions by what a platform team looks for first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AggregateSummary {
    /// Number of functions.
    pub functions: u32,
    /// Sums over the functions.
    pub totals: AggregateTotals,
    /// Distributions across functions (one value per function).
    pub distributions: AggregateDistributions,
    /// The functions with the largest values, largest first (ties in workload order), at most
    /// [`crate::aggregate::TOP_FUNCTIONS`] each; a function with a zero (or no) value is left
    /// out of a list.
    pub top: TopFunctions,
}

/// Sums over the functions (each function's value as in `functions`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AggregateTotals {
    /// Requests that arrived in the measured window.
    pub arrivals: f64,
    /// Requests that ran.
    pub invocations: f64,
    /// Invocations that started a new environment.
    pub cold_starts: f64,
    /// Requests rejected by a limit.
    pub throttles: f64,
    /// Invocations that hit the timeout.
    pub timeouts: f64,
    /// `cold_starts / invocations` over all functions (0 without invocations).
    pub cold_start_ratio: f64,
    /// `throttles / arrivals` over all functions (0 without arrivals); an event-driven
    /// function counts its tries (`invocations + throttles`) in place of its arrivals.
    pub throttle_ratio: f64,
    /// Environments, time-averaged (the sum of the functions' `instances.avg_total`).
    pub instances_avg: f64,
    /// Sum of the functions' `cost_usd.total` (window), when priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Sum of the functions' monthly `cost_usd.monthly.total`, when priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_cost_usd: Option<f64>,
}

/// Quantiles of one quantity across functions (nearest rank on the sorted values).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Functions with a value (those without invocations have no cold-start ratio or p99).
    pub count: u32,
    /// Mean.
    pub mean: f64,
    /// Smallest value.
    pub min: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

/// Distributions across functions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AggregateDistributions {
    /// Invocations per function.
    pub invocations: Quantiles,
    /// Cold-start ratio per function (functions with invocations).
    pub cold_start_ratio: Quantiles,
    /// Latency p99 per function, ms (functions with invocations).
    pub latency_p99_ms: Quantiles,
    /// Throttle ratio per function (functions with arrivals).
    pub throttle_ratio: Quantiles,
    /// Window cost per function, USD (when priced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<Quantiles>,
}

/// One function of a top list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TopEntry {
    /// Function name.
    pub name: String,
    /// Its index in `functions` (workload order).
    pub index: u32,
    /// The value it is ranked by.
    pub value: f64,
}

/// The top functions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TopFunctions {
    /// By window cost (`cost_usd.total`), USD.
    pub by_cost: Vec<TopEntry>,
    /// By cold starts.
    pub by_cold_starts: Vec<TopEntry>,
    /// By latency p99 (`latency_ms.p99`), ms.
    pub by_p99: Vec<TopEntry>,
    /// By throttles.
    pub by_throttles: Vec<TopEntry>,
}

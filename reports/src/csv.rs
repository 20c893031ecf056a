//! One CSV row per function. The cells of a latency statistic of no invocation (the warm
//! latency of a function whose every invocation was cold) are empty, not 0.

use lamsim_sim::summary::{FunctionCost, FunctionSummary, LatencyStats, Summary};

use crate::Exporter;
use crate::tables::csv_text;

/// The CSV header, in column order. The columns are fixed whatever the summary holds, so a
/// script can rely on them: a value the summary lacks (a confidence interval with a single
/// replicate, costs without a price book) is an empty cell. [`CSV_ADJACENT_COLUMNS`] follow
/// when the workload can have costs beside Lambda.
///
/// Latency columns come in three groups, `latency_*` (all invocations), `latency_warm_*` and
/// `latency_cold_*`, each `mean, p50, p90, p99, p99_ci95_low, p99_ci95_high, p999, max`.
pub const CSV_COLUMNS: &[&str] = &[
    "function",
    "memory_mb",
    "architecture",
    "arrivals",
    "invocations",
    "cold_starts",
    "throttles",
    "timeouts",
    "cold_start_ratio",
    "cold_start_ratio_ci95_low",
    "cold_start_ratio_ci95_high",
    "throttle_ratio",
    "latency_mean_ms",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p99_ms",
    "latency_p99_ci95_low_ms",
    "latency_p99_ci95_high_ms",
    "latency_p999_ms",
    "latency_max_ms",
    "latency_warm_mean_ms",
    "latency_warm_p50_ms",
    "latency_warm_p90_ms",
    "latency_warm_p99_ms",
    "latency_warm_p99_ci95_low_ms",
    "latency_warm_p99_ci95_high_ms",
    "latency_warm_p999_ms",
    "latency_warm_max_ms",
    "latency_cold_mean_ms",
    "latency_cold_p50_ms",
    "latency_cold_p90_ms",
    "latency_cold_p99_ms",
    "latency_cold_p99_ci95_low_ms",
    "latency_cold_p99_ci95_high_ms",
    "latency_cold_p999_ms",
    "latency_cold_max_ms",
    "instances_avg_total",
    "instances_avg_total_ci95_low",
    "instances_avg_total_ci95_high",
    "instances_avg_busy",
    "instances_avg_idle",
    "instances_peak",
    "usage_requests",
    "usage_ondemand_gb_s",
    "usage_init_gb_s",
    "usage_provisioned_configured_gb_s",
    "usage_provisioned_used_gb_s",
    "usage_ephemeral_gb_s",
    "usage_restores",
    "cost_total_usd",
    "cost_requests_usd",
    "cost_compute_usd",
    "cost_provisioned_usd",
    "cost_ephemeral_usd",
    "cost_snapstart_usd",
    "cost_per_million_invocations_usd",
    "cost_monthly_total_usd",
];

/// Columns appended after [`CSV_COLUMNS`] when the summary has the bill lines beside Lambda
/// (a workload that can have them: `log-bytes`, a trigger's `front`, a queue): each function's
/// window lines, its Lambda subtotal (the five `cost_*_usd` lines above) and the monthly
/// Lambda subtotal. Without them the CSV is exactly what it was before these lines existed.
pub const CSV_ADJACENT_COLUMNS: &[&str] = &[
    "cost_gateway_usd",
    "cost_event_sources_usd",
    "cost_logs_usd",
    "cost_lambda_usd",
    "cost_monthly_lambda_usd",
];

/// Columns appended (after any [`CSV_ADJACENT_COLUMNS`]) when some function runs on Lambda
/// Managed Instances or has provisioned auto scaling (spec section 7): its instances, their
/// cost, and the configured provisioned count. Empty cells for the functions without. Without
/// such a function the CSV is exactly what it was before these columns existed.
pub const CSV_CAPACITY_COLUMNS: &[&str] = &[
    "managed_instance_type",
    "managed_instances_avg",
    "managed_instances_peak",
    "managed_instance_hours",
    "managed_environments_avg",
    "cost_instances_usd",
    "provisioned_avg",
    "provisioned_peak",
];

/// One row per function with the flat columns of [`CSV_COLUMNS`] and a header row.
///
/// Numbers are raw (ratios as fractions, costs unrounded USD, the shortest text that reads
/// back as the same `f64`). Fields are quoted per RFC 4180 when they contain a comma, a double
/// quote, a carriage return or a line feed (quotes doubled inside; see [`crate::csv_text`]);
/// lines end with `\n`. Run-wide values (seed,
/// replicates, window, the account bill) are not repeated on every row: read them from JSON.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvExporter;

impl Exporter for CsvExporter {
    fn render(&self, summary: &Summary) -> String {
        let adjacent = has_adjacent(summary);
        let capacity = summary
            .functions
            .iter()
            .any(|f| f.managed_instances.is_some() || f.instances.provisioned_avg.is_some());
        let mut header: Vec<String> = CSV_COLUMNS.iter().map(|c| c.to_string()).collect();
        if adjacent {
            header.extend(CSV_ADJACENT_COLUMNS.iter().map(|c| c.to_string()));
        }
        if capacity {
            header.extend(CSV_CAPACITY_COLUMNS.iter().map(|c| c.to_string()));
        }
        csv_text(
            std::iter::once(header).chain(summary.functions.iter().map(|f| {
                let mut row = function_row(f);
                if adjacent {
                    row.extend(adjacent_cells(f));
                }
                if capacity {
                    row.extend(capacity_cells(f));
                }
                row
            })),
        )
    }
}

/// Whether the summary has the bill lines beside Lambda (a function's cost has `logs`).
fn has_adjacent(summary: &Summary) -> bool {
    summary
        .functions
        .iter()
        .any(|f| f.cost_usd.as_ref().is_some_and(|c| c.logs.is_some()))
}

/// The cells of [`CSV_ADJACENT_COLUMNS`] of one function (empty where it has no value).
fn adjacent_cells(f: &FunctionSummary) -> Vec<String> {
    let n = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    match &f.cost_usd {
        Some(c) => vec![
            n(c.gateway),
            n(c.event_sources),
            n(c.logs),
            n(Some(c.lambda())),
            n(c.monthly.as_deref().map(FunctionCost::lambda)),
        ],
        None => vec![String::new(); CSV_ADJACENT_COLUMNS.len()],
    }
}

/// The cells of [`CSV_CAPACITY_COLUMNS`] of one function (empty where it has no value).
fn capacity_cells(f: &FunctionSummary) -> Vec<String> {
    let n = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    let m = f.managed_instances.as_ref();
    vec![
        m.map_or(String::new(), |m| m.instance_type.clone()),
        n(m.map(|m| m.instances_avg)),
        n(m.map(|m| m.instances_peak)),
        n(m.map(|m| m.instance_hours)),
        n(m.map(|m| m.environments_avg)),
        n(f.cost_usd.as_ref().and_then(|c| c.instances)),
        n(f.instances.provisioned_avg),
        n(f.instances.provisioned_peak),
    ]
}

/// The cells of one function, in [`CSV_COLUMNS`] order.
fn function_row(f: &FunctionSummary) -> Vec<String> {
    let n = |v: f64| v.to_string();
    let lo = |ci: Option<[f64; 2]>| ci.map_or(String::new(), |c| n(c[0]));
    let hi = |ci: Option<[f64; 2]>| ci.map_or(String::new(), |c| n(c[1]));
    // A statistic of no invocation (the warm latency of a function whose every invocation was
    // cold) is empty, not 0 ms.
    let latency = |l: &LatencyStats, count: f64| {
        if count <= 0.0 {
            return std::array::from_fn::<String, 8, _>(|_| String::new());
        }
        [
            n(l.mean),
            n(l.p50),
            n(l.p90),
            n(l.p99),
            lo(l.p99_ci95),
            hi(l.p99_ci95),
            n(l.p999),
            n(l.max),
        ]
    };
    let mut row = vec![
        f.name.clone(),
        f.memory_mb.to_string(),
        f.architecture.clone(),
        n(f.arrivals),
        n(f.invocations),
        n(f.cold_starts),
        n(f.throttles),
        n(f.timeouts),
        n(f.cold_start_ratio),
        lo(f.cold_start_ratio_ci95),
        hi(f.cold_start_ratio_ci95),
        n(f.throttle_ratio),
    ];
    row.extend(latency(&f.latency_ms, f.invocations));
    row.extend(latency(&f.latency_warm_ms, f.invocations - f.cold_starts));
    row.extend(latency(&f.latency_cold_ms, f.cold_starts));
    let i = &f.instances;
    row.extend([
        n(i.avg_total),
        lo(i.avg_total_ci95),
        hi(i.avg_total_ci95),
        n(i.avg_busy),
        n(i.avg_idle),
        n(i.peak),
    ]);
    let u = &f.usage;
    row.extend([
        n(u.requests),
        n(u.ondemand_gb_s),
        n(u.init_gb_s),
        n(u.provisioned_configured_gb_s),
        n(u.provisioned_used_gb_s),
        n(u.ephemeral_gb_s),
        n(u.restores),
    ]);
    match &f.cost_usd {
        Some(c) => row.extend([
            n(c.total),
            n(c.requests),
            n(c.compute),
            n(c.provisioned),
            n(c.ephemeral),
            n(c.snapstart),
            n(c.per_million_invocations),
            c.monthly.as_ref().map_or(String::new(), |m| n(m.total)),
        ]),
        None => row.extend(std::iter::repeat_n(String::new(), 8)),
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_one_cell_per_column() {
        let f = FunctionSummary {
            name: "f".into(),
            memory_mb: 128,
            architecture: "arm64".into(),
            arrivals: 0.0,
            invocations: 0.0,
            cold_starts: 0.0,
            throttles: 0.0,
            timeouts: 0.0,
            cold_start_ratio: 0.0,
            cold_start_ratio_ci95: None,
            throttle_ratio: 0.0,
            latency_ms: Default::default(),
            latency_warm_ms: Default::default(),
            latency_cold_ms: Default::default(),
            instances: Default::default(),
            usage: Default::default(),
            cost_usd: None,
            errors: None,
            retries: None,
            dead_letters: None,
            expired: None,
            end_to_end_ms: None,
            queue: None,
            batch_size_avg: None,
            triggers: None,
            measured: None,
            managed_instances: None,
        };
        assert_eq!(function_row(&f).len(), CSV_COLUMNS.len());
        let with_cost = FunctionSummary {
            cost_usd: Some(Default::default()),
            ..f
        };
        assert_eq!(function_row(&with_cost).len(), CSV_COLUMNS.len());
    }
}

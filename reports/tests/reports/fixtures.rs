//! Hand-built summaries with numbers that can be checked by hand.
//!
//! `api`: 50 requests/s for one hour (180,000 arrivals), none throttled, 1,234 cold starts,
//! 120 ms mean at 1,024 MB, so 180,000 × 0.120 s × 1 GB = 21,600 GB-s on demand. At the
//! us-east-1 x86 prices ($0.20 per million requests, $0.0000166667 per GB-s) the hour costs
//! $0.036 + $0.36000072 = $0.39600072, and a 30-day month (720 hours) $285.1205184.

use lamsim_sim::summary::{
    BillLines, CostSummary, FunctionCost, FunctionSummary, InstanceStats, LatencyStats, SloReport,
    Summary, UsageSummary,
};

pub const REQUEST_USD: f64 = 0.0000002;
pub const GB_S_USD: f64 = 0.0000166667;
/// Hours in 30 days: the monthly projection of a one-hour window.
pub const MONTH_FACTOR: f64 = 720.0;

fn latency(mean: f64, p50: f64, p90: f64, p99: f64, p999: f64, max: f64) -> LatencyStats {
    LatencyStats {
        mean,
        p50,
        p90,
        p99,
        p99_ci95: None,
        p999,
        max,
    }
}

/// A function with consistent counts: ratios follow from them.
#[allow(clippy::too_many_arguments)]
fn function(
    name: &str,
    memory_mb: u32,
    architecture: &str,
    arrivals: f64,
    throttles: f64,
    cold_starts: f64,
    warm: LatencyStats,
    cold: LatencyStats,
    all: LatencyStats,
    instances: InstanceStats,
) -> FunctionSummary {
    let invocations = arrivals - throttles;
    let gb = memory_mb as f64 / 1024.0;
    FunctionSummary {
        name: name.to_string(),
        memory_mb,
        architecture: architecture.to_string(),
        arrivals,
        invocations,
        cold_starts,
        throttles,
        timeouts: 0.0,
        cold_start_ratio: if invocations > 0.0 {
            cold_starts / invocations
        } else {
            0.0
        },
        cold_start_ratio_ci95: None,
        throttle_ratio: if arrivals > 0.0 {
            throttles / arrivals
        } else {
            0.0
        },
        usage: UsageSummary {
            requests: invocations,
            ondemand_gb_s: invocations * all.mean / 1000.0 * gb,
            ..UsageSummary::default()
        },
        latency_ms: all,
        latency_warm_ms: warm,
        latency_cold_ms: cold,
        instances,
        cost_usd: None,
    }
}

/// `api`: see the module docs.
pub fn api() -> FunctionSummary {
    function(
        "api",
        1024,
        "x86_64",
        180_000.0,
        0.0,
        1_234.0,
        latency(118.2, 104.0, 190.5, 412.25, 780.0, 1_502.7),
        latency(402.6, 388.0, 520.0, 690.4, 801.0, 803.9),
        latency(120.0, 105.0, 195.0, 420.0, 790.0, 1_502.7),
        InstanceStats {
            avg_total: 9.84,
            avg_total_ci95: None,
            avg_busy: 6.0,
            avg_idle: 3.84,
            peak: 17.0,
        },
    )
}

/// `worker`: arm64, 2,048 MB, 12 of 3,600 arrivals throttled, every invocation cold.
pub fn worker() -> FunctionSummary {
    function(
        "worker",
        2048,
        "arm64",
        3_600.0,
        12.0,
        3_588.0,
        LatencyStats::default(),
        latency(2_350.0, 2_210.0, 3_050.5, 4_800.0, 5_990.0, 6_012.0),
        latency(2_350.0, 2_210.0, 3_050.5, 4_800.0, 5_990.0, 6_012.0),
        InstanceStats {
            avg_total: 2.35,
            avg_total_ci95: None,
            avg_busy: 2.35,
            avg_idle: 0.0,
            peak: 8.0,
        },
    )
}

/// `cron`: 128 MB, 60 arrivals, one cold start, sub-millisecond latencies.
pub fn cron() -> FunctionSummary {
    function(
        "cron",
        128,
        "x86_64",
        60.0,
        0.0,
        1.0,
        latency(0.84, 0.8, 0.95, 1.2, 1.2, 1.2),
        latency(310.0, 310.0, 310.0, 310.0, 310.0, 310.0),
        latency(5.99, 0.8, 0.96, 310.0, 310.0, 310.0),
        InstanceStats {
            avg_total: 0.995,
            avg_total_ci95: None,
            avg_busy: 0.002,
            avg_idle: 0.993,
            peak: 1.0,
        },
    )
}

fn summary(replicates: u32, functions: Vec<FunctionSummary>) -> Summary {
    Summary {
        schema_version: lamsim_sim::summary::SCHEMA_VERSION,
        lamsim_version: "0.1.0".to_string(),
        seed: 42,
        replicates,
        window_s: 3600.0,
        warmup_s: 300.0,
        functions,
        cost: None,
        slo: None,
    }
}

/// The bill of one function over the one-hour window: requests and on-demand compute only.
fn function_cost(f: &FunctionSummary) -> FunctionCost {
    let lines = |factor: f64| {
        let requests = f.usage.requests * REQUEST_USD * factor;
        let compute = f.usage.ondemand_gb_s * GB_S_USD * factor;
        FunctionCost {
            total: requests + compute,
            requests,
            compute,
            per_million_invocations: (requests + compute) / f.invocations * 1e6,
            ..FunctionCost::default()
        }
    };
    FunctionCost {
        monthly: Some(Box::new(lines(MONTH_FACTOR))),
        ..lines(1.0)
    }
}

/// Prices every function and sums the bill.
fn price(mut s: Summary) -> Summary {
    let mut window = BillLines::default();
    let mut monthly = BillLines::default();
    for f in &mut s.functions {
        let c = function_cost(f);
        let m = c
            .monthly
            .as_deref()
            .expect("function_cost projects a month");
        for (b, c) in [(&mut window, &c), (&mut monthly, m)] {
            b.total_usd += c.total;
            b.requests_usd += c.requests;
            b.compute_usd += c.compute;
        }
        f.cost_usd = Some(c);
    }
    s.cost = Some(CostSummary { window, monthly });
    s
}

/// Adds 95 % intervals around every value the contract gives one (not around the statistics
/// of a kind of invocation that never ran: they are empty).
fn with_intervals(mut s: Summary) -> Summary {
    for f in &mut s.functions {
        let r = f.cold_start_ratio;
        f.cold_start_ratio_ci95 = Some([r * 0.9, (r * 1.1).min(1.0)]);
        let warm = f.invocations - f.cold_starts;
        for (l, n) in [
            (&mut f.latency_ms, f.invocations),
            (&mut f.latency_warm_ms, warm),
            (&mut f.latency_cold_ms, f.cold_starts),
        ] {
            if n > 0.0 {
                l.p99_ci95 = Some([l.p99 * 0.96, l.p99 * 1.05]);
            }
        }
        let a = f.instances.avg_total;
        f.instances.avg_total_ci95 = Some([a * 0.95, a * 1.05]);
    }
    if let Some(c) = &mut s.cost {
        for b in [&mut c.window, &mut c.monthly] {
            let t = b.total_usd;
            b.total_usd_ci95 = Some([t * 0.98, t * 1.02]);
        }
    }
    s
}

/// One function, one replicate, no price book, no SLO.
pub fn one_function() -> Summary {
    summary(1, vec![api()])
}

/// One function, one replicate, priced, SLO met.
pub fn one_function_priced() -> Summary {
    let mut s = price(summary(1, vec![api()]));
    s.slo = Some(SloReport {
        met: true,
        violations: vec![],
    });
    s
}

/// Three functions, one replicate, no price book, no SLO.
pub fn three_functions() -> Summary {
    summary(1, vec![api(), worker(), cron()])
}

/// Three functions, ten replicates with intervals, priced, SLO violated twice.
pub fn three_functions_replicated_priced() -> Summary {
    let mut s = with_intervals(price(summary(10, vec![api(), worker(), cron()])));
    s.slo = Some(SloReport {
        met: false,
        violations: vec![
            "worker: latency_ms.p99 4800 > 3000".to_string(),
            "worker: throttle_ratio 0.00333 > 0.001".to_string(),
        ],
    });
    s
}

/// Every fixture, named, for tests that hold for all of them.
pub fn all() -> Vec<(&'static str, Summary)> {
    vec![
        ("one_function", one_function()),
        ("one_function_priced", one_function_priced()),
        ("three_functions", three_functions()),
        (
            "three_functions_replicated_priced",
            three_functions_replicated_priced(),
        ),
    ]
}

//! Hand-built summaries with numbers that can be checked by hand.
//!
//! `api`: 50 requests/s for one hour (180,000 arrivals), none throttled, 1,234 cold starts,
//! 120 ms mean at 1,024 MB, so 180,000 × 0.120 s × 1 GB = 21,600 GB-s on demand. At the
//! us-east-1 x86 prices ($0.20 per million requests, $0.0000166667 per GB-s) the hour costs
//! $0.036 + $0.36000072 = $0.39600072, and a 30-day month (720 hours) $285.1205184.

use lamsim_sim::bench::{
    BENCH_SCHEMA_VERSION, BenchRecommendation, BenchResult, BenchSummary, Stats,
};
use lamsim_sim::report_data::{FunctionSeries, REPORT_DATA_SCHEMA_VERSION, ReportData};
use lamsim_sim::summary::{
    BillLines, CostSummary, FunctionCost, FunctionSummary, InstanceStats, LatencyStats, SloReport,
    Summary, UsageSummary,
};

pub const REQUEST_USD: f64 = 0.0000002;
/// On-demand compute per GB-second on x86_64 (us-east-1, first tier).
pub const GB_S_USD: f64 = 0.0000166667;
/// On-demand compute per GB-second on arm64 (us-east-1, first tier).
pub const GB_S_ARM64_USD: f64 = 0.0000133334;
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
            provisioned_avg: None,
            provisioned_peak: None,
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
            provisioned_avg: None,
            provisioned_peak: None,
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
            provisioned_avg: None,
            provisioned_peak: None,
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
        aggregate: None,
    }
}

/// The bill of one function over the one-hour window: requests and on-demand compute only.
fn function_cost(f: &FunctionSummary) -> FunctionCost {
    let lines = |factor: f64| {
        let requests = f.usage.requests * REQUEST_USD * factor;
        let rate = if f.architecture == "arm64" {
            GB_S_ARM64_USD
        } else {
            GB_S_USD
        };
        let compute = f.usage.ondemand_gb_s * rate * factor;
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

/// Adds the lines beside Lambda to a priced summary, as a workload with a REST API front and
/// billed logs has them: gateway = requests × $3.50/M (17.5 × Lambda's $0.20/M request line),
/// no event source, logs = a tenth of compute; the Lambda subtotal is the former total.
pub fn with_adjacent(mut s: Summary) -> Summary {
    let add = |c: &mut FunctionCost| {
        let (gateway, logs) = (c.requests * 17.5, c.compute * 0.1);
        c.gateway = Some(gateway);
        c.event_sources = Some(0.0);
        c.logs = Some(logs);
        c.total += gateway + logs;
        if c.requests > 0.0 {
            c.per_million_invocations = c.total / (c.requests / REQUEST_USD) * 1e6;
        }
    };
    for f in &mut s.functions {
        if let Some(c) = f.cost_usd.as_mut() {
            add(c);
            if let Some(m) = c.monthly.as_deref_mut() {
                add(m);
            }
        }
    }
    let cost = s.cost.as_mut().expect("a priced summary");
    for (b, pick) in [
        (
            &mut cost.window,
            (|c: &FunctionCost| c.clone()) as fn(&FunctionCost) -> FunctionCost,
        ),
        (&mut cost.monthly, |c: &FunctionCost| {
            *c.monthly.clone().expect("a monthly projection")
        }),
    ] {
        let costs: Vec<FunctionCost> = s
            .functions
            .iter()
            .filter_map(|f| f.cost_usd.as_ref().map(pick))
            .collect();
        let sum = |get: fn(&FunctionCost) -> f64| costs.iter().map(get).sum::<f64>();
        b.lambda_usd = Some(b.total_usd);
        b.gateway_usd = Some(sum(|c| c.gateway.unwrap_or(0.0)));
        b.event_sources_usd = Some(0.0);
        b.logs_usd = Some(sum(|c| c.logs.unwrap_or(0.0)));
        b.total_usd = sum(|c| c.total);
    }
    s
}

/// One function, one replicate, priced with a REST API in front and billed logs.
pub fn one_function_priced_with_adjacent() -> Summary {
    with_adjacent(price(summary(1, vec![api()])))
}

/// Every fixture, named, for tests that hold for all of them.
pub fn all() -> Vec<(&'static str, Summary)> {
    vec![
        ("one_function", one_function()),
        ("one_function_priced", one_function_priced()),
        (
            "one_function_priced_with_adjacent",
            one_function_priced_with_adjacent(),
        ),
        ("three_functions", three_functions()),
        (
            "three_functions_replicated_priced",
            three_functions_replicated_priced(),
        ),
    ]
}

/// Twenty functions `fn-01` … `fn-20`: [`functions_priced`] of 20.
pub fn twenty_functions_priced() -> Summary {
    functions_priced(20)
}

/// Sixty functions `fn-01` … `fn-60` ([`functions_priced`]) with their aggregate, as a run
/// in the many-function layout writes them.
pub fn sixty_functions_aggregated() -> Summary {
    let mut s = functions_priced(60);
    s.aggregate = Some(lamsim_sim::aggregate::aggregate(&s.functions));
    s
}

/// `n` functions `fn-01` …, priced: function `i` (1-based) gets `1000·i` arrivals,
/// `5·i` cold starts, 128·⌈i/4⌉ MB and the `api` latencies scaled by `i/10`.
pub fn functions_priced(n: u32) -> Summary {
    let functions = (1..=n)
        .map(|i| {
            let k = i as f64 / 10.0;
            let a = api();
            let scale = |l: &LatencyStats| {
                latency(
                    l.mean * k,
                    l.p50 * k,
                    l.p90 * k,
                    l.p99 * k,
                    l.p999 * k,
                    l.max * k,
                )
            };
            function(
                &format!("fn-{i:02}"),
                128 * i.div_ceil(4),
                if i % 2 == 0 { "arm64" } else { "x86_64" },
                1000.0 * i as f64,
                0.0,
                5.0 * i as f64,
                scale(&a.latency_warm_ms),
                scale(&a.latency_cold_ms),
                scale(&a.latency_ms),
                InstanceStats {
                    avg_total: 0.5 * i as f64,
                    avg_total_ci95: None,
                    avg_busy: 0.3 * i as f64,
                    avg_idle: 0.2 * i as f64,
                    peak: i as f64,
                    provisioned_avg: None,
                    provisioned_peak: None,
                },
            )
        })
        .collect();
    price(summary(1, functions))
}

/// A latency CDF through the statistics' points: `(p50/2, 1 %)`, `(p50, 50 %)`, `(p90, 90 %)`,
/// `(p99, 99 %)`, `(p99.9, 99.9 %)`, `(max, 100 %)`, keeping latencies strictly increasing
/// (a repeated latency keeps its largest fraction). Empty when `n` is 0.
fn cdf(l: &LatencyStats, n: f64) -> Vec<[f64; 2]> {
    if n <= 0.0 {
        return vec![];
    }
    let mut out: Vec<[f64; 2]> = Vec::new();
    for p in [
        [l.p50 / 2.0, 0.01],
        [l.p50, 0.5],
        [l.p90, 0.9],
        [l.p99, 0.99],
        [l.p999, 0.999],
        [l.max, 1.0],
    ] {
        match out.last_mut() {
            Some(last) if last[0] >= p[0] => last[1] = p[1],
            _ => out.push(p),
        }
    }
    out
}

/// The chart data of `s` in 60-s buckets over the warm-up and the window: arrivals and
/// invocations spread evenly; cold starts all in the first bucket after the warm-up;
/// environments at the summary's averages (ramping up over the first two minutes), with two
/// provisioned environments for `api`; `worker`'s throttles in bucket 30; the cost spread
/// evenly over the window's buckets.
pub fn report_data(s: &Summary) -> ReportData {
    let bucket = 60.0;
    let duration = s.warmup_s + s.window_s;
    let n = (duration / bucket).ceil() as usize;
    let first = (s.warmup_s / bucket) as usize;
    let window_buckets = (n - first) as f64;
    let functions = s
        .functions
        .iter()
        .map(|f| {
            let per = |total: f64| (0..n).map(|_| total / window_buckets).collect::<Vec<_>>();
            let ramp = |avg: f64| {
                (0..n)
                    .map(|i| avg * ((i + 1) as f64 / 2.0).min(1.0))
                    .collect::<Vec<_>>()
            };
            let mut cold = vec![0.0; n];
            cold[first] = f.cold_starts;
            let mut throttles = vec![0.0; n];
            if f.throttles > 0.0 {
                throttles[30] = f.throttles;
            }
            let total = ramp(f.instances.avg_total);
            let busy = ramp(f.instances.avg_busy);
            let idle = total.iter().zip(&busy).map(|(t, b)| t - b).collect();
            let provisioned = vec![if f.name == "api" { 2.0 } else { 0.0 }; n];
            let cost = f.cost_usd.as_ref().map_or(0.0, |c| c.total);
            let mut cost_usd = per(cost);
            cost_usd[..first].fill(0.0);
            FunctionSeries {
                backlog: Vec::new(),
                name: f.name.clone(),
                arrivals: per(f.arrivals),
                invocations: per(f.invocations),
                cold_starts: cold,
                throttles,
                env_total: total,
                env_busy: busy,
                env_idle: idle,
                env_provisioned: provisioned,
                cost_usd,
                latency_cdf_warm_ms: cdf(&f.latency_warm_ms, f.invocations - f.cold_starts),
                latency_cdf_cold_ms: cdf(&f.latency_cold_ms, f.cold_starts),
            }
        })
        .collect();
    ReportData {
        schema_version: REPORT_DATA_SCHEMA_VERSION,
        bucket_s: bucket,
        duration_s: duration,
        warmup_s: s.warmup_s,
        replicates: s.replicates,
        functions,
        account: None,
    }
}

/// `lamsim bench` of `api` measured natively on x86_64 at five sizes, arm64 modelled 20 %
/// faster: duration `d(m) = 40 + 80 000 / m` ms, cost per million =
/// `0.2 + d·m/1024/1000 · 16.6667` USD (x86) or `13.3334` (arm64). So on x86_64 128 MB is
/// cheapest ($1.585 per million), 1,769 MB fastest (85.2 ms), and 512 MB balances them
/// (0.5·1.835/2.654 + 0.5·196.25/665 = 0.493, the smallest of the five).
pub fn bench() -> BenchSummary {
    let mut results = Vec::new();
    for (arch, measured, speed, gb_s) in [
        ("x86_64", true, 1.0, 16.6667),
        ("arm64", false, 0.8, 13.3334),
    ] {
        for m in [128u32, 256, 512, 1024, 1769] {
            let d = (40.0 + 80_000.0 / m as f64) * speed;
            let stats = Stats {
                mean: d,
                p50: d * 0.95,
                p90: d * 1.2,
                p99: d * 1.6,
            };
            let per_million = 0.2 + d * m as f64 / 1024.0 / 1000.0 * gb_s;
            results.push(BenchResult {
                memory_mb: m,
                architecture: arch.to_string(),
                measured,
                invocations: 105,
                cold_starts: 5,
                errors: 0,
                init_ms: Stats {
                    mean: 300.0,
                    p50: 290.0,
                    p90: 340.0,
                    p99: 380.0,
                },
                duration_ms: stats,
                max_memory_used_mb: 90.0,
                cost_per_invocation_usd: per_million / 1e6,
                cost_per_million_usd: per_million,
            });
        }
    }
    BenchSummary {
        schema_version: BENCH_SCHEMA_VERSION,
        lamsim_version: "0.1.0".into(),
        function: "api".into(),
        architecture: "x86_64".into(),
        cpu_limit: "cgroup-v2".into(),
        balanced_weight: 0.5,
        results,
        recommendation: BenchRecommendation {
            cost: 128,
            speed: 1769,
            balanced: 512,
        },
    }
}

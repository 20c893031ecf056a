//! The many-function layout: past 20 functions the summary gains an aggregate (totals, top
//! lists, distributions across functions) and the series keep a bounded number of counters (the
//! account at full resolution, each function coarser). Checked against sums, sorts and bounds
//! computed here from the per-function results.

use lamsim_sim::aggregate::{CHARTED_TOP, MANY_FUNCTIONS, TOP_FUNCTIONS, charted};
use lamsim_sim::model::Scenario;
use lamsim_sim::report_data::ReportData;
use lamsim_sim::runner::{self, RunOutput};
use lamsim_sim::series::{FUNCTION_MAX_BUCKETS, SeriesGrids, SeriesOptions};
use lamsim_sim::summary::{FunctionSummary, Summary};
use lamsim_sim::testing::{simple_function, simple_scenario};
use lamsim_sim::time::{SimTime, parse_duration};

fn d(s: &str) -> SimTime {
    parse_duration(s).unwrap()
}

/// `n` functions for 10 minutes after a 1-minute warm-up: function `i` has Poisson arrivals
/// at `0.5 + (7i mod 13)·0.4` per s, exponential executions of mean `50 + 20·(i mod 5)` ms,
/// `128·(1 + i mod 4)` MB, and every fifth one a reserved concurrency of 1 (so it throttles).
fn account(n: usize) -> Scenario {
    let mut s = simple_scenario(1.0, 100.0, "2m", "11m");
    s.simulation.warmup = d("1m");
    s.simulation.seed = 15;
    s.functions = (0..n)
        .map(|i| {
            let rate = 0.5 + ((7 * i) % 13) as f64 * 0.4;
            let mut f = simple_function(
                &format!("f{i:03}"),
                rate,
                50.0 + 20.0 * (i % 5) as f64,
                "2m",
            );
            f.memory_mb = 128 * (1 + (i % 4) as u32);
            if i % 5 == 0 {
                f.reserved_concurrency = Some(1);
            }
            f
        })
        .collect();
    s
}

fn run(s: &Scenario, opts: &SeriesOptions) -> (RunOutput, ReportData) {
    let (out, data, _) = runner::run_with_series(s, &|_| {}, opts);
    (out, data)
}

#[track_caller]
fn close(x: f64, y: f64, what: &str) {
    assert!(
        (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-12),
        "{what}: {x} vs {y}"
    );
}

/// Sum over the buckets (of width `bucket_s`) that start in the measured window.
fn window_sum(v: &[f64], bucket_s: f64, warmup_s: f64) -> f64 {
    v.iter()
        .enumerate()
        .filter(|(i, _)| *i as f64 * bucket_s >= warmup_s)
        .map(|(_, x)| x)
        .sum()
}

fn cost(f: &FunctionSummary) -> f64 {
    f.cost_usd.as_ref().map_or(0.0, |c| c.total)
}

/// The names of the (at most 20) functions with the largest positive `value`, largest first,
/// ties in workload order: sorted here on (−value, index).
fn expected_top(s: &Summary, value: impl Fn(&FunctionSummary) -> Option<f64>) -> Vec<String> {
    let mut v: Vec<(f64, usize)> = s
        .functions
        .iter()
        .enumerate()
        .filter_map(|(i, f)| value(f).filter(|x| *x > 0.0).map(|x| (x, i)))
        .collect();
    v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    v.into_iter()
        .take(TOP_FUNCTIONS)
        .map(|(_, i)| s.functions[i].name.clone())
        .collect()
}

#[test]
fn twenty_functions_keep_the_per_function_layout() {
    let s = account(MANY_FUNCTIONS);
    let (out, data) = run(&s, &SeriesOptions::default());
    assert!(out.summary.aggregate.is_none());
    assert!(data.account.is_none());
    assert_eq!(data.functions.len(), MANY_FUNCTIONS);
    assert_eq!(data.bucket_s, 1.0, "every function on the full grid");
    assert!(
        data.functions
            .iter()
            .all(|f| !f.latency_cdf_warm_ms.is_empty())
    );
    let json = serde_json::to_value(&out.summary).unwrap();
    assert!(
        json.get("aggregate").is_none(),
        "no new key in summary.json"
    );
}

#[test]
fn totals_are_the_sums_of_the_members() {
    let s = account(MANY_FUNCTIONS + 10);
    let (out, _) = run(&s, &SeriesOptions::default());
    let sum = &out.summary;
    let agg = sum.aggregate.as_ref().expect("more than 20 functions");
    assert_eq!(agg.functions as usize, s.functions.len());
    let total = |get: fn(&FunctionSummary) -> f64| sum.functions.iter().map(get).sum::<f64>();
    let t = &agg.totals;
    assert_eq!(t.arrivals, total(|f| f.arrivals));
    assert_eq!(t.invocations, total(|f| f.invocations));
    assert_eq!(t.cold_starts, total(|f| f.cold_starts));
    assert_eq!(t.throttles, total(|f| f.throttles));
    assert!(t.throttles > 0.0, "the reserved functions throttle");
    assert_eq!(t.arrivals, t.invocations + t.throttles);
    close(
        t.cold_start_ratio,
        t.cold_starts / t.invocations,
        "cold-start ratio",
    );
    close(t.throttle_ratio, t.throttles / t.arrivals, "throttle ratio");
    close(t.cost_usd.unwrap(), total(cost), "window cost");
    // The bill of the window is the functions' costs together.
    close(
        t.cost_usd.unwrap(),
        sum.cost.as_ref().unwrap().window.total_usd,
        "bill",
    );
}

#[test]
fn top_lists_are_the_largest_values_computed_independently() {
    let s = account(45);
    let (out, _) = run(&s, &SeriesOptions::default());
    let sum = &out.summary;
    let top = &sum.aggregate.as_ref().unwrap().top;
    let names = |l: &[lamsim_sim::summary::TopEntry]| -> Vec<String> {
        l.iter().map(|e| e.name.clone()).collect()
    };
    assert_eq!(names(&top.by_cost), expected_top(sum, |f| Some(cost(f))));
    assert_eq!(
        names(&top.by_p99),
        expected_top(sum, |f| (f.invocations > 0.0).then_some(f.latency_ms.p99))
    );
    assert_eq!(
        names(&top.by_cold_starts),
        expected_top(sum, |f| Some(f.cold_starts))
    );
    assert_eq!(
        names(&top.by_throttles),
        expected_top(sum, |f| Some(f.throttles))
    );
    assert_eq!(top.by_cost.len(), TOP_FUNCTIONS);
    // Only the reserved functions (every fifth) throttle: 9 of 45.
    assert_eq!(top.by_throttles.len(), 9);
    for e in top.by_cost.iter().chain(&top.by_throttles) {
        assert_eq!(sum.functions[e.index as usize].name, e.name);
    }
    let c = charted(sum.aggregate.as_ref().unwrap());
    assert!(c.len() <= 4 * CHARTED_TOP);
    assert!(c.contains(&(top.by_cost[0].index as usize)));
    assert!(
        c.windows(2).all(|w| w[0] < w[1]),
        "workload order, no repeats"
    );
}

#[test]
fn distributions_split_the_functions_at_their_quantiles() {
    let s = account(MANY_FUNCTIONS + 10);
    let (out, _) = run(&s, &SeriesOptions::default());
    let sum = &out.summary;
    let q = &sum.aggregate.as_ref().unwrap().distributions.invocations;
    let v: Vec<f64> = sum.functions.iter().map(|f| f.invocations).collect();
    let n = v.len() as f64;
    assert_eq!(q.count as usize, v.len());
    assert_eq!(q.min, v.iter().copied().fold(f64::INFINITY, f64::min));
    assert_eq!(q.max, v.iter().copied().fold(0.0, f64::max));
    close(q.mean, v.iter().sum::<f64>() / n, "mean");
    // A p-quantile has at least p of the values at or below it and at least 1 − p at or above.
    for (p, x) in [(0.5, q.p50), (0.9, q.p90), (0.99, q.p99)] {
        let below = v.iter().filter(|y| **y <= x).count() as f64;
        let above = v.iter().filter(|y| **y >= x).count() as f64;
        assert!(below >= p * n && above >= (1.0 - p) * n, "p{p}: {x}");
        assert!(v.contains(&x), "a function's value");
    }
}

#[test]
fn account_and_function_series_add_up_to_the_summary() {
    let s = account(30);
    // 30 functions × 11 buckets: one-minute buckets per function (11 minutes), one-second for
    // the account.
    let opts = SeriesOptions {
        function_bucket_budget: 330,
        ..SeriesOptions::default()
    };
    let (out, data) = run(&s, &opts);
    let sum = &out.summary;
    let a = data.account.as_ref().expect("many-function layout");
    assert_eq!(a.functions, 30);
    assert_eq!(a.bucket_s, 1.0);
    assert_eq!(data.bucket_s, 60.0);
    assert_eq!(a.series.arrivals.len(), 660);
    let t = &sum.aggregate.as_ref().unwrap().totals;
    let w = data.warmup_s;
    let aw = |v: &[f64]| window_sum(v, a.bucket_s, w);
    assert_eq!(aw(&a.series.arrivals), t.arrivals);
    assert_eq!(aw(&a.series.invocations), t.invocations);
    assert_eq!(aw(&a.series.cold_starts), t.cold_starts);
    assert_eq!(aw(&a.series.throttles), t.throttles);
    close(aw(&a.series.cost_usd), t.cost_usd.unwrap(), "account cost");
    // Time averages: the account's environments are the functions' together.
    let window_s = data.duration_s - w;
    close(
        aw(&a.series.env_total) * a.bucket_s / window_s,
        t.instances_avg,
        "account environments",
    );
    let busy_avg: f64 = sum.functions.iter().map(|f| f.instances.avg_busy).sum();
    close(
        aw(&a.series.env_busy) * a.bucket_s / window_s,
        busy_avg,
        "account busy environments",
    );
    for (f, fs) in data.functions.iter().zip(&sum.functions) {
        assert_eq!(f.arrivals.len(), 11);
        let fw = |v: &[f64]| window_sum(v, data.bucket_s, w);
        assert_eq!(fw(&f.invocations), fs.invocations, "{}", f.name);
        assert_eq!(fw(&f.throttles), fs.throttles, "{}", f.name);
        close(fw(&f.cost_usd), cost(fs), &f.name);
    }
    // Each minute of the account's cost is the functions' cost in that minute.
    for (m, _) in data.functions[0].cost_usd.iter().enumerate() {
        let functions: f64 = data.functions.iter().map(|f| f.cost_usd[m]).sum();
        let account: f64 = a.series.cost_usd[m * 60..(m + 1) * 60].iter().sum();
        close(account, functions, &format!("minute {m}"));
        // Its busy environments too (averages: a minute's is the mean of its seconds').
        let functions: f64 = data.functions.iter().map(|f| f.env_busy[m]).sum();
        let account: f64 = a.series.env_busy[m * 60..(m + 1) * 60].iter().sum::<f64>() / 60.0;
        close(account, functions, &format!("busy in minute {m}"));
    }
    // Latency CDFs: the account's, and the charted functions' only.
    assert!(!a.series.latency_cdf_warm_ms.is_empty());
    let c = charted(sum.aggregate.as_ref().unwrap());
    for (i, f) in data.functions.iter().enumerate() {
        assert_eq!(
            !f.latency_cdf_warm_ms.is_empty(),
            c.contains(&i) && sum.functions[i].invocations > sum.functions[i].cold_starts,
            "{}",
            f.name
        );
    }
    let kept = data.charted_only(sum);
    let names: Vec<&str> = kept.functions.iter().map(|f| f.name.as_str()).collect();
    let expected: Vec<&str> = c.iter().map(|&i| sum.functions[i].name.as_str()).collect();
    assert_eq!(names, expected);
    assert_eq!(kept.account, data.account);
}

#[test]
fn series_counters_stay_within_the_budget_whatever_the_number_of_functions() {
    let opts = SeriesOptions::default();
    for (n, duration) in [(21, "1h"), (1_000, "1h"), (10_000, "1h"), (10_000, "24h")] {
        let mut s = account(1);
        s.functions = (0..n)
            .map(|i| simple_function(&format!("f{i}"), 1.0, 100.0, "10m"))
            .collect();
        s.simulation.duration = d(duration);
        s.simulation.warmup = d("5m");
        let g = SeriesGrids::new(&s, &opts);
        let account = g.account.expect("many-function layout");
        assert!(g.function.count <= FUNCTION_MAX_BUCKETS, "{n} {duration}");
        assert!(
            g.function.count * n <= opts.function_bucket_budget.max(n),
            "{n} {duration}: {} buckets each",
            g.function.count
        );
        assert!(account.count <= opts.max_buckets);
        assert_eq!(g.function.width.0 % account.width.0, 0);
    }
}

#[test]
fn the_accounts_latency_cdf_is_the_mixture_of_every_functions_invocations() {
    // 21 functions (the many-function layout), each called once a second for 2 minutes with
    // a constant execution of 10 + 5·i ms: one cold start each, then 119 warm calls. The
    // account's warm CDF is then a staircase with 21 equal steps: at function i's duration it
    // reaches (i + 1) / 21 exactly (its point sits at the top of that duration's HDR bucket,
    // within 0.1 %).
    let mut text = String::from("[simulation]\nduration = \"2m\"\nseed = 1\n");
    for i in 0..21 {
        text.push_str(&format!(
            "[[function]]\nname = \"f{i:02}\"\nmemory-mb = 128\n\
             [function.arrivals]\nkind = \"constant\"\nrate-per-s = 1.0\n\
             [function.duration]\ndist = \"const\"\nvalue = \"{}ms\"\n\
             [function.init]\ndist = \"const\"\nvalue = \"100ms\"\n",
            10 + 5 * i
        ));
    }
    let s = lamsim_sim::config::from_str(&text, std::path::Path::new("."), "t.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    let (out, data) = run(&s, &SeriesOptions::default());
    for f in &out.summary.functions {
        assert_eq!((f.invocations, f.cold_starts), (120.0, 1.0), "{}", f.name);
    }
    let cdf = &data.account.as_ref().unwrap().series.latency_cdf_warm_ms;
    assert_eq!(cdf.len(), 21, "{cdf:?}");
    for (i, p) in cdf.iter().enumerate() {
        let ms = (10 + 5 * i) as f64;
        assert!(p[0] >= ms && p[0] <= ms * 1.001, "step {i}: {p:?}");
        close(p[1], (i + 1) as f64 / 21.0, &format!("step {i}"));
    }
    // The last point is capped at the largest latency recorded, not its bucket's top.
    assert_eq!(cdf[20][0], 110.0);
    // Cold starts: one per function at 100 ms of init plus its execution.
    let cold = &data.account.as_ref().unwrap().series.latency_cdf_cold_ms;
    assert_eq!(cold.len(), 21, "{cold:?}");
    assert!(
        cold[0][0] >= 110.0 && cold[0][0] <= 110.0 * 1.001,
        "{cold:?}"
    );
}

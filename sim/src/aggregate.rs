//! The many-function layout: when a run reports its functions in aggregate first.
//!
//! A workload of a few functions is reported function by function. Past
//! [`MANY_FUNCTIONS`] functions, a table per function stops being readable (a platform team's
//! account has thousands), so the run switches to the many-function layout, decided in one
//! place, [`many_functions`]:
//!
//! - `summary.json` gains `aggregate` ([`aggregate`]): totals, distributions across functions
//!   and the top [`TOP_FUNCTIONS`] functions by cost, cold starts, p99 and throttles; the
//!   per-function detail stays in `functions`.
//! - the time series keep a bounded number of counters whatever the number of functions
//!   (see [`crate::series`]): the account at full resolution, each function coarser.
//! - the reports put the aggregate and the top tables first and chart only the
//!   [`charted`] functions.

use crate::model::Scenario;
use crate::summary::{
    AggregateDistributions, AggregateSummary, AggregateTotals, FunctionSummary, Quantiles, Summary,
    TopEntry, TopFunctions,
};

/// Most functions reported one by one; a run with more gets the many-function layout.
pub const MANY_FUNCTIONS: usize = 20;

/// Length of each top list in `aggregate.top`.
pub const TOP_FUNCTIONS: usize = 20;

/// Functions of each top list that get charts (and series in `report-data.json`).
pub const CHARTED_TOP: usize = 10;

/// Whether a run of `scenario` gets the many-function layout: more than [`MANY_FUNCTIONS`]
/// functions, or a `[[population]]` (whatever its size, so that a population's report looks
/// the same at 10 members and at 10,000). Every part of lamsim that depends on the layout asks this function (the
/// reports, which only see the summary, look for its `aggregate`).
pub fn many_functions(scenario: &Scenario) -> bool {
    scenario.functions.len() > MANY_FUNCTIONS || !scenario.populations.is_empty()
}

/// Sets `summary.aggregate` when `scenario` has the many-function layout (leaves the summary
/// untouched otherwise, so that few-function outputs do not change).
pub fn attach(scenario: &Scenario, summary: &mut Summary) {
    if many_functions(scenario) {
        summary.aggregate = Some(aggregate(&summary.functions));
    }
}

/// The aggregate of `functions`: every total is the sum of the members' values.
pub fn aggregate(functions: &[FunctionSummary]) -> AggregateSummary {
    let sum = |get: &dyn Fn(&FunctionSummary) -> f64| functions.iter().map(get).sum::<f64>();
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let priced = functions.iter().any(|f| f.cost_usd.is_some());
    let cost = |f: &FunctionSummary| f.cost_usd.as_ref().map(|c| c.total);
    let monthly = |f: &FunctionSummary| {
        f.cost_usd
            .as_ref()
            .and_then(|c| c.monthly.as_ref())
            .map(|m| m.total)
    };
    let (arrivals, invocations) = (sum(&|f| f.arrivals), sum(&|f| f.invocations));
    let (cold_starts, throttles) = (sum(&|f| f.cold_starts), sum(&|f| f.throttles));
    let tried = sum(&|f| f.throttle_base());
    let totals = AggregateTotals {
        arrivals,
        invocations,
        cold_starts,
        throttles,
        timeouts: sum(&|f| f.timeouts),
        cold_start_ratio: ratio(cold_starts, invocations),
        throttle_ratio: ratio(throttles, tried),
        instances_avg: sum(&|f| f.instances.avg_total),
        cost_usd: priced.then(|| sum(&|f| cost(f).unwrap_or(0.0))),
        monthly_cost_usd: priced.then(|| sum(&|f| monthly(f).unwrap_or(0.0))),
    };
    let ran = |f: &FunctionSummary| f.invocations > 0.0;
    let distributions = AggregateDistributions {
        invocations: quantiles(functions.iter().map(|f| f.invocations)),
        cold_start_ratio: quantiles(
            functions
                .iter()
                .filter(|f| ran(f))
                .map(|f| f.cold_start_ratio),
        ),
        latency_p99_ms: quantiles(
            functions
                .iter()
                .filter(|f| ran(f))
                .map(|f| f.latency_ms.p99),
        ),
        throttle_ratio: quantiles(
            functions
                .iter()
                .filter(|f| f.arrivals > 0.0)
                .map(|f| f.throttle_ratio),
        ),
        cost_usd: priced.then(|| quantiles(functions.iter().filter_map(cost))),
    };
    let top = TopFunctions {
        by_cost: top(functions, &cost),
        by_cold_starts: top(functions, &|f| Some(f.cold_starts)),
        by_p99: top(functions, &|f| ran(f).then_some(f.latency_ms.p99)),
        by_throttles: top(functions, &|f| Some(f.throttles)),
    };
    AggregateSummary {
        functions: functions.len() as u32,
        totals,
        distributions,
        top,
    }
}

/// Nearest-rank quantiles of `values` (all zero for no value).
pub fn quantiles(values: impl Iterator<Item = f64>) -> Quantiles {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return Quantiles::default();
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let rank = |q: f64| v[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    Quantiles {
        count: n as u32,
        mean: v.iter().sum::<f64>() / n as f64,
        min: v[0],
        p50: rank(0.5),
        p90: rank(0.9),
        p99: rank(0.99),
        max: v[n - 1],
    }
}

/// The [`TOP_FUNCTIONS`] functions with the largest positive `value`, largest first, ties in
/// workload order.
fn top(
    functions: &[FunctionSummary],
    value: &dyn Fn(&FunctionSummary) -> Option<f64>,
) -> Vec<TopEntry> {
    let mut ranked: Vec<(usize, f64)> = functions
        .iter()
        .enumerate()
        .filter_map(|(i, f)| value(f).filter(|v| *v > 0.0).map(|v| (i, v)))
        .collect();
    // Stable: ties keep workload order.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranked
        .into_iter()
        .take(TOP_FUNCTIONS)
        .map(|(i, v)| TopEntry {
            name: functions[i].name.clone(),
            index: i as u32,
            value: v,
        })
        .collect()
}

/// The functions that get charts and series in `report-data.json`: the first [`CHARTED_TOP`]
/// of each top list, as indices in workload order (no repeats).
pub fn charted(aggregate: &AggregateSummary) -> Vec<usize> {
    let t = &aggregate.top;
    let mut out: Vec<usize> = [&t.by_cost, &t.by_cold_starts, &t.by_p99, &t.by_throttles]
        .into_iter()
        .flat_map(|list| list.iter().take(CHARTED_TOP).map(|e| e.index as usize))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

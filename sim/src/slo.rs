//! SLO evaluation, in one place: the `[slo]` objectives hold for every function (and bound the
//! total monthly cost); a function's `[function.slo]` holds for that function (its
//! `monthly-cost-usd` bounds that function's monthly cost). The runner records the verdict in
//! `summary.json` ([`evaluate`]); sweeps (lamsim-study) judge their points with the same
//! function and rank misses by [`SloSpec::shortfall`].
//!
//! ```
//! use lamsim_sim::slo::{SloSpec, SloValues};
//! let slo = SloSpec { p99_ms: Some(300.0), cold_start_ratio: None, throttle_ratio: None,
//!                     monthly_cost_usd: Some(100.0) };
//! let v = SloValues { p99_ms: 450.0, cold_start_ratio: 0.0, throttle_ratio: 0.0,
//!                     monthly_cost_usd: Some(90.0) };
//! // p99 is 50 % over its bound, the cost is within it.
//! assert_eq!(slo.shortfall(&v), 0.5);
//! ```

use serde::{Deserialize, Serialize};

use crate::model::{Scenario, Slo};
use crate::summary::{FunctionSummary, SloReport, Summary};

/// Objectives as numbers, as `sweep.json` writes them (every one optional).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloSpec {
    /// `p99`, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    /// `cold-start-ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start_ratio: Option<f64>,
    /// `throttle-ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_ratio: Option<f64>,
    /// `monthly-cost-usd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_cost_usd: Option<f64>,
}

/// The values objectives are checked against: one function's (or a sweep point's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SloValues {
    /// p99 latency, ms.
    pub p99_ms: f64,
    /// Cold-start ratio.
    pub cold_start_ratio: f64,
    /// Throttle ratio.
    pub throttle_ratio: f64,
    /// Monthly cost, USD (`None` when the run was not priced: the objective is not checked).
    pub monthly_cost_usd: Option<f64>,
}

impl SloValues {
    /// One function's values; its cost is its own monthly cost.
    pub fn of_function(f: &FunctionSummary) -> Self {
        SloValues {
            p99_ms: f.latency_ms.p99,
            cold_start_ratio: f.cold_start_ratio,
            throttle_ratio: f.throttle_ratio,
            monthly_cost_usd: f
                .cost_usd
                .as_ref()
                .and_then(|c| c.monthly.as_ref())
                .map(|m| m.total),
        }
    }
}

impl SloSpec {
    /// The objectives of an `[slo]` or `[function.slo]`.
    pub fn of(slo: &Slo) -> Self {
        SloSpec {
            p99_ms: slo.p99.map(|t| t.as_millis_f64()),
            cold_start_ratio: slo.cold_start_ratio,
            throttle_ratio: slo.throttle_ratio,
            monthly_cost_usd: slo.monthly_cost_usd,
        }
    }

    /// How far `v` is from meeting the objectives: the sum over objectives of the relative
    /// excess `max(0, value / bound - 1)` (an excess over a zero bound counts as the value
    /// itself). Zero when every objective holds.
    pub fn shortfall(&self, v: &SloValues) -> f64 {
        let excess = |v: Option<f64>, b: Option<f64>| match (v, b) {
            (Some(v), Some(b)) if v > b => {
                if b > 0.0 {
                    v / b - 1.0
                } else {
                    v
                }
            }
            _ => 0.0,
        };
        excess(Some(v.p99_ms), self.p99_ms)
            + excess(Some(v.cold_start_ratio), self.cold_start_ratio)
            + excess(Some(v.throttle_ratio), self.throttle_ratio)
            + excess(v.monthly_cost_usd, self.monthly_cost_usd)
    }

    /// Appends the violated latency and ratio objectives of function `name`.
    fn function_violations(&self, name: &str, v: &SloValues, suffix: &str, out: &mut Vec<String>) {
        let who = format!("{name}: ");
        violation(
            out,
            &who,
            "latency_ms.p99",
            v.p99_ms,
            self.p99_ms,
            3,
            suffix,
        );
        let cold = self.cold_start_ratio;
        violation(
            out,
            &who,
            "cold_start_ratio",
            v.cold_start_ratio,
            cold,
            6,
            suffix,
        );
        let throttle = self.throttle_ratio;
        violation(
            out,
            &who,
            "throttle_ratio",
            v.throttle_ratio,
            throttle,
            6,
            suffix,
        );
    }
}

/// Appends `{who}{key} {value} > {bound}{suffix}` when `value` exceeds `bound`.
fn violation(
    out: &mut Vec<String>,
    who: &str,
    key: &str,
    value: f64,
    bound: Option<f64>,
    decimals: usize,
    suffix: &str,
) {
    if let Some(b) = bound
        && value > b
    {
        out.push(format!("{who}{key} {value:.decimals$} > {b}{suffix}"));
    }
}

/// The suffix of a violated `[function.slo]` objective.
pub const FUNCTION_SLO_SUFFIX: &str = " ([function.slo])";

/// Checks the objectives of `scenario` against its (merged) `summary`: `[slo]` on every
/// function and on the total monthly cost, each function's `[function.slo]` on that function
/// and its own monthly cost. With `only = Some(i)`, the objectives about other functions are
/// left out (the total cost is still checked). `None` when the workload has no objectives.
///
/// Violations read as `lamsim run` prints them, in function order (`api: latency_ms.p99
/// 412.300 > 300`, a function's own objectives marked [`FUNCTION_SLO_SUFFIX`]), the total
/// cost last.
pub fn evaluate(scenario: &Scenario, summary: &Summary, only: Option<usize>) -> Option<SloReport> {
    if scenario.slo.is_none() && scenario.functions.iter().all(|f| f.slo.is_none()) {
        return None;
    }
    let global = scenario.slo.as_ref().map(SloSpec::of);
    let mut violations = Vec::new();
    for (i, f) in summary.functions.iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        let v = SloValues::of_function(f);
        if let Some(g) = &global {
            g.function_violations(&f.name, &v, "", &mut violations);
        }
        if let Some(own) = scenario.functions.get(i).and_then(|m| m.slo.as_ref()) {
            let own = SloSpec::of(own);
            own.function_violations(&f.name, &v, FUNCTION_SLO_SUFFIX, &mut violations);
            if let Some(cost) = v.monthly_cost_usd {
                let who = format!("{}: ", f.name);
                let (key, bound) = ("cost_usd.monthly.total", own.monthly_cost_usd);
                violation(
                    &mut violations,
                    &who,
                    key,
                    cost,
                    bound,
                    2,
                    FUNCTION_SLO_SUFFIX,
                );
            }
        }
    }
    if let (Some(g), Some(cost)) = (&global, &summary.cost) {
        let total = cost.monthly.total_usd;
        violation(
            &mut violations,
            "",
            "cost.monthly.total_usd",
            total,
            g.monthly_cost_usd,
            2,
            "",
        );
    }
    Some(SloReport {
        met: violations.is_empty(),
        violations,
    })
}

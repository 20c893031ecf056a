//! `lamsim check`: compare a run's `summary.json` with a baseline and fail only on a real
//! regression.
//!
//! A metric fails when its increase over the baseline is beyond its `--max-increase`
//! threshold **and** statistically significant. Significance uses the replicates recorded in
//! both summaries: each `<key>_ci95` is a Student-t interval over `replicates` runs, so its
//! half-width `h` gives the standard error `se = h / t(0.975, n − 1)` (the wider side of the
//! value, since an interval cut at the edge of its range keeps one side whole: see
//! [`lamsim_sim::stats::std_error_from_ci95`]); the difference of the
//! two means has Welch's standard error `√(se_b² + se_c²)` with Welch–Satterthwaite degrees of
//! freedom, and the increase is significant when the lower end of its 95 % interval is above
//! zero. When either side has a single replicate (or the metric has no interval), the
//! threshold alone decides, and the output says so.
//!
//! ```
//! use lamsim_study::check::{Metric, Threshold};
//! // `--max-increase cost=5%,p99=20`: 5 % of the baseline cost, 20 ms of p99.
//! let limits = [(Metric::Cost, Threshold::Relative(0.05)), (Metric::P99, Threshold::Absolute(20.0))];
//! assert!((limits[0].1.allowance(200.0) - 10.0).abs() < 1e-12);
//! assert_eq!(limits[1].1.allowance(300.0), 20.0);
//! ```

use std::fmt;

use lamsim_sim::stats::{self, t975};

use lamsim_sim::summary::{FunctionSummary, SCHEMA_VERSION, Summary};

/// A problem with the input of `check` (exit code 2).
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum CheckError {
    /// A summary is not a valid `summary.json`.
    #[error("{file}: {message}")]
    BadSummary {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// A metric that `check` compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// `cost`: `cost.monthly.total_usd`, USD.
    Cost,
    /// `p99`: `latency_ms.p99` of each function, ms.
    P99,
    /// `p50`: `latency_ms.p50` of each function, ms.
    P50,
    /// `cold-start-ratio` of each function.
    ColdStartRatio,
    /// `throttle-ratio` of each function.
    ThrottleRatio,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 5] = [
        Metric::Cost,
        Metric::P99,
        Metric::P50,
        Metric::ColdStartRatio,
        Metric::ThrottleRatio,
    ];

    /// The name in `--max-increase`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cost => "cost",
            Metric::P99 => "p99",
            Metric::P50 => "p50",
            Metric::ColdStartRatio => "cold-start-ratio",
            Metric::ThrottleRatio => "throttle-ratio",
        }
    }

    /// The summary key it reads, for the table.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Cost => "cost.monthly.total_usd",
            Metric::P99 => "latency_ms.p99",
            Metric::P50 => "latency_ms.p50",
            Metric::ColdStartRatio => "cold_start_ratio",
            Metric::ThrottleRatio => "throttle_ratio",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The largest acceptable increase of a metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// `5%`: a fraction of the baseline value (0.05).
    Relative(f64),
    /// A bare number: an amount in the metric's unit (USD, ms, or a ratio).
    Absolute(f64),
}

impl Threshold {
    /// The largest acceptable increase over `baseline`.
    pub fn allowance(self, baseline: f64) -> f64 {
        match self {
            Threshold::Relative(f) => f * baseline.abs(),
            Threshold::Absolute(a) => a,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::Relative(x) => write!(f, "{}%", x * 100.0),
            Threshold::Absolute(x) => write!(f, "{x}"),
        }
    }
}

/// Parses and checks a `summary.json` (`file` names it in errors).
pub fn parse_summary(text: &str, file: &str) -> Result<Summary, CheckError> {
    let bad = |message: String| CheckError::BadSummary {
        file: file.to_string(),
        message,
    };
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    match v.get("schema_version").and_then(|s| s.as_u64()) {
        Some(n) if n == SCHEMA_VERSION as u64 => {}
        Some(n) => {
            return Err(bad(format!(
                "schema_version {n} is not supported (this lamsim reads {SCHEMA_VERSION})"
            )));
        }
        None => {
            return Err(bad(
                "no schema_version: is this a lamsim summary.json?".into()
            ));
        }
    }
    serde_json::from_value(v).map_err(|e| bad(format!("not a lamsim summary.json: {e}")))
}

/// A value from one summary: its mean, its 95 % interval and the replicate count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Mean over replicates.
    pub mean: f64,
    /// 95 % confidence interval, when recorded.
    pub ci95: Option<[f64; 2]>,
    /// Replicates behind it.
    pub n: u32,
}

impl Estimate {
    /// Standard error of the mean from the interval's half-width, when there is one.
    fn std_error(&self) -> Option<f64> {
        stats::std_error_from_ci95(self.mean, self.ci95?, self.n)
    }
}

/// Whether the increase from `base` to `cur` is statistically significant (the lower end of
/// Welch's 95 % interval of the difference is above zero); `None` when either side has no
/// interval or fewer than two replicates.
pub fn increase_significant(base: Estimate, cur: Estimate) -> Option<bool> {
    let (sb, sc) = (base.std_error()?, cur.std_error()?);
    let diff = cur.mean - base.mean;
    let var = sb * sb + sc * sc;
    if var == 0.0 {
        // Every replicate agreed on both sides: the difference is exact.
        return Some(diff > 0.0);
    }
    let (nb, nc) = (base.n as f64, cur.n as f64);
    let dof = var * var / (sb.powi(4) / (nb - 1.0) + sc.powi(4) / (nc - 1.0));
    Some(diff - t975(dof) * var.sqrt() > 0.0)
}

/// How significance was decided for a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Significance {
    /// Welch's test says the increase is real.
    Significant,
    /// The increase is within the noise of the replicates.
    NotSignificant,
    /// A single replicate on one side, or no interval for this metric: the threshold decides.
    ThresholdOnly,
}

/// One compared value.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The metric.
    pub metric: Metric,
    /// The function (`None` for the total cost).
    pub function: Option<String>,
    /// Baseline value.
    pub baseline: Estimate,
    /// Current value.
    pub current: Estimate,
    /// The limit, when `--max-increase` names this metric.
    pub threshold: Option<Threshold>,
    /// Whether the increase is beyond the threshold.
    pub beyond: bool,
    /// How significance was decided (only meaningful for an increase).
    pub significance: Significance,
    /// Beyond the threshold and significant (or threshold-only): this row fails the check.
    pub failed: bool,
}

impl Row {
    /// `current − baseline`.
    pub fn change(&self) -> f64 {
        self.current.mean - self.baseline.mean
    }

    /// The change relative to the baseline (`None` when the baseline is zero).
    pub fn change_ratio(&self) -> Option<f64> {
        (self.baseline.mean != 0.0).then(|| self.change() / self.baseline.mean.abs())
    }
}

/// The result of comparing two summaries.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// One row per metric (and function), in [`Metric::ALL`] order then function order.
    pub rows: Vec<Row>,
    /// Functions only in the baseline.
    pub only_in_baseline: Vec<String>,
    /// Functions only in the current summary.
    pub only_in_current: Vec<String>,
    /// Replicates of the baseline and current summaries.
    pub replicates: (u32, u32),
}

impl Comparison {
    /// Whether some row fails.
    pub fn failed(&self) -> bool {
        self.rows.iter().any(|r| r.failed)
    }
}

/// The monthly cost and its interval (the window's interval scaled to the month).
fn cost_estimate(s: &Summary) -> Option<Estimate> {
    let c = s.cost.as_ref()?;
    let scale = if c.window.total_usd != 0.0 {
        c.monthly.total_usd / c.window.total_usd
    } else {
        0.0
    };
    Some(Estimate {
        mean: c.monthly.total_usd,
        ci95: c.window.total_usd_ci95.map(|[l, h]| [l * scale, h * scale]),
        n: s.replicates,
    })
}

/// Compares `current` with `baseline` under `limits` (functions matched by name).
pub fn compare(
    baseline: &Summary,
    current: &Summary,
    limits: &[(Metric, Threshold)],
) -> Comparison {
    let limit = |m: Metric| limits.iter().find(|(x, _)| *x == m).map(|(_, t)| *t);
    let mut rows = Vec::new();
    let mut push = |metric: Metric, function: Option<String>, b: Estimate, c: Estimate| {
        let threshold = limit(metric);
        let beyond = threshold.is_some_and(|t| c.mean - b.mean > t.allowance(b.mean));
        let significance = match increase_significant(b, c) {
            Some(true) => Significance::Significant,
            Some(false) => Significance::NotSignificant,
            None => Significance::ThresholdOnly,
        };
        rows.push(Row {
            metric,
            function,
            baseline: b,
            current: c,
            threshold,
            beyond,
            significance,
            failed: beyond && significance != Significance::NotSignificant,
        });
    };
    for metric in Metric::ALL {
        if metric == Metric::Cost {
            if let (Some(b), Some(c)) = (cost_estimate(baseline), cost_estimate(current)) {
                push(metric, None, b, c);
            }
            continue;
        }
        for fc in &current.functions {
            let Some(fb) = baseline.functions.iter().find(|f| f.name == fc.name) else {
                continue;
            };
            let est = |f: &FunctionSummary, n: u32| {
                let (mean, ci95) = match metric {
                    Metric::P99 => (f.latency_ms.p99, f.latency_ms.p99_ci95),
                    Metric::P50 => (f.latency_ms.p50, None),
                    Metric::ColdStartRatio => (f.cold_start_ratio, f.cold_start_ratio_ci95),
                    Metric::ThrottleRatio => (f.throttle_ratio, None),
                    Metric::Cost => unreachable!("handled above"),
                };
                Estimate { mean, ci95, n }
            };
            push(
                metric,
                Some(fc.name.clone()),
                est(fb, baseline.replicates),
                est(fc, current.replicates),
            );
        }
    }
    let names = |s: &Summary| {
        s.functions
            .iter()
            .map(|f| f.name.clone())
            .collect::<Vec<_>>()
    };
    let (nb, nc) = (names(baseline), names(current));
    Comparison {
        rows,
        only_in_baseline: nb.iter().filter(|n| !nc.contains(n)).cloned().collect(),
        only_in_current: nc.iter().filter(|n| !nb.contains(n)).cloned().collect(),
        replicates: (baseline.replicates, current.replicates),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_on_hand_computed_intervals() {
        // n = 10 on both sides, t(0.975, 9) = 2.262157: half-width 2.262157 ⇒ se = 1.
        let t9 = 2.262_157_162_8;
        let e = |mean: f64| Estimate {
            mean,
            ci95: Some([mean - t9, mean + t9]),
            n: 10,
        };
        // se of the difference = √2 = 1.414, dof = 18, t(0.975, 18) = 2.100922:
        // the bound is 2.971; 3.0 is significant, 2.9 is not.
        assert_eq!(increase_significant(e(10.0), e(13.0)), Some(true));
        assert_eq!(increase_significant(e(10.0), e(12.9)), Some(false));
        assert_eq!(increase_significant(e(13.0), e(10.0)), Some(false));
        let single = Estimate {
            mean: 1.0,
            ci95: None,
            n: 1,
        };
        assert_eq!(increase_significant(single, e(13.0)), None);
    }
}

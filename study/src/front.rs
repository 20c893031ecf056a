//! Choosing among a sweep's points: the Pareto front of monthly cost against p99, the
//! recommendation (cheapest point meeting the objectives), the nearest miss, and
//! provisioned-concurrency break-even.

use std::collections::BTreeMap;

use lamsim_sim::slo::SloSpec;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::axis::{Axis, AxisKind, PointSpec};
use crate::sweep::Point;

/// Indices of the points on the Pareto front of (monthly cost, p99): those no other point
/// beats on one and matches or beats on the other. Ascending. Points with equal cost and p99
/// are all kept.
pub fn pareto_front(points: &[Point]) -> Vec<usize> {
    (0..points.len())
        .filter(|&i| {
            let (c, p) = (points[i].monthly_cost_usd, points[i].p99_ms);
            !points.iter().any(|o| {
                o.monthly_cost_usd <= c && o.p99_ms <= p && (o.monthly_cost_usd < c || o.p99_ms < p)
            })
        })
        .collect()
}

/// The recommended point, as written in `sweep.json`: its coordinates and index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Index into `points`.
    pub index: usize,
    /// The point's memory, MB.
    pub memory_mb: Option<u32>,
    /// The point's architecture.
    pub architecture: Option<String>,
    /// The point's provisioned concurrency.
    pub provisioned: Option<u32>,
    /// The point's `--set` values.
    #[serde(flatten)]
    pub set: BTreeMap<String, Json>,
}

/// The index of the cheapest point meeting every `[slo]` (every point meets it when there is
/// none); ties go to the lower p99, then the lower index. `None` when no point meets the SLO.
pub fn recommend(points: &[Point]) -> Option<usize> {
    cheapest(points.iter().enumerate().filter(|(_, p)| p.meets_slo))
}

fn cheapest<'a>(it: impl Iterator<Item = (usize, &'a Point)>) -> Option<usize> {
    it.min_by(|(i, a), (j, b)| {
        a.monthly_cost_usd
            .total_cmp(&b.monthly_cost_usd)
            .then(a.p99_ms.total_cmp(&b.p99_ms))
            .then(i.cmp(j))
    })
    .map(|(i, _)| i)
}

/// The nearest miss when no point meets the objectives: the point with the smallest
/// [`SloSpec::shortfall`] (summed over `objectives`), then the cheapest.
pub fn nearest_miss(points: &[Point], objectives: &[&SloSpec]) -> Option<usize> {
    let shortfall = |p: &Point| {
        let v = p.slo_values();
        objectives.iter().map(|o| o.shortfall(&v)).sum::<f64>()
    };
    points
        .iter()
        .enumerate()
        .min_by(|(i, a), (j, b)| {
            shortfall(a)
                .total_cmp(&shortfall(b))
                .then(a.monthly_cost_usd.total_cmp(&b.monthly_cost_usd))
                .then(i.cmp(j))
        })
        .map(|(i, _)| i)
}

/// Provisioned-concurrency break-even for one combination of the other axes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakEven {
    /// Index of the point without provisioned concurrency.
    pub baseline: usize,
    /// Index of the chosen point.
    pub index: usize,
    /// Its provisioned-concurrency count (never 0).
    pub provisioned: u32,
    /// `"cost-neutral"`: some counts cost no more than none; this one has the fewest cold
    /// starts among them (ties to the cheaper, then the smaller count). `"min-cost"`: every
    /// count costs more than none; this one costs least (ties to the fewer cold starts, then
    /// the smaller count).
    pub rule: String,
    /// Its monthly cost, USD.
    pub monthly_cost_usd: f64,
    /// Its cold-start ratio.
    pub cold_start_ratio: f64,
    /// Monthly cost without provisioned concurrency, USD.
    pub baseline_monthly_cost_usd: f64,
    /// Cold-start ratio without provisioned concurrency.
    pub baseline_cold_start_ratio: f64,
}

impl BreakEven {
    /// What the chosen count saves per month against none, USD: positive for a saving,
    /// zero for the same cost, negative for an extra cost.
    pub fn monthly_saving_usd(&self) -> f64 {
        self.baseline_monthly_cost_usd - self.monthly_cost_usd
    }
}

/// Break-even counts of the provisioned axis (when it is swept and includes 0 and another
/// count): for each combination of the other axes, see [`BreakEven::rule`].
pub fn break_even(axes: &[Axis], specs: &[PointSpec], points: &[Point]) -> Vec<BreakEven> {
    let Some(k) = axes.iter().position(|a| a.kind == AxisKind::Provisioned) else {
        return Vec::new();
    };
    let count = |s: &PointSpec| s.values[k].as_integer().unwrap_or(0) as u32;
    let others = |s: &PointSpec| {
        let mut v = s.values.clone();
        v.remove(k);
        v
    };
    let mut out = Vec::new();
    for base in specs.iter().filter(|s| count(s) == 0) {
        let key = others(base);
        let b = &points[base.index];
        let group: Vec<(u32, usize, &Point)> = specs
            .iter()
            .filter(|s| count(s) > 0 && others(s) == key)
            .map(|s| (count(s), s.index, &points[s.index]))
            .collect();
        let no_dearer = group
            .iter()
            .filter(|(_, _, p)| p.monthly_cost_usd <= b.monthly_cost_usd);
        let fewest_cold = |p: &Point| (p.cold_start_ratio, p.monthly_cost_usd);
        let cheapest = |p: &Point| (p.monthly_cost_usd, p.cold_start_ratio);
        let (chosen, rule) = match no_dearer.min_by(|x, y| by_key(&fewest_cold, x, y)) {
            Some(c) => (c, "cost-neutral"),
            None => match group.iter().min_by(|x, y| by_key(&cheapest, x, y)) {
                Some(c) => (c, "min-cost"),
                None => continue,
            },
        };
        let &(provisioned, index, p) = chosen;
        out.push(BreakEven {
            baseline: base.index,
            index,
            provisioned,
            rule: rule.into(),
            monthly_cost_usd: p.monthly_cost_usd,
            cold_start_ratio: p.cold_start_ratio,
            baseline_monthly_cost_usd: b.monthly_cost_usd,
            baseline_cold_start_ratio: b.cold_start_ratio,
        });
    }
    out
}

/// Orders `(count, index, point)` rows by `key` of the point (two values, compared in order),
/// then by the smaller count.
fn by_key(
    key: &dyn Fn(&Point) -> (f64, f64),
    x: &(u32, usize, &Point),
    y: &(u32, usize, &Point),
) -> std::cmp::Ordering {
    let ((a1, a2), (b1, b2)) = (key(x.2), key(y.2));
    a1.total_cmp(&b1)
        .then(a2.total_cmp(&b2))
        .then(x.0.cmp(&y.0))
}

/// Provisioned-concurrency counts for `--provisioned auto`, given `peak`, the largest number
/// of environments in a run without provisioned concurrency (≥ the p99.9 of busy
/// environments), and `cap` (the smallest reserved concurrency, which provisioned concurrency
/// may not exceed): every count `0..=peak` when `peak <= 10`, otherwise 0 and ten evenly
/// spaced counts up to `peak` (rounded, without duplicates).
pub fn auto_provisioned_counts(peak: u32, cap: Option<u32>) -> Vec<u32> {
    let top = cap.map_or(peak, |c| peak.min(c)).max(1);
    let mut counts: Vec<u32> = if top <= 10 {
        (0..=top).collect()
    } else {
        (0..=10)
            .map(|i| ((top as f64) * i as f64 / 10.0).round() as u32)
            .collect()
    };
    counts.dedup();
    counts
}

/// Two points of a sweep that differ only in `compute` (`--set function.compute=on-demand,
/// managed-instances`): the same traffic on on-demand Lambda and on Lambda Managed Instances.
#[derive(Clone, Debug, PartialEq)]
pub struct ComputeComparison {
    /// Index of the on-demand point.
    pub on_demand: usize,
    /// Index of the managed-instances point.
    pub managed: usize,
}

impl ComputeComparison {
    /// The index of the cheaper point (ties to the lower p99, then to on-demand), and how much
    /// it saves per month against the other, USD and as a fraction of the dearer one.
    pub fn winner(&self, points: &[Point]) -> (usize, f64, f64) {
        let (a, b) = (&points[self.on_demand], &points[self.managed]);
        let managed_wins = (b.monthly_cost_usd, b.p99_ms) < (a.monthly_cost_usd, a.p99_ms);
        let (win, lose) = if managed_wins { (b, a) } else { (a, b) };
        let saving = lose.monthly_cost_usd - win.monthly_cost_usd;
        let fraction = if lose.monthly_cost_usd > 0.0 {
            saving / lose.monthly_cost_usd
        } else {
            0.0
        };
        let index = if managed_wins {
            self.managed
        } else {
            self.on_demand
        };
        (index, saving, fraction)
    }
}

/// Every on-demand/managed-instances pair among `points`: points whose `--set` values are
/// equal except a `compute` key (its TOML path ends in `compute`) that is `"on-demand"` in one
/// and `"managed-instances"` in the other, with the same memory, architecture and provisioned
/// count. In point order.
pub fn compute_comparisons(points: &[Point]) -> Vec<ComputeComparison> {
    let compute_key = |p: &Point| {
        p.set
            .iter()
            .find(|(k, _)| k.as_str() == "compute" || k.ends_with(".compute"))
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
    };
    let rest = |p: &Point, key: &str| {
        let mut set = p.set.clone();
        set.remove(key);
        (p.memory_mb, p.architecture.clone(), p.provisioned, set)
    };
    let mut out = Vec::new();
    for (i, a) in points.iter().enumerate() {
        let Some((key, value)) = compute_key(a) else {
            continue;
        };
        if value != "on-demand" {
            continue;
        }
        for (j, b) in points.iter().enumerate() {
            if compute_key(b) == Some((key.clone(), "managed-instances".to_string()))
                && rest(a, &key) == rest(b, &key)
            {
                out.push(ComputeComparison {
                    on_demand: i,
                    managed: j,
                });
            }
        }
    }
    out
}

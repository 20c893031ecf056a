//! Replicate statistics: the one home of every interval, warning and stopping rule that
//! `run`, `sweep`, `check` and the reports print (method and sources in
//! `docs/methodology.md`, section "Statistics over replicates").
//!
//! - **Means** (cost, average environments, ratios): Student-t 95 % interval over the
//!   replicates' values, intersected with the range the quantity can take ([`Range`]). The
//!   true value lies in that range, so cutting the interval there never lowers its coverage; it
//!   only removes impossible values such as a negative cold-start ratio.
//! - **Percentiles**: the point estimate pools the replicates' histograms (a replicate without
//!   samples adds none); the interval is that pooled value ± `t · s / √k`, `s` the standard
//!   deviation of the `k` replicates' own percentiles (replicates without samples left out),
//!   cut at zero.
//! - **Too few replicates**: below [`FEW_REPLICATES`] an interval is printed with a warning
//!   (with 2 replicates `t(0.975, 1) = 12.7`: the interval says little).
//! - **Warm-up**: MSER-5 ([`mser5`]) on the replicate-averaged environment count.
//!
//! ```
//! use lamsim_sim::stats::{mean_ci95, Range};
//! // Two replicates of a rare event: the t interval would go below zero; the range cuts it.
//! let [lo, hi] = mean_ci95(&[0.0, 0.00074], Range::Unit).unwrap();
//! assert_eq!(lo, 0.0);
//! assert!(hi > 0.0037);
//! ```

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Below this many replicates an interval is printed with a warning: the t quantile is large
/// (2.78 at 5 replicates, 12.7 at 2) and the standard deviation itself is poorly known.
pub const FEW_REPLICATES: u32 = 5;

/// The values a quantity can take; intervals are cut to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// `[0, ∞)`: latencies, environment counts, costs.
    NonNegative,
    /// `[0, 1]`: ratios (cold-start, throttle).
    Unit,
    /// Any real number: logarithms of ratios.
    Real,
}

impl Range {
    /// `x` moved into the range.
    pub fn clamp(self, x: f64) -> f64 {
        match self {
            Range::NonNegative => x.max(0.0),
            Range::Unit => x.clamp(0.0, 1.0),
            Range::Real => x,
        }
    }
}

/// The 97.5 % quantile of Student's t with `dof` degrees of freedom (NaN for `dof ≤ 0`).
pub fn t975(dof: f64) -> f64 {
    StudentsT::new(0.0, 1.0, dof)
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// Mean and sample standard deviation of `xs` (the deviation is 0 for one value).
fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Half-width of the Student-t 95 % interval of the mean of `xs` (n ≥ 2), unbounded.
fn half_width(xs: &[f64]) -> f64 {
    let (_, sd) = mean_sd(xs);
    t975(xs.len() as f64 - 1.0) * sd / (xs.len() as f64).sqrt()
}

/// Student-t 95 % interval of the mean of `xs`, cut to `range`; `None` with fewer than two
/// values.
pub fn mean_ci95(xs: &[f64], range: Range) -> Option<[f64; 2]> {
    if xs.len() < 2 {
        return None;
    }
    let (mean, _) = mean_sd(xs);
    let h = half_width(xs);
    Some([range.clamp(mean - h), range.clamp(mean + h)])
}

/// 95 % interval of a percentile whose point estimate `pooled` comes from the pooled
/// histograms: `pooled ± t · s / √k` over the `k` replicates that had samples (`None` entries
/// are replicates without any), cut at zero; `None` when fewer than two replicates had samples.
pub fn percentile_ci95(pooled: f64, per_replicate: &[Option<f64>]) -> Option<[f64; 2]> {
    let xs: Vec<f64> = per_replicate.iter().flatten().copied().collect();
    if xs.len() < 2 {
        return None;
    }
    let h = half_width(&xs);
    let r = Range::NonNegative;
    Some([r.clamp(pooled - h), r.clamp(pooled + h)])
}

/// The standard error behind a 95 % interval `ci` of `mean` over `n` replicates, as written by
/// [`mean_ci95`] or [`percentile_ci95`]: the larger distance from the value to an end, over
/// `t(0.975, n − 1)`. Cutting an interval at the edge of its range shortens one side only, so
/// the other still holds the full half-width (when both were cut, this is a lower bound).
/// `None` for fewer than two replicates.
pub fn std_error_from_ci95(mean: f64, ci: [f64; 2], n: u32) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let h = (mean - ci[0]).max(ci[1] - mean).max(0.0);
    Some(h / t975(n as f64 - 1.0))
}

/// Half the width of `ci` relative to `mean` (0 when the interval is a point, infinite when
/// the mean is 0 and the interval is not).
pub fn relative_half_width(mean: f64, ci: [f64; 2]) -> f64 {
    let h = (ci[1] - ci[0]) / 2.0;
    if h == 0.0 {
        0.0
    } else if mean == 0.0 {
        f64::INFINITY
    } else {
        h / mean.abs()
    }
}

/// Observations per batch in MSER-5.
pub const MSER_BATCH: usize = 5;

/// The result of [`mser5`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truncation {
    /// Observations to drop from the start (a multiple of [`MSER_BATCH`]).
    pub observations: usize,
    /// False when the minimum is at the end of the search (half the series): the statistic
    /// is still falling, the series has no steady state MSER can find (a trend, a daily cycle,
    /// or too short a run), and the truncation point means nothing.
    pub conclusive: bool,
}

/// MSER-5 (White, Cobb and Spratt 2000; Franklin and White 2008): the series is cut into
/// batch means of five observations `Z_1..Z_m`, and the truncation `d` (in batches) minimises
/// `Σ_{j>d} (Z_j − Z̄_d)² / (m − d)²` over `d < m / 2`; `None` for fewer than two batches.
/// Ties go to the smaller `d`.
///
/// ```
/// use lamsim_sim::stats::mser5;
/// // A ramp over the first 50 observations, then a flat series with a little noise.
/// let xs: Vec<f64> = (0..500)
///     .map(|i| if i < 50 { i as f64 / 50.0 } else { 1.0 + 0.01 * ((i * 7919 % 13) as f64 - 6.0) })
///     .collect();
/// let t = mser5(&xs).unwrap();
/// assert!(t.conclusive);
/// assert!((40..=60).contains(&t.observations));
/// ```
pub fn mser5(xs: &[f64]) -> Option<Truncation> {
    let m = xs.len() / MSER_BATCH;
    if m < 2 {
        return None;
    }
    let z: Vec<f64> = xs
        .chunks_exact(MSER_BATCH)
        .map(|c| c.iter().sum::<f64>() / MSER_BATCH as f64)
        .collect();
    // Suffix sums give every d in O(m).
    let (mut s1, mut s2) = (vec![0.0; m + 1], vec![0.0; m + 1]);
    for j in (0..m).rev() {
        s1[j] = s1[j + 1] + z[j];
        s2[j] = s2[j + 1] + z[j] * z[j];
    }
    let stat = |d: usize| {
        let n = (m - d) as f64;
        let ss = (s2[d] - s1[d] * s1[d] / n).max(0.0);
        ss / (n * n)
    };
    let last = m.div_ceil(2).max(1) - 1;
    let mut best = 0;
    for d in 1..=last {
        if stat(d) < stat(best) {
            best = d;
        }
    }
    Some(Truncation {
        observations: best * MSER_BATCH,
        // Still falling at the edge of the search: a trend, not a transient.
        conclusive: best < last || last == 0,
    })
}

/// A statistical warning about a run, printed on stderr by the commands.
#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    /// Fewer than [`FEW_REPLICATES`] replicates: the intervals are wide and uncertain.
    FewReplicates {
        /// Replicates run.
        replicates: u32,
    },
    /// MSER-5 finds the transient of this function's environment count lasting beyond the
    /// configured warm-up.
    WarmupTooShort {
        /// The function.
        function: String,
        /// `[simulation] warmup`, seconds.
        configured_s: f64,
        /// Where MSER-5 puts the end of the transient, seconds.
        detected_s: f64,
    },
    /// `--precision` was not reached within `--max-replicates`.
    PrecisionNotReached {
        /// The requested relative half-width.
        target: f64,
        /// The widest relative half-width at the end.
        reached: f64,
        /// The metric with that width.
        metric: String,
        /// Replicates run.
        replicates: u32,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::FewReplicates { replicates } => write!(
                f,
                "{replicates} replicates: the 95 % intervals are rough (use at least {FEW_REPLICATES}, or --precision)"
            ),
            Warning::WarmupTooShort {
                function,
                configured_s,
                detected_s,
            } => write!(
                f,
                "{function}: the environment count settles after about {detected_s:.0} s (MSER-5) but the warm-up is {configured_s:.0} s: raise [simulation] warmup"
            ),
            Warning::PrecisionNotReached {
                target,
                reached,
                metric,
                replicates,
            } => write!(
                f,
                "--precision {:.3}% not reached after {replicates} replicates: {metric} is ±{:.3}% (raise --max-replicates)",
                target * 100.0,
                reached * 100.0
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_interval() {
        // mean 2, s = 1, n = 3: t(0.975, 2) = 4.302653, h = 4.302653 / √3 = 2.484138.
        let [lo, hi] = mean_ci95(&[1.0, 2.0, 3.0], Range::NonNegative).unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - 4.484_138).abs() < 1e-6, "{hi}");
        let [lo, hi] = mean_ci95(&[11.0, 12.0, 13.0], Range::NonNegative).unwrap();
        assert!((lo - 9.515_862).abs() < 1e-6 && (hi - 14.484_138).abs() < 1e-6);
        let [_, hi] = mean_ci95(&[0.9, 1.0, 1.0], Range::Unit).unwrap();
        assert_eq!(hi, 1.0);
        assert_eq!(mean_ci95(&[1.0], Range::Unit), None);
    }

    #[test]
    fn percentile_interval_skips_replicates_without_samples() {
        let ci = percentile_ci95(320.0, &[Some(320.0), None, Some(320.0), Some(320.0)]);
        assert_eq!(ci, Some([320.0, 320.0]));
        assert_eq!(percentile_ci95(320.0, &[Some(320.0), None]), None);
    }

    #[test]
    fn mser_keeps_a_stationary_series_whole_and_is_inconclusive_on_a_trend() {
        // Stationary noise (xorshift).
        let mut x = 88_172_645_463_325_252u64;
        let flat: Vec<f64> = (0..200)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 1000) as f64
            })
            .collect();
        let t = mser5(&flat).unwrap();
        assert!(t.conclusive);
        assert!(t.observations < 100, "{t:?}");
        let trend: Vec<f64> = (0..200).map(|i| i as f64).collect();
        assert!(!mser5(&trend).unwrap().conclusive);
        assert_eq!(mser5(&[1.0; 9]), None);
    }
}

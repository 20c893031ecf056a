//! Sampling durations from a [`DurationModel`], scaled to a memory size and architecture.

use rand::Rng;
use rand_distr::{Distribution, Exp1, Gamma, StandardNormal, Weibull};
use std::sync::Arc;

use crate::model::{Architecture, Dist, DurationModel};
use crate::time::SimTime;

/// The longest sample, after scaling: a quarter of the `u64` nanosecond range (146 years).
/// Durations in workload files are at most half the range, so `now + sample` never overflows;
/// validation rejects distributions whose `1 − 10⁻⁶` quantile exceeds this cap
/// ([`crate::config::policy::distributions::max_tail_ms`]).
pub const SAMPLE_CAP: SimTime = SimTime(u64::MAX / 4);

/// A ready-to-sample duration distribution (parameters pre-computed, scale folded in).
#[derive(Clone, Debug)]
pub struct Sampler {
    kind: Kind,
    /// Multiplier applied to every sample (memory / CPU / architecture scaling, ms → ns).
    factor_ns: f64,
}

#[derive(Clone, Debug)]
enum Kind {
    Const(f64),
    Exp(f64),
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Gamma(Gamma<f64>),
    Weibull(Weibull<f64>),
    Empirical(Arc<Vec<f64>>),
    /// The points themselves, one pointer away (a population's thousands of functions each
    /// sample their own table: the model's `Arc<Vec>` would be two dependent loads, each
    /// likely a cache miss).
    Percentiles(Box<[(f64, f64)]>),
}

impl Sampler {
    /// A sampler for `model` at `memory_mb` on `arch` (with the function's arm64 speed-up).
    pub fn new(
        model: &DurationModel,
        memory_mb: u32,
        arch: Architecture,
        arm64_speedup: f64,
    ) -> Self {
        let factor = model.scale_factor(memory_mb, arch, arm64_speedup);
        Self::from_dist(&model.dist, factor)
    }

    /// A sampler for `model` with its scale factor given (e.g.
    /// [`DurationModel::scale_factor_at_vcpus`]).
    pub fn with_factor(model: &DurationModel, factor: f64) -> Self {
        Self::from_dist(&model.dist, factor)
    }

    /// A sampler of `dist` (ms) multiplied by `factor`.
    pub fn from_dist(dist: &Dist, factor: f64) -> Self {
        let kind = match dist {
            Dist::Const { value_ms } => Kind::Const(*value_ms),
            Dist::Exp { mean_ms } => Kind::Exp(*mean_ms),
            Dist::LogNormal { mu, sigma } => Kind::LogNormal {
                mu: *mu,
                sigma: *sigma,
            },
            Dist::Gamma { shape, scale_ms } => {
                Kind::Gamma(Gamma::new(*shape, *scale_ms).expect("validated gamma parameters"))
            }
            Dist::Weibull { shape, scale_ms } => Kind::Weibull(
                Weibull::new(*scale_ms, *shape).expect("validated weibull parameters"),
            ),
            Dist::Empirical { samples_ms, .. } => Kind::Empirical(samples_ms.clone()),
            Dist::Percentiles { points } => Kind::Percentiles(points.as_slice().into()),
        };
        Sampler {
            kind,
            factor_ns: factor * 1e6,
        }
    }

    /// One sample, in nanoseconds, at most [`SAMPLE_CAP`].
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        self.sample_uncapped(rng).min(SAMPLE_CAP)
    }

    /// One sample without [`SAMPLE_CAP`], for a caller that cuts it shorter itself (an
    /// execution is cut at the function's timeout, at most 15 minutes), so the hot path pays
    /// for one bound, not two. Conversion to integer nanoseconds saturates, never wraps.
    #[inline]
    pub(crate) fn sample_uncapped<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        let ms = match &self.kind {
            Kind::Const(v) => *v,
            Kind::Exp(m) => {
                let e: f64 = Exp1.sample(rng);
                e * m
            }
            Kind::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Kind::Gamma(g) => g.sample(rng),
            Kind::Weibull(w) => w.sample(rng),
            Kind::Empirical(v) => v[rng.random_range(0..v.len())],
            Kind::Percentiles(points) => percentile_at(points, rng.random::<f64>()),
        };
        SimTime::from_nanos_f64(ms * self.factor_ns)
    }

    /// The mean of the scaled distribution, in nanoseconds (for analytic checks).
    pub fn mean_ns(&self, dist: &Dist) -> f64 {
        dist.mean_ms() * self.factor_ns
    }
}

/// Most points of a table that [`linear_quantile`] counts rather than searches.
const SHORT_TABLE: usize = 16;

/// The quantile `u` (in `[0, 1)`) of a [`Dist::Percentiles`]: linear between the two points
/// around it.
pub fn percentile_at(points: &[(f64, f64)], u: f64) -> f64 {
    linear_quantile(points, u, |&p| p)
}

/// The quantile `u` (in `[0, 1)`) of a distribution given by points whose
/// `(probability, value)` is `at(point)`, probabilities non-decreasing: linear between the two
/// points around `u`. The one rule behind [`Dist::Percentiles`] and a `curve` keep-alive.
pub fn linear_quantile<T>(points: &[T], u: f64, at: impl Fn(&T) -> (f64, f64)) -> f64 {
    // The points at or below `u` are a prefix (the probabilities do not decrease). A short
    // table (`azure2019`'s seven) is counted in one pass of independent comparisons; a binary
    // search there is a chain of dependent loads and comparisons, sampled at every invocation.
    let at_or_below = if points.len() <= SHORT_TABLE {
        points.iter().filter(|x| at(x).0 <= u).count()
    } else {
        points.partition_point(|x| at(x).0 <= u)
    };
    let i = at_or_below.clamp(1, points.len() - 1);
    let (p0, v0) = at(&points[i - 1]);
    let (p1, v1) = at(&points[i]);
    if p1 > p0 {
        v0 + (v1 - v0) * ((u - p0) / (p1 - p0)).clamp(0.0, 1.0)
    } else {
        v1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Component, stream};

    fn mean_of(s: &Sampler, n: usize) -> f64 {
        let mut rng = stream(3, "t", Component::Duration);
        (0..n)
            .map(|_| s.sample(&mut rng).as_millis_f64())
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn a_quantile_is_the_line_between_the_points_around_it() {
        // Values worked out by hand: linear between the last point at or below u and the next
        // one, the last of tied points counting, the ends kept inside the table.
        let few = vec![(0.0, 1.0), (0.5, 2.0), (0.5, 3.0), (0.9, 7.0), (1.0, 9.0)];
        for (u, want) in [
            (0.0, 1.0),
            (0.25, 1.5),
            (0.5, 3.0),
            (0.7, 5.0),
            (0.9, 7.0),
            (0.95, 8.0),
            (1.0, 9.0),
        ] {
            let got = percentile_at(&few, u);
            assert!((got - want).abs() < 1e-12, "u = {u}: {got}, want {want}");
        }
        // 41 points (k/40, k²): k² at each point, and halfway to the next one k² + k + 1/2.
        let many: Vec<(f64, f64)> = (0..=40)
            .map(|k| (k as f64 / 40.0, (k * k) as f64))
            .collect();
        for k in 0..=40u32 {
            let at = percentile_at(&many, k as f64 / 40.0);
            assert_eq!(at, (k * k) as f64, "k = {k}");
            if k < 40 {
                let half = percentile_at(&many, (k as f64 + 0.5) / 40.0);
                let want = (k * k + k) as f64 + 0.5;
                assert!((half - want).abs() < 1e-9, "k = {k}: {half}, want {want}");
            }
        }
    }

    #[test]
    fn sample_means_match_the_distributions() {
        let n = 200_000;
        let cases = [
            Dist::Const { value_ms: 5.0 },
            Dist::Exp { mean_ms: 100.0 },
            Dist::LogNormal {
                mu: 100f64.ln(),
                sigma: 0.5,
            },
            Dist::Gamma {
                shape: 2.0,
                scale_ms: 50.0,
            },
            Dist::Weibull {
                shape: 1.5,
                scale_ms: 80.0,
            },
        ];
        for d in cases {
            let s = Sampler::from_dist(&d, 1.0);
            let m = mean_of(&s, n);
            let expect = d.mean_ms();
            // Generous bound: 5 standard errors of a cv <= 1.5 distribution.
            assert!(
                (m - expect).abs() < 5.0 * 1.5 * expect / (n as f64).sqrt(),
                "{d:?}: {m} vs {expect}"
            );
        }
    }

    #[test]
    fn memory_scaling_follows_cpu_share() {
        let model = DurationModel {
            dist: Dist::Const { value_ms: 100.0 },
            reference_memory_mb: 1769,
            cpu_fraction: 1.0,
            threads: 1,
        };
        let mut rng = stream(1, "t", Component::Duration);
        let at = |mem, arch, sp| {
            Sampler::new(&model, mem, arch, sp)
                .sample(&mut rng.clone())
                .as_millis_f64()
        };
        assert!((at(1769, Architecture::X86_64, 1.0) - 100.0).abs() < 1e-6);
        // Half the memory, half the CPU: twice as long.
        assert!((at(884, Architecture::X86_64, 1.0) - 100.0 * 1769.0 / 884.0).abs() < 1e-3);
        // Above one vCPU a single thread gains nothing.
        assert!((at(3538, Architecture::X86_64, 1.0) - 100.0).abs() < 1e-6);
        // arm64 speed-up applies to the CPU part.
        assert!((at(1769, Architecture::Arm64, 1.25) - 80.0).abs() < 1e-6);
        let half_cpu = DurationModel {
            cpu_fraction: 0.5,
            ..model.clone()
        };
        let s = Sampler::new(&half_cpu, 884, Architecture::X86_64, 1.0).sample(&mut rng);
        assert!((s.as_millis_f64() - (50.0 + 50.0 * 1769.0 / 884.0)).abs() < 1e-3);
    }
}

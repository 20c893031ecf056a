//! Maximum-likelihood fits of duration samples (ms) to the workload's parametric families —
//! lognormal, gamma and Weibull — with standard errors, log-likelihood, AIC and a
//! Kolmogorov–Smirnov test, and the rule that picks one of them (or the empirical sample).
//!
//! - **lognormal**: closed form, `mu = mean(ln x)`, `sigma² = mean((ln x − mu)²)` (the MLE
//!   divides by n).
//! - **gamma** (shape k, scale θ): `ln k − ψ(k) = ln(mean x) − mean(ln x)` solved by Newton's
//!   method from Minka's starting point; `θ = mean x / k`.
//! - **Weibull** (shape k, scale λ): the profile equation
//!   `Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x) = 0` solved by safeguarded Newton; `λ = mean(xᵏ)^(1/k)`.
//!
//! Standard errors are the square roots of the diagonal of the inverse *expected* Fisher
//! information divided by n (closed forms in each fit's code). AIC = 2·2 − 2·ln L (every
//! family has two parameters). The KS p-value uses the asymptotic Kolmogorov distribution with
//! Stephens' small-sample correction; because the parameters are estimated from the same
//! sample it is conservative (too large), which [`select`] accepts knowingly.
//!
//! **Selection rule** ([`select`]): the fit with the lowest AIC among those whose KS test is
//! not rejected at [`KS_ALPHA`] (p ≥ 5 %); when every fit is rejected (or none could be
//! computed), the empirical sample.

use std::fmt;

use lamsim_sim::model::Dist;
use statrs::distribution::{ContinuousCDF, Gamma, LogNormal, Weibull};
use statrs::function::gamma::{digamma, ln_gamma};

/// Significance level of the KS test in [`select`]: a fit with p below it is rejected.
pub const KS_ALPHA: f64 = 0.05;

/// Fewest samples a parametric fit is attempted on (below it the standard errors and the KS
/// test mean little).
pub const MIN_FIT_SAMPLES: usize = 20;

/// Euler–Mascheroni constant γ.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// A parametric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `dist = "lognormal"`.
    LogNormal,
    /// `dist = "gamma"`.
    Gamma,
    /// `dist = "weibull"`.
    Weibull,
}

impl Family {
    /// Every family, in the order they are fitted and reported.
    pub const ALL: [Family; 3] = [Family::LogNormal, Family::Gamma, Family::Weibull];

    /// The workload's `dist` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::LogNormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Weibull => "weibull",
        }
    }

    /// Fits this family to `x` (ms) by maximum likelihood.
    pub fn fit(self, x: &[f64]) -> Result<Fit, FitError> {
        match self {
            Family::LogNormal => fit_lognormal(x),
            Family::Gamma => fit_gamma(x),
            Family::Weibull => fit_weibull(x),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One estimated parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    /// Name: `mu`, `sigma` (of ln ms), `shape`, `scale` (ms).
    pub name: &'static str,
    /// Maximum-likelihood estimate.
    pub value: f64,
    /// Asymptotic standard error (inverse expected Fisher information).
    pub se: f64,
}

/// Result of a Kolmogorov–Smirnov test of a sample against a fitted distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KsTest {
    /// `D = sup |F_n(x) − F(x)|`.
    pub statistic: f64,
    /// Asymptotic p-value (conservative when the parameters were fitted to the sample).
    pub p_value: f64,
}

impl KsTest {
    /// Whether the test rejects the fit at [`KS_ALPHA`].
    pub fn rejected(&self) -> bool {
        self.p_value < KS_ALPHA
    }
}

/// A fitted family.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// The family.
    pub family: Family,
    /// Its two parameters: lognormal `mu`, `sigma`; gamma and Weibull `shape`, `scale` (ms).
    pub params: [Param; 2],
    /// Maximised log-likelihood (densities in 1/ms).
    pub log_likelihood: f64,
    /// Akaike information criterion, `2·2 − 2·ln L`.
    pub aic: f64,
    /// KS test of the sample against the fit.
    pub ks: KsTest,
    /// Sample size.
    pub n: usize,
}

impl Fit {
    /// The fitted distribution in the simulator's terms.
    pub fn dist(&self) -> Dist {
        let (a, b) = (self.params[0].value, self.params[1].value);
        match self.family {
            Family::LogNormal => Dist::LogNormal { mu: a, sigma: b },
            Family::Gamma => Dist::Gamma {
                shape: a,
                scale_ms: b,
            },
            Family::Weibull => Dist::Weibull {
                shape: a,
                scale_ms: b,
            },
        }
    }

    /// Mean of the fitted distribution, ms.
    pub fn mean_ms(&self) -> f64 {
        self.dist().mean_ms()
    }
}

/// Why a family could not be fitted.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Fewer than [`MIN_FIT_SAMPLES`] samples.
    #[error("{n} samples: at least {needed} are needed to fit a distribution")]
    TooFew {
        /// Samples given.
        n: usize,
        /// Samples needed.
        needed: usize,
    },
    /// A sample is zero, negative or not finite (the families live on x > 0).
    #[error("{count} samples are zero, negative or not finite (the families need x > 0)")]
    NotPositive {
        /// How many.
        count: usize,
    },
    /// All samples are equal: no spread to fit.
    #[error("all samples are equal ({value} ms): use dist = \"const\"")]
    NoSpread {
        /// The value.
        value: f64,
    },
    /// The likelihood equation did not converge.
    #[error("the {family} likelihood equation did not converge")]
    NoConvergence {
        /// Which family.
        family: Family,
    },
}

/// Checks the sample and returns its size and the mean of ln x.
fn check(x: &[f64]) -> Result<(f64, f64), FitError> {
    if x.len() < MIN_FIT_SAMPLES {
        return Err(FitError::TooFew {
            n: x.len(),
            needed: MIN_FIT_SAMPLES,
        });
    }
    let bad = x.iter().filter(|v| !(v.is_finite() && **v > 0.0)).count();
    if bad > 0 {
        return Err(FitError::NotPositive { count: bad });
    }
    if x.iter().all(|v| *v == x[0]) {
        return Err(FitError::NoSpread { value: x[0] });
    }
    let n = x.len() as f64;
    Ok((n, x.iter().map(|v| v.ln()).sum::<f64>() / n))
}

fn finish(
    family: Family,
    params: [Param; 2],
    log_likelihood: f64,
    x: &[f64],
    cdf: impl Fn(f64) -> f64,
) -> Fit {
    Fit {
        family,
        params,
        log_likelihood,
        aic: 2.0 * 2.0 - 2.0 * log_likelihood,
        ks: ks_test(x, cdf),
        n: x.len(),
    }
}

/// Lognormal MLE (closed form). SEs: `sigma/√n` for mu, `sigma/√(2n)` for sigma.
pub fn fit_lognormal(x: &[f64]) -> Result<Fit, FitError> {
    let (n, mean_ln) = check(x)?;
    let var = x.iter().map(|v| (v.ln() - mean_ln).powi(2)).sum::<f64>() / n;
    let sigma = var.sqrt();
    // ln L = Σ [−ln x − ln σ − ½ ln 2π − (ln x − μ)²/(2σ²)]; the last term sums to n/2.
    let ll = -n * mean_ln - n * sigma.ln() - 0.5 * n * (2.0 * std::f64::consts::PI).ln() - n / 2.0;
    let d = LogNormal::new(mean_ln, sigma).map_err(|_| FitError::NoConvergence {
        family: Family::LogNormal,
    })?;
    Ok(finish(
        Family::LogNormal,
        [
            Param {
                name: "mu",
                value: mean_ln,
                se: sigma / n.sqrt(),
            },
            Param {
                name: "sigma",
                value: sigma,
                se: sigma / (2.0 * n).sqrt(),
            },
        ],
        ll,
        x,
        |v| d.cdf(v),
    ))
}

/// Gamma MLE (shape k, scale θ). With `s = ln(mean) − mean(ln x)`, k solves
/// `ln k − ψ(k) = s` (Newton from Minka's approximation); θ = mean / k. Expected information
/// per observation `[[ψ'(k), 1/θ], [1/θ, k/θ²]]`, so `Var k = k / (n (k ψ'(k) − 1))` and
/// `Var θ = ψ'(k) θ² / (n (k ψ'(k) − 1))`.
pub fn fit_gamma(x: &[f64]) -> Result<Fit, FitError> {
    let (n, mean_ln) = check(x)?;
    let mean = x.iter().sum::<f64>() / n;
    let s = mean.ln() - mean_ln;
    let no = FitError::NoConvergence {
        family: Family::Gamma,
    };
    if !(s > 0.0 && s.is_finite()) {
        return Err(no);
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    let mut converged = false;
    for _ in 0..100 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let mut next = k - f / df;
        if next.is_nan() || next <= 0.0 {
            next = k / 2.0;
        }
        let done = ((next - k) / k).abs() < 1e-12;
        k = next;
        if done {
            converged = true;
            break;
        }
    }
    if !converged || !k.is_finite() {
        return Err(no);
    }
    let theta = mean / k;
    let t1 = trigamma(k);
    let det = k * t1 - 1.0;
    let ll = (k - 1.0) * n * mean_ln - n * mean / theta - n * k * theta.ln() - n * ln_gamma(k);
    let d = Gamma::new(k, 1.0 / theta).map_err(|_| no.clone())?;
    Ok(finish(
        Family::Gamma,
        [
            Param {
                name: "shape",
                value: k,
                se: (k / (n * det)).sqrt(),
            },
            Param {
                name: "scale",
                value: theta,
                se: (t1 * theta * theta / (n * det)).sqrt(),
            },
        ],
        ll,
        x,
        |v| d.cdf(v),
    ))
}

/// Weibull MLE (shape k, scale λ) by safeguarded Newton on the profile equation (samples are
/// divided by their maximum first, which leaves k unchanged and keeps `xᵏ` from overflowing).
/// Expected information gives `Var k = 6 k² / (π² n)` and
/// `Var λ = λ² ((1 − γ)² + π²/6) / (k² n π²/6)`.
pub fn fit_weibull(x: &[f64]) -> Result<Fit, FitError> {
    let (n, mean_ln) = check(x)?;
    let no = FitError::NoConvergence {
        family: Family::Weibull,
    };
    let max = x.iter().copied().fold(f64::MIN, f64::max);
    let ly: Vec<f64> = x.iter().map(|v| (v / max).ln()).collect();
    let mean_ly = mean_ln - max.ln();
    // g(k) = Σ yᵏ ln y / Σ yᵏ − 1/k − mean(ln y), increasing in k.
    let g = |k: f64| {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for &l in &ly {
            let w = (k * l).exp();
            s0 += w;
            s1 += w * l;
            s2 += w * l * l;
        }
        let a = s1 / s0;
        (a - 1.0 / k - mean_ly, s2 / s0 - a * a + 1.0 / (k * k))
    };
    // Start from the moment relation sd(ln x) = π / (√6 k).
    let sd_ln = (ly.iter().map(|l| (l - mean_ly).powi(2)).sum::<f64>() / n).sqrt();
    let mut k = std::f64::consts::PI / (6f64.sqrt() * sd_ln);
    let (mut lo, mut hi) = (0.0f64, f64::INFINITY);
    let mut converged = false;
    for _ in 0..200 {
        let (gv, dg) = g(k);
        if gv > 0.0 {
            hi = hi.min(k);
        } else {
            lo = lo.max(k);
        }
        let mut next = k - gv / dg;
        if !(next > lo && next < hi && next.is_finite()) {
            next = if hi.is_finite() {
                (lo + hi) / 2.0
            } else {
                k * 2.0
            };
        }
        let done = ((next - k) / k).abs() < 1e-12;
        k = next;
        if done {
            converged = true;
            break;
        }
    }
    if !(converged && k > 0.0 && k.is_finite()) {
        return Err(no);
    }
    let mean_yk = ly.iter().map(|l| (k * l).exp()).sum::<f64>() / n;
    let lambda = max * mean_yk.powf(1.0 / k);
    // ln L = n ln k − n k ln λ + (k − 1) Σ ln x − Σ (x/λ)ᵏ, and Σ (x/λ)ᵏ = n at the MLE.
    let ll = n * k.ln() - n * k * lambda.ln() + (k - 1.0) * n * mean_ln - n;
    let pi2_6 = std::f64::consts::PI.powi(2) / 6.0;
    let se_k = (k * k / (n * pi2_6)).sqrt();
    let se_l =
        (lambda * lambda * ((1.0 - EULER_GAMMA).powi(2) + pi2_6) / (k * k * n * pi2_6)).sqrt();
    let d = Weibull::new(k, lambda).map_err(|_| no.clone())?;
    Ok(finish(
        Family::Weibull,
        [
            Param {
                name: "shape",
                value: k,
                se: se_k,
            },
            Param {
                name: "scale",
                value: lambda,
                se: se_l,
            },
        ],
        ll,
        x,
        |v| d.cdf(v),
    ))
}

/// The trigamma function ψ'(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series
/// `1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹)` (error below 1e-12 there).
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    acc + r + r2 / 2.0 + r * r2 * (1.0 / 6.0 - r2 * (1.0 / 30.0 - r2 * (1.0 / 42.0 - r2 / 30.0)))
}

/// One-sample Kolmogorov–Smirnov test of `x` against `cdf`.
pub fn ks_test(x: &[f64], cdf: impl Fn(f64) -> f64) -> KsTest {
    let mut s: Vec<f64> = x.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len() as f64;
    let mut d = 0.0f64;
    for (i, v) in s.iter().enumerate() {
        let f = cdf(*v);
        d = d.max(f - i as f64 / n).max((i + 1) as f64 / n - f);
    }
    let sn = n.sqrt();
    KsTest {
        statistic: d,
        p_value: kolmogorov_sf((sn + 0.12 + 0.11 / sn) * d),
    }
}

/// `P(K > t)` for the Kolmogorov distribution: `2 Σ_{j≥1} (−1)^{j−1} e^{−2 j² t²}` (1 for
/// t ≤ 0; for small t, where the series converges slowly, the dual series
/// `1 − √(2π)/t Σ_{j≥1} e^{−(2j−1)² π² / (8 t²)}`).
pub fn kolmogorov_sf(t: f64) -> f64 {
    if t <= 0.0 {
        return 1.0;
    }
    if t < 1.0 {
        let pi2 = std::f64::consts::PI.powi(2);
        let sum: f64 = (1..=20)
            .map(|j| {
                let m = (2 * j - 1) as f64;
                (-m * m * pi2 / (8.0 * t * t)).exp()
            })
            .sum();
        return (1.0 - (2.0 * std::f64::consts::PI).sqrt() / t * sum).clamp(0.0, 1.0);
    }
    let mut sum = 0.0;
    for j in 1..=100 {
        let jf = j as f64;
        let term = (-2.0 * jf * jf * t * t).exp();
        sum += if j % 2 == 1 { term } else { -term };
        if term < 1e-18 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// What [`select`] chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// `fits[i]` of the [`Selection`].
    Fit(usize),
    /// No fit passed: the empirical sample.
    Empirical,
}

/// Every family fitted to one sample, and the choice among them.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    /// Successful fits, in [`Family::ALL`] order.
    pub fits: Vec<Fit>,
    /// Families that could not be fitted, and why.
    pub failed: Vec<(Family, FitError)>,
    /// The chosen fit, or the empirical sample.
    pub choice: Choice,
}

impl Selection {
    /// The chosen fit (`None` for the empirical sample).
    pub fn chosen(&self) -> Option<&Fit> {
        match self.choice {
            Choice::Fit(i) => self.fits.get(i),
            Choice::Empirical => None,
        }
    }
}

/// Fits every family to `x` and chooses: the lowest AIC among the fits whose KS test is not
/// rejected at [`KS_ALPHA`]; the empirical sample when there is none.
pub fn select(x: &[f64]) -> Selection {
    let mut fits = Vec::new();
    let mut failed = Vec::new();
    for fam in Family::ALL {
        match fam.fit(x) {
            Ok(f) => fits.push(f),
            Err(e) => failed.push((fam, e)),
        }
    }
    let choice = fits
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.ks.rejected() && f.aic.is_finite())
        .min_by(|a, b| a.1.aic.total_cmp(&b.1.aic))
        .map_or(Choice::Empirical, |(i, _)| Choice::Fit(i));
    Selection {
        fits,
        failed,
        choice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::Continuous;

    /// 400 deterministic, spread-out positive samples (a quasi-random walk over 5–300 ms).
    fn sample() -> Vec<f64> {
        (0..400)
            .map(|i| 5.0 + 295.0 * ((i as f64 * 0.618_033_988_749_895) % 1.0).powf(1.7))
            .collect()
    }

    #[test]
    fn families_are_named_as_the_workload_names_them() {
        let names: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(names, ["lognormal", "gamma", "weibull"]);
    }

    #[test]
    fn each_log_likelihood_is_the_sum_of_the_fitted_log_densities() {
        // Computed independently with statrs's densities at the fitted parameters.
        let x = sample();
        for family in Family::ALL {
            let f = family.fit(&x).unwrap();
            let (a, b) = (f.params[0].value, f.params[1].value);
            let ll: f64 = match family {
                Family::LogNormal => x
                    .iter()
                    .map(|v| LogNormal::new(a, b).unwrap().ln_pdf(*v))
                    .sum(),
                Family::Gamma => x
                    .iter()
                    .map(|v| Gamma::new(a, 1.0 / b).unwrap().ln_pdf(*v))
                    .sum(),
                Family::Weibull => x
                    .iter()
                    .map(|v| Weibull::new(a, b).unwrap().ln_pdf(*v))
                    .sum(),
            };
            assert!(
                (f.log_likelihood - ll).abs() < 1e-6 * ll.abs(),
                "{family}: {} vs {ll}",
                f.log_likelihood
            );
        }
    }

    #[test]
    fn the_gamma_fit_keeps_the_sample_mean() {
        // The gamma MLE satisfies k·θ = the sample mean exactly; Fit::mean_ms reports it.
        let x = sample();
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let f = fit_gamma(&x).unwrap();
        assert!(
            (f.mean_ms() - mean).abs() < 1e-9 * mean,
            "{} vs {mean}",
            f.mean_ms()
        );
    }

    #[test]
    fn trigamma_matches_known_values() {
        // ψ'(1) = π²/6, ψ'(1/2) = π²/2, ψ'(x+1) = ψ'(x) − 1/x².
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-10);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-10);
        assert!((trigamma(7.5) - (trigamma(6.5) - 1.0 / 42.25)).abs() < 1e-12);
    }

    #[test]
    fn kolmogorov_tail_matches_tables() {
        // Critical values of the Kolmogorov distribution: P(K > 1.358) ≈ 0.05,
        // P(K > 1.224) ≈ 0.10, P(K > 1.628) ≈ 0.01.
        assert!((kolmogorov_sf(1.358) - 0.05).abs() < 5e-4);
        assert!((kolmogorov_sf(1.224) - 0.10).abs() < 5e-4);
        assert!((kolmogorov_sf(1.628) - 0.01).abs() < 2e-4);
        // The two series agree where they meet.
        let below = kolmogorov_sf(1.0 - 1e-9);
        let above = kolmogorov_sf(1.0 + 1e-9);
        assert!((below - above).abs() < 1e-6, "{below} vs {above}");
        assert_eq!(kolmogorov_sf(0.0), 1.0);
        // Below 1, the dual series: P(K > 0.5) = 0.963945, P(K > 0.8) = 0.544142.
        assert!((kolmogorov_sf(0.5) - 0.963_945).abs() < 1e-6);
        assert!((kolmogorov_sf(0.8) - 0.544_142).abs() < 1e-6);
    }

    #[test]
    fn ks_statistic_by_hand() {
        // Sample {0.25, 0.5, 0.75} against U(0,1): the ECDF steps at each point; the largest
        // gap is 1/3 − 0.25 = 0.0833… at 0.25, 2/3 − 0.5 and 1 − 0.75 = 0.25.
        let t = ks_test(&[0.5, 0.25, 0.75], |v| v.clamp(0.0, 1.0));
        assert!((t.statistic - 0.25).abs() < 1e-12);
    }

    #[test]
    fn ks_p_value_uses_stephens_small_sample_correction() {
        // Four points from 0.9 up against U(0,1): D = 0.9 (the ECDF is 0 up to 0.9). The
        // p-value is P(K > (√n + 0.12 + 0.11/√n) D) = P(K > 2.175 × 0.9 = 1.9575) (Stephens
        // 1970), here summed by hand: 2 Σ (−1)^(j−1) e^(−2 j² t²) ≈ 9.4e-4.
        let t = ks_test(&[0.9, 0.95, 0.97, 0.99], |v| v.clamp(0.0, 1.0));
        assert!((t.statistic - 0.9).abs() < 1e-12);
        let z: f64 = (2.0 + 0.12 + 0.11 / 2.0) * 0.9;
        let p: f64 = (1..=20)
            .map(|j| {
                let sign = if j % 2 == 1 { 2.0 } else { -2.0 };
                sign * (-2.0 * (j * j) as f64 * z * z).exp()
            })
            .sum();
        assert!((9.0e-4..9.8e-4).contains(&p), "{p}");
        assert!((t.p_value - p).abs() < 1e-9 * p, "{} vs {p}", t.p_value);
    }

    #[test]
    fn lognormal_fit_by_hand() {
        // ln x = ±1 alternately (20 samples): mu = 0, sigma = 1.
        let x: Vec<f64> = (0..20)
            .map(|i| {
                if i % 2 == 0 {
                    1f64.exp()
                } else {
                    (-1f64).exp()
                }
            })
            .collect();
        let f = fit_lognormal(&x).unwrap();
        assert!(f.params[0].value.abs() < 1e-12);
        assert!((f.params[1].value - 1.0).abs() < 1e-12);
        assert!((f.params[0].se - 1.0 / 20f64.sqrt()).abs() < 1e-12);
        // ln L = −Σ ln x − n ln σ − n/2 ln 2π − n/2 = −10·ln 2π − 10.
        let want = -10.0 * (2.0 * std::f64::consts::PI).ln() - 10.0;
        assert!((f.log_likelihood - want).abs() < 1e-9);
        assert!((f.aic - (4.0 - 2.0 * want)).abs() < 1e-9);
    }

    #[test]
    fn bad_samples_are_refused_with_the_reason() {
        assert_eq!(
            fit_gamma(&[1.0; 5]),
            Err(FitError::TooFew { n: 5, needed: 20 })
        );
        assert_eq!(
            fit_weibull(&[3.0; 25]),
            Err(FitError::NoSpread { value: 3.0 })
        );
        let mut x = [1.0, 2.0].repeat(15);
        x[3] = 0.0;
        assert_eq!(fit_lognormal(&x), Err(FitError::NotPositive { count: 1 }));
        // All families fail: the selection falls back to the sample.
        let s = select(&x);
        assert_eq!(s.choice, Choice::Empirical);
        assert_eq!(s.failed.len(), 3);
    }
}
